//! The foundation: the app opens its window on the connection bar page inside a
//! full desktop session (display, keyring, notification daemon).

use agentbar_e2e::{App, Desktop};

#[tokio::test]
async fn the_window_shows_the_connection_bar() {
    let desktop = Desktop::start().expect("desktop session");

    // The session the app will live in has the parts it relies on.
    assert!(
        desktop
            .notification_server()
            .expect("notification server")
            .contains("dunst"),
        "a notification daemon answers on the session bus"
    );
    let stored = desktop
        .run(
            "sh",
            &["-c", "printf probe | secret-tool store --label=probe service agentbar-e2e username probe"],
        )
        .expect("secret-tool");
    assert!(stored.status.success(), "the keyring accepts a secret");
    assert_eq!(
        desktop
            .secret_lookup(&[("service", "agentbar-e2e"), ("username", "probe")])
            .expect("lookup")
            .as_deref(),
        Some("probe")
    );

    let app = App::launch(&desktop).await.expect("app launches");
    app.wait_for_text("#agent-state", "Signed out")
        .await
        .expect("the bar shows the signed-out state");
    // The version line comes from the Rust side: the page talks to the backend.
    let about = app
        .wait_for_text("#app-info", "AgentBar")
        .await
        .expect("the backend answers the page");
    assert!(about.contains(env!("CARGO_PKG_VERSION")), "{about}");

    let shot = app
        .screenshot("window-signed-out")
        .await
        .expect("screenshot");
    assert!(std::fs::metadata(&shot).expect("screenshot file").len() > 1000);
    desktop.screenshot("desktop-signed-out").expect("screen");
    app.quit().await;
}
