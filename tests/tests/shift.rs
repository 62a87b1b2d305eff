//! An agent's shift, end to end: the real app in a private desktop session
//! (Xvfb, gnome-keyring, dunst) against the simulated gateway over HTTPS.

use std::time::{Duration, Instant};

use agentbar_e2e::gateway::{AGENT, PASSWORD};
use agentbar_e2e::{App, Desktop, Gateway};

/// The GUID the app keeps in the keyring for the test agent.
fn stored_guid(desktop: &Desktop) -> Option<String> {
    desktop
        .secret_lookup(&[("service", "agentbar"), ("username", AGENT)])
        .expect("secret-tool runs")
        .filter(|g| !g.is_empty())
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

fn notification_summaries(desktop: &Desktop) -> Vec<String> {
    desktop
        .notifications()
        .expect("dunstctl history")
        .iter()
        .filter_map(|n| n["summary"]["data"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn a_shift_signs_in_takes_a_call_resumes_and_signs_out_from_the_tray() {
    let desktop = Desktop::start().expect("desktop session");
    let gateway = Gateway::start(&desktop, Duration::from_secs(2))
        .await
        .expect("simulated gateway");
    gateway.write_settings(&desktop).expect("settings");
    let control = gateway.sim.control();

    // Sign in: the form comes prefilled from the settings; the agent types the password.
    let app = App::launch(&desktop).await.expect("app launches");
    app.wait_displayed("#signin").await.expect("sign-in view");
    // The form is prefilled from the saved settings once the page has loaded them.
    app.wait_for_value("#agent-id", agentbar_e2e::gateway::AGENT)
        .await
        .expect("the form shows the saved agent");
    app.screenshot("bar-signed-out").await.expect("screenshot");
    app.fill("#password", PASSWORD).await.expect("password");
    app.click("#btn-sign-in").await.expect("sign in");
    app.wait_for_text("#agent-state", "Ready")
        .await
        .expect("ready after sign-in");
    app.wait_for_text("#events", "AgentOther_InService")
        .await
        .expect("the sign-in event is listed as received");
    app.screenshot("bar-idle").await.expect("screenshot");
    app.wait_for_attribute("#health", "data-health", "connected")
        .await
        .expect("connected");

    // The GUID is in the keyring, nowhere else.
    let first_guid = eventually("the GUID in the keyring", Duration::from_secs(10), || {
        stored_guid(&desktop)
    })
    .await;
    assert!(
        first_guid.contains("AgentGateway"),
        "a gateway GUID is stored"
    );

    // A GUID rotation (every 2 s here) rewrites the keyring.
    eventually(
        "a rotated GUID in the keyring",
        Duration::from_secs(20),
        || stored_guid(&desktop).filter(|g| *g != first_guid),
    )
    .await;

    // A call rings: on the bar and as a desktop notification.
    let callid = gateway.ring("13800138000", Some("order=4711"));
    app.wait_for_text("#agent-state", "Ringing")
        .await
        .expect("ringing");
    app.wait_for_text("#call-caller", "13800138000")
        .await
        .expect("caller shown");
    app.wait_for_text("#events", "AgentEvent_Ringing")
        .await
        .expect("ringing event listed");
    app.screenshot("bar-ringing").await.expect("screenshot");
    eventually("the ringing notification", Duration::from_secs(10), || {
        notification_summaries(&desktop)
            .into_iter()
            .find(|s| s.contains("13800138000"))
    })
    .await;

    // Answer, hold, unhold.
    app.click("#btn-answer").await.expect("answer");
    app.wait_for_text("#agent-state", "Talking")
        .await
        .expect("talking");
    app.click("#btn-hold").await.expect("hold");
    app.wait_for_text("#agent-state", "On hold")
        .await
        .expect("held");
    app.click("#btn-unhold").await.expect("unhold");
    app.wait_for_text("#agent-state", "Talking")
        .await
        .expect("talking again");

    // Calldata: shown, edited, saved; the gateway holds the new value.
    app.wait_for_value("#calldata", "order=4711")
        .await
        .expect("the call's data on the bar");
    app.fill("#calldata", "order=4711; customer asks for a callback")
        .await
        .expect("edit calldata");
    app.click("#btn-save-calldata")
        .await
        .expect("save calldata");
    eventually(
        "the simulator to hold the new call data",
        Duration::from_secs(10),
        || control.calldata(AGENT).filter(|c| c.contains("callback")),
    )
    .await;
    app.screenshot("bar-talking").await.expect("screenshot");

    // A restarted app resumes from the keyring, in the middle of the call.
    drop(app);
    // The single-instance guard of the old process must be gone first.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let app = App::launch(&desktop).await.expect("app relaunches");
    app.wait_for_text("#agent-state", "Talking")
        .await
        .expect("the resumed bar shows the call without asking for a password");
    app.wait_for_text("#call-caller", "13800138000")
        .await
        .expect("same call");
    assert!(
        !app.is_displayed("#signin").await,
        "no sign-in form after resume"
    );

    // Hang up.
    app.click("#btn-hangup").await.expect("hang up");
    app.wait_for_text("#agent-state", "Ready")
        .await
        .expect("ready after the call");
    assert!(
        control
            .emitted_events(AGENT)
            .iter()
            .any(|e| e["eventType"] == "AgentEvent_Call_Release" && e["content"] == callid.as_str()),
        "the gateway released the call"
    );

    // Sign out through the tray menu's own handler: keyring and bar clear.
    let menu = desktop
        .tray_menu(Duration::from_secs(10))
        .expect("tray menu");
    let labels = desktop.tray_labels(&menu).expect("tray labels");
    for wanted in ["Ready", "Busy", "Show", "Hide", "Sign out", "Quit"] {
        assert!(
            labels.iter().any(|l| l.contains(wanted)),
            "{wanted} in {labels:?}"
        );
    }
    desktop
        .click_tray_item(&menu, "Sign out")
        .expect("click Sign out");
    app.wait_displayed("#signin")
        .await
        .expect("sign-in view after sign-out");
    app.wait_for_text("#agent-state", "Signed out")
        .await
        .expect("bar cleared");
    eventually(
        "the keyring to forget the GUID",
        Duration::from_secs(10),
        || stored_guid(&desktop).is_none().then_some(()),
    )
    .await;
    let snapshot = control.agent_state(AGENT).expect("agent known");
    assert!(!snapshot.signed_in, "the gateway has the agent signed out");
    app.quit().await;
}
