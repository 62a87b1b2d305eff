//! `agentbar-relay`: the site relay's command line. See the crate README.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use agentbar_relay::{Relay, RelayConfig, StoreConfig};
use agentgateway::push::TlsSource;
use clap::Parser;

/// The CC-Gateway push endpoint for every agent of a site. Accepted events
/// are stored in NATS JetStream before the gateway is answered; bars
/// subscribe to their agent's events over HTTPS (server-sent events).
///
/// One machine:   nats-server -js -sd /var/lib/nats &  agentbar-relay --cert c.pem --key k.pem
///
/// Three nodes:   run a three-node JetStream cluster and on each node
///                agentbar-relay --nats nats://n1:4222,nats://n2:4222,nats://n3:4222 --replicas 3
///
/// Bars sign in with callBackUri https://<relay>:8443/service-cloud/rest/cc-ai/v1/agentevent/pushresult
/// and subscribe at https://<relay>:9443/v1/agents/<agent>/events.
#[derive(Debug, Parser)]
#[command(version, verbatim_doc_comment)]
struct Args {
    /// Push port (the gateway posts here).
    #[arg(
        long,
        env = "AGENTBAR_RELAY_PUSH_LISTEN",
        default_value = "0.0.0.0:8443"
    )]
    push_listen: SocketAddr,
    /// Path the gateway posts to.
    #[arg(long, env = "AGENTBAR_RELAY_PUSH_PATH", default_value = agentgateway::push::DEFAULT_PATH)]
    push_path: String,
    /// Subscription port (the bars connect here).
    #[arg(
        long,
        env = "AGENTBAR_RELAY_SUBSCRIBE_LISTEN",
        default_value = "0.0.0.0:9443"
    )]
    subscribe_listen: SocketAddr,
    /// /healthz and /metrics (plain HTTP).
    #[arg(
        long,
        env = "AGENTBAR_RELAY_ADMIN_LISTEN",
        default_value = "127.0.0.1:9090"
    )]
    admin_listen: SocketAddr,
    /// Certificate chain (PEM) of both TLS ports; with --key.
    #[arg(long, env = "AGENTBAR_RELAY_CERT", requires = "key")]
    cert: Option<PathBuf>,
    /// Private key (PEM) of --cert.
    #[arg(long, env = "AGENTBAR_RELAY_KEY", requires = "cert")]
    key: Option<PathBuf>,
    /// Without --cert: names of the self-signed certificate (testing only).
    #[arg(long, value_delimiter = ',', default_value = "localhost,127.0.0.1")]
    self_signed_names: Vec<String>,
    /// NATS servers, comma separated.
    #[arg(
        long,
        env = "AGENTBAR_RELAY_NATS",
        value_delimiter = ',',
        default_value = "nats://127.0.0.1:4222"
    )]
    nats: Vec<String>,
    /// Copies of the stream and bucket (3 on a three-node cluster).
    #[arg(long, env = "AGENTBAR_RELAY_REPLICAS", default_value_t = 1)]
    replicas: usize,
    /// Hours events are kept for resuming bars.
    #[arg(long, env = "AGENTBAR_RELAY_RETAIN_HOURS", default_value_t = 24)]
    retain_hours: u64,
    /// Seconds a subscription waits for its sign-in's first push.
    #[arg(long, default_value_t = 10.0)]
    token_wait_secs: f64,
    /// Most subscription connections at once.
    #[arg(long, default_value_t = agentbar_relay::relay::DEFAULT_MAX_SUBSCRIBERS)]
    max_subscribers: usize,
    /// Most push connections at once.
    #[arg(long, default_value_t = agentbar_relay::relay::DEFAULT_PUSH_CONNECTIONS)]
    max_push_connections: usize,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    let args = Args::parse();
    let mut cfg = RelayConfig::default();
    cfg.push.listen = args.push_listen;
    cfg.push.path = args.push_path;
    cfg.push.max_connections = args.max_push_connections;
    cfg.push.max_connections_per_peer = args.max_push_connections;
    cfg.push.tls = match (args.cert, args.key) {
        (Some(cert), Some(key)) => TlsSource::PemFiles { cert, key },
        _ => TlsSource::SelfSigned {
            subject_alt_names: args.self_signed_names,
        },
    };
    cfg.subscribe_listen = args.subscribe_listen;
    cfg.max_subscribers = args.max_subscribers;
    cfg.admin_listen = args.admin_listen;
    cfg.store = StoreConfig {
        nats_urls: args.nats,
        replicas: args.replicas,
        max_age: Duration::from_secs(args.retain_hours.max(1) * 3600),
        ..StoreConfig::default()
    };
    cfg.token_wait = Duration::from_secs_f64(args.token_wait_secs.clamp(0.0, 60.0));
    let relay = match Relay::start(cfg).await {
        Ok(relay) => relay,
        Err(error) => {
            eprintln!("agentbar-relay: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    stopped().await;
    relay.shutdown().await;
    std::process::ExitCode::SUCCESS
}

/// SIGINT or SIGTERM (a service manager's stop).
async fn stopped() {
    let mut term = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
        Ok(term) => term,
        Err(_) => {
            let _ = tokio::signal::ctrl_c().await;
            return;
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        _ = term.recv() => {}
    }
}
