//! Relay mode: the real app signs in "via the site relay", chosen on the
//! sign-in form, against the simulator pushing to a real `agentbar-relay`
//! on a real `nats-server -js`. A call pushed through the relay rings on the
//! bar; with the relay stopped the bar's health says the site relay cannot
//! be reached while the agent stays signed in; with the relay back the bar
//! recovers by itself and the next call rings.

use std::time::Duration;

use agentbar_e2e::gateway::{AGENT, PASSWORD};
use agentbar_e2e::{App, Desktop, Gateway, SiteRelay};
use agentgateway_sim::Ring;

/// The words the bar's health uses for a relay that cannot be reached.
const RELAY_DOWN: &str = "site relay cannot be reached";

/// Fills in the relay fields of the sign-in form as an agent does.
async fn choose_the_relay(app: &App, relay: &SiteRelay) {
    app.wait_displayed("#signin").await.expect("sign-in view");
    app.wait_for_value("#agent-id", AGENT)
        .await
        .expect("the form shows the settings");
    assert!(
        !app.is_displayed("#relay-fields").await,
        "no relay fields in polling mode"
    );
    app.choose("#mode", "relay").await;
    app.wait_displayed("#relay-url")
        .await
        .expect("the relay fields show");
    assert!(
        !app.is_displayed("#push-listen").await,
        "no push receiver fields via the relay"
    );
    app.type_into("#relay-url", &relay.subscribe_url()).await;
    app.type_into("#relay-push-url", &relay.push_url()).await;
    app.choose("#relay-trust", "pin").await;
    app.wait_displayed("#relay-pin-sha256")
        .await
        .expect("the relay's fingerprint field shows");
    app.type_into("#relay-pin-sha256", &relay.sha256).await;
}

/// Rings the agent and waits until the bar rings and lists the pushed event,
/// then the customer hangs up; returns the call's ID.
async fn a_call_rings(app: &App, gateway: &Gateway, what: &str) -> String {
    let control = gateway.sim.control();
    let callid = control.ring(AGENT, Ring::default()).expect("ring");
    app.wait_for_text("#agent-state", "Ringing")
        .await
        .unwrap_or_else(|e| panic!("{what}: the bar does not ring: {e:?}"));
    app.wait_for_text("#events", "AgentEvent_Ringing")
        .await
        .unwrap_or_else(|e| panic!("{what}: the event is not on the list: {e:?}"));
    assert!(
        control
            .delivered_events(AGENT)
            .iter()
            .any(|e| e["eventType"] == "AgentEvent_Ringing"
                && e["content"]["callid"] == callid.as_str()),
        "{what}: the gateway delivered the ringing to the relay"
    );
    control.customer_hang_up(AGENT).expect("customer hangs up");
    app.wait_for_text("#agent-state", "Ready")
        .await
        .unwrap_or_else(|e| panic!("{what}: not ready after the call: {e:?}"));
    callid
}

#[tokio::test]
async fn a_bar_via_the_site_relay_rings_says_when_the_relay_is_gone_and_recovers() {
    let desktop = Desktop::start().expect("desktop session");
    let mut relay = SiteRelay::start().expect("nats-server and agentbar-relay");
    let gateway = Gateway::start(&desktop, Duration::from_secs(60))
        .await
        .expect("simulated gateway");
    let settings_file = gateway.write_settings(&desktop).expect("settings");

    let app = App::launch(&desktop).await.expect("app launches");
    choose_the_relay(&app, &relay).await;
    app.sign_in(PASSWORD).await;
    app.wait_for_text("#health", "Connected")
        .await
        .expect("connected via the relay");

    let saved: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&settings_file).expect("settings file"))
            .expect("settings JSON");
    assert_eq!(saved["mode"], "relay", "{saved}");
    assert_eq!(saved["relay"]["urls"][0], relay.subscribe_url().as_str());
    assert_eq!(saved["relay"]["pushUrl"], relay.push_url().as_str());
    assert_eq!(saved["relay"]["trust"]["sha256"], relay.sha256.as_str());
    let agent = gateway.sim.control().agent_state(AGENT).expect("agent");
    assert_eq!(agent.mode.as_deref(), Some("push"), "the gateway pushes");

    a_call_rings(&app, &gateway, "first call").await;
    let delivered = relay
        .metric("agentbar_relay_events_delivered_total")
        .expect("metrics");
    assert!(
        delivered >= 2.0,
        "the relay sent the bar its events ({delivered})"
    );
    assert!(
        gateway
            .sim
            .control()
            .push_log()
            .iter()
            .any(|a| a.agent == AGENT && a.outcome == "ok"),
        "the relay took the gateway's pushes"
    );
    app.screenshot("relay-connected").await.expect("screenshot");

    // The relay goes away: the bar says so, and the agent stays signed in.
    relay.stop_relay();
    let health = app
        .wait_for_text("#health", RELAY_DOWN)
        .await
        .expect("the health says the relay cannot be reached");
    assert!(health.contains("Reconnecting"), "{health}");
    assert_eq!(
        app.text("#agent-state").await.expect("state"),
        "Ready",
        "still signed in and ready"
    );
    assert!(!app.is_displayed("#signin").await, "no sign-in form");
    app.screenshot("relay-down").await.expect("screenshot");
    assert!(
        gateway
            .sim
            .control()
            .agent_state(AGENT)
            .is_some_and(|a| a.signed_in),
        "the gateway keeps the session"
    );

    // The relay is back: the bar recovers by itself and the next call rings.
    relay.start_relay().expect("the relay starts again");
    let health = app
        .wait_for_text("#health", "Connected")
        .await
        .expect("the health recovers");
    assert!(!health.contains(RELAY_DOWN), "{health}");
    a_call_rings(&app, &gateway, "the call after the relay came back").await;

    let log = std::fs::read_to_string(relay.log_path()).unwrap_or_default();
    assert!(!log.contains(PASSWORD), "no password in the relay's log");
    app.quit().await;
}

#[tokio::test]
async fn a_relay_mode_bar_killed_and_started_again_resumes_and_takes_the_next_call() {
    let desktop = Desktop::start().expect("desktop session");
    let relay = SiteRelay::start().expect("nats-server and agentbar-relay");
    let gateway = Gateway::start(&desktop, Duration::from_secs(60))
        .await
        .expect("simulated gateway");
    gateway
        .write_settings_relay(&desktop, &relay)
        .expect("relay settings");

    let app = App::launch(&desktop).await.expect("app launches");
    app.sign_in(PASSWORD).await;
    a_call_rings(&app, &gateway, "before the restart").await;
    for service in ["agentbar", "agentbar-push"] {
        agentbar_e2e::eventually(
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
    assert!(!app.is_displayed("#signin").await, "no sign-in form");
    app.wait_for_text("#health", "Connected")
        .await
        .expect("connected via the relay again");
    a_call_rings(&app, &gateway, "after the restart").await;
    app.quit().await;
}
