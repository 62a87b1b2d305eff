//! Push mode with a strict gateway, one that never retries a refused push:
//! an app killed mid-shift and started again takes the next push, and the
//! events a gateway pushes before its sign-in answer has arrived are shown.

use std::time::Duration;

use agentbar_e2e::gateway::{AGENT, PASSWORD};
use agentbar_e2e::{App, Desktop, Gateway, eventually};
use agentgateway_sim::{Ring, SimConfig};

fn no_retry(cfg: &mut SimConfig) {
    cfg.push.retry = false;
}

/// Every push to the agent so far was accepted (a refused one is lost here).
fn all_pushes_accepted(gateway: &Gateway) {
    let log = gateway.sim.control().push_log();
    let refused: Vec<_> = log
        .iter()
        .filter(|a| a.agent == AGENT && a.outcome != "ok")
        .collect();
    assert!(refused.is_empty(), "pushes refused: {refused:?}");
}

#[tokio::test]
async fn a_push_mode_bar_killed_and_started_again_takes_the_next_push() {
    let desktop = Desktop::start().expect("desktop session");
    let gateway = Gateway::start_with(&desktop, Duration::from_secs(60), no_retry)
        .await
        .expect("simulated gateway");
    gateway
        .write_settings_push(&desktop)
        .expect("push settings");
    let control = gateway.sim.control();

    let app = App::launch(&desktop).await.expect("app launches");
    app.sign_in(PASSWORD).await;
    control.ring(AGENT, Ring::default()).expect("ring");
    app.wait_for_text("#agent-state", "Ringing")
        .await
        .expect("the pushed ringing shows");
    control.customer_hang_up(AGENT).expect("customer hangs up");
    app.wait_for_text("#agent-state", "Ready")
        .await
        .expect("ready again");

    for service in ["agentbar", "agentbar-push"] {
        eventually(
            "the session in the keyring",
            Duration::from_secs(10),
            || {
                desktop
                    .secret_lookup(&[("service", service), ("username", AGENT)])
                    .expect("secret-tool runs")
                    .filter(|v| !v.is_empty())
            },
        )
        .await;
    }
    app.kill();
    // The single-instance guard of the old process must be gone first.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let app = App::launch(&desktop).await.expect("app starts again");
    if let Err(e) = app.wait_for_text("#agent-state", "Ready").await {
        let said = app.text("#signin-error").await.unwrap_or_default();
        panic!("the session did not resume without a sign-in: {e:?}; the bar says: {said}");
    }
    assert!(
        !app.is_displayed("#signin").await,
        "no sign-in form after the restart"
    );
    let callid = control.ring(AGENT, Ring::default()).expect("ring again");
    app.wait_for_text("#agent-state", "Ringing")
        .await
        .expect("the next push is accepted and shown");
    app.wait_for_text("#events", "AgentEvent_Ringing")
        .await
        .expect("the event is on the list");
    all_pushes_accepted(&gateway);
    assert!(
        control
            .delivered_events(AGENT)
            .iter()
            .any(|e| e["eventType"] == "AgentEvent_Ringing"
                && e["content"]["callid"] == callid.as_str()),
        "the gateway saw the second ringing delivered"
    );
    app.screenshot("push-after-restart")
        .await
        .expect("screenshot");
    app.quit().await;
}

#[tokio::test]
async fn events_pushed_before_the_sign_in_answer_are_shown() {
    let desktop = Desktop::start().expect("desktop session");
    let gateway = Gateway::start_with(&desktop, Duration::from_secs(60), |cfg| {
        no_retry(cfg);
        // The gateway pushes the first events at once and answers the
        // sign-in later: they reach the bar before its GUID does.
        cfg.signin_answer_delay = Duration::from_millis(800);
    })
    .await
    .expect("simulated gateway");
    gateway
        .write_settings_push(&desktop)
        .expect("push settings");

    let app = App::launch(&desktop).await.expect("app launches");
    app.sign_in(PASSWORD).await;
    app.wait_for_text("#agent-state", "Ready")
        .await
        .expect("the pushed AgentState_Ready shows");
    app.wait_for_text("#events", "AgentOther_InService")
        .await
        .expect("the first pushed event is on the list");
    eventually(
        "the first push to be answered",
        Duration::from_secs(10),
        || {
            gateway
                .sim
                .control()
                .push_log()
                .iter()
                .any(|a| a.agent == AGENT)
                .then_some(())
        },
    )
    .await;
    all_pushes_accepted(&gateway);
    app.quit().await;
}

/// The receiver's certificate fingerprint the sign-in form shows in push
/// mode: 64 lowercase hex digits.
async fn shown_fingerprint(app: &App) -> String {
    app.wait_displayed("#push-fingerprint-field")
        .await
        .expect("the receiver's fingerprint is shown with the push fields");
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let text = app.text("#push-fingerprint").await.unwrap_or_default();
        if text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit()) {
            return text.to_ascii_lowercase();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no fingerprint shown: {text:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The SHA-256 of the certificate kept in `dir`, as openssl computes it.
fn kept_fingerprint(dir: &std::path::Path) -> String {
    let output = std::process::Command::new("openssl")
        .args(["x509", "-noout", "-fingerprint", "-sha256", "-in"])
        .arg(dir.join("push-cert.pem"))
        .output()
        .expect("openssl runs");
    let text = String::from_utf8_lossy(&output.stdout);
    text.split('=')
        .nth(1)
        .unwrap_or_default()
        .trim()
        .replace(':', "")
        .to_ascii_lowercase()
}

#[tokio::test]
async fn the_receivers_certificate_is_kept_across_sign_ins_and_restarts_and_shown_for_pinning() {
    use std::os::unix::fs::PermissionsExt;
    let desktop = Desktop::start().expect("desktop session");
    let gateway = Gateway::start(&desktop, Duration::from_secs(60))
        .await
        .expect("simulated gateway");
    gateway
        .write_settings_push(&desktop)
        .expect("push settings");
    let kept = desktop
        .xdg_root()
        .join("data/com.agentbar.desktop/push-receiver");

    let app = App::launch(&desktop).await.expect("app launches");
    app.wait_displayed("#signin").await.expect("sign-in view");
    let first = shown_fingerprint(&app).await;
    assert_eq!(kept_fingerprint(&kept), first, "the kept certificate's");
    let mode = |p: &std::path::Path| {
        std::fs::metadata(p)
            .map(|m| m.permissions().mode() & 0o777)
            .unwrap_or(0)
    };
    assert_eq!(mode(&kept), 0o700, "the kept folder is owner-only");
    assert_eq!(
        mode(&kept.join("push-key.pem")),
        0o600,
        "the key is owner-only"
    );

    app.sign_in(PASSWORD).await;
    assert_eq!(kept_fingerprint(&kept), first, "the receiver serves it");
    app.click("#btn-sign-out").await.expect("sign out");
    app.wait_displayed("#signin").await.expect("signed out");
    app.sign_in(PASSWORD).await;
    assert_eq!(
        kept_fingerprint(&kept),
        first,
        "a second sign-in serves the same certificate"
    );
    app.click("#btn-sign-out").await.expect("sign out");
    app.wait_displayed("#signin").await.expect("signed out");
    app.quit().await;

    tokio::time::sleep(Duration::from_secs(1)).await;
    let app = App::launch(&desktop).await.expect("app relaunches");
    app.wait_for_value("#agent-id", AGENT)
        .await
        .expect("the form shows the settings");
    app.wait_displayed("#signin").await.expect("signed out");
    assert_eq!(
        shown_fingerprint(&app).await,
        first,
        "a restart shows the same certificate"
    );
    app.sign_in(PASSWORD).await;
    assert_eq!(kept_fingerprint(&kept), first, "and its receiver serves it");
    app.quit().await;
}
