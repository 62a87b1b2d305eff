//! Languages and the keyboard, end to end: the app under a Chinese locale
//! speaks Chinese on the page and in the tray, switches to English from the
//! settings without a reload, and an agent signs in, answers and hangs up
//! with the keyboard alone.

use std::time::{Duration, Instant};

use agentbar_e2e::gateway::PASSWORD;
use agentbar_e2e::{App, Desktop, Gateway, built_binary};
use fantoccini::Locator;
use fantoccini::key::Key;

/// A picture of the window once the page has painted what the DOM holds
/// (WebKit's snapshot can show the frame before).
async fn screenshot(app: &App, name: &str) {
    tokio::time::sleep(Duration::from_millis(700)).await;
    app.screenshot(name).await.expect("screenshot");
}

/// The id of the element that has the focus.
async fn focused(app: &App) -> String {
    let active = app.client().active_element().await.expect("active element");
    active.attr("id").await.ok().flatten().unwrap_or_default()
}

/// Sends keys to whatever has the focus, as a keyboard would.
async fn press(app: &App, keys: &str) {
    let active = app.client().active_element().await.expect("active element");
    active.send_keys(keys).await.expect("keys");
}

async fn wait_for_focus(app: &App, id: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let now = focused(app).await;
        if now == id {
            return;
        }
        assert!(Instant::now() < deadline, "focus on #{now}, expected #{id}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Ids (or tags) of the controls with no accessible name.
async fn nameless_controls(app: &App) -> Vec<String> {
    let found = app
        .client()
        .execute(
            r#"return [...document.querySelectorAll("button, input, select, textarea")]
                .filter((el) => {
                  if ((el.getAttribute("aria-label") || "").trim()) return false;
                  const by = el.getAttribute("aria-labelledby");
                  if (by && by.split(/\s+/).some((id) => (document.getElementById(id)?.textContent || "").trim())) return false;
                  if (el.closest("label") && el.closest("label").textContent.trim()) return false;
                  if (el.id && document.querySelector(`label[for="${el.id}"]`)) return false;
                  return el.tagName !== "BUTTON" || (el.textContent || "").trim() === "";
                })
                .map((el) => el.id || el.tagName);"#,
            vec![],
        )
        .await
        .expect("script runs");
    serde_json::from_value(found).expect("a list of ids")
}

#[tokio::test]
async fn chinese_by_locale_english_by_choice_and_a_call_by_keyboard_alone() {
    let desktop = Desktop::start().expect("desktop session");
    let gateway = Gateway::start(&desktop, Duration::from_secs(60))
        .await
        .expect("simulated gateway");
    gateway.write_settings(&desktop).expect("settings");

    // A Chinese locale: the page and the tray speak Chinese.
    let app = App::launch_with(
        &desktop,
        &built_binary("agentbar"),
        &[],
        &[("LANG", "zh_CN.UTF-8"), ("LC_ALL", ""), ("LC_MESSAGES", "")],
    )
    .await
    .expect("app launches");
    app.wait_displayed("#signin").await.expect("sign-in view");
    app.wait_for_text("#btn-sign-in", "签入")
        .await
        .expect("the sign-in button in Chinese");
    app.wait_for_text("#agent-state", "已签出")
        .await
        .expect("the state in Chinese");
    let menu = desktop
        .tray_menu(Duration::from_secs(10))
        .expect("tray menu");
    let labels = desktop.tray_labels(&menu).expect("tray labels");
    assert!(
        labels.iter().any(|l| l.contains("退出")),
        "the tray's Quit in Chinese: {labels:?}"
    );
    screenshot(&app, "signin-zh").await;

    // Every control has a name a screen reader can say.
    assert_eq!(nameless_controls(&app).await, Vec::<String>::new());

    // Sign in by keyboard: the form is prefilled, focus waits in the password field.
    wait_for_focus(&app, "password").await;
    press(&app, &format!("{PASSWORD}{}", Key::Enter)).await;
    app.wait_for_text("#agent-state", "示闲")
        .await
        .expect("ready after sign-in, in Chinese");
    app.wait_for_attribute("#health", "data-health", "connected")
        .await
        .expect("connected");
    screenshot(&app, "bar-zh").await;
    assert_eq!(nameless_controls(&app).await, Vec::<String>::new());

    // A call rings: focus goes to Answer; Tab and Shift+Tab move between the
    // call buttons (Answer, Reject, Back to queue, Hang up); Enter answers.
    gateway.ring("13800138000", None);
    app.wait_for_text("#agent-state", "振铃中")
        .await
        .expect("ringing, in Chinese");
    wait_for_focus(&app, "btn-answer").await;
    press(&app, &Key::Tab.to_string()).await;
    wait_for_focus(&app, "btn-reject").await;
    press(&app, &Key::Tab.to_string()).await;
    wait_for_focus(&app, "btn-requeue").await;
    press(&app, &Key::Tab.to_string()).await;
    wait_for_focus(&app, "btn-hangup").await;
    for _ in 0..3 {
        press(&app, &format!("{}{}", Key::Shift, Key::Tab)).await;
    }
    wait_for_focus(&app, "btn-answer").await;
    screenshot(&app, "bar-zh-ringing").await;
    press(&app, &Key::Enter.to_string()).await;
    app.wait_for_text("#agent-state", "通话中")
        .await
        .expect("talking after Enter on Answer");

    // The settings panel says what became of the global shortcuts.
    app.click("#btn-settings").await.expect("open settings");
    app.wait_displayed("#settings")
        .await
        .expect("settings open");
    let status = app
        .text("#shortcut-answer-status")
        .await
        .expect("shortcut status");
    assert!(!status.is_empty(), "a status for the Answer shortcut");
    screenshot(&app, "settings-zh").await;

    // Switch to English: the page changes at once, and so does the tray.
    app.client()
        .find(Locator::Css("#language"))
        .await
        .expect("language select")
        .select_by_value("en")
        .await
        .expect("choose English");
    app.wait_for_text("#agent-state", "Talking")
        .await
        .expect("the state in English");
    app.wait_for_text("#btn-hangup", "Hang up")
        .await
        .expect("the call buttons in English");
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let labels = desktop.tray_labels(&menu).expect("tray labels");
        if labels.iter().any(|l| l.contains("Quit")) {
            break;
        }
        assert!(Instant::now() < deadline, "the tray in English: {labels:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    press(&app, &Key::Escape.to_string()).await;
    wait_for_focus(&app, "btn-settings").await;

    // Hang up from the keyboard: Tab through the header to the call's buttons.
    let mut order = Vec::new();
    for _ in 0..30 {
        press(&app, &Key::Tab.to_string()).await;
        let now = focused(&app).await;
        order.push(now.clone());
        if now == "btn-hangup" {
            break;
        }
    }
    assert_eq!(
        order.last().map(String::as_str),
        Some("btn-hangup"),
        "Tab reaches Hang up: {order:?}"
    );
    press(&app, &Key::Enter.to_string()).await;
    app.wait_for_text("#agent-state", "Ready")
        .await
        .expect("ready after hanging up");
    app.quit().await;
}
