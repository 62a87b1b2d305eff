//! When the gateway ends the session (here: signed out from the gateway's
//! side, as an administrator or the inactivity timeout does), the bar says
//! so in plain words, offers sign-in again and forgets the GUID.

use std::time::Duration;

use agentbar_e2e::gateway::{AGENT, PASSWORD};
use agentbar_e2e::{Desktop, SignedIn, eventually};

fn stored_guid(desktop: &Desktop) -> Option<String> {
    desktop
        .secret_lookup(&[("service", "agentbar"), ("username", AGENT)])
        .expect("secret-tool runs")
        .filter(|g| !g.is_empty())
}

#[tokio::test]
async fn the_bar_says_the_gateway_signed_the_agent_out_and_offers_sign_in() {
    let SignedIn {
        app,
        gateway,
        desktop,
    } = SignedIn::start().await;
    let control = gateway.sim.control();
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
    app.sign_in(PASSWORD).await;
    app.quit().await;
}
