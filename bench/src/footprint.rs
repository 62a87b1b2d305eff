//! Idle footprint: AgentBar signed in and left alone for a minute, next to a
//! bare Tauri window measured the same way right after it (never both at
//! once: PSS splits shared pages between the processes that map them).
//! Both are started directly (no WebDriver) in one private desktop; a
//! process tree is the program and everything below it (WebKitWebProcess,
//! WebKitNetworkProcess).

use std::process::Stdio;
use std::time::{Duration, Instant, SystemTime};

use agentbar_e2e::Desktop;
use agentbar_e2e::process::Guard;
use serde::Serialize;
use serde_json::json;

use crate::bar::write_settings;
use crate::procfs::{self, Mem};
use crate::report::{Report, Row, mb};
use crate::rig::{Bins, Result, Rig, epoch_ms, password};

/// One process tree's idle minute.
#[derive(Debug, Clone, Serialize)]
pub struct Idle {
    pub processes: Vec<(u32, String, Mem)>,
    pub total: Mem,
    /// Total PSS at each of the six samples, ascending.
    pub pss_samples: Vec<u64>,
    pub cpu_percent: f64,
    /// CPU per cent of one core, per process.
    pub cpu_by_process: Vec<(String, f64)>,
    pub seconds: f64,
}

/// Measures the tree under `root` for `window`: CPU from utime + stime at
/// both ends, memory as the median of six samples.
async fn measure(root: u32, window: Duration) -> Idle {
    let ticks = |stats: &[procfs::Stat]| -> Vec<(u32, u64)> {
        stats.iter().map(|s| (s.pid, s.cpu_ticks)).collect()
    };
    let before = ticks(&procfs::tree(root));
    let t0 = Instant::now();
    // Memory six times across the window: PSS moves as other processes on
    // the machine map and unmap the same libraries; the median sample counts.
    let mut samples: Vec<Vec<(u32, String, Mem)>> = Vec::new();
    for _ in 0..6 {
        tokio::time::sleep(window / 6).await;
        samples.push(
            procfs::tree(root)
                .iter()
                .filter_map(|s| procfs::mem(s.pid).map(|m| (s.pid, s.comm.clone(), m)))
                .collect(),
        );
    }
    let after_stats = procfs::tree(root);
    let seconds = t0.elapsed().as_secs_f64();
    let hz = procfs::clock_ticks() as f64;
    let cpu_by_process: Vec<(String, f64)> = after_stats
        .iter()
        .map(|s| {
            let start = before
                .iter()
                .find(|(p, _)| *p == s.pid)
                .map_or(0, |(_, t0)| *t0);
            let used = s.cpu_ticks.saturating_sub(start);
            (s.comm.clone(), used as f64 / hz / seconds * 100.0)
        })
        .collect();
    let sum = |p: &[(u32, String, Mem)]| p.iter().fold(Mem::default(), |a, (_, _, m)| a + *m);
    samples.sort_by_key(|p| sum(p).pss);
    let processes = samples.get(samples.len() / 2).cloned().unwrap_or_default();
    let total = sum(&processes);
    let pss_samples: Vec<u64> = samples.iter().map(|p| sum(p).pss).collect();
    Idle {
        processes,
        total,
        pss_samples,
        cpu_percent: cpu_by_process.iter().map(|(_, c)| c).sum(),
        cpu_by_process,
        seconds,
    }
}

fn launch(
    desktop: &Desktop,
    program: &std::path::Path,
    args: &[&str],
    env: &[(&str, &str)],
) -> Result<Guard> {
    let log = crate::out_dir().join(format!(
        "{}.log",
        program
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("app")
    ));
    std::fs::create_dir_all(crate::out_dir())?;
    let mut c = desktop.command(&program.to_string_lossy());
    c.args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(log)?);
    for (k, v) in env {
        c.env(k, v);
    }
    Ok(Guard::spawn("app", &mut c)?)
}

/// AgentBar signed in and idle for `window`: its tree and the requests it made.
struct AppIdle {
    idle: Idle,
    /// Requests that arrived in the window, polls among them, and polls
    /// that ended early (before the hold) or failed.
    requests: usize,
    polls: usize,
    /// The bar's figures: queue (`queryacdstat`) and day (`statistics`).
    figures: usize,
    short_polls: usize,
    per_minute: f64,
    still_signed_in: bool,
}

async fn idle_app(
    bins: &Bins,
    desktop: &Desktop,
    rig: &Rig,
    agent: &str,
    push: bool,
    window: Duration,
    settle: Duration,
) -> Result<AppIdle> {
    write_settings(desktop, rig, agent, push)?;
    let pw = password(agent);
    let mut app = launch(
        desktop,
        &bins.app(),
        &["--sign-in"],
        &[("AGENTBAR_PASSWORD", pw.as_str())],
    )?;
    let agents = [agent.to_owned()];
    rig.wait_signed_in(&agents, Duration::from_secs(30)).await?;
    tokio::time::sleep(settle).await;
    let control = rig.sim.control();
    let from_ms = epoch_ms(SystemTime::now());
    let idle = measure(app.id(), window).await;
    let to_ms = epoch_ms(SystemTime::now());
    let still_signed_in = control.agent_state(agent).is_some_and(|s| s.signed_in);
    app.stop(Duration::from_secs(5));
    drop(app);
    // Read after the stop: a poll still held at the window's end is logged
    // once it ends. Count arrivals in the window; judge only polls that ended in it.
    let suffix = format!("/{agent}");
    let requests: Vec<_> = control
        .request_log()
        .into_iter()
        .filter(|r| r.path.ends_with(&suffix) || r.path.contains(&format!("{suffix}/")))
        .filter(|r| (r.at_ms as f64) >= from_ms && (r.at_ms as f64) < to_ms)
        .collect();
    let polls = requests
        .iter()
        .filter(|r| r.path.contains("/agentevent/"))
        .count();
    let short_polls = requests
        .iter()
        .filter(|r| r.path.contains("/agentevent/") && ((r.at_ms + r.duration_ms) as f64) < to_ms)
        .filter(|r| r.duration_ms < 9_900 || r.status != Some(200))
        .count();
    let figures = requests
        .iter()
        .filter(|r| r.path.contains("/queryacdstat") || r.path.contains("/statistics"))
        .count();
    Ok(AppIdle {
        idle,
        requests: requests.len(),
        polls,
        figures,
        short_polls,
        per_minute: requests.len() as f64 / ((to_ms - from_ms) / 60_000.0),
        still_signed_in,
    })
}

pub async fn run(
    bins: &Bins,
    window: Duration,
    settle: Duration,
    load: &[String],
) -> Result<Report> {
    bins.require(&[bins.app(), bins.bare_window.clone()])?;
    let (polling_agent, push_agent) = ("701", "702");
    let agents = vec![polling_agent.to_owned(), push_agent.to_owned()];
    let rig = Rig::start(&agents, Duration::from_secs(10)).await?;
    let desktop = Desktop::start()?;
    let polling = idle_app(bins, &desktop, &rig, polling_agent, false, window, settle).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let push = idle_app(bins, &desktop, &rig, push_agent, true, window, settle).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;

    let mut bare = launch(&desktop, &bins.bare_window, &[], &[])?;
    tokio::time::sleep(settle + Duration::from_secs(3)).await;
    let floor = measure(bare.id(), window).await;
    bare.stop(Duration::from_secs(5));
    drop(bare);

    let cycle_s = 10.0 + 0.3;
    let mut r = Report::new(
        "footprint",
        &format!(
            "Idle footprint, signed in ({} s, release builds)",
            window.as_secs()
        ),
    );
    let procs = |i: &Idle| {
        i.processes
            .iter()
            .map(|(_, c, m)| format!("{c} {}", mb(m.pss)))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let memory = |i: &Idle| {
        format!(
            "{} ({}) / {} — {}; PSS samples {}–{}",
            mb(i.total.pss),
            mb(i.total.uss),
            mb(i.total.rss),
            procs(i),
            mb(i.pss_samples.first().copied().unwrap_or(0)),
            mb(i.pss_samples.last().copied().unwrap_or(0))
        )
    };
    r.rows.push(Row::info(
        "bare Tauri window: PSS (USS) / RSS, median of 6 samples",
        memory(&floor),
    ));
    for (mode, a) in [("polling", &polling), ("push", &push)] {
        let ratio = a.idle.total.pss as f64 / floor.total.pss.max(1) as f64;
        r.rows.push(Row::info(
            format!("AgentBar signed in, {mode}: PSS (USS) / RSS, median of 6 samples"),
            memory(&a.idle),
        ));
        r.rows.push(Row::target(
            format!("AgentBar {mode}: PSS ÷ bare window PSS"),
            format!("{ratio:.2}"),
            "≤ 1.0",
            ratio <= 1.0,
        ));
        r.rows.push(Row::target(
            format!("AgentBar {mode}: CPU over the idle minute (all processes)"),
            format!(
                "{:.3} % of one core ({}; bare window {:.3} %)",
                a.idle.cpu_percent,
                a.idle
                    .cpu_by_process
                    .iter()
                    .map(|(c, p)| format!("{c} {p:.2} %"))
                    .collect::<Vec<_>>()
                    .join(", "),
                floor.cpu_percent
            ),
            "< 0.5 %",
            a.idle.cpu_percent < 0.5,
        ));
    }
    let minutes = polling.idle.seconds / 60.0;
    let one_per_cycle = polling.still_signed_in
        && polling.polls + polling.figures == polling.requests
        && polling.short_polls == 0
        && polling.polls as f64 / minutes <= 60.0 / cycle_s + 1.0;
    r.rows.push(Row::target(
        "polling: requests to the gateway while idle",
        format!(
            "{:.2} per minute: {} polls and {} figure requests of {} requests, {} polls answered before the 10 s hold (one cycle = 10 s hold + 0.3 s pause → {:.2} polls/min)",
            polling.per_minute,
            polling.polls,
            polling.figures,
            polling.requests,
            polling.short_polls,
            60.0 / cycle_s
        ),
        "one poll per long-poll cycle; nothing else but the figures",
        one_per_cycle,
    ));
    r.rows.push(Row::target(
        "push: requests to the gateway while idle",
        format!(
            "{:.2} per minute: {} figure requests, {} others, {} polls; still signed in: {}",
            push.per_minute,
            push.figures,
            push.requests - push.figures - push.polls,
            push.polls,
            push.still_signed_in
        ),
        "no polls; signed in",
        push.polls == 0 && push.still_signed_in,
    ));
    r.notes.push(format!("Each window measured {:.1} s after {} s settling, polling first, then push, then the bare window; poll hold 10 s (the protocol's default 100 × 100 ms); GUID rotation every 60 s (dynamic auth). PSS is shared pages split among every process mapping them: other WebKit processes on the machine lower it; USS (private pages) is not affected.", polling.idle.seconds, settle.as_secs()));
    r.notes.extend(load.iter().cloned());
    let data = |a: &AppIdle| {
        json!({"idle": a.idle, "requests": a.requests, "polls": a.polls,
            "polls_answered_early": a.short_polls, "requests_per_minute": a.per_minute,
            "still_signed_in": a.still_signed_in,
            "pss_ratio": a.idle.total.pss as f64 / floor.total.pss.max(1) as f64})
    };
    r.data = json!({"polling": data(&polling), "push": data(&push), "bare_window": floor});
    rig.sim.shutdown().await;
    Ok(r)
}
