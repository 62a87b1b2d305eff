//! `agentbar-cli watch` as the benchmarks run it: the release binary against
//! the rig's gateway, no keyring (a D-Bus address that leads nowhere), and
//! every stdout line timestamped the moment it is read.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;

use crate::rig::{Bins, Result, Rig, bench_seq, password};

/// A running `watch`.
pub struct Watch {
    pub agent: String,
    child: Child,
    /// Event lines as read: (when, the line's JSON).
    lines: Arc<Mutex<Vec<(SystemTime, Value)>>>,
}

impl Watch {
    pub fn spawn(bins: &Bins, rig: &Rig, agent: &str, push: bool) -> Result<Watch> {
        let mut c = Command::new(bins.cli());
        for (k, _) in std::env::vars() {
            if k.starts_with("AGENTBAR_") {
                c.env_remove(k);
            }
        }
        c.args(["--gateway", &rig.sim.gateway_url(), "--agent", agent])
            .arg("--ca-file")
            .arg(&rig.ca_file)
            .args(["watch", "--fresh", "--phone", &format!("7{agent}")])
            .args(if push {
                &["--mode", "push"][..]
            } else {
                &[][..]
            })
            .env("AGENTBAR_PASSWORD", password(agent))
            .env(
                "DBUS_SESSION_BUS_ADDRESS",
                format!("unix:path={}", rig.dir.path().join("no-bus").display()),
            )
            .env("XDG_RUNTIME_DIR", rig.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = c.spawn()?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let lines: Arc<Mutex<Vec<(SystemTime, Value)>>> = Arc::default();
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                let at = SystemTime::now();
                if let Ok(v) = serde_json::from_str::<Value>(&line)
                    && v["kind"] == "event"
                {
                    let event = v["event"].clone();
                    sink.lock()
                        .unwrap_or_else(|p| p.into_inner())
                        .push((at, event));
                }
            }
        });
        Ok(Watch {
            agent: agent.to_owned(),
            child,
            lines,
        })
    }

    /// The benchmark events read so far: (when, benchSeq), in the order read.
    pub fn bench_events(&self) -> Vec<(SystemTime, u64)> {
        self.lines
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter_map(|(at, v)| bench_seq(v).map(|s| (*at, s)))
            .collect()
    }

    /// Waits until `n` benchmark events were read (or the timeout).
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while Instant::now() < deadline {
            if self.bench_events().len() >= n {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        self.bench_events().len() >= n
    }

    /// SIGTERM (watch signs out), then kill after 10 s.
    pub fn stop(mut self) {
        let _ = kill(Pid::from_raw(self.child.id() as i32), Signal::SIGTERM);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
