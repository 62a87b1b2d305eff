//! A remembered password goes only to the gateway it was remembered for:
//! signed in at gateway A with "remember password", the agent can sign in
//! there again without typing it, but a form naming gateway B sends no
//! password at all (B never sees a sign-in) and asks for one.

use std::time::Duration;

use agentbar_e2e::gateway::{AGENT, PASSWORD};
use agentbar_e2e::{App, Desktop, Gateway};

#[tokio::test]
async fn a_password_remembered_for_one_gateway_is_not_sent_to_another() {
    let desktop = Desktop::start().expect("desktop session");
    let a = Gateway::start(&desktop, Duration::from_secs(60))
        .await
        .expect("gateway A");
    let a_ca = std::fs::read_to_string(&a.ca_file).expect("A's CA");
    let b = Gateway::start(&desktop, Duration::from_secs(60))
        .await
        .expect("gateway B");
    let b_ca = std::fs::read_to_string(&b.ca_file).expect("B's CA");
    // One CA file the app trusts for both.
    std::fs::write(&a.ca_file, format!("{a_ca}\n{b_ca}")).expect("both CAs");
    a.write_settings(&desktop).expect("settings for A");

    let app = App::launch(&desktop).await.expect("app launches");
    app.wait_displayed("#signin").await.expect("sign-in view");
    let remembered = app
        .client()
        .execute(
            "return document.querySelector('#remember-password').checked;",
            vec![],
        )
        .await
        .expect("checkbox");
    if remembered != serde_json::Value::Bool(true) {
        app.click("#remember-password")
            .await
            .expect("remember password");
    }
    app.sign_in(PASSWORD).await;
    assert!(
        desktop
            .secret_lookup(&[("service", "agentbar-password"), ("username", AGENT)])
            .expect("secret-tool runs")
            .is_none(),
        "the password is not kept for the agent alone, whatever the gateway"
    );

    // Signed out, the remembered password signs in at A again.
    app.click("#btn-sign-out").await.expect("sign out");
    app.wait_displayed("#signin").await.expect("signed out");
    app.click("#btn-sign-in").await.expect("sign in");
    app.wait_for_text("#agent-state", "Ready")
        .await
        .expect("signed in at A with the remembered password");
    app.click("#btn-sign-out").await.expect("sign out");
    app.wait_displayed("#signin").await.expect("signed out");

    // The same agent at gateway B: no password is offered.
    app.type_into("#gateway", &b.sim.gateway_url()).await;
    app.click("#btn-sign-in").await.expect("sign in");
    let said = app
        .wait_for_text("#signin-error", "password")
        .await
        .expect("the page asks for the password");
    assert!(said.contains("Enter your password"), "{said}");
    assert!(
        !b.sim
            .control()
            .agent_state(AGENT)
            .is_some_and(|s| s.signed_in),
        "gateway B never got a sign-in"
    );
    app.quit().await;
}
