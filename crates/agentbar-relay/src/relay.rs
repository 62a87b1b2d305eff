//! One relay instance: the push port (the library's receiver for a whole
//! site, storing into JetStream before it answers), the subscription port
//! (server-sent events over TLS) and the admin port (`/healthz`,
//! `/metrics`, plain HTTP: it carries no secrets and is meant for the
//! site's monitoring network).
//!
//! Instances share nothing but JetStream, so any number of them can stand
//! behind one address: any instance takes any push and serves any
//! subscriber.

use std::net::{Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::response::IntoResponse;
use axum::routing::get;
use http::StatusCode;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tracing::{info, warn};

use agentgateway::push::{
    PushConfig, PushError, PushReceiver, Refusal, SitePush, SiteSink, StoreFuture,
};

use crate::metrics::{Metrics, MetricsError};
use crate::serve;
use crate::store::{self, Store, StoreConfig, StoreError};
use crate::subscribe::{self, Subscriptions};

/// Default most connections the push port serves at once. The gateway is
/// one peer pushing for every agent, so the bar receiver's per-peer cap is
/// raised to the same.
pub const DEFAULT_PUSH_CONNECTIONS: usize = 512;

/// Default most subscription connections at once (one per signed-in bar).
pub const DEFAULT_MAX_SUBSCRIBERS: usize = 4096;

/// How a relay instance runs.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// The push receiver: listen address, path, certificate, limits.
    pub push: PushConfig,
    /// Where bars subscribe (HTTPS, the push port's certificate).
    pub subscribe_listen: SocketAddr,
    /// `/healthz` and `/metrics` (plain HTTP).
    pub admin_listen: SocketAddr,
    pub store: StoreConfig,
    /// How long a subscription with a token not (yet) granted waits for the
    /// sign-in's first push before it is refused.
    pub token_wait: Duration,
    /// Interval of the keep-alive comment on a subscription.
    pub keepalive: Duration,
    /// Most subscription connections served at once.
    pub max_subscribers: usize,
}

impl Default for RelayConfig {
    fn default() -> Self {
        let any = |port| SocketAddr::from((Ipv4Addr::UNSPECIFIED, port));
        Self {
            push: PushConfig {
                listen: any(8443),
                max_connections: DEFAULT_PUSH_CONNECTIONS,
                max_connections_per_peer: DEFAULT_PUSH_CONNECTIONS,
                ..PushConfig::default()
            },
            subscribe_listen: any(9443),
            admin_listen: SocketAddr::from((Ipv4Addr::LOCALHOST, 9090)),
            store: StoreConfig::default(),
            token_wait: Duration::from_secs(10),
            keepalive: Duration::from_secs(15),
            max_subscribers: DEFAULT_MAX_SUBSCRIBERS,
        }
    }
}

/// Why a relay instance could not start.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Push(#[from] PushError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Metrics(#[from] MetricsError),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// Stores accepted pushes in JetStream.
struct JetStreamSink {
    store: Store,
    metrics: Arc<Metrics>,
}

impl SiteSink for JetStreamSink {
    fn store(&self, push: SitePush) -> StoreFuture<'_> {
        Box::pin(async move {
            if !store::valid_agent(&push.work_no) {
                return Err(Refusal::WrongAgent);
            }
            match self.store.append(&push).await {
                Ok(fresh) => {
                    self.metrics.events_stored.inc_by(fresh as u64);
                    if fresh == 0 {
                        self.metrics.pushes_repeated.inc();
                    }
                    Ok(())
                }
                Err(error) => {
                    self.metrics.store_failures.inc();
                    warn!(%error, events = push.events.len(), "push not stored; answered busy");
                    Err(Refusal::Busy)
                }
            }
        })
    }
}

/// A running relay instance.
pub struct Relay {
    push: Option<PushReceiver>,
    subscribe_addr: SocketAddr,
    admin_addr: SocketAddr,
    cancel: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

struct Admin {
    store: Store,
    metrics: Arc<Metrics>,
}

impl Relay {
    /// Connects to NATS (creating the stream and bucket if needed) and
    /// starts the three ports.
    pub async fn start(cfg: RelayConfig) -> Result<Relay, RelayError> {
        let metrics = Arc::new(Metrics::new()?);
        let store = Store::connect(&cfg.store).await?;
        let bind = |addr: SocketAddr| async move {
            TcpListener::bind(addr)
                .await
                .map_err(|source| RelayError::Bind { addr, source })
        };
        let subscribe_listener = bind(cfg.subscribe_listen).await?;
        let admin_listener = bind(cfg.admin_listen).await?;
        let local = |l: &TcpListener, addr| {
            l.local_addr()
                .map_err(|source| RelayError::Bind { addr, source })
        };
        let subscribe_addr = local(&subscribe_listener, cfg.subscribe_listen)?;
        let admin_addr = local(&admin_listener, cfg.admin_listen)?;
        let sink = Arc::new(JetStreamSink {
            store: store.clone(),
            metrics: Arc::clone(&metrics),
        });
        let push = PushReceiver::start_site(cfg.push.clone(), sink).await?;
        // One certificate for both ports.
        let tls = push.tls_identity().server_config();
        let cancel = CancellationToken::new();
        let subs = Arc::new(Subscriptions {
            store: store.clone(),
            metrics: Arc::clone(&metrics),
            token_wait: cfg.token_wait,
            keepalive: cfg.keepalive,
        });
        let stop = cancel.clone();
        let subscribing = tokio::spawn(serve::serve_tls(
            subscribe_listener,
            tls,
            subscribe::router(subs),
            cfg.max_subscribers,
            async move { stop.cancelled().await },
        ));
        let admin = Arc::new(Admin { store, metrics });
        let stats_admin = Arc::clone(&admin);
        let stats_push = push.stats_handle();
        let stop = cancel.clone();
        // Copies the receiver's counts for the scrape.
        let stats = tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_millis(500));
            loop {
                tokio::select! {
                    () = stop.cancelled() => return,
                    _ = tick.tick() => {
                        stats_admin.metrics.sync_push(stats_push());
                    }
                }
            }
        });
        let stop = cancel.clone();
        let admin_task = tokio::spawn(serve::serve_plain(
            admin_listener,
            admin_router(admin),
            async move { stop.cancelled().await },
        ));
        info!(
            push = %push.local_addr(),
            subscribe = %subscribe_addr,
            admin = %admin_addr,
            cert_sha256 = push.cert_sha256(),
            "relay listening"
        );
        Ok(Relay {
            push: Some(push),
            subscribe_addr,
            admin_addr,
            cancel,
            tasks: vec![subscribing, stats, admin_task],
        })
    }

    /// The push port's address.
    pub fn push_addr(&self) -> Option<SocketAddr> {
        self.push.as_ref().map(PushReceiver::local_addr)
    }

    /// `callBackUri` for the bars' sign-in: `https://{host}:{push port}{path}`.
    pub fn callback_uri(&self, host: &str) -> Option<String> {
        self.push.as_ref().map(|p| p.callback_uri(host))
    }

    /// The subscription port's address.
    pub fn subscribe_addr(&self) -> SocketAddr {
        self.subscribe_addr
    }

    /// The admin port's address.
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr
    }

    /// The certificate both TLS ports serve, PEM.
    pub fn cert_pem(&self) -> Option<String> {
        self.push.as_ref().map(|p| p.cert_pem().to_owned())
    }

    /// SHA-256 (hex) of that certificate, for bars that pin it.
    pub fn cert_sha256(&self) -> Option<String> {
        self.push.as_ref().map(|p| p.cert_sha256().to_owned())
    }

    /// Stops all ports; open subscriptions end (their bars resume elsewhere).
    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        if let Some(push) = self.push.take() {
            push.shutdown().await;
        }
        for task in self.tasks.drain(..) {
            let _ = task.await;
        }
    }
}

impl Drop for Relay {
    fn drop(&mut self) {
        self.cancel.cancel();
    }
}

fn admin_router(admin: Arc<Admin>) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(admin)
}

async fn healthz(State(admin): State<Arc<Admin>>) -> impl IntoResponse {
    if admin.store.is_connected() {
        (StatusCode::OK, "ok\n")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "nats disconnected\n")
    }
}

async fn metrics(State(admin): State<Arc<Admin>>) -> impl IntoResponse {
    match admin.metrics.encode() {
        Ok(text) => (StatusCode::OK, text),
        Err(error) => (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()),
    }
}
