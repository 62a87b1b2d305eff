//! Events via the site relay: the third way of getting events, beside
//! polling and the bar's own push receiver.
//!
//! The gateway pushes to the relay (the sign-in gives the relay's push URL
//! as `callBackUri` and this sign-in's token as `serviceToken`), and the bar
//! connects out to the relay over HTTPS and reads its agent's events as
//! server-sent events, so the bar needs no reachable address of its own.
//! The relay authorises the subscription by that same token, sent as
//! `Authorization: Bearer`.
//!
//! Exactly once and in order: every event's SSE `id` is its sequence in the
//! relay's store, increasing. The subscriber keeps the last id it delivered,
//! sends it as `Last-Event-ID` when it reconnects (to the same or the next
//! relay URL, in turn), and drops anything at or below it. A new sign-in
//! (new token) starts afresh; `event: superseded` (a newer sign-in of the
//! agent took over) stops reading until the token changes.
//!
//! Delivered batches go to the same queue as the push receiver's, so the
//! engine's push loop (heartbeat, recovery) is the same in both modes.

use std::time::Duration;

use bytes::BytesMut;
use tokio::sync::{mpsc, watch};
use tokio_util::sync::CancellationToken;
use tracing::{debug, info};

use crate::event::Event;
use crate::push::{PushBatch, ServiceToken};
use crate::tls::{TlsError, Trust};

/// Path of a subscription under a relay URL, `{agent}` the agent ID.
pub const EVENTS_PATH: &str = "/v1/agents/{agent}/events";

/// Events via the site relay.
#[derive(Debug, Clone)]
pub struct RelayMode {
    /// `callBackUri` given at sign-in: the relay's push endpoint.
    pub push_url: String,
    /// The relay's subscription URLs (`https://relay:9443`), tried in turn.
    pub subscribe_urls: Vec<String>,
    /// Which relay certificates to trust.
    pub trust: Trust,
    /// Wait before trying again after a failed or refused subscription.
    pub retry_after: Duration,
    /// A subscription silent this long (no event, no keep-alive) is dead.
    pub idle_timeout: Duration,
}

impl RelayMode {
    /// Subscribes at `subscribe_url`; the push URL is the same host on port
    /// 8443 with the reference push path unless given.
    pub fn new(subscribe_url: &str, push_url: Option<String>, trust: Trust) -> RelayMode {
        let push_url = push_url.unwrap_or_else(|| {
            let host = url::Url::parse(subscribe_url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned))
                .unwrap_or_else(|| "localhost".to_owned());
            format!("https://{host}:8443{}", crate::push::DEFAULT_PATH)
        });
        RelayMode {
            push_url,
            subscribe_urls: vec![subscribe_url.trim_end_matches('/').to_owned()],
            trust,
            retry_after: Duration::from_secs(1),
            idle_timeout: Duration::from_secs(45),
        }
    }
}

/// Why the relay subscriber could not start.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error("relay TLS: {0}")]
    Tls(#[from] TlsError),
    #[error("relay HTTP client: {0}")]
    Http(String),
    #[error("no relay subscription URL")]
    NoUrl,
}

/// Starts the subscriber for `agent`: it follows `token` (the current
/// sign-in's, `None` when signed out), says in `open` whether its
/// subscription is open, and sends each event as a batch of one to `sink`
/// until `cancel`.
pub(crate) fn spawn(
    mode: RelayMode,
    agent: String,
    token: watch::Receiver<Option<ServiceToken>>,
    open: watch::Sender<bool>,
    sink: mpsc::Sender<PushBatch>,
    cancel: CancellationToken,
) -> Result<(), RelayError> {
    if mode.subscribe_urls.is_empty() {
        return Err(RelayError::NoUrl);
    }
    let tls = mode.trust.client_config()?;
    let http = reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .redirect(reqwest::redirect::Policy::none())
        .https_only(true)
        .connect_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| RelayError::Http(e.to_string()))?;
    let subscriber = Subscriber {
        mode,
        agent,
        http,
        sink,
        open,
        last: None,
        url: 0,
    };
    tokio::spawn(async move {
        tokio::select! {
            () = cancel.cancelled() => {}
            () = subscriber.run(token) => {}
        }
    });
    Ok(())
}

struct Subscriber {
    mode: RelayMode,
    agent: String,
    http: reqwest::Client,
    sink: mpsc::Sender<PushBatch>,
    /// Whether a subscription is open.
    open: watch::Sender<bool>,
    /// Last event id delivered for the current token.
    last: Option<u64>,
    /// Index of the URL in use.
    url: usize,
}

/// How one subscription ended.
enum End {
    /// Broken, refused or silent: try again (next URL).
    Retry,
    /// A newer sign-in took over: wait for a new token.
    Superseded,
    /// The token changed: start afresh.
    TokenChanged,
    /// The engine's queue is gone.
    Closed,
}

impl Subscriber {
    async fn run(mut self, mut token: watch::Receiver<Option<ServiceToken>>) {
        loop {
            let current = token.borrow_and_update().clone();
            let Some(current) = current else {
                if token.changed().await.is_err() {
                    return;
                }
                self.last = None;
                continue;
            };
            let end = tokio::select! {
                end = self.subscribe(&current) => end,
                changed = token.changed() => match changed {
                    Ok(()) => End::TokenChanged,
                    Err(_) => return,
                },
            };
            self.open.send_replace(false);
            match end {
                End::Closed => return,
                End::TokenChanged => self.last = None,
                End::Superseded => {
                    info!(agent = self.agent, "relay: a newer sign-in took over");
                    if token.changed().await.is_err() {
                        return;
                    }
                    self.last = None;
                }
                End::Retry => {
                    self.url = (self.url + 1) % self.mode.subscribe_urls.len();
                    tokio::select! {
                        () = tokio::time::sleep(self.mode.retry_after) => {}
                        changed = token.changed() => {
                            if changed.is_err() { return; }
                            self.last = None;
                        }
                    }
                }
            }
        }
    }

    async fn subscribe(&mut self, token: &ServiceToken) -> End {
        let base = &self.mode.subscribe_urls[self.url];
        let url = format!("{base}{}", EVENTS_PATH.replace("{agent}", &self.agent));
        let mut request = self
            .http
            .get(&url)
            .bearer_auth(token.expose())
            .header("Accept", "text/event-stream");
        if let Some(last) = self.last {
            request = request.header("Last-Event-ID", last.to_string());
        }
        let mut response = match request.send().await {
            Ok(r) if r.status().is_success() => r,
            Ok(r) => {
                debug!(
                    relay = base,
                    status = r.status().as_u16(),
                    "relay refused the subscription"
                );
                return End::Retry;
            }
            Err(e) => {
                debug!(relay = base, error = %e.without_url(), "relay unreachable");
                return End::Retry;
            }
        };
        info!(relay = base, after = ?self.last, "relay subscription open");
        self.open.send_replace(true);
        let mut buffer = BytesMut::new();
        let mut frame = Frame::default();
        loop {
            let chunk = match tokio::time::timeout(self.mode.idle_timeout, response.chunk()).await {
                Ok(Ok(Some(chunk))) => chunk,
                Ok(Ok(None)) | Ok(Err(_)) | Err(_) => return End::Retry,
            };
            buffer.extend_from_slice(&chunk);
            while let Some(end) = buffer.iter().position(|&b| b == b'\n') {
                let line = buffer.split_to(end + 1);
                let line = String::from_utf8_lossy(&line[..end]);
                let line = line.strip_suffix('\r').unwrap_or(&line);
                if !line.is_empty() {
                    frame.field(line);
                    continue;
                }
                let done = std::mem::take(&mut frame);
                match done.event.as_deref() {
                    Some("superseded") => return End::Superseded,
                    Some("agentEvent") => {
                        if let Some(end) = self.deliver(done).await {
                            return end;
                        }
                    }
                    _ => {}
                }
            }
        }
    }

    /// Delivers one event unless it was delivered before.
    async fn deliver(&mut self, frame: Frame) -> Option<End> {
        let id = frame.id.as_deref().and_then(|i| i.parse::<u64>().ok())?;
        if self.last.is_some_and(|last| id <= last) {
            return None;
        }
        let Ok(raw) = serde_json::from_str(&frame.data) else {
            debug!(id, "relay sent an event that is not JSON; skipped");
            self.last = Some(id);
            return None;
        };
        if self.sink.send(vec![Event::from_json(raw)]).await.is_err() {
            return Some(End::Closed);
        }
        self.last = Some(id);
        None
    }
}

/// One server-sent event being read.
#[derive(Default)]
struct Frame {
    id: Option<String>,
    event: Option<String>,
    data: String,
}

impl Frame {
    fn field(&mut self, line: &str) {
        if line.starts_with(':') {
            return;
        }
        let (name, value) = line.split_once(':').unwrap_or((line, ""));
        let value = value.strip_prefix(' ').unwrap_or(value);
        match name {
            "id" => self.id = Some(value.to_owned()),
            "event" => self.event = Some(value.to_owned()),
            "data" => {
                if !self.data.is_empty() {
                    self.data.push('\n');
                }
                self.data.push_str(value);
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frames_are_read_as_sse_says() {
        let mut f = Frame::default();
        for line in [
            ": comment",
            "id: 7",
            "event: agentEvent",
            "data: {\"a\":",
            "data: 1}",
        ] {
            f.field(line);
        }
        assert_eq!(f.id.as_deref(), Some("7"));
        assert_eq!(f.event.as_deref(), Some("agentEvent"));
        assert_eq!(f.data, "{\"a\":\n1}");
    }

    #[test]
    fn push_url_defaults_to_the_relay_host() {
        let m = RelayMode::new("https://relay.example:9443/", None, Trust::only_ca("x"));
        assert_eq!(
            m.push_url,
            "https://relay.example:8443/service-cloud/rest/cc-ai/v1/agentevent/pushresult"
        );
        assert_eq!(m.subscribe_urls, ["https://relay.example:9443"]);
    }
}
