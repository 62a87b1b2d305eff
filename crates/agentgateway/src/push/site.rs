//! The receiver for a whole site: every agent's pushes on one endpoint, for
//! a relay that stores them and serves them to the bars.
//!
//! A bar's own receiver knows its one agent, the GUID and the token it gave
//! at sign-in. A site receiver knows none of these in advance: the agent is
//! the body's `workNo`, and the `service_token` the gateway sends is the one
//! that agent's bar gave at sign-in, which the relay keeps to authorise the
//! bar's subscription. The `Guid` must be present and well formed but cannot
//! be checked (only the gateway and the bar know it). Every other check,
//! limit and answer is the bar receiver's, in the same order.
//!
//! Delivery differs in two ways. A [`SiteSink`] stores the batch and the
//! gateway is answered success only once the store confirmed it, so an
//! answered push survives a restart of the relay; a store that fails answers
//! 503 and the gateway repeats the push later. And the whole batch goes to
//! the store, each event with its fingerprint: recognising a repeat needs
//! the agent's last events, which only the store has when several instances
//! share the site (the rule is `dedup.rs`'s, applied per agent there).

use std::future::Future;
use std::pin::Pin;

use sha2::{Digest, Sha256};

use super::{Refusal, ServiceToken};
use crate::event::Event;

/// One accepted push for a site: the agent, the token it came with, and its
/// events, oldest first (a repeat included: the store recognises it).
#[derive(Debug)]
pub struct SitePush {
    /// The body's `workNo`.
    pub work_no: String,
    /// The `service_token` header (a secret: never log it).
    pub token: ServiceToken,
    /// The events, oldest first.
    pub events: Vec<SiteEvent>,
}

/// One event of a [`SitePush`].
#[derive(Debug)]
pub struct SiteEvent {
    /// The event as decoded and as received.
    pub event: Event,
    /// SHA-256 (hex) of the event's canonical JSON, keyed by the agent and
    /// the token: the same event repeated by the gateway has the same one.
    pub fingerprint: String,
    /// Whether the event carries `eventGenTime`, which makes two genuine
    /// events with one fingerprint practically impossible (see `dedup.rs`).
    pub timestamped: bool,
}

/// A boxed future, as [`SiteSink::store`] returns.
pub type StoreFuture<'a> = Pin<Box<dyn Future<Output = Result<(), Refusal>> + Send + 'a>>;

/// Where a site receiver's accepted pushes go.
pub trait SiteSink: Send + Sync + 'static {
    /// Stores the events of `push` that it does not hold yet, durably. `Ok`
    /// is answered with success; an error is answered as that refusal (use
    /// [`Refusal::Busy`] for a store that is unavailable, so the gateway
    /// repeats the push).
    fn store(&self, push: SitePush) -> StoreFuture<'_>;
}

/// The fingerprint key of a site push: the same token (one sign-in) gives
/// the same key, another sign-in another one.
pub(crate) fn session_id(token: &str) -> u64 {
    let digest = Sha256::digest(token.as_bytes());
    let mut first = [0u8; 8];
    first.copy_from_slice(&digest[..8]);
    u64::from_be_bytes(first)
}
