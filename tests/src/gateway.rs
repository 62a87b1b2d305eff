//! A simulated CC-Gateway for the app under test, and the settings that point
//! the app at it (written where the app reads them, in the desktop's config folder).

use std::path::PathBuf;
use std::time::Duration;

use agentgateway_sim::{AuthMode, Ring, SimConfig, Simulator};

use crate::{Desktop, Result};

/// The demo agent the tests sign in as, and its password.
pub const AGENT: &str = "101";
pub const PASSWORD: &str = "Agent#101";
pub const PHONE: &str = "6001";
/// The hotline the tests' customers call.
pub const HOTLINE: &str = "4001";

/// A running simulator whose CA the app trusts through a CA file.
pub struct Gateway {
    pub sim: Simulator,
    pub ca_file: PathBuf,
}

impl Gateway {
    /// Starts a simulator that rotates GUIDs every `guid_interval` (dynamic auth)
    /// and writes its CA into `desktop`'s folder.
    pub async fn start(desktop: &Desktop, guid_interval: Duration) -> Result<Self> {
        Self::start_with(desktop, guid_interval, |_| {}).await
    }

    /// Like [`Gateway::start`], with the simulator's configuration changed by
    /// `adjust` first (e.g. a strict gateway that never retries a push).
    pub async fn start_with(
        desktop: &Desktop,
        guid_interval: Duration,
        adjust: impl FnOnce(&mut SimConfig),
    ) -> Result<Self> {
        let ca_file = desktop.xdg_root().join("gateway-ca.pem");
        let mut config = SimConfig {
            auth: AuthMode::Dynamic {
                interval: guid_interval,
                timeout: guid_interval * 3,
            },
            // A short hold keeps the tests brisk; the rules are the same.
            poll_wait_times: 20,
            poll_wait_interval: Duration::from_millis(100),
            ..SimConfig::default()
        };
        adjust(&mut config);
        let sim = Simulator::start(config)
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        std::fs::write(&ca_file, sim.ca_pem().unwrap_or_default())?;
        Ok(Self { sim, ca_file })
    }

    /// A customer calls the hotline from `caller` and rings [`AGENT`], with
    /// `calldata` on the call if given. Returns the call's ID.
    pub fn ring(&self, caller: &str, calldata: Option<&str>) -> String {
        self.sim
            .control()
            .ring(
                AGENT,
                Ring {
                    caller: caller.into(),
                    called: HOTLINE.into(),
                    calldata: calldata.map(str::to_owned),
                    ..Ring::default()
                },
            )
            .expect("the gateway rings the agent")
    }

    /// Writes the app's settings: this gateway, agent 101, trust by CA file.
    pub fn write_settings(&self, desktop: &Desktop) -> Result<PathBuf> {
        let dir = desktop.config_home().join("agentbar");
        std::fs::create_dir_all(&dir)?;
        let path = dir.join("settings.json");
        let settings = serde_json::json!({
            "gateways": [self.sim.gateway_url()],
            "agentId": AGENT,
            "phone": PHONE,
            "mode": "poll",
            "trust": {"kind": "caFile", "path": self.ca_file.to_string_lossy()},
            "statusAfterSignIn": "idle",
        });
        std::fs::write(
            &path,
            serde_json::to_vec_pretty(&settings).unwrap_or_default(),
        )?;
        Ok(path)
    }

    /// Writes the settings of [`Gateway::write_settings`] with push mode
    /// instead of polling: the app's receiver listens on `127.0.0.1:<port>`
    /// (a free port picked here) with a self-signed certificate, which the
    /// simulator's push client accepts. Returns the settings file and the port.
    pub fn write_settings_push(&self, desktop: &Desktop) -> Result<(PathBuf, u16)> {
        let path = self.write_settings(desktop)?;
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))?
            .local_addr()?
            .port();
        let text = std::fs::read(&path)?;
        let mut settings: serde_json::Value =
            serde_json::from_slice(&text).map_err(std::io::Error::other)?;
        settings["mode"] = "push".into();
        settings["push"] = serde_json::json!({
            "listen": format!("127.0.0.1:{port}"),
            "publicUrl": format!(
                "https://127.0.0.1:{port}/service-cloud/rest/cc-ai/v1/agentevent/pushresult"
            ),
            "certFile": "",
            "keyFile": "",
        });
        std::fs::write(
            &path,
            serde_json::to_vec_pretty(&settings).unwrap_or_default(),
        )?;
        Ok((path, port))
    }

    /// Writes the settings of [`Gateway::write_settings`] with events via
    /// `relay`: the gateway pushes to the relay, the app subscribes there and
    /// pins the relay's certificate. Returns the settings file.
    pub fn write_settings_relay(
        &self,
        desktop: &Desktop,
        relay: &crate::SiteRelay,
    ) -> Result<PathBuf> {
        let path = self.write_settings(desktop)?;
        let text = std::fs::read(&path)?;
        let mut settings: serde_json::Value =
            serde_json::from_slice(&text).map_err(std::io::Error::other)?;
        settings["mode"] = "relay".into();
        settings["relay"] = serde_json::json!({
            "urls": [relay.subscribe_url()],
            "pushUrl": relay.push_url(),
            "trust": {"kind": "pin", "sha256": relay.sha256},
        });
        std::fs::write(
            &path,
            serde_json::to_vec_pretty(&settings).unwrap_or_default(),
        )?;
        Ok(path)
    }
}
