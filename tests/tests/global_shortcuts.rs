//! The global shortcuts, end to end: real key presses sent to the X server
//! (XTEST, through xdotool), not to the page, reach the bar's shortcut grabs
//! and answer, hang up, go busy and come back, as they would with another
//! program in front.

use agentbar_e2e::gateway::AGENT;
use agentbar_e2e::{Desktop, SignedIn};

/// Presses `keys` (xdotool's names, such as `ctrl+alt+a`) on the desktop's X server.
fn press_on_x(desktop: &Desktop, keys: &str) {
    let out = desktop
        .run("xdotool", &["key", "--clearmodifiers", keys])
        .expect("xdotool runs");
    assert!(
        out.status.success(),
        "xdotool key {keys}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[tokio::test]
async fn answer_hang_up_busy_and_ready_from_the_keyboard_anywhere() {
    let SignedIn {
        app,
        gateway,
        desktop,
    } = SignedIn::start().await;
    let control = gateway.sim.control();

    // The bar says the shortcuts were taken by the desktop, not only the page.
    app.click("#btn-settings").await.expect("open settings");
    app.wait_for_text("#shortcut-answer-status", "Works everywhere")
        .await
        .expect("the Answer shortcut is grabbed on the X server");
    app.click("#btn-settings").await.expect("close settings");

    gateway.ring("+4930123456", None);
    app.wait_for_text("#agent-state", "Ringing")
        .await
        .expect("ringing");
    press_on_x(&desktop, "ctrl+alt+a");
    app.wait_for_text("#agent-state", "Talking")
        .await
        .expect("Ctrl+Alt+A answered");
    press_on_x(&desktop, "ctrl+alt+h");
    app.wait_for_text("#agent-state", "Ready")
        .await
        .expect("Ctrl+Alt+H hung up");
    assert!(
        control.agent_state(AGENT).is_some_and(|s| s.call.is_none()),
        "the gateway has no call any more"
    );

    press_on_x(&desktop, "ctrl+alt+b");
    app.wait_for_text("#agent-state", "Busy")
        .await
        .expect("Ctrl+Alt+B went busy");
    press_on_x(&desktop, "ctrl+alt+r");
    app.wait_for_text("#agent-state", "Ready")
        .await
        .expect("Ctrl+Alt+R came back");
    app.quit().await;
}
