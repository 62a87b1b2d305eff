//! A Chinese-locale agent reads Chinese: when the connection drops and when
//! the gateway signs the agent out, the bar, the sign-in form and the desktop
//! notifications say why without an English sentence. Only what is not
//! language (retcodes, numbers, the product name, event names the gateway
//! sent) may be in Latin letters.

use std::time::Duration;

use agentbar_e2e::gateway::{AGENT, PASSWORD};
use agentbar_e2e::{App, Desktop, Gateway, built_binary, eventually};

/// The English words in `text`: runs of two or more Latin letters, leaving
/// out the product name, HTTP and gateway event names (`AgentState_Ready`).
fn english_words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.chars().filter(char::is_ascii_alphabetic).count() >= 2)
        .filter(|w| !matches!(*w, "AgentBar" | "HTTP" | "HTTPS"))
        .filter(|w| !(w.starts_with("Agent") && w.contains('_')))
        .map(str::to_owned)
        .collect()
}

fn assert_chinese(what: &str, text: &str) {
    assert!(
        text.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "{what} is not in Chinese: {text:?}"
    );
    let english = english_words(text);
    assert!(
        english.is_empty(),
        "{what} has English words {english:?}: {text:?}"
    );
}

/// The notifications shown so far: summary and body of each.
fn notifications(desktop: &Desktop) -> Vec<(String, String)> {
    desktop
        .notifications()
        .expect("dunstctl history")
        .iter()
        .map(|n| {
            (
                n["summary"]["data"].as_str().unwrap_or_default().to_owned(),
                n["body"]["data"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[test]
fn the_check_finds_english() {
    assert_eq!(
        english_words("网关已将您签出（100-006：您未签入）。"),
        Vec::<String>::new()
    );
    assert_eq!(
        english_words("AgentBar：AgentState_Ready HTTP 502"),
        Vec::<String>::new()
    );
    assert_eq!(
        english_words("网关已将您签出（100-006：the agent is not signed in）。"),
        ["the", "agent", "is", "not", "signed", "in"]
    );
}

#[tokio::test]
async fn reconnect_and_gateway_sign_out_read_in_chinese() {
    let desktop = Desktop::start().expect("desktop session");
    let gateway = Gateway::start(&desktop, Duration::from_secs(60))
        .await
        .expect("simulated gateway");
    gateway.write_settings(&desktop).expect("settings");
    let control = gateway.sim.control();
    desktop
        .notification_server()
        .expect("the notification daemon runs");

    let app = App::launch_with(
        &desktop,
        &built_binary("agentbar"),
        &[],
        &[("LANG", "zh_CN.UTF-8"), ("LC_ALL", ""), ("LC_MESSAGES", "")],
    )
    .await
    .expect("app launches");
    app.wait_displayed("#signin").await.expect("sign-in view");
    app.wait_for_value("#agent-id", AGENT)
        .await
        .expect("the form shows the saved agent");
    app.type_into("#password", PASSWORD).await;
    app.click("#btn-sign-in").await.expect("sign in");
    app.wait_for_text("#agent-state", "示闲")
        .await
        .expect("ready, in Chinese");
    app.wait_for_attribute("#health", "data-health", "connected")
        .await
        .expect("connected");

    // The network goes: the bar says why, and so does a notification.
    control.cut_network().await;
    app.wait_for_attribute("#health", "data-health", "reconnecting")
        .await
        .expect("reconnecting");
    let health = app.text("#health").await.expect("health text");
    assert_chinese("the reconnecting bar", &health);
    app.screenshot("bar-zh-reconnecting")
        .await
        .expect("screenshot");
    let lost = eventually(
        "the connection-lost notification",
        Duration::from_secs(10),
        || {
            notifications(&desktop)
                .into_iter()
                .find(|(summary, _)| summary.contains("连接"))
        },
    )
    .await;
    assert_chinese("the connection-lost title", &lost.0);
    assert_chinese("the connection-lost text", &lost.1);

    // Back, then the gateway signs the agent out.
    control.start_gateway().await.expect("network back");
    app.wait_for_attribute("#health", "data-health", "connected")
        .await
        .expect("connected again");
    control
        .force_sign_out(AGENT)
        .expect("gateway-side sign-out");
    app.wait_displayed("#signin")
        .await
        .expect("the sign-in form is offered again");
    let said = app
        .wait_for_text("#signin-error", "网关")
        .await
        .expect("the reason on the form");
    assert!(
        said.contains("100-006") || said.contains("000-003"),
        "{said}"
    );
    assert_chinese("the sign-out reason on the form", &said);
    let health = app.text("#health").await.expect("health text");
    assert_chinese("the signed-out bar", &health);
    app.screenshot("bar-zh-signed-out-by-gateway")
        .await
        .expect("screenshot");
    let signed_out = eventually(
        "the signed-out notification",
        Duration::from_secs(10),
        || {
            notifications(&desktop)
                .into_iter()
                .find(|(_, body)| body.contains("100-006") || body.contains("000-003"))
        },
    )
    .await;
    assert_chinese("the signed-out title", &signed_out.0);
    assert_chinese("the signed-out text", &signed_out.1);
    for (summary, body) in notifications(&desktop) {
        assert_chinese("a notification title", &summary);
        if !body.is_empty() {
            assert_chinese("a notification text", &body);
        }
    }
    app.quit().await;
}
