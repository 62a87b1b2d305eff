//! `agentgateway-sim`: run the CC-Gateway simulator from the command line.
//! Prints where it listens, the CA file and the roster, then serves until
//! Ctrl-C. `--scenario day` plays a call-center day against one agent.

use std::{net::SocketAddr, path::PathBuf, process::ExitCode, time::Duration};

use agentgateway_sim::{
    AuthMode, PushConfig, Roster, SimConfig, Simulator, TlsMode,
    scenario::{DayConfig, run_day, staff_colleagues},
};
use clap::{Parser, ValueEnum};
use tokio_util::sync::CancellationToken;

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Auth {
    /// AUTHMODE 1: one GUID for the whole session.
    Static,
    /// AUTHMODE 2: a new GUID every --guid-interval seconds.
    Dynamic,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Scenario {
    /// Calls at random intervals, hang-ups, transfers, breaks.
    Day,
}

/// A CC-Gateway simulator: the agent interface over HTTPS, a control API,
/// faults and scenarios.
#[derive(Debug, Parser)]
#[command(name = "agentgateway-sim", version)]
struct Args {
    /// Gateway listener (8043 is the real gateway's HTTPS port).
    #[arg(long, default_value = "127.0.0.1:8043")]
    gateway_addr: SocketAddr,
    /// Control API listener (plain HTTP).
    #[arg(long, default_value = "127.0.0.1:8044")]
    control_addr: SocketAddr,
    /// Serve the gateway over plain HTTP instead of HTTPS.
    #[arg(long, conflicts_with_all = ["cert", "key"])]
    plain_http: bool,
    /// Server certificate chain (PEM) instead of a generated one.
    #[arg(long, requires = "key")]
    cert: Option<PathBuf>,
    /// Private key (PEM) for --cert.
    #[arg(long, requires = "cert")]
    key: Option<PathBuf>,
    /// Where to write the generated CA certificate (PEM) for clients to trust.
    #[arg(long, default_value = "agentgateway-sim-ca.pem")]
    ca_out: PathBuf,
    /// Roster file: lines `agent,password` (`#` comments). Default: the demo
    /// roster, agents 101-105 with password `Agent#<id>`.
    #[arg(long)]
    roster: Option<PathBuf>,
    /// Add an agent: `AGENT,PASSWORD` (repeatable).
    #[arg(long = "add-agent", value_name = "AGENT,PASSWORD")]
    add_agent: Vec<String>,
    /// AUTHMODE.
    #[arg(long, value_enum, default_value = "dynamic")]
    auth_mode: Auth,
    /// GUIDINTERVAL in seconds (dynamic mode).
    #[arg(long, default_value_t = 60)]
    guid_interval: u64,
    /// GUIDTIMEOUT in seconds (dynamic mode).
    #[arg(long, default_value_t = 120)]
    guid_timeout: u64,
    /// AGENT_POLL_WAIT_TIMES.
    #[arg(long, default_value_t = 100)]
    poll_wait_times: u32,
    /// AGENT_POLL_WAIT_INTERVAL in milliseconds.
    #[arg(long, default_value_t = 100)]
    poll_wait_interval_ms: u64,
    /// Sign out an agent not heard from for this many seconds.
    #[arg(long, default_value_t = 120)]
    inactivity_timeout: u64,
    /// How long a sign-in takes, in milliseconds.
    #[arg(long, default_value_t = 0)]
    signin_delay_ms: u64,
    /// How long the sign-in answer takes after the session (and its first
    /// pushes) started, in milliseconds.
    #[arg(long, default_value_t = 0)]
    signin_answer_delay_ms: u64,
    /// Never retry a push the receiver refused or did not answer: drop it,
    /// as a strict gateway would.
    #[arg(long)]
    push_no_retry: bool,
    /// Trust only this CA (PEM) for push receivers; default: trust any
    /// receiver certificate (a test gateway).
    #[arg(long)]
    push_ca: Option<PathBuf>,
    /// Play a scenario against --agent.
    #[arg(long, value_enum)]
    scenario: Option<Scenario>,
    /// Seed of the scenario (same seed, same day).
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Scenario speed factor (60 = a minute per second).
    #[arg(long, default_value_t = 1.0)]
    speed: f64,
    /// The agent the scenario plays against.
    #[arg(long, default_value = "101")]
    agent: String,
    /// Stop the scenario after this many calls.
    #[arg(long)]
    calls: Option<u32>,
}

fn config(args: &Args) -> Result<(SimConfig, bool), String> {
    let demo = args.roster.is_none();
    let mut roster = match &args.roster {
        Some(path) => Roster::from_file(path).map_err(|e| e.to_string())?,
        None => Roster::demo(),
    };
    for entry in &args.add_agent {
        let (agent, password) = entry
            .split_once(',')
            .ok_or_else(|| format!("--add-agent {entry:?}: expected AGENT,PASSWORD"))?;
        roster.insert(agent, password).map_err(str::to_owned)?;
    }
    let tls = match (&args.cert, &args.key) {
        _ if args.plain_http => TlsMode::PlainHttp,
        (Some(cert), Some(key)) => TlsMode::Files {
            cert: cert.clone(),
            key: key.clone(),
        },
        _ => TlsMode::Generated {
            ca_out: Some(args.ca_out.clone()),
        },
    };
    let auth = match args.auth_mode {
        Auth::Static => AuthMode::Static,
        Auth::Dynamic => AuthMode::Dynamic {
            interval: Duration::from_secs(args.guid_interval),
            timeout: Duration::from_secs(args.guid_timeout),
        },
    };
    let cfg = SimConfig {
        roster,
        auth,
        poll_wait_times: args.poll_wait_times,
        poll_wait_interval: Duration::from_millis(args.poll_wait_interval_ms),
        inactivity_timeout: Duration::from_secs(args.inactivity_timeout),
        tls,
        gateway_addr: args.gateway_addr,
        control_addr: args.control_addr,
        signin_delay: Duration::from_millis(args.signin_delay_ms),
        signin_answer_delay: Duration::from_millis(args.signin_answer_delay_ms),
        push: PushConfig {
            ca_file: args.push_ca.clone(),
            retry: !args.push_no_retry,
            ..PushConfig::default()
        },
        ..SimConfig::default()
    };
    Ok((cfg, demo))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let (cfg, demo) = match config(&args) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("agentgateway-sim: {e}");
            return ExitCode::from(2);
        }
    };
    let roster = cfg.roster.clone();
    let ca_file = match &cfg.tls {
        TlsMode::Generated { ca_out } => ca_out.clone(),
        _ => None,
    };
    let sim = match Simulator::start(cfg).await {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("agentgateway-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    println!("gateway: {}", sim.gateway_url());
    println!("control: {}", sim.control_url());
    if let Some(path) = ca_file {
        println!("CA certificate: {}", path.display());
    }
    if !sim.server_cert_sha256().is_empty() {
        println!("server certificate SHA-256: {}", sim.server_cert_sha256());
    }
    if demo {
        println!("roster (demo):");
        for (agent, password) in roster.entries() {
            println!("  {agent}  password {password}");
        }
    } else {
        let agents: Vec<&str> = roster.agents().collect();
        println!("roster: {} agents: {}", agents.len(), agents.join(", "));
    }

    let stop = CancellationToken::new();
    let scenario = args.scenario.map(|Scenario::Day| {
        println!(
            "scenario: day for agent {} (seed {}, speed {}); waiting for the agent to sign in",
            args.agent, args.seed, args.speed
        );
        let staff = staff_colleagues(&sim.control(), &args.agent, args.speed);
        println!(
            "scenario: virtual colleagues signed in: {}",
            staff.join(", ")
        );
        tokio::spawn(run_day(
            sim.control(),
            DayConfig {
                agent: args.agent.clone(),
                seed: args.seed,
                speed: args.speed,
                calls: args.calls,
            },
            stop.clone(),
        ))
    });
    let finished = async {
        match scenario {
            Some(task) => {
                let report = task.await;
                println!("scenario finished: {report:?}");
            }
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = finished => {}
    }
    stop.cancel();
    sim.shutdown().await;
    ExitCode::SUCCESS
}
