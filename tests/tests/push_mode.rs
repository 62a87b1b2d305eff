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
