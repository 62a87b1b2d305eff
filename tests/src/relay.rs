//! The site relay for relay-mode tests: a real `nats-server -js` and the
//! built `agentbar-relay` binary on free ports, with one certificate kept
//! across restarts of the relay (as a site's would be), which the app pins.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use agentgateway::push::TlsIdentity;

use crate::process::Guard;
use crate::{HarnessError, Result};

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> Result<u16> {
    Ok(std::net::TcpListener::bind(("127.0.0.1", 0))?
        .local_addr()?
        .port())
}

/// Waits until something listens on `port`.
fn wait_port(what: &str, port: u16, within: Duration) -> Result<()> {
    let deadline = Instant::now() + within;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() >= deadline {
            return Err(HarnessError::NotReady {
                what: what.into(),
                seconds: within.as_secs(),
                detail: format!("nothing listens on port {port}"),
            });
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Ok(())
}

/// JetStream and one relay instance in front of it.
#[derive(Debug)]
pub struct SiteRelay {
    dir: tempfile::TempDir,
    nats: Guard,
    relay: Option<Guard>,
    nats_port: u16,
    pub push_port: u16,
    pub subscribe_port: u16,
    pub admin_port: u16,
    /// SHA-256 of the relay's certificate (lowercase hex), for pinning.
    pub sha256: String,
}

impl SiteRelay {
    /// Starts `nats-server -js` (store in a temporary folder) and the relay.
    pub fn start() -> Result<Self> {
        let dir = tempfile::Builder::new()
            .prefix("agentbar-relay-")
            .tempdir()?;
        let names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
        let identity = TlsIdentity::kept(dir.path(), &names)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        let nats_port = free_port()?;
        let store = dir.path().join("jetstream");
        let nats = Guard::spawn(
            "nats-server",
            Command::new("nats-server")
                .args([
                    "-js",
                    "-a",
                    "127.0.0.1",
                    "-p",
                    &nats_port.to_string(),
                    "-sd",
                ])
                .arg(&store)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null()),
        )?;
        wait_port("nats-server", nats_port, Duration::from_secs(10))?;
        let mut site = Self {
            sha256: identity.cert_sha256().to_owned(),
            dir,
            nats,
            relay: None,
            nats_port,
            push_port: free_port()?,
            subscribe_port: free_port()?,
            admin_port: free_port()?,
        };
        site.start_relay()?;
        Ok(site)
    }

    /// Starts the relay (again) on its ports, with its certificate.
    pub fn start_relay(&mut self) -> Result<()> {
        let addr = |port: u16| format!("127.0.0.1:{port}");
        let log = std::fs::File::create(self.log_path())?;
        let relay = Guard::spawn(
            "agentbar-relay",
            Command::new(crate::built_binary("agentbar-relay"))
                .args(["--nats", &format!("nats://127.0.0.1:{}", self.nats_port)])
                .args(["--push-listen", &addr(self.push_port)])
                .args(["--subscribe-listen", &addr(self.subscribe_port)])
                .args(["--admin-listen", &addr(self.admin_port)])
                .arg("--cert")
                .arg(self.dir.path().join("push-cert.pem"))
                .arg("--key")
                .arg(self.dir.path().join("push-key.pem"))
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log),
        )?;
        self.relay = Some(relay);
        wait_port(
            "the relay's subscription port",
            self.subscribe_port,
            Duration::from_secs(15),
        )?;
        wait_port(
            "the relay's push port",
            self.push_port,
            Duration::from_secs(15),
        )?;
        let deadline = Instant::now() + Duration::from_secs(15);
        while !self.admin_get("/healthz")?.starts_with("HTTP/1.1 200") {
            if Instant::now() >= deadline {
                return Err(HarnessError::NotReady {
                    what: "the relay's JetStream".into(),
                    seconds: 15,
                    detail: "/healthz is not 200".into(),
                });
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        Ok(())
    }

    /// Stops the relay (SIGTERM, as a service manager does); JetStream stays.
    pub fn stop_relay(&mut self) {
        if let Some(mut relay) = self.relay.take() {
            relay.stop(Duration::from_secs(5));
        }
    }

    /// Where the relay writes its log (agents, counts and statuses only).
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("relay.log")
    }

    /// The relay's subscription address for the bar.
    pub fn subscribe_url(&self) -> String {
        format!("https://127.0.0.1:{}", self.subscribe_port)
    }

    /// The relay's push URL for the gateway (`callBackUri`).
    pub fn push_url(&self) -> String {
        format!(
            "https://127.0.0.1:{}{}",
            self.push_port,
            agentgateway::push::DEFAULT_PATH
        )
    }

    /// A Prometheus metric of the relay (0 when absent).
    pub fn metric(&self, name: &str) -> Result<f64> {
        let answer = self.admin_get("/metrics")?;
        Ok(answer
            .lines()
            .filter_map(|line| line.strip_prefix(name))
            .filter_map(|rest| rest.split_whitespace().last())
            .filter_map(|v| v.parse::<f64>().ok())
            .sum())
    }

    /// A GET on the admin port (plain HTTP), the whole answer; empty when
    /// nothing answers.
    fn admin_get(&self, path: &str) -> Result<String> {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.admin_port)) else {
            return Ok(String::new());
        };
        stream.set_read_timeout(Some(Duration::from_secs(5)))?;
        write!(
            stream,
            "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n"
        )?;
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        Ok(answer)
    }
}

impl Drop for SiteRelay {
    fn drop(&mut self) {
        self.stop_relay();
        self.nats.stop(Duration::from_secs(3));
    }
}
