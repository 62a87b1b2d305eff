//! Serving the receiver: accepting connections within the caps (in all, per
//! peer, per connection's age), the TLS handshake within its timeout, HTTP/1.1
//! with a header timeout, and an orderly stop.

use super::accept::{Shared, Target, handle};
use super::*;

pub(super) struct Server {
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

impl Server {
    pub(super) fn new(
        identity: &TlsIdentity,
        cfg: PushConfig,
        target: Target,
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
                target,
                recent: Mutex::new(DeliveredTail::new(
                    cfg.duplicate_window,
                    cfg.duplicate_capacity,
                )),
                counters,
            }),
        })
    }

    pub(super) async fn run(self, listener: TcpListener, shutdown: impl Future<Output = ()>) {
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
