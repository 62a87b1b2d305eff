//! The site relay's benchmark: `cargo bench -p agentbar-relay --bench site
//! [-- --agents 100,500,2000]`.
//!
//! On this machine: the simulator (the gateway) pushing for N signed-in
//! push-mode agents, through one address (a TCP forwarder, as the site's
//! load balancer) to two relay instances (child processes), which store in
//! a three-node JetStream cluster (three `nats-server` processes, stream and
//! bucket with three replicas) and serve N subscribers (SSE clients, in
//! this process). Each agent gets `--rate` events per second, first for
//! `--steady-secs`, then for `--fault-secs` during which one relay instance
//! (after 5 s) and the stream's leader node (after 12 s) are killed with
//! SIGKILL; the killed instance's subscribers resume on the other one
//! after their last event id. Printed: events per second, latency from the
//! gateway queueing an event to the subscriber reading it (p50 / p99),
//! events lost and repeated, CPU seconds and peak memory of the relays and
//! NATS nodes, each figure next to its target, and the load average.

mod cluster;
mod subscriber;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentgateway::push::{ServiceToken, TlsIdentity};
use agentgateway::{Trust, push::DEFAULT_PATH};
use agentgateway_sim::{AuthMode, Roster, SimConfig, Simulator};
use clap::Parser;
use futures::StreamExt;
use serde_json::json;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use cluster::{NODE_NAMES, NatsCluster, RelayProc, Usage, load_average, usage_of};
use subscriber::{BENCH_EVENT, Seen, Subscriber};

/// The site relay under load, with one relay instance and one NATS node killed.
#[derive(Debug, Parser)]
struct Args {
    /// Agents (and subscribers); several, comma separated, run one after the other.
    #[arg(long, value_delimiter = ',', default_value = "2000")]
    agents: Vec<usize>,
    /// Events per second per agent (0.5: ten times a busy agent's average).
    #[arg(long, default_value_t = 0.5)]
    rate: f64,
    /// Seconds of load before anything is killed.
    #[arg(long, default_value_t = 20)]
    steady_secs: u64,
    /// Seconds of load while one relay and one NATS node are killed.
    #[arg(long, default_value_t = 20)]
    fault_secs: u64,
    /// Passed by `cargo bench`.
    #[arg(long, hide = true)]
    bench: bool,
}

/// Targets the figures are held to.
const TARGET_DELIVERED_SHARE: f64 = 0.98;
const TARGET_P50_MS: f64 = 100.0;
const TARGET_P99_MS: f64 = 500.0;
const TARGET_FAULT_P99_MS: f64 = 5000.0;

#[derive(Debug, Default, Clone)]
struct Figures {
    agents: usize,
    offered: f64,
    delivered_steady: f64,
    delivered_fault: f64,
    p50_ms: f64,
    p99_ms: f64,
    fault_p50_ms: f64,
    fault_p99_ms: f64,
    sent: u64,
    lost: u64,
    /// Of the lost: events the gateway never had acknowledged (still queued).
    lost_unacknowledged: u64,
    /// Events over 5 s late: how many, and when they were sent (s of load).
    slow: usize,
    slow_sent_secs: (f64, f64),
    repeated: u64,
    ids_not_increasing: u64,
    superseded: u64,
    reconnects: u64,
    sign_in_secs: f64,
    subscribe_secs: f64,
    relay_cpu_steady: f64,
    nats_cpu_steady: f64,
    relay_cpu_run: f64,
    nats_cpu_run: f64,
    bench_cpu_run: f64,
    relay_peak_mib: f64,
    nats_peak_mib: f64,
    bench_peak_mib: f64,
    killed_leader: String,
    replicas: usize,
    load_before: String,
    load_after: String,
}

fn main() -> std::process::ExitCode {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        if which_nats().is_err() {
            eprintln!("nats-server is not on PATH: apt-get install -y nats-server");
            return std::process::ExitCode::FAILURE;
        }
        let most = args.agents.iter().copied().max().unwrap_or(0);
        raise_fd_limit(most);
        let mut all = Vec::new();
        for &agents in &args.agents {
            println!("\n=== {agents} agents, {} events/s each ===", args.rate);
            match run(agents, &args).await {
                Ok(figures) => {
                    report(&figures);
                    all.push(figures);
                }
                Err(error) => {
                    eprintln!("run with {agents} agents failed: {error}");
                    return std::process::ExitCode::FAILURE;
                }
            }
            // Let the machine settle between runs.
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        if all.len() > 1 {
            table(&all);
        }
        std::process::ExitCode::SUCCESS
    })
}

fn which_nats() -> Result<(), ()> {
    std::process::Command::new("nats-server")
        .arg("--version")
        .output()
        .map_err(|_| ())
        .and_then(|o| if o.status.success() { Ok(()) } else { Err(()) })
}

/// Each subscriber, each push connection of the gateway and both sides of
/// the forwarder take a file descriptor in this process: raise the soft
/// limit to what that needs (within the hard limit), and say so.
fn raise_fd_limit(agents: usize) {
    use nix::sys::resource::{Resource, getrlimit, setrlimit};
    let need = (agents as u64) * 5 + 1024;
    let Ok((soft, hard)) = getrlimit(Resource::RLIMIT_NOFILE) else {
        return;
    };
    if soft >= need {
        println!("open files: soft limit {soft} is enough (need about {need})");
        return;
    }
    let new = need.min(hard);
    match setrlimit(Resource::RLIMIT_NOFILE, new, hard) {
        Ok(()) => println!("open files: soft limit raised from {soft} to {new} (hard {hard})"),
        Err(error) => println!("open files: cannot raise the soft limit {soft}: {error}"),
    }
}

fn percentile_ms(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    f64::from(sorted[rank.clamp(1, sorted.len()) - 1]) / 1000.0
}

fn sum_cpu(now: &[Usage], before: &[Usage]) -> f64 {
    now.iter()
        .zip(before)
        .map(|(n, b)| n.cpu_secs - b.cpu_secs)
        .sum()
}

fn peak(usage: &[Usage]) -> f64 {
    usage.iter().map(|u| u.peak_rss_mib).fold(0.0, f64::max)
}

async fn stream_info(urls: &str) -> Option<(Option<String>, usize)> {
    let client = async_nats::ConnectOptions::new()
        .connection_timeout(Duration::from_secs(3))
        .connect(urls.split(',').collect::<Vec<_>>())
        .await
        .ok()?;
    let js = async_nats::jetstream::new(client);
    let mut stream = js.get_stream(agentbar_relay::store::STREAM).await.ok()?;
    let info = stream.info().await.ok()?;
    let leader = info.cluster.as_ref().and_then(|c| c.leader.clone());
    Some((leader, info.config.num_replicas))
}

async fn run(agents: usize, args: &Args) -> Result<Figures, String> {
    let mut fig = Figures {
        agents,
        offered: args.rate * agents as f64,
        load_before: load_average(),
        ..Figures::default()
    };
    let dir = cluster::run_dir();
    let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
    let identity = TlsIdentity::kept(dir.path(), &names).map_err(|e| e.to_string())?;
    let trust = Trust::pinned_hex(identity.cert_sha256()).map_err(|e| e.to_string())?;
    let (cert, key) = cluster::cert_paths(dir.path());

    let mut nats = NatsCluster::start(dir.path()).await?;
    let urls = nats.urls();
    let mut relays = vec![
        RelayProc::start("a", &urls, &cert, &key, dir.path()).await?,
        RelayProc::start("b", &urls, &cert, &key, dir.path()).await?,
    ];
    let local = |p: u16| std::net::SocketAddr::from(([127, 0, 0, 1], p));
    let push = cluster::forwarder(relays.iter().map(|r| local(r.push_port)).collect()).await;

    let agent_ids: Vec<String> = (0..agents).map(|i| (10000 + i).to_string()).collect();
    let mut roster = Roster::empty();
    for a in &agent_ids {
        roster.insert(a, &format!("Agent#{a}"))?;
    }
    let mut sim_cfg = SimConfig {
        roster,
        auth: AuthMode::Static,
        // No handshakes during the run: the agents stay signed in.
        inactivity_timeout: Duration::from_secs(3600),
        ..SimConfig::default()
    };
    sim_cfg.push.retry_initial = Duration::from_millis(100);
    sim_cfg.push.retry_max = Duration::from_secs(1);
    sim_cfg.push.request_timeout = Duration::from_secs(5);
    let sim = Simulator::start(sim_cfg).await.map_err(|e| e.to_string())?;
    let ctrl = sim.control();

    // Sign-ins, as the bars would: push mode with the relay's address.
    let started = Instant::now();
    let ca = sim.ca_pem().ok_or("simulator has no CA")?;
    let gw_http = reqwest::Client::builder()
        .use_rustls_tls()
        .add_root_certificate(
            reqwest::Certificate::from_pem(ca.as_bytes()).map_err(|e| e.to_string())?,
        )
        .build()
        .map_err(|e| e.to_string())?;
    let callback = format!("https://{push}{DEFAULT_PATH}");
    let tokens: Vec<String> = agent_ids
        .iter()
        .map(|_| ServiceToken::generate().expose().to_owned())
        .collect();
    let gateway = sim.gateway_url();
    let outcomes: Vec<Result<(), String>> = futures::stream::iter(agent_ids.iter().zip(&tokens))
        .map(|(agent, token)| {
            let body = json!({
                "password": format!("Agent#{agent}"),
                "phonenum": format!("7{agent}"),
                "callBackUri": callback,
                "serviceToken": token,
            });
            let req = gw_http
                .put(format!("{gateway}/onlineagent/{agent}"))
                .json(&body)
                .send();
            async move {
                let answer: serde_json::Value = req
                    .await
                    .map_err(|_| "sign-in: no answer".to_owned())?
                    .json()
                    .await
                    .map_err(|_| "sign-in: unreadable answer".to_owned())?;
                match answer["retcode"].as_str() {
                    Some("0") => Ok(()),
                    other => Err(format!("sign-in refused: retcode {other:?}")),
                }
            }
        })
        .buffer_unordered(32)
        .collect()
        .await;
    outcomes.into_iter().collect::<Result<Vec<()>, String>>()?;
    fig.sign_in_secs = started.elapsed().as_secs_f64();

    // Subscribers: half prefer each instance, the other one second.
    let started = Instant::now();
    let epoch = Instant::now();
    let sub_http = reqwest::Client::builder()
        .use_preconfigured_tls(trust.client_config().map_err(|e| e.to_string())?)
        .http1_only()
        .build()
        .map_err(|e| e.to_string())?;
    let bases: Vec<String> = relays
        .iter()
        .map(|r| format!("https://127.0.0.1:{}", r.subscribe_port))
        .collect();
    let received = Arc::new(AtomicU64::new(0));
    let stop = CancellationToken::new();
    let mut seen_all = Vec::new();
    let mut subs_tasks = Vec::new();
    for (i, (agent, token)) in agent_ids.iter().zip(&tokens).enumerate() {
        let seen = Arc::new(Mutex::new(Seen::default()));
        seen_all.push(Arc::clone(&seen));
        let urls = vec![bases[i % 2].clone(), bases[(i + 1) % 2].clone()];
        let sub = Subscriber {
            agent: agent.clone(),
            token: token.clone(),
            urls,
            seen,
        };
        subs_tasks.push(tokio::spawn(subscriber::run(
            sub,
            sub_http.clone(),
            epoch,
            Arc::clone(&received),
            stop.clone(),
        )));
    }
    drop(tokens);
    let ready_by = Instant::now() + Duration::from_secs(60 + agents as u64 / 20);
    loop {
        let ready = seen_all
            .iter()
            .filter(|s| s.lock().expect("seen").ready)
            .count();
        if ready == agents {
            break;
        }
        if Instant::now() >= ready_by {
            return Err(format!(
                "only {ready} of {agents} subscribers got their sign-in events"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    fig.subscribe_secs = started.elapsed().as_secs_f64();
    if let Some((_, replicas)) = stream_info(&urls).await {
        fig.replicas = replicas;
    }
    println!(
        "set up: {agents} sign-ins in {:.1} s, {agents} subscribers with their sign-in events {:.1} s later",
        fig.sign_in_secs, fig.subscribe_secs
    );

    // Load: `rate` events per agent per second, spread evenly.
    let steady = Duration::from_secs(args.steady_secs);
    let fault = Duration::from_secs(args.fault_secs);
    let total_rate = fig.offered;
    let inject_ctrl = ctrl.clone();
    let inject_ids = agent_ids.clone();
    let load_start = Instant::now();
    let injector = tokio::spawn(async move {
        let mut sent = vec![0u32; inject_ids.len()];
        let mut done = 0u64;
        let mut cursor = 0usize;
        let mut tick = tokio::time::interval(Duration::from_millis(5));
        loop {
            tick.tick().await;
            let elapsed = load_start.elapsed();
            if elapsed >= steady + fault {
                return sent;
            }
            let phase = u64::from(elapsed >= steady);
            let due = (elapsed.as_secs_f64() * total_rate) as u64;
            while done < due {
                let i = cursor % inject_ids.len();
                let agent = &inject_ids[i];
                let event = json!({
                    "eventType": BENCH_EVENT,
                    "workNo": agent,
                    "content": {"n": sent[i], "t": epoch.elapsed().as_micros() as u64, "p": phase},
                });
                if inject_ctrl.inject(agent, event).is_ok() {
                    sent[i] += 1;
                }
                cursor += 1;
                done += 1;
            }
        }
    });

    let proc_usage = |relays: &mut Vec<RelayProc>, nats: &mut NatsCluster| {
        let r: Vec<Usage> = relays.iter_mut().map(|r| r.proc.usage()).collect();
        (r, nats.usage())
    };
    let (relay0, nats0) = proc_usage(&mut relays, &mut nats);
    let bench0 = usage_of("/proc/self").unwrap_or_default();
    let rx0 = received.load(Ordering::Relaxed);
    tokio::time::sleep_until(load_start + steady).await;
    let rx1 = received.load(Ordering::Relaxed);
    let (relay1, nats1) = proc_usage(&mut relays, &mut nats);
    fig.delivered_steady = (rx1 - rx0) as f64 / steady.as_secs_f64();
    fig.relay_cpu_steady = sum_cpu(&relay1, &relay0);
    fig.nats_cpu_steady = sum_cpu(&nats1, &nats0);

    // Faults: one relay instance, then the stream's leader node.
    tokio::time::sleep_until(load_start + steady + Duration::from_secs(5)).await;
    relays[0].proc.kill();
    println!(
        "killed relay a (SIGKILL) at {:.1} s of load",
        load_start.elapsed().as_secs_f64()
    );
    tokio::time::sleep_until(load_start + steady + Duration::from_secs(12)).await;
    let leader = stream_info(&urls).await.and_then(|(l, _)| l);
    let victim = leader
        .as_deref()
        .and_then(|l| NODE_NAMES.iter().position(|n| *n == l))
        .unwrap_or(0);
    nats.nodes[victim].kill();
    fig.killed_leader = format!(
        "{}{}",
        NODE_NAMES[victim],
        if leader.is_some() {
            " (stream leader)"
        } else {
            ""
        }
    );
    println!(
        "killed nats {} (SIGKILL) at {:.1} s of load",
        fig.killed_leader,
        load_start.elapsed().as_secs_f64()
    );
    let sent = injector.await.map_err(|e| e.to_string())?;
    let rx2 = received.load(Ordering::Relaxed);
    fig.delivered_fault = (rx2 - rx1) as f64 / fault.as_secs_f64();
    fig.sent = sent.iter().map(|n| u64::from(*n)).sum();

    // Drain: until every subscriber has every event, or 60 s.
    let drain_by = Instant::now() + Duration::from_secs(60);
    while received.load(Ordering::Relaxed) < fig.sent && Instant::now() < drain_by {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // A little longer, to catch late repeats.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (relay2, nats2) = proc_usage(&mut relays, &mut nats);
    let bench2 = usage_of("/proc/self").unwrap_or_default();
    fig.relay_cpu_run = sum_cpu(&relay2, &relay0);
    fig.nats_cpu_run = sum_cpu(&nats2, &nats0);
    fig.bench_cpu_run = bench2.cpu_secs - bench0.cpu_secs;
    fig.relay_peak_mib = peak(&relay2);
    fig.nats_peak_mib = peak(&nats2);
    fig.bench_peak_mib = bench2.peak_rss_mib;
    stop.cancel();
    for task in subs_tasks {
        let _ = task.await;
    }

    let mut steady_lat = Vec::new();
    let mut fault_lat = Vec::new();
    let load_offset_us = (load_start - epoch).as_micros() as u64;
    let mut slow_sent = Vec::new();
    for ((seen, &sent), agent) in seen_all.iter().zip(&sent).zip(&agent_ids) {
        let seen = seen.lock().expect("seen");
        let got = seen.distinct() as u64;
        let lost = u64::from(sent).saturating_sub(got);
        fig.lost += lost;
        if lost > 0 {
            let acknowledged = ctrl
                .delivered_events(agent)
                .iter()
                .filter(|e| e["eventType"] == BENCH_EVENT)
                .count() as u64;
            fig.lost_unacknowledged += u64::from(sent).saturating_sub(acknowledged);
        }
        slow_sent.extend(
            seen.slow_sent_us
                .iter()
                .map(|us| us.saturating_sub(load_offset_us) as f64 / 1e6),
        );
        fig.repeated += seen.repeats();
        fig.ids_not_increasing += u64::from(seen.ids_not_increasing);
        fig.superseded += u64::from(seen.superseded);
        fig.reconnects += u64::from(seen.reconnects);
        steady_lat.extend_from_slice(&seen.latency_us[0]);
        fault_lat.extend_from_slice(&seen.latency_us[1]);
    }
    fig.slow = slow_sent.len();
    fig.slow_sent_secs = (
        slow_sent.iter().copied().fold(f64::INFINITY, f64::min),
        slow_sent.iter().copied().fold(0.0, f64::max),
    );
    steady_lat.sort_unstable();
    fault_lat.sort_unstable();
    fig.p50_ms = percentile_ms(&steady_lat, 50.0);
    fig.p99_ms = percentile_ms(&steady_lat, 99.0);
    fig.fault_p50_ms = percentile_ms(&fault_lat, 50.0);
    fig.fault_p99_ms = percentile_ms(&fault_lat, 99.0);
    fig.load_after = load_average();
    sim.shutdown().await;
    drop(relays);
    drop(nats);
    Ok(fig)
}

fn verdict(met: bool) -> &'static str {
    if met { "met" } else { "NOT MET" }
}

fn report(f: &Figures) {
    let share = f.delivered_steady / f.offered;
    println!(
        "stream replicas: {} (3 nodes); killed: relay a, nats {}",
        f.replicas, f.killed_leader
    );
    println!(
        "events/s delivered, steady     {:>9.0}   target >= {:.0} ({:.0}% of {:.0} offered)   {}",
        f.delivered_steady,
        f.offered * TARGET_DELIVERED_SHARE,
        TARGET_DELIVERED_SHARE * 100.0,
        f.offered,
        verdict(share >= TARGET_DELIVERED_SHARE)
    );
    println!(
        "events/s delivered, with kills {:>9.0}   (offered {:.0})",
        f.delivered_fault, f.offered
    );
    println!(
        "latency p50, steady            {:>9.1} ms   target <= {TARGET_P50_MS} ms   {}",
        f.p50_ms,
        verdict(f.p50_ms <= TARGET_P50_MS)
    );
    println!(
        "latency p99, steady            {:>9.1} ms   target <= {TARGET_P99_MS} ms   {}",
        f.p99_ms,
        verdict(f.p99_ms <= TARGET_P99_MS)
    );
    println!(
        "latency p50 / p99, with kills  {:>9.1} / {:.1} ms   target p99 <= {TARGET_FAULT_P99_MS} ms   {}",
        f.fault_p50_ms,
        f.fault_p99_ms,
        verdict(f.fault_p99_ms <= TARGET_FAULT_P99_MS)
    );
    println!(
        "events lost                    {:>9} of {}   target 0   {}",
        f.lost,
        f.sent,
        verdict(f.lost == 0)
    );
    if f.lost > 0 {
        println!(
            "  of the lost, never acknowledged to the gateway (still queued there): {}",
            f.lost_unacknowledged
        );
    }
    if f.slow > 0 {
        println!(
            "  {} events over 5 s late, sent between {:.1} and {:.1} s of load",
            f.slow, f.slow_sent_secs.0, f.slow_sent_secs.1
        );
    }
    println!(
        "events repeated                {:>9}   target 0   {}",
        f.repeated,
        verdict(f.repeated == 0)
    );
    println!(
        "ids not increasing             {:>9}   target 0   {}",
        f.ids_not_increasing,
        verdict(f.ids_not_increasing == 0)
    );
    println!(
        "subscriber reconnects {} (superseded {})",
        f.reconnects, f.superseded
    );
    println!(
        "CPU s, steady phase: relays {:.1}, nats {:.1}; whole load and drain: relays {:.1}, nats {:.1}, gateway and subscribers {:.1}",
        f.relay_cpu_steady, f.nats_cpu_steady, f.relay_cpu_run, f.nats_cpu_run, f.bench_cpu_run
    );
    println!(
        "peak memory: relay {:.0} MiB, nats node {:.0} MiB (largest of each), gateway and subscribers {:.0} MiB",
        f.relay_peak_mib, f.nats_peak_mib, f.bench_peak_mib
    );
    println!(
        "load average before {} / after {} (2 cores, shared)",
        f.load_before, f.load_after
    );
}

fn table(all: &[Figures]) {
    println!(
        "\n| agents | events/s (offered) | p50 / p99 ms | with kills p99 ms | lost / repeated | CPU s steady: relays / NATS | peak MiB: relay / NATS node | setup s | load avg |"
    );
    println!("|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for f in all {
        println!(
            "| {} | {:.0} ({:.0}) | {:.1} / {:.1} | {:.0} | {} / {} | {:.1} / {:.1} | {:.0} / {:.0} | {:.0} + {:.0} | {} → {} |",
            f.agents,
            f.delivered_steady,
            f.offered,
            f.p50_ms,
            f.p99_ms,
            f.fault_p99_ms,
            f.lost,
            f.repeated,
            f.relay_cpu_steady,
            f.nats_cpu_steady,
            f.relay_peak_mib,
            f.nats_peak_mib,
            f.sign_in_secs,
            f.subscribe_secs,
            f.load_before,
            f.load_after
        );
    }
}
