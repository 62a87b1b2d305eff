//! The relay's state, all of it in NATS JetStream so that any instance can
//! take any push and serve any subscriber:
//!
//! - stream `AGENTBAR_EVENTS` (file storage, subjects `agentbar.events.>`):
//!   one message per event on `agentbar.events.<agent>`, the payload the
//!   event's JSON exactly as pushed, header `Agentbar-Token` the hash of the
//!   sign-in's token it came with. The stream sequence is the event's id.
//!   Each carries `Nats-Msg-Id` (see [`Store::append`]), so an attempt whose
//!   acknowledgement was lost and its repeat, on any instance, store once.
//! - KV bucket `agentbar_tokens`: key `<agent>`, value the [`Grant`] of the
//!   agent's current sign-in (token hash, first sequence stored with it,
//!   fingerprints of the last events). Written after the events, with the
//!   revision it was read at, so a grant never points at events that may
//!   not exist and concurrent writers of one agent cannot both win.
//!
//! Tokens are never stored: only a salted SHA-256 of agent and token. The
//! token is 32 to 50 random letters and digits, so the hash gives nothing
//! away. [`Store::append`] returns only once JetStream acknowledged every
//! event and the grant, which is what lets the push be answered success.

use std::time::Duration;

use async_nats::jetstream::{self, context::Publish, kv, stream};
use async_nats::{HeaderMap, HeaderValue};
use bytes::Bytes;

use agentgateway::push::{SiteEvent, SitePush};

pub use crate::grant::{
    Grant, TAIL_LEN, delivered_prefix, same_hash, subject, token_hash, valid_agent,
};

/// Stream holding every agent's events.
pub const STREAM: &str = "AGENTBAR_EVENTS";
/// Subject prefix; an agent's events are on `agentbar.events.<agent>`.
pub const SUBJECT_PREFIX: &str = "agentbar.events";
/// KV bucket of the agents' current grants.
pub const TOKENS_BUCKET: &str = "agentbar_tokens";
/// Header with the token hash of each stored event.
pub const TOKEN_HEADER: &str = "Agentbar-Token";

/// How the store is set up.
#[derive(Debug, Clone)]
pub struct StoreConfig {
    /// NATS server URLs (any node of a cluster; the client finds the rest).
    pub nats_urls: Vec<String>,
    /// Copies of the stream and the bucket (1 on one node, 3 on a cluster).
    pub replicas: usize,
    /// How long events are kept (a bar can resume within this time).
    pub max_age: Duration,
    /// How long JetStream recognises a repeated `Nats-Msg-Id`.
    pub duplicate_window: Duration,
    /// How long a publish waits for JetStream's acknowledgement, and any
    /// other NATS request for its answer (also while NATS is unreachable),
    /// before the push is answered 503: less than the gateway's own wait.
    pub ack_timeout: Duration,
}

impl Default for StoreConfig {
    fn default() -> Self {
        Self {
            nats_urls: vec!["nats://127.0.0.1:4222".to_owned()],
            replicas: 1,
            max_age: Duration::from_secs(24 * 3600),
            duplicate_window: Duration::from_secs(120),
            ack_timeout: Duration::from_secs(3),
        }
    }
}

/// Why the store could not do something. Messages name the operation,
/// never a token or an event.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot connect to NATS: {0}")]
    Connect(String),
    #[error("cannot set up the JetStream stream or bucket: {0}")]
    Setup(String),
    #[error("JetStream did not acknowledge an event: {0}")]
    Publish(String),
    #[error("cannot read or write the agent's grant: {0}")]
    Grant(String),
    #[error("cannot read the agent's events: {0}")]
    Read(String),
}

/// Attempts at writing a grant that others change meanwhile.
const MAX_GRANT_ATTEMPTS: usize = 5;

/// What a publish stored.
struct Published {
    /// Sequence of the first event.
    seq: u64,
    /// Events JetStream took as new.
    fresh: usize,
}

/// The JetStream side of a relay instance.
#[derive(Clone)]
pub struct Store {
    client: async_nats::Client,
    js: jetstream::Context,
    stream: stream::Stream,
    tokens: kv::Store,
}

impl Store {
    /// Connects and creates the stream and the bucket if they are missing.
    pub async fn connect(cfg: &StoreConfig) -> Result<Store, StoreError> {
        let options = async_nats::ConnectOptions::new()
            .retry_on_initial_connect()
            .connection_timeout(Duration::from_secs(3))
            .request_timeout(Some(cfg.ack_timeout));
        // The list itself: one string with commas is parsed as one URL.
        let client = tokio::time::timeout(
            Duration::from_secs(15),
            options.connect(cfg.nats_urls.as_slice()),
        )
        .await
        .map_err(|_| StoreError::Connect("timed out".into()))?
        .map_err(|e| StoreError::Connect(e.to_string()))?;
        let mut js = jetstream::new(client.clone());
        js.set_timeout(cfg.ack_timeout);
        let events = js
            .get_or_create_stream(stream::Config {
                name: STREAM.to_owned(),
                subjects: vec![format!("{SUBJECT_PREFIX}.>")],
                storage: stream::StorageType::File,
                num_replicas: cfg.replicas.max(1),
                max_age: cfg.max_age,
                duplicate_window: cfg.duplicate_window,
                ..Default::default()
            })
            .await
            .map_err(|e| StoreError::Setup(e.to_string()))?;
        // The bucket's stream made directly, as `create_key_value` would
        // make it: that call reads account limits in a form older servers
        // (2.9) do not send.
        js.get_or_create_stream(stream::Config {
            name: format!("KV_{TOKENS_BUCKET}"),
            subjects: vec![format!("$KV.{TOKENS_BUCKET}.>")],
            max_messages_per_subject: 1,
            storage: stream::StorageType::File,
            num_replicas: cfg.replicas.max(1),
            allow_rollup: true,
            deny_delete: true,
            allow_direct: true,
            discard: stream::DiscardPolicy::New,
            ..Default::default()
        })
        .await
        .map_err(|e| StoreError::Setup(e.to_string()))?;
        let tokens = js
            .get_key_value(TOKENS_BUCKET)
            .await
            .map_err(|e| StoreError::Setup(e.to_string()))?;
        Ok(Store {
            client,
            js,
            stream: events,
            tokens,
        })
    }

    /// Whether the NATS connection is up.
    pub fn is_connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }

    /// The events stream, for consumers.
    pub fn stream(&self) -> &stream::Stream {
        &self.stream
    }

    /// Stores a push's events in order and then the agent's grant; returns
    /// the number of events stored as new. Idempotent: the same push (or a
    /// repeat of it with more events) stores each event once, whichever
    /// instance it reaches and whatever happened to an earlier attempt.
    pub async fn append(&self, push: &SitePush) -> Result<usize, StoreError> {
        let agent = push.work_no.as_str();
        let hash = token_hash(agent, push.token.expose());
        let prints: Vec<(&str, bool)> = push
            .events
            .iter()
            .map(|e| (e.fingerprint.as_str(), e.timestamped))
            .collect();
        for _ in 0..MAX_GRANT_ATTEMPTS {
            let entry = self
                .tokens
                .entry(agent)
                .await
                .map_err(|e| StoreError::Grant(e.to_string()))?;
            let revision = entry.as_ref().map_or(0, |e| e.revision);
            let same = entry
                .as_ref()
                .and_then(|e| parse_grant(&e.value))
                .filter(|g| same_hash(&g.token_sha256, &hash));
            let tail = same.as_ref().map(|g| g.tail.clone()).unwrap_or_default();
            let old = delivered_prefix(&tail, &prints);
            let fresh = &push.events[old..];
            if fresh.is_empty() {
                return Ok(0);
            }
            let first = self.publish(agent, &hash, revision, fresh).await?;
            let mut grant = same.unwrap_or(Grant {
                token_sha256: hash.clone(),
                first_seq: first.seq,
                tail: Vec::new(),
            });
            let added: Vec<String> = fresh.iter().map(|e| e.fingerprint.clone()).collect();
            grant.tail.extend(added.iter().cloned());
            let excess = grant.tail.len().saturating_sub(TAIL_LEN);
            grant.tail.drain(..excess);
            let value = serde_json::to_vec(&grant).map_err(|e| StoreError::Grant(e.to_string()))?;
            let written = match entry {
                Some(_) => self
                    .tokens
                    .update(agent, Bytes::from(value), revision)
                    .await
                    .is_ok(),
                None => self.tokens.create(agent, Bytes::from(value)).await.is_ok(),
            };
            if written {
                return Ok(first.fresh);
            }
            // Someone else wrote meanwhile: the same push through another
            // instance (then our events are the tail now), or not.
            if let Some(now) = self.grant(agent).await?
                && same_hash(&now.token_sha256, &hash)
                && now.tail.ends_with(&added)
            {
                return Ok(first.fresh);
            }
        }
        Err(StoreError::Grant("the grant kept changing".into()))
    }

    /// Publishes `events` back to back (JetStream keeps their order) and
    /// awaits every acknowledgement. Each carries a `Nats-Msg-Id` made of
    /// the grant revision it was based on, its place and its fingerprint:
    /// an attempt whose acknowledgement was lost (JetStream unreachable,
    /// instance killed) and its repeat publish the same IDs, which JetStream
    /// stores once; a later genuine twin is based on a later revision.
    async fn publish(
        &self,
        agent: &str,
        hash: &str,
        revision: u64,
        events: &[SiteEvent],
    ) -> Result<Published, StoreError> {
        let subject = subject(agent);
        let mut acks = Vec::with_capacity(events.len());
        for (place, event) in events.iter().enumerate() {
            let payload = serde_json::to_vec(&event.event.raw)
                .map_err(|e| StoreError::Publish(e.to_string()))?;
            let mut headers = HeaderMap::new();
            headers.insert(TOKEN_HEADER, HeaderValue::from(hash));
            let id = format!("{agent}.{revision}.{place}.{}", event.fingerprint);
            let publish = Publish::build()
                .payload(Bytes::from(payload))
                .headers(headers)
                .message_id(id);
            let ack = self
                .js
                .send_publish(subject.clone(), publish)
                .await
                .map_err(|e| StoreError::Publish(e.to_string()))?;
            acks.push(ack);
        }
        let mut first = None;
        let mut fresh = 0;
        for ack in acks {
            let ack = ack.await.map_err(|e| StoreError::Publish(e.to_string()))?;
            first.get_or_insert(ack.sequence);
            fresh += usize::from(!ack.duplicate);
        }
        Ok(Published {
            seq: first.unwrap_or(0),
            fresh,
        })
    }

    /// The agent's current grant, if any.
    pub async fn grant(&self, agent: &str) -> Result<Option<Grant>, StoreError> {
        let entry = self
            .tokens
            .entry(agent)
            .await
            .map_err(|e| StoreError::Grant(e.to_string()))?;
        Ok(entry.and_then(|e| parse_grant(&e.value)))
    }

    /// Waits up to `wait` for the agent's grant to be `hash` (a sign-in's
    /// first push may still be on its way when its bar subscribes).
    pub async fn await_grant(
        &self,
        agent: &str,
        hash: &str,
        wait: Duration,
    ) -> Result<Option<Grant>, StoreError> {
        let matching =
            |g: &Option<Grant>| g.as_ref().is_some_and(|g| same_hash(&g.token_sha256, hash));
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let grant = self.grant(agent).await?;
            if matching(&grant) {
                return Ok(grant);
            }
            if tokio::time::Instant::now() >= deadline {
                return Ok(None);
            }
            tokio::time::sleep_until(
                (tokio::time::Instant::now() + Duration::from_millis(100)).min(deadline),
            )
            .await;
        }
    }

    /// The stream's last sequence (for the lag metric).
    pub async fn last_seq(&self) -> Result<u64, StoreError> {
        let mut stream = self
            .js
            .get_stream(STREAM)
            .await
            .map_err(|e| StoreError::Read(e.to_string()))?;
        let info = stream
            .info()
            .await
            .map_err(|e| StoreError::Read(e.to_string()))?;
        Ok(info.state.last_sequence)
    }
}

fn parse_grant(value: &[u8]) -> Option<Grant> {
    serde_json::from_slice(value).ok()
}
