//! `agentbar-cli watch --mode relay` against the simulator and a relay on a
//! real `nats-server`: the gateway posts to the relay, watch subscribes
//! there and prints the events exactly as emitted.

use std::process::Stdio;
use std::time::Duration;

use agentbar_relay::{Relay, RelayConfig, StoreConfig};
use agentgateway::push::TlsSource;
use agentgateway_sim::{AuthMode, SimConfig, Simulator};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_agentbar-cli");

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watch_via_the_relay_prints_the_events_as_emitted() {
    assert!(
        std::process::Command::new("nats-server")
            .arg("--version")
            .output()
            .is_ok(),
        "nats-server is not on PATH: apt-get install -y nats-server (scripts/dev.sh test does)"
    );
    let store = tempfile::tempdir().expect("temp dir");
    let port = free_port();
    let nats = std::process::Command::new("nats-server")
        .args(["-js", "-a", "127.0.0.1", "-p", &port.to_string(), "-sd"])
        .arg(store.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nats-server starts");
    // Stopped however the test ends.
    let _nats = KillOnDrop(nats);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "nats-server never listened"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut cfg = RelayConfig::default();
    let local = std::net::SocketAddr::from(([127, 0, 0, 1], 0));
    cfg.push.listen = local;
    cfg.push.tls = TlsSource::SelfSigned {
        subject_alt_names: vec!["127.0.0.1".to_owned()],
    };
    cfg.subscribe_listen = local;
    cfg.admin_listen = local;
    cfg.store = StoreConfig {
        nats_urls: vec![format!("nats://127.0.0.1:{port}")],
        ..StoreConfig::default()
    };
    let relay = Relay::start(cfg).await.expect("relay starts");
    let sha = relay.cert_sha256().expect("certificate");

    let sim = Simulator::start(SimConfig {
        auth: AuthMode::Static,
        ..SimConfig::default()
    })
    .await
    .expect("simulator");
    let dir = tempfile::tempdir().expect("temp dir");
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, sim.ca_pem().expect("CA")).expect("write CA");
    let mut c = Command::new(BIN);
    for (k, _) in std::env::vars() {
        if k.starts_with("AGENTBAR_") {
            c.env_remove(k);
        }
    }
    let push_url = relay.callback_uri("127.0.0.1").expect("push URL");
    c.args([
        "--gateway",
        &sim.gateway_url(),
        "--agent",
        "104",
        "--ca-file",
    ])
    .arg(&ca)
    .args(["watch", "--phone", "7000", "--fresh", "--mode", "relay"])
    .args([
        "--relay-url",
        &format!("https://{}", relay.subscribe_addr()),
    ])
    .args(["--relay-push-url", &push_url, "--relay-pin-sha256", &sha])
    .env("AGENTBAR_PASSWORD", "Agent#104")
    .env(
        "DBUS_SESSION_BUS_ADDRESS",
        format!("unix:path={}", dir.path().join("no-bus").display()),
    )
    .env("XDG_RUNTIME_DIR", dir.path())
    .stdin(Stdio::null())
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .kill_on_drop(true);
    let mut child = c.spawn().expect("watch starts");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let mut stderr = child.stderr.take().expect("stderr");
    let stderr_text = tokio::spawn(async move {
        let mut text = String::new();
        let _ = tokio::io::AsyncReadExt::read_to_string(&mut stderr, &mut text).await;
        text
    });
    let mut events = Vec::new();
    let mut injected = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let line = tokio::time::timeout_at(deadline, lines.next_line())
            .await
            .expect("lines in time")
            .expect("stdout")
            .expect("watch running");
        let v: Value = serde_json::from_str(&line).expect("JSON line");
        if v["kind"] == "event" {
            events.push(v["event"].clone());
        }
        if v["kind"] == "state" && v["agent"] == "idle" && !injected {
            sim.control()
                .inject(
                    "104",
                    json!({"eventType":"AgentTest_Marker","workNo":"104","content":{"n":1}}),
                )
                .expect("inject");
            injected = true;
        }
        if events.iter().any(|e| e["eventType"] == "AgentTest_Marker") {
            break;
        }
    }
    assert_eq!(
        sim.control()
            .agent_state("104")
            .and_then(|a| a.mode)
            .as_deref(),
        Some("push")
    );
    assert_eq!(events, sim.control().emitted_events("104"));
    let pid = child.id().expect("running");
    kill(Pid::from_raw(pid as i32), Signal::SIGTERM).expect("signal");
    let status = tokio::time::timeout(Duration::from_secs(20), child.wait())
        .await
        .expect("exits in time")
        .expect("status");
    assert_eq!(status.code(), Some(0));
    let stderr = stderr_text.await.expect("stderr");
    assert!(stderr.contains("relay subscription open"), "{stderr}");
    assert!(!stderr.contains("Agent#104"), "the password on stderr");
    relay.shutdown().await;
}

struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
