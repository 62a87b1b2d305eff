//! What a session is set up with: the client, the loop's timing, push mode
//! (the receiver, the callback, the heartbeat), and what a restarted face
//! needs to resume a push session.

use std::time::Duration;

use crate::client::{ClientConfig, SkillChoice};
use crate::push::{PushConfig, ServiceToken};
use crate::relay::RelayMode;

use super::PollTiming;

/// Everything a session needs besides the sign-in itself.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub client: ClientConfig,
    pub timing: PollTiming,
    /// How many updates a slow subscriber may fall behind before it is told
    /// it lagged.
    pub buffer: usize,
    /// Push mode instead of polling: the gateway posts events to a receiver
    /// this session runs.
    pub push: Option<PushMode>,
    /// The skill queues joined after every sign-in (default: all configured).
    pub skills: SkillChoice,
}

/// Push mode: the receiver to run, the URL the gateway posts to, the heartbeat.
#[derive(Debug, Clone)]
pub struct PushMode {
    pub receiver: PushConfig,
    /// `callBackUri` given at sign-in; default `https://{listen address}{path}`.
    pub callback_uri: Option<String>,
    /// Heartbeat interval (the gateway signs out after 2 min of silence).
    pub handshake_every: Duration,
    /// Events via the site relay instead of this session's own receiver:
    /// the sign-in gives the relay's push URL and the session subscribes to
    /// the relay (`receiver` is then not started).
    pub relay: Option<RelayMode>,
}

impl PushMode {
    pub fn new(receiver: PushConfig) -> Self {
        PushMode {
            receiver,
            callback_uri: None,
            handshake_every: Duration::from_secs(30),
            relay: None,
        }
    }

    /// Events via the site relay (see [`crate::relay`]); heartbeat as in push mode.
    pub fn via_relay(relay: RelayMode) -> PushMode {
        PushMode {
            relay: Some(relay),
            ..PushMode::new(PushConfig::default())
        }
    }

    /// Push mode as both faces set it up: the receiver listens on `listen`,
    /// the gateway posts to `public_url` (default: the listen address), and
    /// the receiver serves the certificate and key of `pem`, or else a
    /// self-signed certificate valid for `localhost`, `127.0.0.1`, the public
    /// URL's host and a specific listen address.
    pub fn listening(
        listen: std::net::SocketAddr,
        public_url: Option<String>,
        pem: Option<(std::path::PathBuf, std::path::PathBuf)>,
    ) -> PushMode {
        use crate::push::TlsSource;
        let tls = match pem {
            Some((cert, key)) => TlsSource::PemFiles { cert, key },
            None => {
                let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
                let host = public_url
                    .as_deref()
                    .and_then(|u| url::Url::parse(u).ok())
                    .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_owned()));
                names.extend(host);
                if !listen.ip().is_unspecified() {
                    names.push(listen.ip().to_string());
                }
                names.sort();
                names.dedup();
                TlsSource::SelfSigned {
                    subject_alt_names: names,
                }
            }
        };
        let mut mode = PushMode::new(PushConfig {
            listen,
            tls,
            ..PushConfig::default()
        });
        mode.callback_uri = public_url.filter(|u| !u.is_empty());
        mode
    }

    /// Keeps a self-signed certificate in `dir` across sign-ins and restarts
    /// instead of making one at every start, so the gateway can pin it
    /// (certificates from PEM files are left as they are).
    pub fn keeping_certificate_in(mut self, dir: std::path::PathBuf) -> PushMode {
        use crate::push::TlsSource;
        if let TlsSource::SelfSigned { subject_alt_names } = &self.receiver.tls {
            self.receiver.tls = TlsSource::Kept {
                dir,
                subject_alt_names: subject_alt_names.clone(),
            };
        }
        self
    }
}

impl SessionConfig {
    pub fn new(client: ClientConfig) -> Self {
        SessionConfig {
            client,
            timing: PollTiming::default(),
            buffer: 1024,
            push: None,
            skills: SkillChoice::All,
        }
    }
}

/// What a push-mode session needs to be resumed after a restart: the
/// service token given at sign-in (a secret: keep it in the keyring) and the
/// `callBackUri` the gateway posts to.
#[derive(Clone, PartialEq, Eq)]
pub struct PushResume {
    pub token: ServiceToken,
    pub callback_uri: String,
}

impl std::fmt::Debug for PushResume {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PushResume")
            .field("callback_uri", &self.callback_uri)
            .finish_non_exhaustive()
    }
}
