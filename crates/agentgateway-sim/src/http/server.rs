//! The gateway listener: accepts TCP, speaks TLS (unless plain HTTP was
//! asked for) and HTTP/1.1, applies faults, logs every request, and hands the
//! rest to [`routes`].
//!
//! [`serve`] takes its listener and a shutdown future, like every server in
//! this project. [`GatewayListener`] owns the running server so it can be
//! stopped and started again on the same port (a gateway restart).

use std::{
    convert::Infallible, future::Future, io, net::SocketAddr, sync::Arc, sync::Mutex,
    time::Duration,
};

use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited, StreamBody, combinators::BoxBody};
use hyper::body::{Frame, Incoming};
use hyper_util::rt::TokioIo;
use tokio::{net::TcpListener, task::JoinHandle};
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use super::{
    faults::{FaultAction, Faults},
    reqlog::{LoggedRequest, RequestLog, mask_header, mask_query},
    routes,
};
use crate::{
    state::Gateway,
    sync::lock,
    wire::{self, CONTENT_TYPE},
};

/// What the listener serves: the gateway, its faults and its request log.
pub struct App {
    pub gw: Arc<Gateway>,
    pub faults: Faults,
    pub log: RequestLog,
}

type Body = BoxBody<Bytes, io::Error>;

/// The service's error: the connection closes without an answer.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped on purpose")]
struct DroppedOnPurpose;

/// Largest request body read.
const BODY_LIMIT: usize = 1024 * 1024;

/// Serve the gateway on `listener` until `shutdown` resolves; then every open
/// connection is cut, as when a gateway process stops.
pub async fn serve(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    app: Arc<App>,
    shutdown: impl Future<Output = ()>,
) {
    let connections = CancellationToken::new();
    let tracker = tokio_util::task::TaskTracker::new();
    tokio::pin!(shutdown);
    loop {
        let stream = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(error) => {
                    tracing::warn!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let (app, tls, stop) = (app.clone(), tls.clone(), connections.clone());
        tracker.spawn(async move {
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = connection(stream, tls, app) => {}
            }
        });
    }
    drop(listener);
    connections.cancel();
    tracker.close();
    tracker.wait().await;
}

async fn connection(stream: tokio::net::TcpStream, tls: Option<TlsAcceptor>, app: Arc<App>) {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |req| answer(app.clone(), req));
    let http = hyper::server::conn::http1::Builder::new();
    match tls {
        Some(acceptor) => {
            let handshake = tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream));
            if let Ok(Ok(stream)) = handshake.await {
                let _ = http.serve_connection(TokioIo::new(stream), service).await;
            }
        }
        None => {
            let _ = http.serve_connection(TokioIo::new(stream), service).await;
        }
    }
}

fn full(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(
        Full::new(body.into())
            .map_err(|never: Infallible| match never {})
            .boxed(),
    );
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

async fn answer(app: Arc<App>, req: Request<Incoming>) -> Result<Response<Body>, DroppedOnPurpose> {
    let arrived = tokio::time::Instant::now();
    let (parts, body) = req.into_parts();
    let body = Limited::new(body, BODY_LIMIT)
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query();
    let (kind, agent) = routes::classify(&parts.method, &path);
    let fault = app.faults.take(kind, &path, agent.as_deref());
    let mut entry = LoggedRequest {
        at_ms: wire::now_ms(),
        offset_ms: app.gw.offset_ms(),
        duration_ms: 0,
        method: parts.method.to_string(),
        path: path.clone(),
        query: query.map(mask_query),
        status: None,
        retcode: None,
        set_guid: false,
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| {
                let value = String::from_utf8_lossy(v.as_bytes());
                (k.to_string(), mask_header(k.as_str(), &value))
            })
            .collect(),
        fault: fault.as_ref().map(fault_name),
    };
    let response = match fault {
        Some(FaultAction::Drop) => {
            entry.duration_ms = arrived.elapsed().as_millis() as u64;
            app.log.push(entry);
            return Err(DroppedOnPurpose);
        }
        Some(FaultAction::Delay { .. }) | None => {
            if let Some(FaultAction::Delay { ms }) = fault {
                tokio::time::sleep(Duration::from_millis(ms)).await;
            }
            let (status, reply) =
                routes::handle(&app.gw, &parts.method, &path, query, &parts.headers, &body).await;
            entry.retcode = retcode_of(&reply.body);
            let mut response = full(status, CONTENT_TYPE, reply.body);
            if let Some(guid) = reply.set_guid
                && let Ok(value) = HeaderValue::from_str(&format!("JSESSIONID={guid}"))
            {
                if let Some(agent) = &agent {
                    app.gw.record_secret(agent, &guid);
                }
                response.headers_mut().insert("Set-GUID", value);
                entry.set_guid = true;
            }
            response
        }
        Some(action) => {
            let response = faulty_response(&action, agent.as_deref().unwrap_or_default());
            if let FaultAction::Retcode { retcode } = &action {
                entry.retcode = Some(retcode.clone());
            }
            response
        }
    };
    entry.status = Some(response.status().as_u16());
    entry.duration_ms = arrived.elapsed().as_millis() as u64;
    app.log.push(entry);
    Ok(response)
}

fn retcode_of(body: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(body).ok()?;
    value.get("retcode")?.as_str().map(str::to_owned)
}

fn fault_name(action: &FaultAction) -> String {
    match action {
        FaultAction::Status { status } => format!("status {status}"),
        FaultAction::Delay { ms } => format!("delay {ms} ms"),
        FaultAction::Drop => "drop".to_owned(),
        FaultAction::MalformedBody => "malformed body".to_owned(),
        FaultAction::TruncatedBody => "truncated body".to_owned(),
        FaultAction::WrongContentType => "wrong content type".to_owned(),
        FaultAction::Retcode { retcode } => format!("retcode {retcode}"),
    }
}

/// The answer a fault puts in place of the real one.
fn faulty_response(action: &FaultAction, agent: &str) -> Response<Body> {
    match action {
        FaultAction::Status { status } => {
            let status = StatusCode::from_u16(*status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let text = status.canonical_reason().unwrap_or("error").to_owned();
            full(status, "text/plain; charset=UTF-8", text)
        }
        FaultAction::MalformedBody => full(
            StatusCode::OK,
            CONTENT_TYPE,
            r#"{"message":"","retcode":"0","event":{"eventType":"AgentState_Re"#,
        ),
        FaultAction::WrongContentType => full(
            StatusCode::OK,
            "text/html; charset=UTF-8",
            "<html><head><title>Service unavailable</title></head>\
             <body><h1>The service is temporarily unavailable</h1></body></html>",
        ),
        FaultAction::Retcode { retcode } => full(
            StatusCode::OK,
            CONTENT_TYPE,
            wire::answer_body("simulated fault", retcode, None),
        ),
        FaultAction::TruncatedBody => truncated(agent),
        // Handled before a response is made.
        FaultAction::Drop | FaultAction::Delay { .. } => {
            full(StatusCode::INTERNAL_SERVER_ERROR, CONTENT_TYPE, "")
        }
    }
}

/// Half of a valid answer under a `Content-Length` for all of it; the
/// connection closes shortly after the half is sent.
fn truncated(agent: &str) -> Response<Body> {
    let whole = wire::poll_body(Some(&wire::event_json(
        "AgentState_Ready",
        agent,
        &serde_json::Value::Null,
        wire::now_ms(),
    )));
    let half = Bytes::from(whole.as_bytes()[..whole.len() / 2].to_vec());
    let frames = futures::stream::once(async move { Ok(Frame::data(half)) }).chain(
        futures::stream::once(async {
            // Let the half reach the client before the connection is cut.
            tokio::time::sleep(Duration::from_millis(100)).await;
            Err(io::Error::other("truncated on purpose"))
        }),
    );
    let mut response = Response::new(BodyExt::boxed(StreamBody::new(frames)));
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(whole.len()));
    response
}

/// The gateway listener, stoppable and restartable on the same address.
pub struct GatewayListener {
    addr: SocketAddr,
    tls: Option<TlsAcceptor>,
    app: Arc<App>,
    root: CancellationToken,
    running: Mutex<Option<(CancellationToken, JoinHandle<()>)>>,
}

impl GatewayListener {
    /// Bind `addr` and start serving.
    pub async fn start(
        addr: SocketAddr,
        tls: Option<TlsAcceptor>,
        app: Arc<App>,
        root: CancellationToken,
    ) -> io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let this = Self {
            addr: listener.local_addr()?,
            tls,
            app,
            root,
            running: Mutex::new(None),
        };
        this.run(listener);
        Ok(this)
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    fn run(&self, listener: TcpListener) {
        let stop = self.root.child_token();
        let task = self.app.gw.tasks.spawn(serve(
            listener,
            self.tls.clone(),
            self.app.clone(),
            stop.clone().cancelled_owned(),
        ));
        *lock(&self.running) = Some((stop, task));
    }

    /// Stop listening and cut every connection. Idempotent.
    pub async fn stop(&self) {
        let running = lock(&self.running).take();
        if let Some((stop, task)) = running {
            stop.cancel();
            let _ = task.await;
        }
    }

    /// Listen again on the same address (after [`GatewayListener::stop`]).
    pub async fn resume(&self) -> io::Result<()> {
        if lock(&self.running).is_some() {
            return Ok(());
        }
        let listener = TcpListener::bind(self.addr).await?;
        self.run(listener);
        Ok(())
    }

    pub fn is_running(&self) -> bool {
        lock(&self.running).is_some()
    }
}
