//! What a simulated gateway is configured with.
//!
//! The names follow the real CC-Gateway settings where there is one
//! (`AUTHMODE`, `GUIDINTERVAL`, `GUIDTIMEOUT`, `AGENT_POLL_WAIT_TIMES`,
//! `AGENT_POLL_WAIT_INTERVAL`) so a test reads like the gateway's
//! `basic.properties`. Everything else is about where the simulator listens and
//! how it reaches push receivers.

use std::{net::SocketAddr, path::PathBuf, time::Duration};

use crate::{roster::Roster, site::Site};

/// How GUIDs live (gateway setting `AUTHMODE`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthMode {
    /// `AUTHMODE=1`: the GUID from sign-in stays valid for the whole session.
    Static,
    /// `AUTHMODE=2` (the default): a new GUID every `interval` (`GUIDINTERVAL`),
    /// handed out on the next poll answer (polling) or handshake answer (push);
    /// a replaced GUID stays valid until `timeout` (`GUIDTIMEOUT`) after it was issued.
    Dynamic {
        interval: Duration,
        timeout: Duration,
    },
}

impl Default for AuthMode {
    fn default() -> Self {
        AuthMode::Dynamic {
            interval: Duration::from_secs(60),
            timeout: Duration::from_secs(120),
        }
    }
}

/// How the gateway listener speaks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsMode {
    /// HTTPS with a CA and a server certificate (SAN `127.0.0.1`, `localhost`)
    /// made at start; the CA PEM is also written to `ca_out` when given.
    Generated { ca_out: Option<PathBuf> },
    /// HTTPS with a certificate chain and private key read from PEM files.
    Files { cert: PathBuf, key: PathBuf },
    /// Plain HTTP: only when asked for (`--plain-http`).
    PlainHttp,
}

/// How events reach agents that signed in with `callBackUri` and `serviceToken`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PushConfig {
    /// Trust only this CA (PEM) for receivers. `None`: trust any receiver
    /// certificate, self-signed included; this is a test gateway.
    pub ca_file: Option<PathBuf>,
    /// Retry a refused or failed delivery (the default). Without it a batch
    /// that does not get a success answer is dropped, as a strict gateway
    /// that does not retry would lose it.
    pub retry: bool,
    /// First wait after a failed delivery; doubled per failure up to `retry_max`.
    pub retry_initial: Duration,
    pub retry_max: Duration,
    /// Limit for one POST to the receiver.
    pub request_timeout: Duration,
    /// Most events in one POST.
    pub max_batch: usize,
}

impl Default for PushConfig {
    fn default() -> Self {
        Self {
            ca_file: None,
            retry: true,
            retry_initial: Duration::from_millis(200),
            retry_max: Duration::from_secs(10),
            request_timeout: Duration::from_secs(5),
            max_batch: 100,
        }
    }
}

/// How long the simulated far ends take: short in tests, lifelike in the demo.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallTimings {
    /// A dialled number (callout, external transfer) rings this long, then answers.
    pub answer_after: Duration,
    /// A busy or invalid number fails after this.
    pub fail_after: Duration,
    /// A call, consult or transfer leg that nobody answers is given up after this.
    pub no_answer_after: Duration,
    /// A virtual colleague answers after this unless told otherwise.
    pub colleague_answer_after: Duration,
    /// An IVR hang-up transfer comes back after this.
    pub ivr_return_after: Duration,
}

impl Default for CallTimings {
    fn default() -> Self {
        Self {
            answer_after: Duration::from_secs(3),
            fail_after: Duration::from_secs(1),
            no_answer_after: Duration::from_secs(20),
            colleague_answer_after: Duration::from_secs(3),
            ivr_return_after: Duration::from_secs(10),
        }
    }
}

/// Everything [`crate::Simulator::start`] needs.
#[derive(Debug, Clone)]
pub struct SimConfig {
    /// Agents and passwords the gateway accepts.
    pub roster: Roster,
    /// Skills, IVRs, access codes, agent names and number behaviour.
    pub site: Site,
    pub calls: CallTimings,
    pub auth: AuthMode,
    /// `AGENT_POLL_WAIT_TIMES`: a poll with no event is held
    /// `poll_wait_times × poll_wait_interval` and then answered without `event`.
    pub poll_wait_times: u32,
    /// `AGENT_POLL_WAIT_INTERVAL`.
    pub poll_wait_interval: Duration,
    /// An agent not heard from for this long (no poll in polling mode, no
    /// handshake in push mode) is signed out.
    pub inactivity_timeout: Duration,
    pub tls: TlsMode,
    /// Where the gateway listens; port 0 picks a free port.
    pub gateway_addr: SocketAddr,
    /// Where the control API listens (plain HTTP); port 0 picks a free port.
    pub control_addr: SocketAddr,
    /// How long a sign-in takes; while it runs a second sign-in gets `100-021`.
    pub signin_delay: Duration,
    /// How long the sign-in answer takes after the session has started (its
    /// first events queued and, in push mode, already being pushed): a push
    /// then reaches the client before the answer with its GUID does.
    pub signin_answer_delay: Duration,
    pub push: PushConfig,
    /// `serverName` in the sign-in answer; the GUID suffix is this plus `0`.
    pub server_name: String,
    /// `timeRemaining` in the sign-in answer: days to password expiry.
    pub password_days_remaining: u32,
}

impl Default for SimConfig {
    fn default() -> Self {
        let local = SocketAddr::from(([127, 0, 0, 1], 0));
        Self {
            roster: Roster::demo(),
            site: Site::demo(),
            calls: CallTimings::default(),
            auth: AuthMode::default(),
            poll_wait_times: 100,
            poll_wait_interval: Duration::from_millis(100),
            inactivity_timeout: Duration::from_secs(120),
            tls: TlsMode::Generated { ca_out: None },
            gateway_addr: local,
            control_addr: local,
            signin_delay: Duration::ZERO,
            signin_answer_delay: Duration::ZERO,
            push: PushConfig::default(),
            server_name: "AgentGateway".to_owned(),
            password_days_remaining: 9,
        }
    }
}

impl SimConfig {
    /// How long a poll with no event is held.
    pub fn poll_hold(&self) -> Duration {
        self.poll_wait_interval.saturating_mul(self.poll_wait_times)
    }
}
