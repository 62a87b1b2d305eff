//! AgentBar site relay: one HTTPS push endpoint for every agent of a site,
//! the events kept in NATS JetStream, and each bar subscribed over HTTPS to
//! its own agent's events.
//!
//! Why a relay: in push mode the gateway must reach each bar's own HTTPS
//! receiver, which desktops behind NAT or a firewall cannot offer. With the
//! relay the gateway pushes to one site address, and the bars connect out.
//!
//! Modules: [`grant`] (agent IDs, token hashes, grants, repeats),
//! [`store`] (JetStream: the stream of events, the bucket of grants), [`subscribe`] (server-sent events, authorisation, resume),
//! [`metrics`], `serve` (TLS and plain HTTP serving), [`relay`] (one
//! instance: push, subscription and admin ports).

pub mod grant;
pub mod metrics;
pub mod relay;
mod serve;
pub mod store;
pub mod subscribe;

pub use relay::{Relay, RelayConfig, RelayError};
pub use store::{StoreConfig, StoreError};
