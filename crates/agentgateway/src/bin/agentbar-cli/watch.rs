//! `watch`: one session, every event and bar-state change as a JSON line.
//!
//! The stdout loop never waits on the keyring: a separate task follows the
//! client's GUID and writes it (latest value wins), so a slow Secret Service
//! cannot delay an event line.

use std::io::Write;
use std::sync::Arc;

use agentgateway::bar::SignOutReason;
use agentgateway::push::{PushConfig, TlsSource};
use agentgateway::session::{PushMode, SessionConfig};
use agentgateway::{BarState, Event, Guid, Health, Session, SessionError, Update, retcode};
use serde_json::{Map, Value};
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::args::{Global, Mode, Watch};
use crate::connect::{self, Keyring};
use crate::fail::{self, Failure};

/// One event as a line: its fields as received, plus `"kind":"event"`.
pub fn event_line(ev: &Event) -> String {
    let mut m = match &ev.raw {
        Value::Object(o) => o.clone(),
        other => Map::from_iter([("event".to_owned(), other.clone())]),
    };
    m.insert("kind".into(), "event".into());
    Value::Object(m).to_string()
}

/// The bar state as a line, plus `"kind":"state"`.
pub fn state_line(s: &BarState) -> String {
    let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("kind".into(), "state".into());
    }
    v.to_string()
}

/// Writes and flushes one line; an error means stdout is gone.
fn emit(line: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(line.as_bytes())?;
    out.write_all(b"\n")?;
    out.flush()
}

/// Why the loop ended.
enum End {
    Signal,
    Gateway(String),
    StdoutClosed,
}

pub async fn run(g: &Global, w: &Watch) -> Result<(), Failure> {
    let client_cfg = connect::client_config(g)?;
    let agent = client_cfg.agent_id.clone();
    let password = connect::password(&w.sign_in)?;
    let mut cfg = SessionConfig::new(client_cfg);
    if w.mode == Mode::Push {
        cfg.push = Some(push_mode(w));
    }
    let session = Session::new(cfg).map_err(|e| Failure::session("watch", &e))?;
    let mut sub = session.subscribe();
    let keyring = Arc::new(Keyring::new(&agent));

    // Signals first: a SIGTERM during sign-in must still sign out.
    let mut term = signal(SignalKind::terminate())
        .map_err(|e| Failure::usage(format!("cannot handle SIGTERM: {e}")))?;
    let mut int = signal(SignalKind::interrupt())
        .map_err(|e| Failure::usage(format!("cannot handle SIGINT: {e}")))?;

    let stored = if w.mode == Mode::Poll && !w.fresh {
        keyring.load_or_warn().await
    } else {
        None
    };
    let started = tokio::select! {
        r = start(&session, w, password, stored) => Some(r),
        _ = term.recv() => None,
        _ = int.recv() => None,
    };
    match started {
        Some(Ok(())) => {}
        Some(Err(f)) => return Err(f),
        None => return sign_out(&session, &keyring, w.force_sign_out).await,
    }

    let cancel = CancellationToken::new();
    let keeper = tokio::spawn(keep_guid(
        keyring.clone(),
        session.client().watch_guid(),
        cancel.clone(),
    ));
    let end = loop {
        let u = tokio::select! {
            _ = term.recv() => break End::Signal,
            _ = int.recv() => break End::Signal,
            u = sub.recv() => u,
        };
        let line = match u {
            Some(Update::Event(e)) => event_line(&e),
            Some(Update::State(s)) => {
                let line = state_line(&s);
                if let Some(why) = ended_by_gateway(&s.health) {
                    let _ = emit(&line);
                    break End::Gateway(why);
                }
                line
            }
            Some(Update::Lagged { missed }) => {
                eprintln!(
                    "agentbar-cli: warning: output fell behind and skipped {missed} updates; \
                     the current state follows"
                );
                state_line(&session.state())
            }
            Some(Update::Health(_) | Update::Guid(_)) => continue,
            None => break End::Gateway("the session stopped".into()),
        };
        if emit(&line).is_err() {
            break End::StdoutClosed;
        }
    };
    cancel.cancel();
    let _ = keeper.await;
    match end {
        End::Signal => sign_out(&session, &keyring, w.force_sign_out).await,
        End::StdoutClosed => {
            sign_out(&session, &keyring, w.force_sign_out).await?;
            Err(Failure::new(fail::REFUSED, "stdout closed: signed out"))
        }
        End::Gateway(why) => {
            keyring.keep_or_warn(None).await;
            Err(Failure::new(
                fail::SIGNED_OUT,
                format!("the gateway ended the session: {why}"),
            ))
        }
    }
}

fn push_mode(w: &Watch) -> PushMode {
    let mut rc = PushConfig {
        listen: w.push_listen,
        ..PushConfig::default()
    };
    match (&w.push_cert, &w.push_key) {
        (Some(cert), Some(key)) => {
            rc.tls = TlsSource::PemFiles {
                cert: cert.clone(),
                key: key.clone(),
            }
        }
        _ => {
            // Self-signed, valid also for the host the gateway is told to use.
            let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned()];
            let host = w
                .push_url
                .as_deref()
                .and_then(|u| url::Url::parse(u).ok())
                .and_then(|u| u.host_str().map(|h| h.trim_matches(['[', ']']).to_owned()));
            names.extend(host);
            if !w.push_listen.ip().is_unspecified() {
                names.push(w.push_listen.ip().to_string());
            }
            names.dedup();
            rc.tls = TlsSource::SelfSigned {
                subject_alt_names: names,
            };
        }
    }
    let mut m = PushMode::new(rc);
    m.callback_uri = w.push_url.clone();
    m
}

/// Resumes the stored session when there is one the gateway still knows,
/// else signs in.
async fn start(
    session: &Session,
    w: &Watch,
    password: Option<agentgateway::Secret>,
    stored: Option<Guid>,
) -> Result<(), Failure> {
    let req = match &password {
        Some(_) => Some(connect::sign_in_request(&w.sign_in, password.clone())?),
        None => None,
    };
    if let Some(guid) = stored {
        match session.resume(guid, req.clone(), None).await {
            Ok(()) => {
                eprintln!("agentbar-cli: resumed the session kept in the keyring");
                return Ok(());
            }
            Err(SessionError::SignedOut { .. }) => {
                tracing::info!("the stored session has ended; signing in");
            }
            Err(e) => return Err(Failure::session("resume", &e)),
        }
    }
    let req = match req {
        Some(r) => r,
        None => connect::sign_in_request(&w.sign_in, None)?,
    };
    session
        .sign_in(req, w.sign_in.force)
        .await
        .map_err(|e| Failure::session("sign-in", &e))
}

/// Why the session ended, when the gateway (not the agent) ended it.
fn ended_by_gateway(h: &Health) -> Option<String> {
    match h {
        Health::SignedOut {
            reason: SignOutReason::ByGateway { retcode: rc },
        } if rc.is_empty() => Some("the agent is signed out".into()),
        Health::SignedOut {
            reason: SignOutReason::ByGateway { retcode: rc },
        } => Some(format!("{rc} {}", retcode::meaning(rc))),
        Health::SignedOut {
            reason: SignOutReason::SignInFailed { error },
        } => Some(format!("signing in again failed ({error})")),
        _ => None,
    }
}

/// Follows the client's GUID into the keyring until cancelled.
async fn keep_guid(
    keyring: Arc<Keyring>,
    mut rx: watch::Receiver<Option<Guid>>,
    cancel: CancellationToken,
) {
    let first = rx.borrow_and_update().clone();
    keyring.keep_or_warn(first.as_ref()).await;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            r = rx.changed() => if r.is_err() { return },
        }
        let g = rx.borrow_and_update().clone();
        keyring.keep_or_warn(g.as_ref()).await;
    }
}

/// Signs out and clears the keyring entry. A sign-out the gateway refuses
/// (e.g. during a call) leaves the session and its entry in place.
async fn sign_out(session: &Session, keyring: &Keyring, force: bool) -> Result<(), Failure> {
    match session.sign_out(force).await {
        Ok(()) | Err(SessionError::NotSignedIn) => {
            keyring.keep_or_warn(None).await;
            tracing::info!("signed out");
            Ok(())
        }
        Err(e) => {
            if let Some(g) = session.client().guid() {
                keyring.keep_or_warn(Some(&g)).await;
            }
            let mut f = Failure::session("sign-out", &e);
            f.message
                .push_str("; the agent stays signed in (`agentbar-cli sign-out --force` ends it)");
            Err(f)
        }
    }
}
