//! What every measurement starts from: the built binaries, a simulated
//! gateway over HTTPS with its CA in a file, and the events the benchmarks
//! inject (each tagged with `benchSeq` so it is recognised on every face).

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use agentgateway_sim::{AuthMode, Roster, SimConfig, Simulator};
use serde_json::{Value, json};

/// The benchmarks' error: anything, with a message.
pub type Error = Box<dyn std::error::Error + Send + Sync>;
pub type Result<T> = std::result::Result<T, Error>;

/// The protocol's shortest pause between a poll answer and the next poll.
pub const MIN_POLL_PAUSE_MS: f64 = 200.0;

/// Where the built programs are.
#[derive(Debug, Clone)]
pub struct Bins {
    /// `target/release` (or what `--bin-dir` says).
    pub dir: PathBuf,
    /// The bare Tauri window.
    pub bare_window: PathBuf,
}

impl Bins {
    pub fn app(&self) -> PathBuf {
        self.dir.join("agentbar")
    }
    pub fn cli(&self) -> PathBuf {
        self.dir.join("agentbar-cli")
    }
    pub fn sim(&self) -> PathBuf {
        self.dir.join("agentgateway-sim")
    }
    /// Fails with the command that builds what is missing.
    pub fn require(&self, paths: &[PathBuf]) -> Result<()> {
        for p in paths {
            if !p.exists() {
                return Err(format!(
                    "{} is missing: run scripts/bench.sh (it builds the release binaries)",
                    p.display()
                )
                .into());
            }
        }
        Ok(())
    }
}

pub fn password(agent: &str) -> String {
    format!("Agent#{agent}")
}

/// A simulated gateway with `agents` on its roster and the CA in a file.
pub struct Rig {
    pub sim: Simulator,
    pub ca_file: PathBuf,
    pub dir: tempfile::TempDir,
}

impl Rig {
    /// A gateway holding idle polls for `hold` (the protocol's default is 10 s),
    /// rotating GUIDs every minute (the default dynamic mode).
    pub async fn start(agents: &[String], hold: Duration) -> Result<Rig> {
        let mut roster = Roster::empty();
        for a in agents {
            roster.insert(a, &password(a))?;
        }
        Rig::start_with(roster, hold).await
    }

    /// The same gateway with `roster` (the demo's, for a day of calls).
    pub async fn start_with(roster: Roster, hold: Duration) -> Result<Rig> {
        let cfg = SimConfig {
            roster,
            auth: AuthMode::default(),
            poll_wait_times: (hold.as_millis() / 100).max(1) as u32,
            poll_wait_interval: Duration::from_millis(100),
            ..SimConfig::default()
        };
        let sim = Simulator::start(cfg).await?;
        let dir = tempfile::Builder::new()
            .prefix("agentbar-bench-")
            .tempdir()?;
        let ca_file = dir.path().join("gateway-ca.pem");
        std::fs::write(&ca_file, sim.ca_pem().unwrap_or_default())?;
        Ok(Rig { sim, ca_file, dir })
    }

    /// Waits until every agent is signed in and its queue is empty.
    pub async fn wait_signed_in(&self, agents: &[String], timeout: Duration) -> Result<()> {
        let control = self.sim.control();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let ready = agents.iter().all(|a| {
                control
                    .agent_state(a)
                    .is_some_and(|s| s.signed_in && s.queued_events == 0)
            });
            if ready {
                return Ok(());
            }
            if tokio::time::Instant::now() > deadline {
                let states: Vec<String> = agents
                    .iter()
                    .map(|a| match control.agent_state(a) {
                        Some(s) => format!(
                            "{a}: signed in {}, {} queued, state {:?}",
                            s.signed_in, s.queued_events, s.state
                        ),
                        None => format!("{a}: unknown to the gateway"),
                    })
                    .collect();
                return Err(format!(
                    "not every agent signed in with an empty queue after {timeout:?}: {}",
                    states.join("; ")
                )
                .into());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Every poll answer to `agent`: when it left the gateway (epoch ms).
    pub fn poll_answer_ends(&self, agent: &str) -> Vec<f64> {
        let suffix = format!("/agentevent/{agent}");
        let mut ends: Vec<f64> = self
            .sim
            .control()
            .request_log()
            .iter()
            .filter(|r| r.method == "GET" && r.path.ends_with(&suffix) && r.status.is_some())
            .map(|r| (r.at_ms + r.duration_ms) as f64)
            .collect();
        ends.sort_by(f64::total_cmp);
        ends
    }
}

/// Wall-clock milliseconds since the epoch, with microseconds.
pub fn epoch_ms(t: SystemTime) -> f64 {
    t.duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64() * 1000.0)
        .unwrap_or(0.0)
}

/// The `seq`-th benchmark event for `agent`: busy and ready in turn (a real
/// state change on the bar each time), tagged with `benchSeq`.
pub fn bench_event(agent: &str, seq: u64) -> Value {
    let (event_type, content) = if seq.is_multiple_of(2) {
        ("AgentState_SetNotReady_Success", json!({"reason": "200"}))
    } else {
        ("AgentState_CancelNotReady_Success", Value::Null)
    };
    json!({
        "eventType": event_type,
        "workNo": agent,
        "content": content,
        "eventGenTime": epoch_ms(SystemTime::now()) as u64,
        "benchSeq": seq,
    })
}

/// The tag of a benchmark event.
pub fn bench_seq(event: &Value) -> Option<u64> {
    event.get("benchSeq")?.as_u64()
}

/// The request log's answer times are whole milliseconds (arrival and
/// duration each truncated), so an answer may show up to 2 ms early.
const LOG_RESOLUTION_MS: f64 = 2.0;

/// The protocol's floor for an event emitted at `emit_ms` to a polling
/// client whose poll answers left at `answer_ends` (ascending, from the
/// request log): a held poll answers at once (floor 0); an event that
/// arrives during the pause after an answer waits at least until that
/// answer + 200 ms. The answer that carried the event itself ends after the
/// emission; with the log's resolution it may look up to 2 ms earlier, so
/// only answers ending more than 2 ms before the emission count.
pub fn polling_floor_ms(emit_ms: f64, answer_ends: &[f64]) -> f64 {
    let idx = answer_ends.partition_point(|&end| end < emit_ms - LOG_RESOLUTION_MS);
    match idx.checked_sub(1) {
        Some(i) => (answer_ends[i] + MIN_POLL_PAUSE_MS - emit_ms).max(0.0),
        None => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_is_zero_while_a_poll_is_held_and_the_rest_of_the_pause_otherwise() {
        let ends = [1_000.0, 2_000.0];
        // 700 ms after an answer: the next poll (sent at +200 ms at the earliest) is held.
        assert_eq!(polling_floor_ms(2_700.0, &ends), 0.0);
        // 50 ms after an answer: at least 150 ms until the next poll may be sent.
        assert_eq!(polling_floor_ms(2_050.0, &ends), 150.0);
        assert_eq!(polling_floor_ms(500.0, &ends), 0.0);
        // The answer carrying the event, logged a millisecond early, is not "previous".
        assert_eq!(polling_floor_ms(2_000.8, &ends), 0.0);
    }

    #[test]
    fn bench_events_alternate_and_carry_their_tag() {
        let a = bench_event("201", 0);
        let b = bench_event("201", 1);
        assert_eq!(a["eventType"], "AgentState_SetNotReady_Success");
        assert_eq!(b["eventType"], "AgentState_CancelNotReady_Success");
        assert_eq!((bench_seq(&a), bench_seq(&b)), (Some(0), Some(1)));
        assert_eq!(a["workNo"], "201");
    }
}
