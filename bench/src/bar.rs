//! The connection bar (the release `agentbar`) in its own private desktop,
//! signed in at start (`--sign-in`, password from the environment) and read
//! over WebDriver: which event each rendered line is (`li[data-seq]`, raw
//! JSON in its title) and when it reached the DOM (User Timing marks
//! `agentbar:rendered:<seq>`, time = `performance.timeOrigin + startTime`).

use std::collections::BTreeMap;
use std::time::SystemTime;

use agentbar_e2e::{App, Desktop};
use serde_json::{Value, json};

use crate::rig::{Bins, Result, Rig, bench_seq, epoch_ms, password};

/// Writes the app's settings in `desktop`: the rig's gateway, `agent`, poll or push.
pub fn write_settings(desktop: &Desktop, rig: &Rig, agent: &str, push: bool) -> Result<()> {
    let dir = desktop.config_home().join("agentbar");
    std::fs::create_dir_all(&dir)?;
    let settings = json!({
        "gateways": [rig.sim.gateway_url()],
        "agentId": agent,
        "phone": format!("7{agent}"),
        "mode": if push { "push" } else { "poll" },
        "push": {"listen": "127.0.0.1:0"},
        "trust": {"kind": "caFile", "path": rig.ca_file.to_string_lossy()},
        "statusAfterSignIn": "idle",
    });
    std::fs::write(
        dir.join("settings.json"),
        serde_json::to_vec_pretty(&settings)?,
    )?;
    Ok(())
}

/// Launches `binary` over WebDriver, trying three times: under load
/// tauri-driver can forward the new session before WebKitWebDriver listens
/// ("Connection refused"). Returns the app and when the successful try began.
pub async fn launch_app(
    desktop: &Desktop,
    binary: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<(App, SystemTime)> {
    let mut last = None;
    for _ in 0..3 {
        let began = SystemTime::now();
        match App::launch_with(desktop, binary, args, env).await {
            Ok(app) => return Ok((app, began)),
            Err(e) => {
                eprintln!(
                    "agentbar-bench: launching {} failed ({e}); trying again",
                    binary.display()
                );
                last = Some(e);
                tokio::time::sleep(std::time::Duration::from_secs(2)).await;
            }
        }
    }
    Err(last.map_or_else(|| "launch failed".into(), Into::into))
}

/// A signed-in bar driven over WebDriver. Field order: the app goes before its desktop.
pub struct Bar {
    pub agent: String,
    pub app: App,
    pub desktop: Desktop,
    /// Page seq → benchSeq, for every bench event seen in the list.
    pub seen: BTreeMap<u64, u64>,
}

impl Bar {
    pub async fn launch(bins: &Bins, rig: &Rig, agent: &str, push: bool) -> Result<Bar> {
        let desktop = Desktop::start_alongside()?;
        write_settings(&desktop, rig, agent, push)?;
        let pw = password(agent);
        let app = App::launch_with(
            &desktop,
            &bins.app(),
            &["--sign-in"],
            &[
                ("AGENTBAR_PASSWORD", pw.as_str()),
                ("TAURI_WEBVIEW_AUTOMATION", "true"),
            ],
        )
        .await?;
        app.wait_for_text("#agent-state", "Ready").await?;
        Ok(Bar {
            agent: agent.to_owned(),
            app,
            desktop,
            seen: BTreeMap::new(),
        })
    }

    /// Reads the event list and remembers which page seq is which bench event.
    pub async fn read_list(&mut self) -> Result<()> {
        let v = self
            .app
            .client()
            .execute(
                "return Array.from(document.querySelectorAll('li[data-seq]'))\
                 .map(li => [Number(li.dataset.seq), li.title]);",
                vec![],
            )
            .await?;
        for pair in v.as_array().into_iter().flatten() {
            let (Some(seq), Some(title)) = (pair[0].as_u64(), pair[1].as_str()) else {
                continue;
            };
            if let Some(b) = serde_json::from_str::<Value>(title)
                .ok()
                .as_ref()
                .and_then(bench_seq)
            {
                self.seen.insert(seq, b);
            }
        }
        Ok(())
    }

    /// Every render mark: (page seq, epoch ms).
    pub async fn marks(&self) -> Result<Vec<(u64, f64)>> {
        let v = self
            .app
            .client()
            .execute(
                "const p = 'agentbar:rendered:'; return performance.getEntriesByType('mark')\
                 .filter(m => m.name.startsWith(p))\
                 .map(m => [Number(m.name.slice(p.length)), performance.timeOrigin + m.startTime]);",
                vec![],
            )
            .await?;
        Ok(v.as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| Some((p[0].as_u64()?, p[1].as_f64()?)))
            .collect())
    }

    /// The bench events rendered: (benchSeq, epoch ms), by page seq.
    pub async fn rendered(&mut self) -> Result<Vec<(u64, f64)>> {
        self.read_list().await?;
        let marks = self.marks().await?;
        Ok(marks
            .into_iter()
            .filter_map(|(seq, at)| self.seen.get(&seq).map(|b| (*b, at)))
            .collect())
    }

    /// The page clock minus ours, from the round trip with the smallest
    /// delay: (offset ms, half the round trip ms, the bound on the offset).
    pub async fn clock_offset(&self) -> Result<(f64, f64)> {
        let mut best: Option<(f64, f64)> = None;
        for _ in 0..20 {
            let before = SystemTime::now();
            let v = self
                .app
                .client()
                .execute("return performance.timeOrigin + performance.now();", vec![])
                .await?;
            let after = SystemTime::now();
            let (a, b) = (epoch_ms(before), epoch_ms(after));
            if let Some(page) = v.as_f64() {
                let half = (b - a) / 2.0;
                if best.is_none_or(|(_, h)| half < h) {
                    best = Some((page - (a + half), half));
                }
            }
        }
        best.ok_or_else(|| "the page did not tell its clock".into())
    }
}
