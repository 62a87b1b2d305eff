//! When the gateway ends the session (here: signed out from the gateway's
//! side, as an administrator or the inactivity timeout does), the bar says
//! so in plain words, offers sign-in again and forgets the GUID.

use std::time::{Duration, Instant};

use agentbar_e2e::gateway::{AGENT, PASSWORD};
use agentbar_e2e::{App, Desktop, Gateway};

fn stored_guid(desktop: &Desktop) -> Option<String> {
    desktop
        .secret_lookup(&[("service", "agentbar"), ("username", AGENT)])
        .expect("secret-tool runs")
        .filter(|g| !g.is_empty())
}

/// Types `text` into the field like the agent does; when the keystrokes do
/// not arrive (a window without keyboard focus under Xvfb), sets the value
/// and fires the `input` event the page listens to, as typing would.
async fn type_into(app: &App, css: &str, text: &str) {
    app.fill(css, text).await.expect("type into the field");
    let value = || async {
        let field = app
            .client()
            .find(fantoccini::Locator::Css(css))
            .await
            .expect("field");
        field.prop("value").await.ok().flatten().unwrap_or_default()
    };
    if value().await == text {
        return;
    }
    app.client()
        .execute(
            "const f = document.querySelector(arguments[0]); f.value = arguments[1]; \
             f.dispatchEvent(new Event('input', { bubbles: true })); \
             f.dispatchEvent(new Event('change', { bubbles: true }));",
            vec![css.into(), text.into()],
        )
        .await
        .expect("set the field");
    assert!(value().await == text, "{css} holds what was typed");
}

/// Signs in from the form with the test password. The form is filled once
/// the settings are on it (a later render would clear a password typed
/// before); if the page still asks for the password, it is typed again.
async fn sign_in(app: &App) {
    app.wait_displayed("#signin").await.expect("sign-in view");
    app.wait_for_value("#agent-id", "101")
        .await
        .expect("the form shows the settings");
    for _ in 0..3 {
        type_into(app, "#password", PASSWORD).await;
        app.click("#btn-sign-in").await.expect("sign in");
        if app.wait_for_text("#agent-state", "Ready").await.is_ok() {
            return;
        }
        let said = app.text("#signin-error").await.unwrap_or_default();
        assert!(said.contains("password"), "sign-in failed: {said}");
    }
    panic!("the sign-in form never took the password");
}

async fn eventually<T>(what: &str, timeout: Duration, mut check: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn the_bar_says_the_gateway_signed_the_agent_out_and_offers_sign_in() {
    let desktop = Desktop::start().expect("desktop session");
    let gateway = Gateway::start(&desktop, Duration::from_secs(60))
        .await
        .expect("simulated gateway");
    gateway.write_settings(&desktop).expect("settings");
    let control = gateway.sim.control();

    let app = App::launch(&desktop).await.expect("app launches");
    sign_in(&app).await;
    eventually("the GUID in the keyring", Duration::from_secs(10), || {
        stored_guid(&desktop)
    })
    .await;

    control
        .force_sign_out(AGENT)
        .expect("gateway-side sign-out");

    app.wait_displayed("#signin")
        .await
        .expect("the sign-in form is offered again");
    let said = app
        .wait_for_text("#signin-error", "gateway signed you out")
        .await
        .expect("the reason in plain words");
    assert!(
        said.contains("100-006") || said.contains("000-003"),
        "the gateway's retcode is named: {said}"
    );
    app.wait_for_text("#agent-state", "Signed out")
        .await
        .expect("bar shows signed out");
    app.screenshot("bar-signed-out-by-gateway")
        .await
        .expect("screenshot");
    eventually(
        "the keyring to forget the GUID",
        Duration::from_secs(10),
        || stored_guid(&desktop).is_none().then_some(()),
    )
    .await;

    // Signing in again works from the same form.
    sign_in(&app).await;
    app.quit().await;
}
