//! Event latency: from the simulator queueing an event (`Control::emitted_at`)
//! to (a) its line on `agentbar-cli watch`'s stdout and (b) the connection
//! bar's DOM showing it, in polling and in push mode.
//!
//! Events are injected one at a time per agent, spaced (with jitter) so that
//! in polling mode each one finds a poll already held: then the protocol's
//! floor is zero and everything measured is what AgentBar adds (HTTPS answer,
//! decoding, ordering, output or IPC and rendering). Any event that still
//! lands in the pause after an answer has a floor of the rest of the
//! protocol's minimum pause (200 ms); both raw latency and latency minus
//! that floor are reported. Push mode's floor is zero: the gateway posts at
//! once. Several agents run in parallel, their injections staggered.

use std::collections::BTreeMap;
use std::time::{Duration, SystemTime};

use rand::Rng;
use serde::Serialize;
use serde_json::{Value, json};

use crate::bar::Bar;
use crate::cliwatch::Watch;
use crate::report::{Report, Row, ms};
use crate::rig::{Bins, Result, Rig, bench_event, bench_seq, epoch_ms, polling_floor_ms};
use crate::stats::{Summary, summarize};

/// How a latency run is shaped.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    /// Events per (face, mode), split over the agents.
    pub events: usize,
    pub cli_agents_per_mode: usize,
    pub bar_apps_per_mode: usize,
    /// Mean spacing between two events of one agent; each gap is drawn
    /// uniformly from ±20 % of it.
    pub spacing_ms: u64,
}

/// One agent's received events (benchSeq, epoch ms) and their samples.
type AgentRun = (Vec<(u64, f64)>, Vec<Sample>);

/// One delivered event.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Sample {
    pub seq: u64,
    pub raw_ms: f64,
    pub floor_ms: f64,
}

/// The result for one face and mode.
#[derive(Debug, Clone, Serialize)]
pub struct Series {
    pub face: &'static str,
    /// "quiet", or "one core busy" while a load generator runs.
    pub load: &'static str,
    pub mode: &'static str,
    pub agents: Vec<String>,
    pub injected: usize,
    pub delivered: usize,
    pub in_order: bool,
    pub events_with_floor: usize,
    pub raw: Option<Summary>,
    pub added: Option<Summary>,
    pub samples: Vec<Sample>,
}

/// Pairs emitted and received benchmark events of one agent.
pub fn pair(
    emitted: &[(SystemTime, Value)],
    received: &[(u64, f64)],
    poll_answer_ends: Option<&[f64]>,
) -> Vec<Sample> {
    let emit: BTreeMap<u64, f64> = emitted
        .iter()
        .filter_map(|(at, v)| bench_seq(v).map(|s| (s, epoch_ms(*at))))
        .collect();
    received
        .iter()
        .filter_map(|(seq, got)| {
            let e = *emit.get(seq)?;
            Some(Sample {
                seq: *seq,
                raw_ms: got - e,
                floor_ms: poll_answer_ends.map_or(0.0, |ends| polling_floor_ms(e, ends)),
            })
        })
        .collect()
}

/// Whether each agent's events arrived in the order sent, each once.
pub fn in_order(received: &[(u64, f64)]) -> bool {
    received.windows(2).all(|w| w[0].0 < w[1].0)
}

fn series(
    face: &'static str,
    mode: &'static str,
    agents: Vec<String>,
    injected: usize,
    per_agent: Vec<AgentRun>,
) -> Series {
    let ordered = per_agent.iter().all(|(r, _)| in_order(r));
    let samples: Vec<Sample> = per_agent.into_iter().flat_map(|(_, s)| s).collect();
    let raw: Vec<f64> = samples.iter().map(|s| s.raw_ms).collect();
    let added: Vec<f64> = samples.iter().map(|s| s.raw_ms - s.floor_ms).collect();
    Series {
        face,
        load: "quiet",
        mode,
        agents,
        injected,
        delivered: samples.len(),
        in_order: ordered,
        events_with_floor: samples.iter().filter(|s| s.floor_ms > 0.0).count(),
        raw: summarize(&raw),
        added: summarize(&added),
        samples,
    }
}

/// Injects `n` bench events to each agent, spaced, staggered across agents.
async fn inject_all(rig: &Rig, agents: &[String], n: usize, spacing_ms: u64) {
    let mut tasks = Vec::new();
    for (k, agent) in agents.iter().enumerate() {
        let control = rig.sim.control();
        let agent = agent.clone();
        let offset = spacing_ms * k as u64 / agents.len().max(1) as u64;
        tasks.push(tokio::spawn(async move {
            let mut next = tokio::time::Instant::now() + Duration::from_millis(500 + offset);
            for seq in 0..n as u64 {
                tokio::time::sleep_until(next).await;
                if let Err(e) = control.inject(&agent, bench_event(&agent, seq)) {
                    eprintln!("inject to {agent}: {e}");
                }
                let gap = rand::rng().random_range(spacing_ms * 8 / 10..=spacing_ms * 12 / 10);
                next += Duration::from_millis(gap);
            }
        }));
    }
    for t in tasks {
        let _ = t.await;
    }
}

fn agents(base: u32, n: usize) -> Vec<String> {
    (0..n as u32).map(|i| (base + i).to_string()).collect()
}

/// The CLI, polling and push at once (different agents).
pub async fn run_cli(bins: &Bins, plan: &Plan) -> Result<Vec<Series>> {
    bins.require(&[bins.cli()])?;
    let poll = agents(201, plan.cli_agents_per_mode);
    let push = agents(301, plan.cli_agents_per_mode);
    let all: Vec<String> = poll.iter().chain(&push).cloned().collect();
    let rig = Rig::start(&all, Duration::from_secs(10)).await?;
    let mut watches = Vec::new();
    for a in &poll {
        watches.push(Watch::spawn(bins, &rig, a, false)?);
    }
    for a in &push {
        watches.push(Watch::spawn(bins, &rig, a, true)?);
    }
    rig.wait_signed_in(&all, Duration::from_secs(30)).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let per_agent = plan.events.div_ceil(plan.cli_agents_per_mode);
    inject_all(&rig, &all, per_agent, plan.spacing_ms).await;
    for w in &watches {
        if !w.wait_for(per_agent, Duration::from_secs(30)).await {
            eprintln!(
                "agent {}: only {} of {per_agent} events arrived",
                w.agent,
                w.bench_events().len()
            );
        }
    }
    let control = rig.sim.control();
    let mut out = Vec::new();
    for (mode, group) in [("polling", &poll), ("push", &push)] {
        let mut per = Vec::new();
        for w in watches.iter().filter(|w| group.contains(&w.agent)) {
            let received: Vec<(u64, f64)> = w
                .bench_events()
                .into_iter()
                .map(|(at, s)| (s, epoch_ms(at)))
                .collect();
            let ends = (mode == "polling").then(|| rig.poll_answer_ends(&w.agent));
            let samples = pair(&control.emitted_at(&w.agent), &received, ends.as_deref());
            per.push((received, samples));
        }
        out.push(series(
            "CLI",
            mode,
            group.clone(),
            per_agent * group.len(),
            per,
        ));
    }
    for w in watches {
        w.stop();
    }
    rig.sim.shutdown().await;
    Ok(out)
}

/// The bar, polling and push at once: one private desktop per app.
pub async fn run_bar(bins: &Bins, plan: &Plan) -> Result<(Vec<Series>, Value)> {
    bins.require(&[bins.app()])?;
    let poll = agents(401, plan.bar_apps_per_mode);
    let push = agents(501, plan.bar_apps_per_mode);
    let all: Vec<String> = poll.iter().chain(&push).cloned().collect();
    let rig = Rig::start(&all, Duration::from_secs(10)).await?;
    let mut bars = Vec::new();
    for a in &all {
        bars.push(Bar::launch(bins, &rig, a, push.contains(a)).await?);
    }
    rig.wait_signed_in(&all, Duration::from_secs(30)).await?;
    let mut clocks = Vec::new();
    for b in &bars {
        let (offset, half_rtt) = b.clock_offset().await?;
        clocks.push(
            json!({"agent": b.agent, "page_minus_host_ms": offset, "half_round_trip_ms": half_rtt}),
        );
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let per_agent = plan.events.div_ceil(plan.bar_apps_per_mode);
    {
        let injecting = {
            let rig = &rig;
            let all = all.clone();
            async move { inject_all(rig, &all, per_agent, plan.spacing_ms).await }
        };
        tokio::pin!(injecting);
        // Read the lists while events arrive: the page keeps only the newest 50.
        let mut done = false;
        while !done {
            tokio::select! {
                _ = &mut injecting => done = true,
                _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            }
            for b in &mut bars {
                b.read_list().await?;
            }
        }
    }
    let deadline = tokio::time::Instant::now() + Duration::from_secs(30);
    let mut rendered = Vec::new();
    loop {
        rendered.clear();
        for b in &mut bars {
            rendered.push(b.rendered().await?);
        }
        if rendered.iter().all(|r| r.len() >= per_agent) || tokio::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    let control = rig.sim.control();
    let mut out = Vec::new();
    for (mode, group) in [("polling", &poll), ("push", &push)] {
        let mut per = Vec::new();
        for (b, received) in bars
            .iter()
            .zip(&rendered)
            .filter(|(b, _)| group.contains(&b.agent))
        {
            let ends = (mode == "polling").then(|| rig.poll_answer_ends(&b.agent));
            let samples = pair(&control.emitted_at(&b.agent), received, ends.as_deref());
            per.push((received.clone(), samples));
        }
        out.push(series(
            "bar",
            mode,
            group.clone(),
            per_agent * group.len(),
            per,
        ));
    }
    for b in bars {
        b.app.quit().await;
        drop(b.desktop);
    }
    rig.sim.shutdown().await;
    Ok((out, Value::Array(clocks)))
}

/// Rows and notes for the series.
pub fn report(plan: &Plan, series: &[Series], clocks: &Value, load: &[String]) -> Report {
    let mut r = Report::new(
        "latency",
        "Event latency (simulator emits → CLI stdout line / bar DOM)",
    );
    for s in series {
        let limit = if s.face == "CLI" { 2.0 } else { 10.0 };
        let label = format!("{} {} ({})", s.face, s.mode, s.load);
        if let Some(raw) = &s.raw {
            r.rows.push(Row::info(
                format!("{label}: raw p50 / p95 / p99 / max"),
                format!(
                    "{} / {} / {} / {}",
                    ms(raw.p50),
                    ms(raw.p95),
                    ms(raw.p99),
                    ms(raw.max)
                ),
            ));
        }
        match &s.added {
            Some(a) => {
                r.rows.push(Row::info(
                    format!("{label}: added on top of the floor, p50 / p95 / max"),
                    format!("{} / {} / {}", ms(a.p50), ms(a.p95), ms(a.max)),
                ));
                r.rows.push(Row::target(
                    format!("{label}: added on top of the floor, p99"),
                    ms(a.p99),
                    format!("< {limit} ms"),
                    a.p99 < limit,
                ));
            }
            None => r.rows.push(Row::target(
                format!("{label}: added p99"),
                "no events",
                format!("< {limit} ms"),
                false,
            )),
        }
        r.rows.push(Row::target(
            format!("{label}: delivered, in order"),
            format!(
                "{} of {} ({}), {} with a floor > 0",
                s.delivered,
                s.injected,
                if s.in_order {
                    "in order"
                } else {
                    "OUT OF ORDER"
                },
                s.events_with_floor
            ),
            "all, in order",
            s.delivered == s.injected && s.in_order,
        ));
    }
    r.notes.push(format!(
        "{} events per face and mode: CLI over {} agents per mode, bar over {} apps per mode (each in its own Xvfb desktop), all agents at once; one event per agent every {} ms ± 20 % (busy/ready in turn), staggered across agents.",
        plan.events, plan.cli_agents_per_mode, plan.bar_apps_per_mode, plan.spacing_ms
    ));
    r.notes.push("Floor: polling — 0 when the event finds a poll held (answered at once), else the rest of the 200 ms minimum pause after the previous answer (from the simulator's request log, ms resolution); push — 0. CLI time: when the bench read the flushed line from the pipe. Bar time: the page's User Timing mark (WebKit clamps it to 1 ms).".into());
    r.notes.push(format!(
        "Page clock minus host clock (best of 20 WebDriver round trips, not applied): {clocks}"
    ));
    for l in load {
        r.notes.push(l.clone());
    }
    r.data = json!({"plan": plan, "series": series, "clocks": clocks});
    r
}

/// A program that keeps one core busy for as long as it runs, as a softphone,
/// a CRM and a browser keep an agent's PC from ever being quiet.
pub struct BusyCore(std::process::Child);

impl BusyCore {
    pub fn start() -> std::io::Result<BusyCore> {
        std::process::Command::new("sh")
            .args(["-c", "while :; do :; done"])
            .stdin(std::process::Stdio::null())
            .spawn()
            .map(BusyCore)
    }
}

impl Drop for BusyCore {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    #[test]
    fn pairs_by_tag_and_subtracts_the_polling_floor() {
        let t = |ms: u64| UNIX_EPOCH + Duration::from_millis(ms);
        let emitted = vec![
            (t(10_000), json!({"benchSeq": 0})),
            (t(10_020), json!({"eventType": "AgentOther_InService"})),
            (t(11_050), json!({"benchSeq": 1})),
        ];
        let received = vec![(0, 10_002.5), (1, 11_260.0)];
        // The answer carrying event 0 left at 10 001: event 1 came 1 049 ms later (poll held).
        // An answer at 11 000 puts event 1 into the pause: floor 150 ms.
        let s = pair(&emitted, &received, Some(&[10_001.0, 11_000.0]));
        assert_eq!(s.len(), 2);
        assert!((s[0].raw_ms - 2.5).abs() < 1e-6 && s[0].floor_ms == 0.0);
        assert!((s[1].raw_ms - 210.0).abs() < 1e-6 && s[1].floor_ms == 150.0);
        assert!(in_order(&received));
        assert!(!in_order(&[(1, 0.0), (0, 1.0)]));
    }
}
