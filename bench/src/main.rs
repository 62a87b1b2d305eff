//! `agentbar-bench`: AgentBar's benchmarks, one subcommand per measurement
//! and `all`. Each writes `artifacts/bench/<name>.json` and prints a markdown
//! table with the target next to each figure; `all` also writes
//! `artifacts/bench/summary.md`. Run through `scripts/bench.sh`, which builds
//! the release binaries and the bare Tauri window first. Not part of the
//! test command: figures depend on the machine and its load.

mod bar;
mod burst;
mod cliwatch;
mod footprint;
mod latency;
mod procfs;
mod pushload;
mod report;
mod rig;
mod shift;
mod startup;
mod stats;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::{Args, Parser, Subcommand};

use report::Report;
use rig::{Bins, Result};

#[derive(Debug, Parser)]
#[command(
    name = "agentbar-bench",
    about = "AgentBar's benchmarks: latency, burst, idle footprint, push receiver load, cold start and sizes"
)]
struct Cli {
    /// Where the release binaries are (default: <workspace>/target/release).
    #[arg(long, global = true)]
    bin_dir: Option<PathBuf>,
    /// The bare Tauri window (default: <workspace>/target/bare-window/release/bare-window).
    #[arg(long, global = true)]
    bare_window: Option<PathBuf>,
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Debug, Clone, Args)]
struct LatencyOpts {
    /// Events per face and mode.
    #[arg(long, default_value_t = 1000)]
    events: usize,
    /// CLI watchers per mode (agents in parallel).
    #[arg(long, default_value_t = 4)]
    cli_agents: usize,
    /// Apps per mode (each in its own desktop).
    #[arg(long, default_value_t = 2)]
    bar_apps: usize,
    /// Mean spacing between events of one agent (± 20 %); above the engine's
    /// 300 ms pause so every event finds a poll held.
    #[arg(long, default_value_t = 500)]
    spacing_ms: u64,
    /// Which faces to measure: the CLI, the bar, or both.
    #[arg(long, value_enum, default_value_t = Faces::Both)]
    faces: Faces,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Faces {
    Cli,
    Bar,
    Both,
}

#[derive(Debug, Clone, Args)]
struct FootprintOpts {
    /// Length of the idle window.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// Wait after sign-in (or start) before measuring.
    #[arg(long, default_value_t = 10)]
    settle: u64,
}

#[derive(Debug, Clone, Args)]
struct ShiftOpts {
    /// Simulated hours of the shift.
    #[arg(long, default_value_t = 8.0)]
    hours: f64,
    /// Speed of the simulated day (60: a minute per second).
    #[arg(long, default_value_t = 80.0)]
    speed: f64,
}

#[derive(Debug, Subcommand)]
enum Cmd {
    /// Event latency to the CLI's stdout and the bar's DOM, polling and push.
    Latency(LatencyOpts),
    /// 200 queued events through the CLI, polling and push.
    Burst {
        #[arg(long, default_value_t = 200)]
        events: usize,
    },
    /// Idle footprint signed in, against a bare Tauri window.
    Footprint(FootprintOpts),
    /// The push receiver under load from a second process.
    PushLoad {
        /// Seconds per load level.
        #[arg(long, default_value_t = 4)]
        seconds: u64,
    },
    /// Cold start to the bar visible, and binary sizes.
    Startup {
        #[arg(long, default_value_t = 5)]
        runs: usize,
    },
    /// A whole shift at high speed: memory and threads before and after.
    Shift(ShiftOpts),
    /// Everything, in order; writes summary.md too.
    All {
        #[command(flatten)]
        latency: LatencyOpts,
        #[command(flatten)]
        footprint: FootprintOpts,
        #[command(flatten)]
        shift: ShiftOpts,
    },
    /// The receiver side of push-load (started by it).
    #[command(hide = true)]
    ServePush,
}

/// `<workspace>/artifacts/bench`.
pub fn out_dir() -> PathBuf {
    agentbar_e2e::artifacts_dir().join("bench")
}

/// The load average now, as a note.
fn load(when: &str) -> String {
    format!("Load average (1/5/15 min) {when}: {}", procfs::loadavg())
}

fn emit(report: &Report) -> Result<()> {
    let path = report.write_json(&out_dir())?;
    println!("{}\n(JSON: {})\n", report.markdown(), path.display());
    Ok(())
}

/// One pass over the chosen faces, the load noted after each; the bar's
/// page clocks (`Null` without the bar).
async fn latency_faces(
    bins: &Bins,
    plan: &latency::Plan,
    faces: Faces,
    during: &str,
    notes: &mut Vec<String>,
) -> Result<(Vec<latency::Series>, serde_json::Value)> {
    let mut series = Vec::new();
    let mut clocks = serde_json::Value::Null;
    if faces != Faces::Bar {
        series.extend(latency::run_cli(bins, plan).await?);
        notes.push(load(&format!("after the CLI run, {during}")));
    }
    if faces != Faces::Cli {
        let (bar, c) = latency::run_bar(bins, plan).await?;
        series.extend(bar);
        clocks = c;
        notes.push(load(&format!("after the bar run, {during}")));
    }
    Ok((series, clocks))
}

async fn latency(bins: &Bins, o: &LatencyOpts) -> Result<Report> {
    let plan = latency::Plan {
        events: o.events,
        cli_agents_per_mode: o.cli_agents.max(1),
        bar_apps_per_mode: o.bar_apps.max(1),
        spacing_ms: o.spacing_ms,
    };
    let mut notes = vec![load("before the quiet run")];
    let (mut series, clocks) = latency_faces(bins, &plan, o.faces, "quiet", &mut notes).await?;
    // The same series again with one core kept busy by another program.
    let busy = latency::BusyCore::start()?;
    let (mut loaded, _) =
        latency_faces(bins, &plan, o.faces, "with one core busy", &mut notes).await?;
    drop(busy);
    for s in &mut loaded {
        s.load = "one core busy";
    }
    series.extend(loaded);
    Ok(latency::report(&plan, &series, &clocks, &notes))
}

async fn footprint(bins: &Bins, o: &FootprintOpts) -> Result<Report> {
    let l = load("before");
    footprint::run(
        bins,
        Duration::from_secs(o.seconds),
        Duration::from_secs(o.settle),
        &[l],
    )
    .await
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let root = agentbar_e2e::workspace_root();
    let bins = Bins {
        dir: cli
            .bin_dir
            .clone()
            .unwrap_or_else(|| root.join("target").join("release")),
        bare_window: cli
            .bare_window
            .clone()
            .unwrap_or_else(|| root.join("target/bare-window/release/bare-window")),
    };
    match run(&bins, &cli.command).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("agentbar-bench: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(bins: &Bins, cmd: &Cmd) -> Result<()> {
    match cmd {
        Cmd::ServePush => pushload::serve().await,
        Cmd::Latency(o) => emit(&latency(bins, o).await?),
        Cmd::Burst { events } => emit(&burst::run(bins, *events, &[load("before")]).await?),
        Cmd::Footprint(o) => emit(&footprint(bins, o).await?),
        Cmd::PushLoad { seconds } => emit(&pushload::run(*seconds, &[load("before")]).await?),
        Cmd::Startup { runs } => emit(&startup::run(bins, *runs, &[load("before")]).await?),
        Cmd::Shift(o) => emit(&shift::run(bins, o.hours, o.speed, &[load("before")]).await?),
        Cmd::All {
            latency: lo,
            footprint: fo,
            shift: so,
        } => {
            let started = Instant::now();
            let mut reports = Vec::new();
            let steps: [(&str, u8); 6] = [
                ("startup", 0),
                ("push-load", 1),
                ("burst", 2),
                ("latency", 3),
                ("footprint", 4),
                ("shift", 5),
            ];
            for (name, step) in steps {
                let t = Instant::now();
                eprintln!("agentbar-bench: {name}…");
                let r = match step {
                    0 => startup::run(bins, 5, &[load("before")]).await,
                    1 => pushload::run(4, &[load("before")]).await,
                    2 => burst::run(bins, 200, &[load("before")]).await,
                    3 => latency(bins, lo).await,
                    4 => footprint(bins, fo).await,
                    _ => shift::run(bins, so.hours, so.speed, &[load("before")]).await,
                };
                match r {
                    Ok(r) => {
                        emit(&r)?;
                        reports.push(r);
                    }
                    Err(e) => eprintln!("agentbar-bench: {name} failed: {e}"),
                }
                eprintln!(
                    "agentbar-bench: {name} took {:.0} s",
                    t.elapsed().as_secs_f64()
                );
            }
            let mut md = format!("## Benchmarks\n\n{}\n\n", machine());
            for r in &reports {
                md.push_str(&r.markdown());
                md.push('\n');
            }
            md.push_str(&format!(
                "Whole run: {:.0} s.\n",
                started.elapsed().as_secs_f64()
            ));
            std::fs::create_dir_all(out_dir())?;
            std::fs::write(out_dir().join("summary.md"), &md)?;
            println!("{md}");
            if reports.len() < steps.len() {
                return Err("some benchmarks failed (see above)".into());
            }
            Ok(())
        }
    }
}

/// The machine, for the summary: cores, memory, CPU model, date, load.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|c| {
            c.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_owned())
        })
        .unwrap_or_default();
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    let mem = std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines().next().map(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|k| k.parse::<f64>().ok())
                    .unwrap_or(0.0)
            })
        })
        .unwrap_or(0.0);
    let date = std::process::Command::new("date")
        .arg("-u")
        .arg("+%Y-%m-%d %H:%M UTC")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default();
    format!(
        "Machine: {cores} cores, {:.1} GiB RAM, {cpu}; {date}; {}.",
        mem / 1024.0 / 1024.0,
        load("at the end")
    )
}
