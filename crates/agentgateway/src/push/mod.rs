//! The push receiver: the HTTPS endpoint the CC-Gateway POSTs agent events to
//! in push mode (seed `004`, "Calling Back Pushed Events").
//!
//! The session engine starts a [`PushReceiver`], gives its URL as
//! `callBackUri` and a fresh [`ServiceToken`] as `serviceToken` at sign-in,
//! and keeps the shared [`PushCredentials`] up to date (agent, GUID after
//! every rotation, token). Each accepted push arrives on the engine's channel
//! as one `Vec<Event>`, oldest event first.
//!
//! A site relay runs the same receiver for every agent of a site
//! ([`PushReceiver::start_site`], `site.rs`): the agent comes from the body,
//! the GUID is not checked, and a [`SiteSink`] stores each batch before the
//! answer. Everything else below applies to both.
//!
//! A request goes through these checks, in order, and the first that fails
//! answers (see [`Refusal`] for the HTTP status, retcode and message of each):
//!
//! 1. path is the configured one (404), method is POST (405);
//! 2. `service_token` present (401) and 1 to 50 letters and digits (400, the
//!    seed's `100-001`);
//! 3. `Guid` is the current GUID, or the previous one within its grace
//!    period (401, `000-003`); a push with this sign-in's token that arrives
//!    before the sign-in answer is held until the answer brings the GUID
//!    (at most `early_push_hold`), then judged; `service_token` is this session's token (401,
//!    `100-001`); both compared in constant time;
//! 4. `Content-Type` is `application/json`, charset optional (415);
//! 5. body within the size limit (413) and read within the timeout (408);
//! 6. JSON no deeper than the limit, of the shape `{"workNo", "eventList":
//!    [{"eventType": string, ...}]}` (400), `workNo` is the agent (403);
//! 7. events already delivered (a retry of a batch whose answer was lost,
//!    possibly with more events) are dropped, the rest delivered; a batch
//!    that is all old is answered with success (`dedup.rs` explains how an
//!    old event is recognised and what that costs);
//! 8. the engine's queue takes the whole batch within a short wait, else 503
//!    so the gateway repeats it later. A batch is delivered whole or not at
//!    all, and nothing from a refused request is ever delivered.
//!
//! Slow or hostile senders: the TLS handshake has its own short timeout,
//! request headers and body each have the read timeout; a refused request
//! closes its connection; one peer address holds at most
//! `max_connections_per_peer` connections (more are closed at once), and a
//! connection lives at most `max_connection_age`; at most `max_connections`
//! connections are served at once, further ones wait in the listen backlog
//! until one finishes. So refused or malformed requests from elsewhere
//! cannot keep the gateway's pushes out. Logs
//! carry peers, retcodes, event types and counts: never the `Guid`, the
//! token or event content.

mod accept;
mod answer;
mod body;
mod credentials;
mod dedup;
mod server;
mod site;
mod tls;

use std::convert::Infallible;
use std::future::Future;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::CONTENT_TYPE;
use http::{HeaderMap, Method, Request, Response};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Body as _, Incoming};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::Value;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc, oneshot, watch};
use tokio::task::JoinHandle;
use tokio_rustls::TlsAcceptor;
use tokio_util::task::TaskTracker;
use tracing::{debug, info, warn};

use crate::event::Event;

pub use answer::Refusal;
pub use body::DEFAULT_MAX_JSON_DEPTH;
pub use credentials::{
    DEFAULT_GUID_GRACE, MAX_TOKEN_LEN, PushCredentials, ServiceToken, TokenError, validate_token,
};
pub use dedup::{DEFAULT_DUPLICATE_CAPACITY, DEFAULT_DUPLICATE_WINDOW};
pub use site::{SiteEvent, SitePush, SiteSink, StoreFuture};
pub use tls::{TlsIdentity, TlsSource};

use accept::Target;
use credentials::CredentialError;
use dedup::{DeliveredTail, Seen};
use server::Server;

/// The seed's reference path for the push callback.
pub const DEFAULT_PATH: &str = "/service-cloud/rest/cc-ai/v1/agentevent/pushresult";

/// Default largest body accepted: 1 MiB.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// Default time allowed for the TLS handshake, for the request headers, and
/// for the request body, each.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// Default number of connections served at once.
pub const DEFAULT_MAX_CONNECTIONS: usize = 64;

/// Default number of connections one peer address may hold at once.
pub const DEFAULT_MAX_CONNECTIONS_PER_PEER: usize = 8;

/// Default time allowed for the TLS handshake.
pub const DEFAULT_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(3);

/// Default longest life of one connection (it then closes after its current request).
pub const DEFAULT_MAX_CONNECTION_AGE: Duration = Duration::from_secs(120);

/// Default time a push waits for room in the engine's queue before it is
/// answered 503.
pub const DEFAULT_QUEUE_WAIT: Duration = Duration::from_secs(1);

/// Default time a push that arrives before the sign-in answer is held.
pub const DEFAULT_EARLY_PUSH_HOLD: Duration = Duration::from_secs(3);

/// Largest request head (request line and headers) read.
const MAX_HEAD_BYTES: usize = 64 * 1024;

/// One accepted push: its events, oldest first.
pub type PushBatch = Vec<Event>;

/// How the receiver listens and what it accepts.
#[derive(Debug, Clone)]
pub struct PushConfig {
    /// Address to listen on. The default, `127.0.0.1:0`, is reachable from
    /// this machine only: a real gateway needs an address it can reach.
    pub listen: SocketAddr,
    /// Path the gateway posts to (must start with `/`).
    pub path: String,
    /// The certificate served.
    pub tls: TlsSource,
    /// Largest body accepted; larger ones get 413.
    pub max_body_bytes: usize,
    /// Deepest nesting of JSON arrays and objects accepted; deeper gets 400.
    pub max_json_depth: usize,
    /// Time allowed for the TLS handshake, the request headers and the
    /// request body, each (slow-loris protection).
    pub read_timeout: Duration,
    /// Connections served at once; further ones wait in the listen backlog.
    pub max_connections: usize,
    /// Connections one peer address may hold at once; more are closed.
    pub max_connections_per_peer: usize,
    /// Time allowed for the TLS handshake.
    pub handshake_timeout: Duration,
    /// Longest life of one connection.
    pub max_connection_age: Duration,
    /// Time a push waits for room in the engine's queue before 503.
    pub queue_wait: Duration,
    /// How long a delivered batch is remembered to recognise a repeat.
    pub duplicate_window: Duration,
    /// How many delivered batches are remembered.
    pub duplicate_capacity: usize,
    /// How long a push that carries this sign-in's token waits for the
    /// sign-in answer (and so the GUID) when it arrives before it.
    pub early_push_hold: Duration,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            path: DEFAULT_PATH.to_owned(),
            tls: TlsSource::SelfSigned {
                subject_alt_names: vec!["localhost".to_owned(), "127.0.0.1".to_owned()],
            },
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            max_json_depth: DEFAULT_MAX_JSON_DEPTH,
            read_timeout: DEFAULT_READ_TIMEOUT,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            max_connections_per_peer: DEFAULT_MAX_CONNECTIONS_PER_PEER,
            handshake_timeout: DEFAULT_HANDSHAKE_TIMEOUT,
            max_connection_age: DEFAULT_MAX_CONNECTION_AGE,
            queue_wait: DEFAULT_QUEUE_WAIT,
            duplicate_window: DEFAULT_DUPLICATE_WINDOW,
            duplicate_capacity: DEFAULT_DUPLICATE_CAPACITY,
            early_push_hold: DEFAULT_EARLY_PUSH_HOLD,
        }
    }
}

/// Why the receiver could not start.
#[derive(Debug, thiserror::Error)]
pub enum PushError {
    /// The listen address could not be bound (in use, no permission).
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// A certificate or key file could not be read or parsed.
    #[error("cannot read {}: {source}", path.display())]
    ReadPem {
        /// The file.
        path: PathBuf,
        /// What went wrong.
        #[source]
        source: std::io::Error,
    },
    /// The certificate file holds no certificate.
    #[error("no certificate in {}", .0.display())]
    NoCertificate(PathBuf),
    /// The key file holds no private key.
    #[error("no private key in {}", .0.display())]
    NoPrivateKey(PathBuf),
    /// The self-signed certificate could not be made (e.g. a bad name).
    #[error("cannot generate the certificate: {0}")]
    Certificate(#[from] rcgen::Error),
    /// rustls refused the certificate and key (e.g. they do not match).
    #[error("TLS setup failed: {0}")]
    Tls(#[from] rustls::Error),
    /// The configured path does not start with `/`.
    #[error("the push path must start with '/'")]
    InvalidPath,
}

/// Counts since start, for diagnostics and tests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PushStats {
    /// Batches delivered to the engine.
    pub delivered_batches: u64,
    /// Events delivered to the engine.
    pub delivered_events: u64,
    /// Repeated batches answered with success and not delivered again.
    pub repeats: u64,
    /// Requests refused.
    pub refused: u64,
}

#[derive(Debug, Default)]
struct Counters {
    delivered_batches: AtomicU64,
    delivered_events: AtomicU64,
    repeats: AtomicU64,
    refused: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> PushStats {
        PushStats {
            delivered_batches: self.delivered_batches.load(Ordering::Relaxed),
            delivered_events: self.delivered_events.load(Ordering::Relaxed),
            repeats: self.repeats.load(Ordering::Relaxed),
            refused: self.refused.load(Ordering::Relaxed),
        }
    }
}

/// A running receiver. Dropping it stops the server: no new connections are
/// accepted, and open ones finish their current request and close.
#[derive(Debug)]
pub struct PushReceiver {
    local_addr: SocketAddr,
    path: String,
    identity: TlsIdentity,
    counters: Arc<Counters>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl PushReceiver {
    /// Loads or generates the certificate, binds `cfg.listen` and serves in a
    /// background task. Accepted batches go to `sink`.
    pub async fn start(
        cfg: PushConfig,
        creds: PushCredentials,
        sink: mpsc::Sender<PushBatch>,
    ) -> Result<PushReceiver, PushError> {
        Self::start_with(cfg, Target::Session { creds, sink }).await
    }

    /// Like [`start`](Self::start), for a whole site: any agent's pushes are
    /// accepted (see `site.rs` for what is and is not checked) and stored in
    /// `sink` before they are answered.
    pub async fn start_site(
        cfg: PushConfig,
        sink: Arc<dyn SiteSink>,
    ) -> Result<PushReceiver, PushError> {
        Self::start_with(cfg, Target::Site(sink)).await
    }

    async fn start_with(cfg: PushConfig, target: Target) -> Result<PushReceiver, PushError> {
        let identity = TlsIdentity::load(&cfg.tls)?;
        let path = cfg.path.clone();
        let bind_error = |source| PushError::Bind {
            addr: cfg.listen,
            source,
        };
        let listener = TcpListener::bind(cfg.listen).await.map_err(bind_error)?;
        let local_addr = listener.local_addr().map_err(bind_error)?;
        let counters = Arc::new(Counters::default());
        let server = Server::new(&identity, cfg, target, Arc::clone(&counters))?;
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(listener, async move {
            // A send or the sender's drop both mean stop.
            let _ = stopped.await;
        }));
        info!(%local_addr, cert_sha256 = identity.cert_sha256(), "push receiver listening");
        Ok(PushReceiver {
            local_addr,
            path,
            identity,
            counters,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// The address actually bound (the port chosen when `cfg.listen` had port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The `callBackUri` to give at sign-in: `https://{host}:{port}{path}`,
    /// where `host` is the name or address the gateway reaches this machine
    /// at (an IPv6 address is bracketed). The gateway takes at most 200
    /// characters.
    pub fn callback_uri(&self, host: &str) -> String {
        let port = self.local_addr.port();
        if host.contains(':') && !host.starts_with('[') {
            format!("https://[{host}]:{port}{}", self.path)
        } else {
            format!("https://{host}:{port}{}", self.path)
        }
    }

    /// The served certificate as PEM.
    pub fn cert_pem(&self) -> &str {
        self.identity.cert_pem()
    }

    /// SHA-256 of the served certificate's DER, lowercase hex.
    pub fn cert_sha256(&self) -> &str {
        self.identity.cert_sha256()
    }

    /// Counts since start.
    pub fn stats(&self) -> PushStats {
        self.counters.snapshot()
    }

    /// Reads the counts since start, for a task that outlives this borrow
    /// (a relay's metrics).
    pub fn stats_handle(&self) -> impl Fn() -> PushStats + Send + Sync + 'static {
        let counters = Arc::clone(&self.counters);
        move || counters.snapshot()
    }

    /// The served certificate and key, for a server that shares them (a
    /// relay's subscription port).
    pub fn tls_identity(&self) -> &TlsIdentity {
        &self.identity
    }

    /// Stops the server and waits until every connection has closed.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for PushReceiver {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Serves pushes on `listener` with `identity` until `shutdown` completes,
/// then lets open connections finish their current request. For callers
/// that own their listener; `cfg.listen` and `cfg.tls` are not used.
pub async fn serve(
    listener: TcpListener,
    identity: &TlsIdentity,
    cfg: PushConfig,
    creds: PushCredentials,
    sink: mpsc::Sender<PushBatch>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), PushError> {
    let server = Server::new(
        identity,
        cfg,
        Target::Session { creds, sink },
        Arc::default(),
    )?;
    server.run(listener, shutdown).await;
    Ok(())
}

/// Checks and decodes a push body for agent `work_no` as the receiver does
/// (step 6 above): nesting no deeper than `max_depth`, the push shape, the
/// agent. The events come back whole and in order. Public for the fuzz
/// target and tests; the receiver needs nothing else from it.
pub fn parse_body(body: &[u8], max_depth: usize, work_no: &str) -> Result<Vec<Value>, Refusal> {
    body::decode(body, max_depth, Some(work_no)).map(|batch| batch.events)
}
