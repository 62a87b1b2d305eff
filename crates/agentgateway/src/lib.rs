//! The CC-Gateway agent interface, as AgentBar speaks it.
//!
//! This crate has no desktop dependency: the desktop app and `agentbar-cli`
//! are two thin front ends on it.
//!
//! - [`secret`]: `Guid` and `Secret`, values that never print.
//! - [`wire`]: the answer envelope and the `Set-GUID` header.
//! - [`event`]: typed agent events, raw JSON kept.
//! - [`retcode`]: what each gateway retcode means and what follows from it.
//! - [`tls`]: which gateway certificates are trusted (roots or a pin).
//! - [`client`]: one typed call per interface operation.
//! - [`bar`]: the connection-bar state, a pure reducer over events.
//! - [`engine`]: the session: sign-in, event loop, recovery (pure), delivery,
//!   and what the faces share around it.
//! - [`guid_store`]: the GUID in the desktop keyring, for resuming.
//! - [`probe`]: a gateway's certificate fingerprint at first contact.
//! - [`push`]: the HTTPS endpoint the gateway posts events to in push mode.

pub mod bar;
pub mod client;
pub mod engine;
pub mod event;
pub mod guid_store;
pub mod probe;
pub mod push;
pub mod relay;
pub mod retcode;
pub mod secret;
pub mod tls;
pub mod wire;

pub use bar::{AgentState, BarState, Health, ReconnectCause};
pub use client::{
    AgentStatus, CallOut, CallTarget, Client, ClientConfig, ClientError, Consult, InvalidParam,
    PushRegistration, SignIn, SignInInfo, Skill, SkillChoice, Statistics, Transfer, TransferHow,
};
pub use engine::skills::SkillQueues;
pub use engine::{
    PollTiming, PushMode, PushResume, Resumed, Session, SessionConfig, SessionError, Subscription,
    Update,
};
pub use event::{Event, EventKind};
pub use secret::{Guid, Secret};
pub use tls::Trust;
