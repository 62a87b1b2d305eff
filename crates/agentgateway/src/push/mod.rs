//! The push receiver: the HTTPS endpoint the CC-Gateway POSTs agent events to
//! in push mode (seed `004`, "Calling Back Pushed Events").
//!
//! The session engine starts a [`PushReceiver`], gives its URL as
//! `callBackUri` and a fresh [`ServiceToken`] as `serviceToken` at sign-in,
//! and keeps the shared [`PushCredentials`] up to date (agent, GUID after
//! every rotation, token). Each accepted push arrives on the engine's channel
//! as one `Vec<Event>`, oldest event first.
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

mod answer;
mod body;
mod credentials;
mod dedup;
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
pub use tls::{TlsIdentity, TlsSource};

use credentials::CredentialError;
use dedup::{DeliveredTail, Seen};

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
        let identity = TlsIdentity::load(&cfg.tls)?;
        let path = cfg.path.clone();
        let bind_error = |source| PushError::Bind {
            addr: cfg.listen,
            source,
        };
        let listener = TcpListener::bind(cfg.listen).await.map_err(bind_error)?;
        let local_addr = listener.local_addr().map_err(bind_error)?;
        let counters = Arc::new(Counters::default());
        let server = Server::new(&identity, cfg, creds, sink, Arc::clone(&counters))?;
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
    let server = Server::new(identity, cfg, creds, sink, Arc::default())?;
    server.run(listener, shutdown).await;
    Ok(())
}

struct Server {
    acceptor: TlsAcceptor,
    max_connections: usize,
    max_per_peer: usize,
    peers: Arc<Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>,
    shared: Arc<Shared>,
}

/// One connection counted against its peer; the count drops with it.
struct PeerSlot {
    peers: Arc<Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>,
    ip: std::net::IpAddr,
}

impl PeerSlot {
    /// A slot for `ip`, or `None` when it holds `max` connections already.
    fn take(
        peers: &Arc<Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>,
        ip: std::net::IpAddr,
        max: usize,
    ) -> Option<PeerSlot> {
        let mut map = peers.lock().unwrap_or_else(PoisonError::into_inner);
        let n = map.entry(ip).or_insert(0);
        if *n >= max {
            return None;
        }
        *n += 1;
        Some(PeerSlot {
            peers: Arc::clone(peers),
            ip,
        })
    }
}

impl Drop for PeerSlot {
    fn drop(&mut self) {
        let mut map = self.peers.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(n) = map.get_mut(&self.ip) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                map.remove(&self.ip);
            }
        }
    }
}

/// What every request handler needs.
struct Shared {
    path: String,
    max_body_bytes: usize,
    max_json_depth: usize,
    read_timeout: Duration,
    handshake_timeout: Duration,
    max_connection_age: Duration,
    queue_wait: Duration,
    early_push_hold: Duration,
    creds: PushCredentials,
    sink: mpsc::Sender<PushBatch>,
    recent: Mutex<DeliveredTail>,
    counters: Arc<Counters>,
}

impl Server {
    fn new(
        identity: &TlsIdentity,
        cfg: PushConfig,
        creds: PushCredentials,
        sink: mpsc::Sender<PushBatch>,
        counters: Arc<Counters>,
    ) -> Result<Self, PushError> {
        if !cfg.path.starts_with('/') {
            return Err(PushError::InvalidPath);
        }
        Ok(Self {
            acceptor: TlsAcceptor::from(identity.server_config()),
            max_connections: cfg.max_connections.max(1),
            max_per_peer: cfg.max_connections_per_peer.max(1),
            peers: Arc::default(),
            shared: Arc::new(Shared {
                path: cfg.path,
                max_body_bytes: cfg.max_body_bytes,
                max_json_depth: cfg.max_json_depth,
                read_timeout: cfg.read_timeout,
                handshake_timeout: cfg.handshake_timeout,
                max_connection_age: cfg.max_connection_age,
                queue_wait: cfg.queue_wait,
                early_push_hold: cfg.early_push_hold,
                creds,
                sink,
                recent: Mutex::new(DeliveredTail::new(
                    cfg.duplicate_window,
                    cfg.duplicate_capacity,
                )),
                counters,
            }),
        })
    }

    async fn run(self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
        let slots = Arc::new(Semaphore::new(self.max_connections));
        let (stop_tx, stop_rx) = watch::channel(false);
        let connections = TaskTracker::new();
        let mut shutdown = std::pin::pin!(shutdown);
        loop {
            // Take a slot before accepting: beyond the cap, connections wait
            // in the kernel's backlog instead of costing us memory.
            let slot = tokio::select! {
                () = &mut shutdown => break,
                slot = Arc::clone(&slots).acquire_owned() => slot,
            };
            let Ok(slot) = slot else { break };
            let accepted = tokio::select! {
                () = &mut shutdown => break,
                accepted = listener.accept() => accepted,
            };
            let (tcp, peer) = match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors and the like: do not spin.
                    warn!(%error, "push receiver cannot accept");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Some(peer_slot) = PeerSlot::take(&self.peers, peer.ip(), self.max_per_peer) else {
                debug!(%peer, "push peer holds too many connections; closed");
                drop(tcp);
                continue;
            };
            let connection = serve_connection(
                tcp,
                peer,
                self.acceptor.clone(),
                Arc::clone(&self.shared),
                stop_rx.clone(),
            );
            connections.spawn(async move {
                connection.await;
                drop(peer_slot);
                drop(slot);
            });
        }
        drop(listener);
        let _ = stop_tx.send(true);
        connections.close();
        let deadline = self.shared.read_timeout + Duration::from_secs(1);
        if tokio::time::timeout(deadline, connections.wait())
            .await
            .is_err()
        {
            warn!("push receiver stopped with connections still open");
        }
        info!("push receiver stopped");
    }
}

async fn serve_connection(
    tcp: TcpStream,
    peer: SocketAddr,
    acceptor: TlsAcceptor,
    shared: Arc<Shared>,
    mut stop: watch::Receiver<bool>,
) {
    let _ = tcp.set_nodelay(true);
    let handshake = shared.handshake_timeout.min(shared.read_timeout);
    let tls = match tokio::time::timeout(handshake, acceptor.accept(tcp)).await {
        Ok(Ok(tls)) => tls,
        Ok(Err(error)) => {
            debug!(%peer, %error, "push TLS handshake failed");
            return;
        }
        Err(_) => {
            debug!(%peer, "push TLS handshake timed out");
            return;
        }
    };
    let read_timeout = shared.read_timeout;
    let max_age = shared.max_connection_age;
    let service = service_fn(move |request| {
        let shared = Arc::clone(&shared);
        async move { Ok::<_, Infallible>(handle(request, &shared, peer).await) }
    });
    let connection = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(read_timeout)
        .max_buf_size(MAX_HEAD_BYTES)
        .serve_connection(TokioIo::new(tls), service);
    let mut connection = std::pin::pin!(connection);
    let stopped = async move {
        // Set to true, or the server gone: stop either way.
        let _ = stop.wait_for(|stopped| *stopped).await;
    };
    let aged = tokio::time::sleep(max_age);
    tokio::select! {
        result = connection.as_mut() => {
            if let Err(error) = result {
                debug!(%peer, %error, "push connection closed with an error");
            }
        }
        () = stopped => {
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(read_timeout, connection).await;
        }
        () = aged => {
            // Old enough: finish the current request, then close.
            connection.as_mut().graceful_shutdown();
            let _ = tokio::time::timeout(read_timeout, connection).await;
        }
    }
}

async fn handle(
    request: Request<Incoming>,
    shared: &Shared,
    peer: SocketAddr,
) -> Response<Full<Bytes>> {
    match accept(request, shared).await {
        Ok(()) => answer::success(),
        Err(refusal) => {
            shared.counters.refused.fetch_add(1, Ordering::Relaxed);
            debug!(%peer, status = refusal.status().as_u16(), retcode = refusal.retcode(), "push refused");
            refusal.response()
        }
    }
}

/// Checks a request and delivers its batch; `Ok` is answered with success.
async fn accept(request: Request<Incoming>, shared: &Shared) -> Result<(), Refusal> {
    if request.uri().path() != shared.path {
        return Err(Refusal::NotFound);
    }
    if request.method() != Method::POST {
        return Err(Refusal::MethodNotAllowed);
    }
    let headers = request.headers();
    let token = match single_header(headers, "service_token") {
        Header::Absent => return Err(Refusal::MissingToken),
        Header::Unusable => return Err(Refusal::InvalidToken),
        Header::One(token) => token,
    };
    validate_token(token).map_err(|_| Refusal::InvalidToken)?;
    let guid = match single_header(headers, "guid") {
        Header::Absent => return Err(Refusal::MissingGuid),
        Header::Unusable => return Err(Refusal::WrongGuid),
        Header::One(guid) => guid,
    };
    let authorized = shared
        .creds
        .authorize_held(guid, token, shared.early_push_hold)
        .await
        .map_err(|error| match error {
            CredentialError::NoSession | CredentialError::WrongGuid => Refusal::WrongGuid,
            CredentialError::WrongToken => Refusal::WrongToken,
        })?;
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(body::is_json_content_type);
    if !is_json {
        return Err(Refusal::ContentType);
    }
    // A declared length over the limit is refused before reading anything.
    if request.body().size_hint().lower() > shared.max_body_bytes as u64 {
        return Err(Refusal::TooLarge);
    }
    let limited = Limited::new(request.into_body(), shared.max_body_bytes);
    let bytes = match tokio::time::timeout(shared.read_timeout, limited.collect()).await {
        Err(_) => return Err(Refusal::BodyTimeout),
        Ok(Err(error)) if error.downcast_ref::<LengthLimitError>().is_some() => {
            return Err(Refusal::TooLarge);
        }
        Ok(Err(_)) => return Err(Refusal::BodyAborted),
        Ok(Ok(collected)) => collected.to_bytes(),
    };
    let batch = body::decode(&bytes, shared.max_json_depth, &authorized.work_no)?;
    if batch.events.is_empty() {
        return Ok(());
    }
    let seen: Vec<Seen> = batch
        .events
        .iter()
        .map(|e| Seen {
            fingerprint: dedup::fingerprint(authorized.session_id, &authorized.work_no, e),
            timestamped: dedup::is_timestamped(e),
        })
        .collect();
    if shared.recent().delivered_prefix(&seen, Instant::now()) == seen.len() {
        shared.count_repeat();
        return Ok(());
    }
    let permit = match tokio::time::timeout(shared.queue_wait, shared.sink.reserve()).await {
        Ok(Ok(permit)) => permit,
        Ok(Err(_)) => return Err(Refusal::Stopped),
        Err(_) => return Err(Refusal::Busy),
    };
    // Check again and record under one lock, so two copies of a batch
    // arriving at once (a repeat racing the original) are delivered once.
    let mut recent = shared.recent();
    let now = Instant::now();
    let old = recent.delivered_prefix(&seen, now);
    if old == seen.len() {
        shared.count_repeat();
        return Ok(());
    }
    let events: PushBatch = batch
        .events
        .into_iter()
        .skip(old)
        .map(Event::from_json)
        .collect();
    let count = events.len();
    if tracing::enabled!(tracing::Level::DEBUG) {
        let types: Vec<&str> = events.iter().map(|e| e.event_type.as_str()).collect();
        debug!(count, old, ?types, "push delivered");
    }
    permit.send(events);
    recent.remember(&seen[old..], now);
    drop(recent);
    let counters = &shared.counters;
    counters.delivered_batches.fetch_add(1, Ordering::Relaxed);
    counters
        .delivered_events
        .fetch_add(count as u64, Ordering::Relaxed);
    Ok(())
}

/// Checks and decodes a push body for agent `work_no` as the receiver does
/// (step 6 above): nesting no deeper than `max_depth`, the push shape, the
/// agent. The events come back whole and in order. Public for the fuzz
/// target and tests; the receiver needs nothing else from it.
pub fn parse_body(body: &[u8], max_depth: usize, work_no: &str) -> Result<Vec<Value>, Refusal> {
    body::decode(body, max_depth, work_no).map(|batch| batch.events)
}

impl Shared {
    fn recent(&self) -> std::sync::MutexGuard<'_, DeliveredTail> {
        self.recent.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn count_repeat(&self) {
        self.counters.repeats.fetch_add(1, Ordering::Relaxed);
        debug!("push repeated a delivered batch; answered without delivering");
    }
}

enum Header<'a> {
    Absent,
    /// Repeated, or not visible ASCII.
    Unusable,
    One(&'a str),
}

fn single_header<'a>(headers: &'a HeaderMap, name: &str) -> Header<'a> {
    let mut values = headers.get_all(name).iter();
    match (values.next(), values.next()) {
        (None, _) => Header::Absent,
        (Some(value), None) => value.to_str().map_or(Header::Unusable, Header::One),
        (Some(_), Some(_)) => Header::Unusable,
    }
}
