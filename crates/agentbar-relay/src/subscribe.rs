//! Bars subscribe to their agent's events: `GET /v1/agents/{agent}/events`
//! with `Authorization: Bearer <service_token>`, answered as server-sent
//! events.
//!
//! Why server-sent events and not WebSocket: the traffic is one way (the bar
//! operates through the gateway, never through the relay), SSE is plain
//! HTTPS through any proxy, and its `id` / `Last-Event-ID` pair is exactly
//! the resume point this needs: the id of each event is its JetStream
//! stream sequence, and a bar that reconnects (to this or any other
//! instance) sends the last id it had and continues after it.
//!
//! Authorisation: the token must be the one the agent's current sign-in
//! gave the gateway, which the relay learnt from the gateway's pushes (see
//! `store.rs`). A subscriber whose token is not (or not yet) the agent's
//! current one waits up to `token_wait` for the sign-in's first push, then
//! is refused `401` with retcode `100-001`. Only messages stored with the
//! subscriber's token are sent, starting at the first of them; when a
//! message of a newer sign-in appears the stream says `event: superseded`
//! and ends, so an old token stops seeing anything.
//!
//! Frames: `id: <seq>`, `event: agentEvent`, `data: <the event JSON as
//! pushed>`; a comment every `keepalive` so proxies and the bar notice a
//! dead connection.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::{AckPolicy, DeliverPolicy, pull};
use axum::Router;
use axum::body::Body;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use bytes::Bytes;
use futures::StreamExt;
use http::{HeaderMap, HeaderValue, StatusCode, header};
use tokio::sync::mpsc;
use tracing::{debug, info};

use agentgateway::push::validate_token;

use crate::metrics::Metrics;
use crate::store::{self, Store, TOKEN_HEADER};

/// Path of the subscription, `{agent}` the agent ID.
pub const EVENTS_PATH: &str = "/v1/agents/{agent}/events";

/// How often an open subscription checks the NATS connection.
const CONNECTION_CHECK: Duration = Duration::from_millis(250);

/// Idle heartbeat of a subscription's consumer. Two missed in a row end
/// the subscription (the bar resumes on a fresh consumer): when the node
/// holding the consumer dies, the bar waits seconds, not the minute an
/// ordered consumer's fixed 15 s heartbeat would take to notice.
const CONSUMER_HEARTBEAT: Duration = Duration::from_secs(1);
/// Lifetime of one pull request of the consumer.
const PULL_EXPIRES: Duration = Duration::from_secs(10);
/// An abandoned consumer (its instance died) is removed after this.
const CONSUMER_INACTIVE: Duration = Duration::from_secs(30);

/// Why a subscription was refused (each has its status and retcode).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SubscribeError {
    #[error("agent ID invalid")]
    BadAgent,
    #[error("service_token missing")]
    MissingToken,
    #[error("service_token invalid")]
    InvalidToken,
    #[error("service_token not accepted")]
    WrongToken,
    #[error("event store unavailable")]
    Unavailable,
}

impl SubscribeError {
    fn status(self) -> StatusCode {
        match self {
            Self::BadAgent | Self::InvalidToken => StatusCode::BAD_REQUEST,
            Self::MissingToken | Self::WrongToken => StatusCode::UNAUTHORIZED,
            Self::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
        }
    }

    fn retcode(self) -> &'static str {
        match self {
            Self::BadAgent => "000-002",
            Self::MissingToken | Self::InvalidToken | Self::WrongToken => "100-001",
            Self::Unavailable => "100-007",
        }
    }
}

impl IntoResponse for SubscribeError {
    fn into_response(self) -> Response {
        let body = serde_json::json!({"message": self.to_string(), "retcode": self.retcode()});
        let mut response = (self.status(), body.to_string()).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=UTF-8"),
        );
        response
    }
}

/// What the subscription handler needs.
pub struct Subscriptions {
    pub store: Store,
    pub metrics: Arc<Metrics>,
    pub token_wait: Duration,
    pub keepalive: Duration,
}

/// The subscription routes.
pub fn router(subs: Arc<Subscriptions>) -> Router {
    Router::new()
        .route(EVENTS_PATH, get(events))
        .with_state(subs)
}

async fn events(
    State(subs): State<Arc<Subscriptions>>,
    Path(agent): Path<String>,
    headers: HeaderMap,
) -> Response {
    match open(&subs, &agent, &headers).await {
        Ok(response) => response,
        Err(refusal) => {
            subs.metrics.subscriptions_refused.inc();
            debug!(
                status = refusal.status().as_u16(),
                retcode = refusal.retcode(),
                "subscription refused"
            );
            refusal.into_response()
        }
    }
}

fn bearer(headers: &HeaderMap) -> Result<&str, SubscribeError> {
    let mut values = headers.get_all(header::AUTHORIZATION).iter();
    let (Some(value), None) = (values.next(), values.next()) else {
        return Err(SubscribeError::MissingToken);
    };
    let value = value.to_str().map_err(|_| SubscribeError::InvalidToken)?;
    let token = value
        .strip_prefix("Bearer ")
        .ok_or(SubscribeError::InvalidToken)?;
    validate_token(token).map_err(|_| SubscribeError::InvalidToken)?;
    Ok(token)
}

/// The `Last-Event-ID` the bar sent, 0 without one (or an unreadable one:
/// then it gets everything of its sign-in and its own de-duplication drops
/// what it had).
fn last_event_id(headers: &HeaderMap) -> u64 {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0)
}

async fn open(
    subs: &Arc<Subscriptions>,
    agent: &str,
    headers: &HeaderMap,
) -> Result<Response, SubscribeError> {
    if !store::valid_agent(agent) {
        return Err(SubscribeError::BadAgent);
    }
    let token = bearer(headers)?;
    let hash = store::token_hash(agent, token);
    let grant = subs
        .store
        .await_grant(agent, &hash, subs.token_wait)
        .await
        .map_err(|_| SubscribeError::Unavailable)?
        .ok_or(SubscribeError::WrongToken)?;
    let after = last_event_id(headers);
    let start = grant.first_seq.max(after.saturating_add(1));
    // An ephemeral, unacknowledged, in-memory consumer of one copy, as an
    // ordered consumer is, but with its heartbeat in our hands: any gap,
    // missed heartbeat or error ends the subscription and the bar resumes
    // after its last id (see `pump`).
    let consumer = subs
        .store
        .stream()
        .create_consumer(pull::Config {
            filter_subject: store::subject(agent),
            deliver_policy: DeliverPolicy::ByStartSequence {
                start_sequence: start,
            },
            ack_policy: AckPolicy::None,
            num_replicas: 1,
            memory_storage: true,
            inactive_threshold: CONSUMER_INACTIVE,
            ..Default::default()
        })
        .await
        .map_err(|_| SubscribeError::Unavailable)?;
    let messages = consumer
        .stream()
        .heartbeat(CONSUMER_HEARTBEAT)
        .expires(PULL_EXPIRES)
        .max_messages_per_batch(256)
        .messages()
        .await
        .map_err(|_| SubscribeError::Unavailable)?;
    info!(agent, start, "subscriber connected");
    let (tx, rx) = mpsc::channel::<Bytes>(64);
    tokio::spawn(pump(Arc::clone(subs), messages, hash, tx));
    let body = Body::from_stream(futures::stream::unfold(rx, |mut rx| async move {
        rx.recv()
            .await
            .map(|b| (Ok::<_, std::convert::Infallible>(b), rx))
    }));
    let mut response = Response::new(body);
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/event-stream"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// Counts a subscriber while it lives, and its share of the lag.
struct Live {
    metrics: Arc<Metrics>,
    lag: i64,
}

impl Live {
    fn set_lag(&mut self, lag: i64) {
        self.metrics.jetstream_lag.add(lag - self.lag);
        self.lag = lag;
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.metrics.jetstream_lag.sub(self.lag);
        self.metrics.subscribers.dec();
    }
}

/// Sends the consumer's messages as frames until the bar goes away, the
/// token is superseded or the store fails (then the bar reconnects and
/// resumes).
async fn pump(
    subs: Arc<Subscriptions>,
    mut messages: pull::Stream,
    hash: String,
    tx: mpsc::Sender<Bytes>,
) {
    subs.metrics.subscribers.inc();
    let mut live = Live {
        metrics: Arc::clone(&subs.metrics),
        lag: 0,
    };
    // A first comment flushes the headers, so the bar knows it is subscribed.
    if tx
        .send(Bytes::from_static(b": subscribed\n\n"))
        .await
        .is_err()
    {
        return;
    }
    let mut keepalive = tokio::time::interval(subs.keepalive);
    keepalive.tick().await;
    // A lost connection is seen here at once, a lost consumer (its node
    // died) after `CONSUMER_HEARTBEAT` twice; ending then lets the bar
    // resume as soon as JetStream is back, on a fresh consumer.
    let mut health = tokio::time::interval(CONNECTION_CHECK);
    let mut consumer_seq = 0;
    loop {
        let next = tokio::select! {
            () = tx.closed() => return,
            _ = health.tick() => {
                if !subs.store.is_connected() {
                    debug!("NATS connection lost; subscription ended for the bar to resume");
                    return;
                }
                continue;
            }
            _ = keepalive.tick() => {
                if tx.send(Bytes::from_static(b": keepalive\n\n")).await.is_err() {
                    return;
                }
                continue;
            }
            next = messages.next() => next,
        };
        let message = match next {
            Some(Ok(message)) => message,
            Some(Err(error)) => {
                debug!(%error, "subscription's consumer failed; the bar resumes elsewhere");
                return;
            }
            None => return,
        };
        let Ok(info) = message.info() else { return };
        if info.consumer_sequence != consumer_seq + 1 {
            debug!("subscription's consumer skipped; the bar resumes after its last event");
            return;
        }
        consumer_seq = info.consumer_sequence;
        let seq = info.stream_sequence;
        live.set_lag(i64::try_from(info.pending).unwrap_or(i64::MAX));
        let ours = message
            .headers
            .as_ref()
            .and_then(|h| h.get(TOKEN_HEADER))
            .is_some_and(|v| store::same_hash(v.as_str(), &hash));
        if !ours {
            let _ = tx
                .send(Bytes::from(format!(
                    "id: {seq}\nevent: superseded\ndata: {{}}\n\n"
                )))
                .await;
            return;
        }
        let mut frame = format!("id: {seq}\nevent: agentEvent\ndata: ").into_bytes();
        frame.extend_from_slice(&message.payload);
        frame.extend_from_slice(b"\n\n");
        if tx.send(Bytes::from(frame)).await.is_err() {
            return;
        }
        subs.metrics.events_delivered.inc();
    }
}
