//! The scripted call-center day, for the demo: calls arrive at random
//! intervals with realistic numbers and calldata, some transferred from
//! colleagues; customers hang up after talking (or give up when nobody
//! answers); now and then a supervisor sends the agent on a break. Some
//! customers ask to be put through to another team, some to be called back
//! (their calldata says so): the scenario cannot press the bar's buttons,
//! but [`staff_colleagues`] signs in virtual colleagues so that transfer,
//! consult and callout have someone to reach.
//!
//! The day is planned from a seed alone ([`plan`], [`Planner`]), so the same
//! seed gives the same calls, numbers, calldata and timings; the speed factor
//! divides every wait. The runner ([`run_day`]) acts only while the agent is
//! signed in and idle, and waits otherwise, so the agent's own actions
//! (answering, releasing, going busy) fit in between.

use std::time::Duration;

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::Serialize;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::{Colleague, Control, Ring};

/// How often the runner looks at the agent's state.
const LOOK_EVERY: Duration = Duration::from_millis(20);

/// What [`run_day`] runs.
#[derive(Debug, Clone, PartialEq)]
pub struct DayConfig {
    pub agent: String,
    pub seed: u64,
    /// 1.0 is real time; 60.0 makes a minute pass in a second.
    pub speed: f64,
    /// Stop after this many calls; `None` runs until stopped.
    pub calls: Option<u32>,
}

/// One planned call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedCall {
    /// Quiet time before the call rings.
    pub gap: Duration,
    pub caller: String,
    /// The hotline dialled.
    pub called: String,
    pub calldata: String,
    /// A colleague's agent ID when the call is transferred in.
    pub transfer_from: Option<String>,
    /// How long the customer talks before hanging up.
    pub talk: Duration,
    /// How long the customer lets it ring before giving up.
    pub patience: Duration,
    /// What the customer asks for beyond the agent's help.
    pub request: Option<Request>,
}

/// A customer's request the agent acts on with the bar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Request {
    /// Put me through to this skill (transfer or consult).
    Transfer { skill: u32, team: String },
    /// Call me back on this number (callout).
    Callback { number: String },
}

/// One step of the day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Step {
    Call(PlannedCall),
    /// The agent is sent on rest for `length` after `gap`.
    Break {
        gap: Duration,
        length: Duration,
    },
}

impl Step {
    fn gap(&self) -> Duration {
        match self {
            Step::Call(call) => call.gap,
            Step::Break { gap, .. } => *gap,
        }
    }
}

/// Steps of a day, drawn from a seed.
pub struct Planner {
    rng: StdRng,
    calls_until_break: u32,
    customer: u32,
}

const AREAS: [&str; 5] = ["30", "40", "89", "221", "69"];
const MOBILE: [&str; 4] = ["151", "160", "170", "176"];
const HOTLINES: [(&str, &str); 3] = [("4001", "service"), ("4002", "sales"), ("4003", "billing")];
const INTENTS: [&str; 6] = [
    "invoice",
    "contract",
    "fault-report",
    "relocation",
    "upgrade",
    "cancellation",
];
const LANGUAGES: [&str; 3] = ["de", "en", "tr"];
const COLLEAGUES: [&str; 4] = ["102", "103", "104", "105"];
const TEAMS: [(u32, &str); 2] = [(2, "Billing"), (3, "Technical")];

impl Planner {
    pub fn new(seed: u64) -> Self {
        let mut rng = StdRng::seed_from_u64(seed);
        let calls_until_break = rng.random_range(6..=10);
        let customer = rng.random_range(100_000..900_000);
        Self {
            rng,
            calls_until_break,
            customer,
        }
    }

    fn seconds(&mut self, low: u64, high: u64) -> Duration {
        Duration::from_secs(self.rng.random_range(low..=high))
    }

    /// Exponential inter-arrival time, mean 40 s, kept within 3 s..4 min.
    fn arrival_gap(&mut self) -> Duration {
        let u: f64 = self.rng.random();
        let secs = (-40.0 * (1.0 - u).ln()).clamp(3.0, 240.0);
        Duration::from_millis((secs * 1000.0) as u64)
    }

    fn caller(&mut self) -> String {
        if self.rng.random_bool(0.6) {
            let area = AREAS[self.rng.random_range(0..AREAS.len())];
            format!("+49{area}{:07}", self.rng.random_range(0..10_000_000u32))
        } else {
            let prefix = MOBILE[self.rng.random_range(0..MOBILE.len())];
            format!("+49{prefix}{:08}", self.rng.random_range(0..100_000_000u32))
        }
    }

    pub fn next_step(&mut self) -> Step {
        if self.calls_until_break == 0 {
            self.calls_until_break = self.rng.random_range(6..=10);
            return Step::Break {
                gap: self.arrival_gap(),
                length: self.seconds(300, 900),
            };
        }
        self.calls_until_break -= 1;
        let gap = self.arrival_gap();
        let caller = self.caller();
        let (called, line) = HOTLINES[self.rng.random_range(0..HOTLINES.len())];
        self.customer += self.rng.random_range(1..500);
        let intent = INTENTS[self.rng.random_range(0..INTENTS.len())];
        let language = LANGUAGES[self.rng.random_range(0..LANGUAGES.len())];
        let priority = if self.rng.random_bool(0.15) {
            "vip"
        } else {
            "normal"
        };
        let request = match self.rng.random_range(0..100) {
            0..15 => {
                let (skill, team) = TEAMS[self.rng.random_range(0..TEAMS.len())];
                Some(Request::Transfer {
                    skill,
                    team: team.to_owned(),
                })
            }
            15..25 => Some(Request::Callback {
                number: format!("0{}", &caller[3..]),
            }),
            _ => None,
        };
        let asks = match &request {
            Some(Request::Transfer { skill, team }) => {
                format!(r#","request":"transfer","team":"{team}","skill":{skill}"#)
            }
            Some(Request::Callback { number }) => {
                format!(r#","request":"callback","callbackNumber":"{number}""#)
            }
            None => String::new(),
        };
        let calldata = format!(
            r#"{{"customerId":"C-{:06}","line":"{line}","intent":"{intent}","language":"{language}","ivrPath":"{}-{}","priority":"{priority}"{asks}}}"#,
            self.customer,
            self.rng.random_range(1..=4),
            self.rng.random_range(1..=9),
        );
        let transfer_from = self
            .rng
            .random_bool(0.1)
            .then(|| COLLEAGUES[self.rng.random_range(0..COLLEAGUES.len())].to_owned());
        Step::Call(PlannedCall {
            gap,
            caller,
            called: called.to_owned(),
            calldata,
            transfer_from,
            talk: self.seconds(20, 240),
            patience: self.seconds(15, 40),
            request,
        })
    }
}

/// The first `count` steps of the day for `seed`.
pub fn plan(seed: u64, count: usize) -> Vec<Step> {
    let mut planner = Planner::new(seed);
    (0..count).map(|_| planner.next_step()).collect()
}

/// Sign in the demo's virtual colleagues, except `agent` and agents a
/// client signed in: 102 and 103 answer after a few seconds and talk a
/// while, 104 is busy, 105 never answers (a transfer that fails). Waits are
/// divided by `speed`. Returns the colleagues signed in.
pub fn staff_colleagues(control: &Control, agent: &str, speed: f64) -> Vec<String> {
    let speed = if speed.is_finite() && speed > 0.0 {
        speed
    } else {
        1.0
    };
    let ms = |secs: f64| Some((secs * 1000.0 / speed) as u64);
    let staff = [
        (
            "102",
            Colleague {
                answer_after_ms: ms(4.0),
                hang_up_after_ms: ms(90.0),
                ..Colleague::default()
            },
        ),
        (
            "103",
            Colleague {
                answer_after_ms: ms(6.0),
                hang_up_after_ms: ms(120.0),
                ..Colleague::default()
            },
        ),
        (
            "104",
            Colleague {
                busy: true,
                ..Colleague::default()
            },
        ),
        (
            "105",
            Colleague {
                never_answer: true,
                ..Colleague::default()
            },
        ),
    ];
    staff
        .into_iter()
        .filter(|(id, _)| *id != agent)
        .filter(|(id, c)| control.set_colleague(id, c.clone()).is_ok())
        .map(|(id, _)| id.to_owned())
        .collect()
}

/// What a run did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct DayReport {
    pub calls: u32,
    pub answered: u32,
    pub breaks: u32,
}

/// Sleep unless stopped first; `false` when stopped.
async fn pause(length: Duration, stop: &CancellationToken) -> bool {
    tokio::select! {
        _ = stop.cancelled() => false,
        _ = tokio::time::sleep(length) => true,
    }
}

/// Wait until the agent is signed in, idle and without a call.
async fn wait_idle(control: &Control, agent: &str, stop: &CancellationToken) -> bool {
    loop {
        if control.agent_state(agent).is_some_and(|s| s.is_idle()) {
            return true;
        }
        if !pause(LOOK_EVERY, stop).await {
            return false;
        }
    }
}

/// The phase of call `callid`, `None` once it ended.
fn phase(control: &Control, agent: &str, callid: &str) -> Option<String> {
    let calls = control.agent_state(agent)?.calls;
    calls
        .into_iter()
        .find(|c| c.callid == callid)
        .map(|c| c.phase)
}

/// Run the day against `cfg.agent` until `stop` or `cfg.calls` calls.
pub async fn run_day(control: Control, cfg: DayConfig, stop: CancellationToken) -> DayReport {
    let speed = if cfg.speed.is_finite() && cfg.speed > 0.0 {
        cfg.speed
    } else {
        1.0
    };
    let scale = |d: Duration| d.div_f64(speed);
    let agent = cfg.agent.as_str();
    let mut planner = Planner::new(cfg.seed);
    let mut report = DayReport::default();
    while cfg.calls.is_none_or(|n| report.calls < n) {
        let step = planner.next_step();
        if !wait_idle(&control, agent, &stop).await || !pause(scale(step.gap()), &stop).await {
            break;
        }
        if !wait_idle(&control, agent, &stop).await {
            break;
        }
        match step {
            Step::Call(call) => {
                let ring = Ring {
                    caller: call.caller.clone(),
                    called: call.called.clone(),
                    calldata: Some(call.calldata.clone()),
                    transfer_from: call.transfer_from.clone(),
                    ..Ring::default()
                };
                let Ok(callid) = control.ring(agent, ring) else {
                    continue;
                };
                report.calls += 1;
                tracing::info!(agent, call = report.calls, "scenario: call rings");
                match run_call(&control, agent, &callid, &call, scale, &stop).await {
                    Some(true) => report.answered += 1,
                    Some(false) => {}
                    None => break,
                }
            }
            Step::Break { length, .. } => {
                if control.start_rest(agent, scale(length)).is_err() {
                    continue;
                }
                report.breaks += 1;
                tracing::info!(agent, "scenario: break");
                // The rest reminder comes at `length`; the break ends a little
                // later (never so little that the two could swap places).
                let margin = scale(length / 10).max(Duration::from_millis(50));
                if !pause(scale(length) + margin, &stop).await {
                    break;
                }
                let _ = control.end_rest(agent);
            }
        }
    }
    report
}

/// One call from ringing to its end. `Some(answered)`, or `None` when stopped.
async fn run_call(
    control: &Control,
    agent: &str,
    callid: &str,
    call: &PlannedCall,
    scale: impl Fn(Duration) -> Duration,
    stop: &CancellationToken,
) -> Option<bool> {
    let give_up = Instant::now() + scale(call.patience);
    loop {
        match phase(control, agent, callid).as_deref() {
            None => return Some(false),
            Some("ringing") if Instant::now() >= give_up => {
                let _ = control.customer_hang_up(agent);
                return Some(false);
            }
            Some("ringing") => {}
            Some(_) => break,
        }
        if !pause(LOOK_EVERY, stop).await {
            return None;
        }
    }
    let hang_up = Instant::now() + scale(call.talk);
    loop {
        if phase(control, agent, callid).is_none() {
            return Some(true);
        }
        if Instant::now() >= hang_up {
            let _ = control.customer_hang_up(agent);
            return Some(true);
        }
        if !pause(LOOK_EVERY, stop).await {
            return None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_plans_the_same_day() {
        assert_eq!(plan(7, 40), plan(7, 40));
        assert_ne!(plan(7, 40), plan(8, 40));
    }

    #[test]
    fn a_day_has_realistic_calls_and_breaks() {
        let day = plan(42, 60);
        let calls: Vec<&PlannedCall> = day
            .iter()
            .filter_map(|s| match s {
                Step::Call(c) => Some(c),
                Step::Break { .. } => None,
            })
            .collect();
        assert!(day.len() - calls.len() >= 4, "breaks every 6 to 10 calls");
        for call in &calls {
            assert!(call.caller.starts_with("+49") && call.caller.len() >= 12);
            assert!(["4001", "4002", "4003"].contains(&call.called.as_str()));
            let data: serde_json::Value = serde_json::from_str(&call.calldata).unwrap();
            assert!(data["customerId"].as_str().unwrap().starts_with("C-"));
            assert!(call.gap >= Duration::from_secs(3) && call.gap <= Duration::from_secs(240));
        }
        assert!(calls.iter().any(|c| c.transfer_from.is_some()));
        let transfers = calls
            .iter()
            .filter(|c| matches!(c.request, Some(Request::Transfer { .. })))
            .count();
        let callbacks: Vec<&PlannedCall> = calls
            .iter()
            .filter(|c| matches!(c.request, Some(Request::Callback { .. })))
            .copied()
            .collect();
        assert!(transfers > 0 && !callbacks.is_empty());
        for call in callbacks {
            let data: serde_json::Value = serde_json::from_str(&call.calldata).unwrap();
            let Some(Request::Callback { number }) = &call.request else {
                unreachable!()
            };
            assert_eq!(data["callbackNumber"], number.as_str());
            assert!(
                number.bytes().all(|b| b.is_ascii_digit()),
                "dialable: {number}"
            );
        }
    }
}
