//! The site's back end as real processes: a three-node JetStream cluster
//! (`nats-server` clustered on free ports), relay instances as child
//! processes, the TCP forwarder standing in for the site's load balancer,
//! and what `/proc` says each process cost.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

pub async fn wait_port(port: u16, within: Duration) -> Result<(), String> {
    let deadline = tokio::time::Instant::now() + within;
    while tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_err()
    {
        if tokio::time::Instant::now() >= deadline {
            return Err(format!("port {port} never opened"));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Ok(())
}

/// A child process that is killed (SIGKILL) when dropped, with the last
/// figures read from `/proc` before it ended.
pub struct Proc {
    child: Option<Child>,
    last: Usage,
}

/// CPU seconds (user + system) and peak resident memory of a process.
#[derive(Debug, Clone, Copy, Default)]
pub struct Usage {
    pub cpu_secs: f64,
    pub peak_rss_mib: f64,
}

impl Proc {
    fn spawn(name: &str, cmd: &mut Command, log: &Path) -> Proc {
        let log = std::fs::File::create(log).expect("log file");
        let child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("{name} starts: {e}"));
        Proc {
            child: Some(child),
            last: Usage::default(),
        }
    }

    /// CPU and peak memory so far (for a killed process: until it died).
    pub fn usage(&mut self) -> Usage {
        if let Some(child) = &self.child
            && let Some(now) = usage_of(&format!("/proc/{}", child.id()))
        {
            self.last = now;
        }
        self.last
    }

    /// SIGKILL: a crash, no goodbye to anyone.
    pub fn kill(&mut self) {
        self.usage();
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// Clock ticks per second of `/proc/*/stat` (`getconf CLK_TCK`, 100 on Linux).
fn clock_ticks() -> f64 {
    static TICKS: std::sync::OnceLock<f64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        Command::new("getconf")
            .arg("CLK_TCK")
            .output()
            .ok()
            .and_then(|o| String::from_utf8(o.stdout).ok())
            .and_then(|s| s.trim().parse().ok())
            .unwrap_or(100.0)
    })
}

/// Usage of `/proc/<pid>` (or `/proc/self`): utime + stime of all threads,
/// and `VmHWM`.
pub fn usage_of(proc_dir: &str) -> Option<Usage> {
    let stat = std::fs::read_to_string(format!("{proc_dir}/stat")).ok()?;
    // Fields after the command name: state is the first, utime the 12th.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    let status = std::fs::read_to_string(format!("{proc_dir}/status")).ok()?;
    let hwm_kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0.0);
    Some(Usage {
        cpu_secs: ticks / clock_ticks(),
        peak_rss_mib: hwm_kib / 1024.0,
    })
}

/// The machine's load average (1, 5, 15 minutes).
pub fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "?".to_owned())
}

/// Three `nats-server -js` processes clustered on free ports.
pub struct NatsCluster {
    pub nodes: Vec<Proc>,
    pub client_ports: Vec<u16>,
    monitor_ports: Vec<u16>,
}

pub const NODE_NAMES: [&str; 3] = ["n1", "n2", "n3"];

impl NatsCluster {
    pub async fn start(dir: &Path) -> Result<NatsCluster, String> {
        let client_ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let route_ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let monitor_ports: Vec<u16> = (0..3).map(|_| free_port()).collect();
        let routes = route_ports
            .iter()
            .map(|p| format!("nats://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",");
        let mut nodes = Vec::new();
        for (i, name) in NODE_NAMES.iter().enumerate() {
            let store = dir.join(name);
            std::fs::create_dir_all(&store).map_err(|e| e.to_string())?;
            let mut cmd = Command::new("nats-server");
            cmd.args(["-js", "-a", "127.0.0.1", "-n", name])
                .args(["-p", &client_ports[i].to_string()])
                .args(["-m", &monitor_ports[i].to_string()])
                .args(["--cluster_name", "agentbar"])
                .args(["--cluster", &format!("nats://127.0.0.1:{}", route_ports[i])])
                .args(["--routes", &routes])
                .arg("-sd")
                .arg(&store);
            nodes.push(Proc::spawn(
                &format!("nats {name}"),
                &mut cmd,
                &dir.join(format!("{name}.log")),
            ));
        }
        let cluster = NatsCluster {
            nodes,
            client_ports,
            monitor_ports,
        };
        for port in &cluster.client_ports {
            wait_port(*port, Duration::from_secs(15)).await?;
        }
        cluster.wait_meta_leader(Duration::from_secs(30)).await?;
        Ok(cluster)
    }

    /// Every node knows the JetStream meta leader (streams can be made).
    async fn wait_meta_leader(&self, within: Duration) -> Result<(), String> {
        let deadline = tokio::time::Instant::now() + within;
        let http = reqwest::Client::new();
        'wait: loop {
            if tokio::time::Instant::now() >= deadline {
                return Err("the JetStream cluster elected no meta leader".into());
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
            for port in &self.monitor_ports {
                let url = format!("http://127.0.0.1:{port}/jsz");
                let Ok(answer) = http.get(&url).send().await else {
                    continue 'wait;
                };
                let Ok(jsz) = answer.json::<serde_json::Value>().await else {
                    continue 'wait;
                };
                let leader = jsz["meta_cluster"]["leader"].as_str().unwrap_or("");
                if leader.is_empty() {
                    continue 'wait;
                }
            }
            return Ok(());
        }
    }

    /// `nats://…` of every node, comma separated (the relays' `--nats`).
    pub fn urls(&self) -> String {
        self.client_ports
            .iter()
            .map(|p| format!("nats://127.0.0.1:{p}"))
            .collect::<Vec<_>>()
            .join(",")
    }

    pub fn usage(&mut self) -> Vec<Usage> {
        self.nodes.iter_mut().map(Proc::usage).collect()
    }
}

/// A relay instance as a child process.
pub struct RelayProc {
    pub proc: Proc,
    pub push_port: u16,
    pub subscribe_port: u16,
}

impl RelayProc {
    pub async fn start(
        name: &str,
        nats: &str,
        cert: &Path,
        key: &Path,
        log_dir: &Path,
    ) -> Result<RelayProc, String> {
        let (push_port, subscribe_port, admin_port) = (free_port(), free_port(), free_port());
        let addr = |p: u16| format!("127.0.0.1:{p}");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_agentbar-relay"));
        cmd.env("RUST_LOG", "warn")
            .args(["--nats", nats, "--replicas", "3"])
            .args(["--push-listen", &addr(push_port)])
            .args(["--subscribe-listen", &addr(subscribe_port)])
            .args(["--admin-listen", &addr(admin_port)])
            .arg("--cert")
            .arg(cert)
            .arg("--key")
            .arg(key);
        let proc = Proc::spawn(
            &format!("relay {name}"),
            &mut cmd,
            &log_dir.join(format!("relay-{name}.log")),
        );

        let log = log_dir.join(format!("relay-{name}.log"));
        let up = async {
            wait_port(subscribe_port, Duration::from_secs(30)).await?;
            wait_port(push_port, Duration::from_secs(30)).await
        };
        if let Err(error) = up.await {
            // The relay's log names operations and agents, never secrets.
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            let tail: Vec<&str> = text.lines().rev().take(5).collect();
            return Err(format!("relay {name}: {error}; its log ends: {tail:?}"));
        }
        Ok(RelayProc {
            proc,
            push_port,
            subscribe_port,
        })
    }
}

/// The site's one push address: a TCP forwarder that hands each new
/// connection to the next live upstream in turn (round robin, skipping one
/// that refuses), as a load balancer passing TCP through would.
pub async fn forwarder(upstreams: Vec<SocketAddr>) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let next = Arc::new(AtomicUsize::new(0));
    tokio::spawn(async move {
        loop {
            let Ok((mut inbound, _)) = listener.accept().await else {
                return;
            };
            let upstreams = upstreams.clone();
            let first = next.fetch_add(1, Ordering::Relaxed);
            tokio::spawn(async move {
                for i in 0..upstreams.len() {
                    let up = upstreams[(first + i) % upstreams.len()];
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(up).await {
                        let _ = inbound.set_nodelay(true);
                        let _ = outbound.set_nodelay(true);
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                        return;
                    }
                }
            });
        }
    });
    addr
}

/// Where a run keeps its stores, logs and certificate.
pub fn run_dir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix("agentbar-relay-bench-")
        .tempdir()
        .expect("temp dir")
}

pub fn cert_paths(dir: &Path) -> (PathBuf, PathBuf) {
    (dir.join("push-cert.pem"), dir.join("push-key.pem"))
}
