//! Serving an axum router over TLS (the subscription port) or plain HTTP
//! (the admin port), with an orderly stop.
//!
//! The push port is the library's receiver and is served by it; this is
//! only for the relay's own routes. TLS is rustls with TLS 1.2 and later,
//! from the same certificate as the push port.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_util::task::TaskTracker;
use tracing::debug;

/// Time allowed for a subscriber's TLS handshake, and for its request head.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(5);

/// Serves `router` over TLS on `listener` until `shutdown`; open
/// subscriptions are then dropped (their bars resume elsewhere).
///
/// At most `max_connections` are served at once (further ones wait in the
/// listen backlog), and a connection that does not finish its TLS handshake
/// or request head within [`HANDSHAKE_TIMEOUT`] is closed.
pub async fn serve_tls(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    router: Router,
    max_connections: usize,
    shutdown: impl Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(tls);
    let connections = TaskTracker::new();
    let slots = Arc::new(tokio::sync::Semaphore::new(max_connections.max(1)));
    let mut shutdown = std::pin::pin!(shutdown);
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    loop {
        let slot = tokio::select! {
            () = &mut shutdown => break,
            slot = Arc::clone(&slots).acquire_owned() => slot,
        };
        let Ok(slot) = slot else { break };
        let (tcp, peer) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(error) => {
                    debug!(%error, "cannot accept");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
        };
        let acceptor = acceptor.clone();
        let router = router.clone();
        let mut stop = stop_rx.clone();
        connections.spawn(async move {
            let _slot = slot;
            let _ = tcp.set_nodelay(true);
            let tls = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(tls)) => tls,
                _ => {
                    debug!(%peer, "subscriber TLS handshake failed");
                    return;
                }
            };
            let service = TowerToHyperService::new(router);
            let mut builder = auto::Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(HANDSHAKE_TIMEOUT);
            let connection = builder.serve_connection(TokioIo::new(tls), service);
            tokio::select! {
                _ = connection => {}
                _ = stop.wait_for(|s| *s) => {}
            }
        });
    }
    drop(listener);
    let _ = stop_tx.send(true);
    connections.close();
    let _ = tokio::time::timeout(Duration::from_secs(2), connections.wait()).await;
}

/// Serves `router` over plain HTTP (health and metrics) until `shutdown`.
pub async fn serve_plain(
    listener: TcpListener,
    router: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let _ = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await;
}
