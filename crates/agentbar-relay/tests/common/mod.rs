//! Shared test helpers: real `nats-server` processes with JetStream on free
//! ports, relay instances (in this process or as child processes), a
//! simulator as the gateway, sessions of the library in relay mode, and a
//! TCP forwarder standing in for the site's one address.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use agentbar_relay::{Relay, RelayConfig, StoreConfig};
use agentgateway::engine::{PollTiming, PushMode, Session, SessionConfig, Subscription, Update};
use agentgateway::push::{TlsIdentity, TlsSource};
use agentgateway::relay::RelayMode;
use agentgateway::{ClientConfig, Event, Secret, SignIn, Trust};
use agentgateway_sim::{AuthMode, SimConfig, Simulator};

/// Fails the test at once, saying what to install, when `nats-server` is not
/// on PATH (the test command installs it from Debian's packages).
pub fn require_nats() {
    let found = Command::new("nats-server")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        found,
        "nats-server is not on PATH: apt-get install -y nats-server (scripts/dev.sh test does)"
    );
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// A `nats-server -js` on a free port with its store in a temporary directory.
pub struct Nats {
    child: Option<Child>,
    pub port: u16,
    pub dir: tempfile::TempDir,
}

impl Nats {
    pub async fn start() -> Nats {
        let dir = tempfile::tempdir().expect("temp dir");
        let mut nats = Nats {
            child: None,
            port: free_port(),
            dir,
        };
        nats.spawn().await;
        nats
    }

    async fn spawn(&mut self) {
        let child = Command::new("nats-server")
            .args([
                "-js",
                "-a",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
                "-sd",
            ])
            .arg(self.dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("nats-server starts");
        self.child = Some(child);
        wait_port(self.port, Duration::from_secs(10)).await;
    }

    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// Stops the server (SIGTERM, as a service manager does) and waits.
    pub fn stop(&mut self) {
        self.signal(nix::sys::signal::Signal::SIGTERM);
    }

    /// Kills the server (SIGKILL: a crash) and waits.
    pub fn crash(&mut self) {
        self.signal(nix::sys::signal::Signal::SIGKILL);
    }

    fn signal(&mut self, signal: nix::sys::signal::Signal) {
        if let Some(mut child) = self.child.take() {
            let pid = nix::unistd::Pid::from_raw(child.id() as i32);
            let _ = nix::sys::signal::kill(pid, signal);
            let _ = child.wait();
        }
    }

    /// Starts it again (after [`stop`](Self::stop) or [`crash`](Self::crash))
    /// on the same port with the same store.
    pub async fn start_again(&mut self) {
        self.stop();
        self.spawn().await;
    }
}

impl Drop for Nats {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

pub async fn wait_port(port: u16, within: Duration) {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "port {port} never opened"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// One certificate for every relay instance of a test, as behind one
/// address; the bars pin it.
pub struct SiteCert {
    pub dir: tempfile::TempDir,
    pub sha256: String,
}

impl SiteCert {
    pub fn new() -> SiteCert {
        let dir = tempfile::tempdir().expect("temp dir");
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let identity = TlsIdentity::kept(dir.path(), &names).expect("certificate");
        SiteCert {
            sha256: identity.cert_sha256().to_owned(),
            dir,
        }
    }

    pub fn cert(&self) -> PathBuf {
        self.dir.path().join("push-cert.pem")
    }

    pub fn key(&self) -> PathBuf {
        self.dir.path().join("push-key.pem")
    }

    pub fn trust(&self) -> Trust {
        Trust::pinned_hex(&self.sha256).expect("fingerprint")
    }
}

/// A relay in this process on free ports.
pub async fn relay(nats: &[String], cert: &SiteCert) -> Relay {
    let mut cfg = RelayConfig::default();
    let local = SocketAddr::from(([127, 0, 0, 1], 0));
    cfg.push.listen = local;
    cfg.push.tls = TlsSource::PemFiles {
        cert: cert.cert(),
        key: cert.key(),
    };
    cfg.subscribe_listen = local;
    cfg.admin_listen = local;
    cfg.store = StoreConfig {
        nats_urls: nats.to_vec(),
        ack_timeout: Duration::from_secs(1),
        ..StoreConfig::default()
    };
    cfg.token_wait = Duration::from_millis(800);
    cfg.keepalive = Duration::from_secs(1);
    Relay::start(cfg).await.expect("relay starts")
}

/// A relay as a child process (to be killed for real).
pub struct RelayProcess {
    child: Child,
    pub push_port: u16,
    pub subscribe_port: u16,
    pub admin_port: u16,
}

impl RelayProcess {
    pub async fn start(nats: &str, cert: &SiteCert) -> RelayProcess {
        let (push_port, subscribe_port, admin_port) = (free_port(), free_port(), free_port());
        let addr = |p: u16| format!("127.0.0.1:{p}");
        let child = Command::new(env!("CARGO_BIN_EXE_agentbar-relay"))
            .arg("--nats")
            .arg(nats)
            .args(["--push-listen", &addr(push_port)])
            .args(["--subscribe-listen", &addr(subscribe_port)])
            .args(["--admin-listen", &addr(admin_port)])
            .arg("--cert")
            .arg(cert.cert())
            .arg("--key")
            .arg(cert.key())
            .args(["--token-wait-secs", "0.8"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("relay process starts");
        wait_port(subscribe_port, Duration::from_secs(15)).await;
        wait_port(push_port, Duration::from_secs(15)).await;
        RelayProcess {
            child,
            push_port,
            subscribe_port,
            admin_port,
        }
    }

    /// SIGKILL: no goodbye to anyone.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for RelayProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A TCP forwarder: the site's one address, in front of several instances;
/// each connection goes to the first upstream that takes it.
pub async fn forwarder(upstreams: Vec<SocketAddr>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else {
                return;
            };
            let upstreams = upstreams.clone();
            tokio::spawn(async move {
                for up in upstreams {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(up).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        return;
                    }
                }
            });
        }
    });
    addr
}

pub fn sim_config() -> SimConfig {
    let mut cfg = SimConfig {
        poll_wait_times: 5,
        poll_wait_interval: Duration::from_millis(20),
        auth: AuthMode::Static,
        ..SimConfig::default()
    };
    cfg.push.retry_initial = Duration::from_millis(100);
    cfg.push.retry_max = Duration::from_millis(500);
    cfg.push.request_timeout = Duration::from_secs(3);
    cfg
}

pub async fn simulator() -> Simulator {
    Simulator::start(sim_config())
        .await
        .expect("simulator starts")
}

pub fn push_path() -> &'static str {
    agentgateway::push::DEFAULT_PATH
}

/// A session of `agent` getting its events via the relay: the gateway
/// pushes to `push`, the session subscribes at `subscribe` (in turn).
pub fn relay_session(
    sim: &Simulator,
    agent: &str,
    push: SocketAddr,
    subscribe: &[SocketAddr],
    cert: &SiteCert,
) -> Session {
    let mut client = ClientConfig::new(
        agent,
        vec![sim.gateway_url()],
        Trust::only_ca(sim.ca_pem().expect("generated CA")),
    );
    client.request_timeout = Duration::from_secs(5);
    let mut cfg = SessionConfig::new(client);
    cfg.timing = PollTiming {
        after_answer: Duration::from_millis(200),
        after_event: Duration::from_millis(200),
        after_http_error: Duration::from_millis(1100),
        backoff_initial: Duration::from_millis(200),
        backoff_cap: Duration::from_secs(2),
    };
    let mut relay = RelayMode::new(
        &format!("https://{}", subscribe[0]),
        Some(format!("https://{push}{}", push_path())),
        cert.trust(),
    );
    relay.subscribe_urls = subscribe.iter().map(|a| format!("https://{a}")).collect();
    relay.retry_after = Duration::from_millis(200);
    relay.idle_timeout = Duration::from_secs(3);
    let mut mode = PushMode::via_relay(relay);
    mode.handshake_every = Duration::from_millis(500);
    cfg.push = Some(mode);
    Session::new(cfg).expect("session")
}

pub fn sign_in_req(agent: &str) -> SignIn {
    SignIn::new(Secret::new(format!("Agent#{agent}")), format!("70{agent}"))
}

/// Collects events until `done` holds for them, bounded by `within`.
pub async fn collect_until(
    sub: &mut Subscription,
    seen: &mut Vec<Event>,
    within: Duration,
    mut done: impl FnMut(&[Event]) -> bool,
) {
    let deadline = tokio::time::Instant::now() + within;
    while !done(seen) {
        match tokio::time::timeout_at(deadline, sub.recv()).await {
            Ok(Some(Update::Event(e))) => seen.push(e),
            Ok(Some(_)) => {}
            Ok(None) => panic!("session ended"),
            Err(_) => panic!(
                "timed out; got {:?}",
                seen.iter()
                    .map(|e| e.event_type.as_str())
                    .collect::<Vec<_>>()
            ),
        }
    }
}

/// Drains what arrives within `quiet` more (to catch duplicates).
pub async fn drain(sub: &mut Subscription, seen: &mut Vec<Event>, quiet: Duration) {
    while let Ok(Some(u)) = tokio::time::timeout(quiet, sub.recv()).await {
        if let Update::Event(e) = u {
            seen.push(e);
        }
    }
}

/// A raw subscription: the status, and the body read for `read` (SSE
/// frames as text).
pub async fn raw_subscribe(
    relay: SocketAddr,
    agent: &str,
    token: &str,
    last_id: Option<u64>,
    read: Duration,
    cert: &SiteCert,
) -> (u16, String) {
    let tls = cert.trust().client_config().expect("tls");
    let http = reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .build()
        .expect("client");
    let mut req = http
        .get(format!("https://{relay}/v1/agents/{agent}/events"))
        .bearer_auth(token);
    if let Some(id) = last_id {
        req = req.header("Last-Event-ID", id.to_string());
    }
    let mut resp = tokio::time::timeout(Duration::from_secs(10), req.send())
        .await
        .expect("answer in time")
        .expect("answer");
    let status = resp.status().as_u16();
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + read;
    while let Ok(Ok(Some(chunk))) = tokio::time::timeout_at(deadline, resp.chunk()).await {
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    (status, text)
}

/// The `data` of every `agentEvent` frame in `text`, with its id.
pub fn frames(text: &str) -> Vec<(u64, serde_json::Value)> {
    text.split("\n\n")
        .filter(|f| f.contains("event: agentEvent"))
        .filter_map(|f| {
            let id = f
                .lines()
                .find_map(|l| l.strip_prefix("id: "))?
                .parse()
                .ok()?;
            let data = f.lines().find_map(|l| l.strip_prefix("data: "))?;
            Some((id, serde_json::from_str(data).ok()?))
        })
        .collect()
}

/// The `/metrics` text of the instance whose admin port is `port`.
pub async fn metrics_of(port: u16) -> String {
    let url = format!("http://127.0.0.1:{port}/metrics");
    let answer = tokio::time::timeout(Duration::from_secs(5), reqwest::get(&url))
        .await
        .expect("metrics in time")
        .expect("metrics");
    assert!(answer.status().is_success());
    answer.text().await.expect("metrics text")
}

/// The value of the unlabelled metric `name` in `text`.
pub fn counter(text: &str, name: &str) -> i64 {
    text.lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.trim().parse().ok())
        .unwrap_or(0)
}
