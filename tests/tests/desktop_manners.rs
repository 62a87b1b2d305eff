//! Settings an agent sets once: starting at login (off by default), and the
//! diagnostics archive for the help desk.

use std::time::{Duration, Instant};

use agentbar_e2e::{App, Desktop};

async fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn autostart_is_off_by_default_and_follows_the_setting_and_diagnostics_are_saved() {
    let desktop = Desktop::start().expect("desktop session");
    // Login autostart entries live under $HOME/.config/autostart: give the app
    // a private home so the test never touches this machine's.
    let home = desktop.xdg_root().join("home");
    std::fs::create_dir_all(&home).expect("home");
    let home_str = home.to_string_lossy().into_owned();
    let app = App::launch_with(
        &desktop,
        &agentbar_e2e::built_binary("agentbar"),
        &[],
        &[("HOME", home_str.as_str())],
    )
    .await
    .expect("app launches");
    app.wait_displayed("#signin").await.expect("sign-in view");

    let entry = home.join(".config/autostart/AgentBar.desktop");
    assert!(
        !entry.exists(),
        "AgentBar does not start at login unless asked"
    );

    app.click("#btn-settings").await.expect("open settings");
    app.wait_displayed("#autostart")
        .await
        .expect("autostart choice");
    app.click("#autostart").await.expect("turn autostart on");
    eventually("the autostart entry", || entry.exists()).await;
    let text = std::fs::read_to_string(&entry).expect("desktop entry");
    assert!(
        text.contains("agentbar"),
        "the entry starts AgentBar: {text}"
    );
    app.click("#autostart").await.expect("turn autostart off");
    eventually("the autostart entry to go", || !entry.exists()).await;

    let path = app
        .save_diagnostics()
        .await
        .expect("the diagnostics archive");
    let listing = std::process::Command::new("tar")
        .arg("-tzf")
        .arg(&path)
        .output()
        .expect("tar");
    let listing = String::from_utf8_lossy(&listing.stdout);
    for name in ["about.txt", "settings.json", "timeline.json"] {
        assert!(listing.lines().any(|l| l == name), "{name} in {listing}");
    }
    assert!(
        listing.lines().any(|l| l.starts_with("logs/")),
        "the log files are in the archive: {listing}"
    );
    app.quit().await;
}
