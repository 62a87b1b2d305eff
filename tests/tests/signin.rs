//! Sign-in as an agent meets it: refusals in plain words, and one bar per user.

use std::time::{Duration, Instant};

use agentbar_e2e::gateway::PASSWORD;
use agentbar_e2e::{App, Desktop, Gateway};

#[tokio::test]
async fn a_wrong_password_is_refused_in_plain_words_and_a_second_launch_keeps_one_bar() {
    let desktop = Desktop::start().expect("desktop session");
    let gateway = Gateway::start(&desktop, Duration::from_secs(60))
        .await
        .expect("simulated gateway");
    gateway.write_settings(&desktop).expect("settings");

    let app = App::launch(&desktop).await.expect("app launches");
    app.wait_displayed("#signin").await.expect("sign-in view");
    // The form is prefilled from the saved settings once the page has loaded them.
    app.wait_for_value("#agent-id", agentbar_e2e::gateway::AGENT)
        .await
        .expect("the form shows the saved agent");
    app.fill("#password", "not-the-password")
        .await
        .expect("password");
    app.click("#btn-sign-in").await.expect("sign in");
    app.wait_for_text("#signin-error", "Wrong agent ID or password")
        .await
        .expect("the refusal in plain words");
    assert_eq!(app.text("#agent-state").await.expect("state"), "Signed out");
    app.screenshot("signin-wrong-password")
        .await
        .expect("screenshot");

    // A second launch hands over to the running bar and exits.
    let started = Instant::now();
    let mut second = desktop
        .command(&agentbar_e2e::built_binary("agentbar").to_string_lossy())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("second launch");
    let status = loop {
        if let Some(status) = second.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(20) {
            let _ = second.kill();
            panic!("a second AgentBar kept running next to the first");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        status.success(),
        "the second launch exits cleanly: {status}"
    );

    // The first bar still works: the right password signs in.
    app.fill("#password", PASSWORD).await.expect("password");
    app.click("#btn-sign-in").await.expect("sign in");
    app.wait_for_text("#agent-state", "Ready")
        .await
        .expect("ready");
    app.quit().await;
}
