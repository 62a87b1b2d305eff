//! The end-to-end harness: a private desktop session per test and the built
//! AgentBar app driven over WebDriver inside it.
//!
//! A test reads like what an agent does:
//!
//! ```no_run
//! # async fn demo() -> agentbar_e2e::Result<()> {
//! let desktop = agentbar_e2e::Desktop::start()?;
//! let app = agentbar_e2e::App::launch(&desktop).await?;
//! app.wait_for_text("#agent-state", "Signed out").await?;
//! app.screenshot("signed-out").await?;
//! app.quit().await;
//! # Ok(()) }
//! ```
//!
//! Every process the harness starts lives in its own process group owned by a
//! [`process::Guard`]; dropping the guard (also when a test panics) stops the
//! whole group, so nothing outlives the test.

mod app;
mod desktop;
pub mod gateway;
pub mod process;
pub mod relay;
mod tray;

pub use app::App;
pub use desktop::Desktop;
pub use gateway::Gateway;
pub use relay::SiteRelay;
pub use tray::TrayMenu;

use std::path::PathBuf;

/// What can go wrong while setting up or driving a test.
#[derive(Debug, thiserror::Error)]
pub enum HarnessError {
    /// A program the tests need is not installed (the README's test command installs it).
    #[error("{program} is not installed or failed to start: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    /// A helper process did not become ready in time.
    #[error("{what} was not ready after {seconds} s: {detail}")]
    NotReady {
        what: String,
        seconds: u64,
        detail: String,
    },
    /// The WebDriver session could not be created.
    #[error("could not start a WebDriver session: {0}")]
    Session(#[from] fantoccini::error::NewSessionError),
    /// A WebDriver command failed.
    #[error("WebDriver command failed: {0}")]
    Command(#[from] fantoccini::error::CmdError),
    /// A file or process operation failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The harness's result type.
pub type Result<T> = std::result::Result<T, HarnessError>;

/// Where most bar tests start: a private desktop, a simulated gateway that
/// rotates GUIDs every minute, the app's settings pointing at it (polling),
/// and the app launched and signed in as [`gateway::AGENT`], showing Ready.
/// Bind every field (`desktop: _desktop` when unused): a field left to `..`
/// is dropped at once, and with it the desktop the app runs in.
pub struct SignedIn {
    pub app: App,
    pub gateway: Gateway,
    pub desktop: Desktop,
}

impl SignedIn {
    pub async fn start() -> SignedIn {
        Self::start_with(|_| {}, |_| {}).await
    }

    /// Like [`SignedIn::start`], with the simulator's configuration changed
    /// by `adjust` first (e.g. brisk call timings) and `prepare` run on the
    /// gateway before the app starts (colleagues, queues: what the app finds
    /// at sign-in).
    pub async fn start_with(
        adjust: impl FnOnce(&mut agentgateway_sim::SimConfig),
        prepare: impl FnOnce(&Gateway),
    ) -> SignedIn {
        let desktop = Desktop::start().expect("desktop session");
        let gateway = Gateway::start_with(&desktop, std::time::Duration::from_secs(60), adjust)
            .await
            .expect("simulated gateway");
        gateway.write_settings(&desktop).expect("settings");
        prepare(&gateway);
        let app = App::launch(&desktop).await.expect("app launches");
        app.sign_in(gateway::PASSWORD).await;
        SignedIn {
            app,
            gateway,
            desktop,
        }
    }
}

/// Waits until `check` gives a value (polled every 200 ms), failing the test
/// with `what` after `timeout`.
pub async fn eventually<T>(
    what: &str,
    timeout: std::time::Duration,
    mut check: impl FnMut() -> Option<T>,
) -> T {
    let deadline = std::time::Instant::now() + timeout;
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
}

/// The workspace root (where `Cargo.toml`, `target/` and `artifacts/` are).
pub fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Where screenshots and logs for people to look at are written.
pub fn artifacts_dir() -> PathBuf {
    workspace_root().join("artifacts")
}

/// The built binary `name` (from `cargo build`) next to the test executable,
/// so it follows `CARGO_TARGET_DIR` and the profile. `AGENTBAR_BIN_DIR` overrides.
pub fn built_binary(name: &str) -> PathBuf {
    if let Some(dir) = std::env::var_os("AGENTBAR_BIN_DIR") {
        return PathBuf::from(dir).join(name);
    }
    // target/<profile>/deps/<test> -> target/<profile>/<name>
    let exe = std::env::current_exe().unwrap_or_default();
    let profile_dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("target").join("debug"));
    profile_dir.join(name)
}
