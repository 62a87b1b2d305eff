//! `watch`: one session, every event and bar-state change as a JSON line.
//!
//! The stdout loop never waits on the keyring: the library's GUID follower
//! writes the GUID in its own task (latest value wins), so a slow Secret
//! Service cannot delay an event line. In push mode the service token is kept
//! next to the GUID, so a restarted `watch` resumes the session and its
//! receiver takes the gateway's next push.

use std::io::Write;
use std::sync::Arc;

use agentgateway::bar::SignOutReason;
use agentgateway::engine::face::{self, GuidFollower, ResumeError};
use agentgateway::{
    BarState, Event, Health, PushMode, Session, SessionConfig, SessionError, SkillQueues, Update,
    retcode,
};
use serde_json::{Map, Value};
use tokio::signal::unix::{SignalKind, signal};

use crate::args::{Global, Mode, Watch};
use crate::connect::{self, Keyring};
use crate::fail::{self, Failure};

/// One event as a line: `{"kind":"event","event":…}` with the event exactly
/// as received (the CLI's own field sits outside it, so no gateway field can
/// collide with it).
pub fn event_line(ev: &Event) -> String {
    let m = Map::from_iter([
        ("kind".to_owned(), Value::from("event")),
        ("event".to_owned(), ev.raw.clone()),
    ]);
    Value::Object(m).to_string()
}

/// The bar state as a line, plus `"kind":"state"`, with every call in
/// `calls`. Each call's data is left out unless `calldata` (stdout is often a
/// log file); `calldataBytes` says how long it is.
pub fn state_line(s: &BarState, calldata: bool) -> String {
    let mut v = serde_json::to_value(s).unwrap_or(Value::Null);
    if let Value::Object(m) = &mut v {
        m.insert("kind".into(), "state".into());
        if let Some(Value::Array(calls)) = m.get_mut("calls")
            && !calldata
        {
            for call in calls.iter_mut().filter_map(Value::as_object_mut) {
                if let Some(data) = call.remove("calldata") {
                    let bytes = data.as_str().map(str::len);
                    call.insert("calldataBytes".into(), bytes.into());
                }
            }
        }
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
    cfg.skills = w.skills.clone();
    match w.mode {
        Mode::Poll => {}
        Mode::Push => cfg.push = Some(push_mode(w)),
        Mode::Relay => cfg.push = Some(relay_mode(w)?),
    }
    let session = Session::new(cfg).map_err(|e| Failure::session("watch", &e))?;
    let mut sub = session.subscribe();
    if let Some(relay) = session.watch_relay() {
        tokio::spawn(report_relay(relay));
    }
    let keyring = Arc::new(Keyring::new(&agent));

    // Signals first: a signal during sign-in must still sign out.
    let mut signals = Signals::new()?;
    let started = {
        let mut starting = std::pin::pin!(start(&session, w, password, &keyring));
        let mut stopping = false;
        loop {
            tokio::select! {
                r = &mut starting => break (r, stopping),
                _ = signals.recv(), if !stopping => {
                    // The gateway may complete the sign-in whatever we do
                    // now: let its answer arrive, then sign out.
                    stopping = true;
                    eprintln!("agentbar-cli: stopping: signing out once the sign-in has answered");
                }
            }
        }
    };
    let resumed = match started {
        (Ok(resumed), false) => resumed,
        (Ok(_), true) => return sign_out(&session, &keyring, None, w.force_sign_out).await,
        (Err(mut f), stopping) => {
            if stopping && f.code == fail::UNREACHABLE {
                f.message
                    .push_str("; the agent may still be signed in until the gateway times it out");
            }
            return Err(f);
        }
    };

    if let Some((addr, sha256)) = session.push_endpoint().await {
        eprintln!(
            "agentbar-cli: push receiver on {addr}, certificate SHA-256 {sha256} \
             (the gateway can pin it)"
        );
    }
    let follower = (!keyring.is_gone()).then(|| {
        let k = keyring.clone();
        GuidFollower::start(&session, keyring.kept(), move |e| k.warn_once(e))
    });
    // After the follower: a GUID this request brings reaches the keyring.
    report_skills(&session, resumed).await;
    let end = loop {
        let u = tokio::select! {
            _ = signals.recv() => break End::Signal,
            u = sub.recv() => u,
        };
        let line = match u {
            Some(Update::Event(e)) => event_line(&e),
            Some(Update::State(s)) => {
                let line = state_line(&s, w.show_calldata);
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
                state_line(&session.state(), w.show_calldata)
            }
            Some(Update::Health(_) | Update::Guid(_)) => continue,
            None => break End::Gateway("the session stopped".into()),
        };
        if emit(&line).is_err() {
            break End::StdoutClosed;
        }
    };
    match end {
        End::Signal => sign_out(&session, &keyring, follower, w.force_sign_out).await,
        End::StdoutClosed => {
            sign_out(&session, &keyring, follower, w.force_sign_out).await?;
            Err(Failure::new(fail::REFUSED, "stdout closed: signed out"))
        }
        End::Gateway(why) => {
            match follower {
                Some(f) => {
                    if let Err(e) = f.forget().await {
                        keyring.warn_once(&e);
                    }
                }
                None => keyring.keep_or_warn(None).await,
            }
            Err(Failure::new(
                fail::SIGNED_OUT,
                format!("the gateway ended the session: {why}"),
            ))
        }
    }
}

fn push_mode(w: &Watch) -> PushMode {
    let pem = match (&w.push_cert, &w.push_key) {
        (Some(cert), Some(key)) => Some((cert.clone(), key.clone())),
        _ => None,
    };
    let mode = PushMode::listening(w.push_listen, w.push_url.clone(), pem);
    // A generated certificate is kept, so the gateway can pin it.
    match w
        .push_cert_dir
        .clone()
        .or_else(|| dirs::data_dir().map(|d| d.join("agentbar-cli").join("push")))
    {
        Some(dir) => mode.keeping_certificate_in(dir),
        None => mode,
    }
}

/// Says on stderr when the relay subscription opens and when it is lost.
async fn report_relay(mut open: tokio::sync::watch::Receiver<bool>) {
    while open.changed().await.is_ok() {
        if *open.borrow_and_update() {
            eprintln!("agentbar-cli: relay subscription open");
        } else {
            eprintln!("agentbar-cli: relay subscription lost; reconnecting");
        }
    }
}

/// Events via the site relay: subscribe at `--relay-url`, the gateway posts
/// to the relay's push URL.
fn relay_mode(w: &Watch) -> Result<PushMode, Failure> {
    let Some(url) = w.relay_url.as_deref() else {
        return Err(Failure::usage("--mode relay needs --relay-url"));
    };
    if !url.starts_with("https://") {
        return Err(Failure::usage("--relay-url must be an https:// URL"));
    }
    let trust = match (&w.relay_pin_sha256, &w.relay_ca_file) {
        (Some(pin), _) => agentgateway::Trust::pinned_hex(pin)
            .map_err(|e| Failure::usage(format!("--relay-pin-sha256: {e}")))?,
        (None, Some(path)) => agentgateway::Trust::system_plus_ca_file(path)
            .map_err(|e| Failure::usage(e.to_string()))?,
        (None, None) => agentgateway::Trust::default(),
    };
    let relay = agentgateway::relay::RelayMode::new(url, w.relay_push_url.clone(), trust);
    Ok(PushMode::via_relay(relay))
}

/// Says on stderr when the agent is in no skill queue. A sign-in has joined
/// the queues already; a resumed session joins them now, with `--skills`.
async fn report_skills(session: &Session, resumed: bool) {
    let q = if resumed {
        match session.sign_in_to_skills(session.skill_choice()).await {
            Ok(q) => q,
            Err(_) => session.skills(),
        }
    } else {
        session.skills()
    };
    if let SkillQueues::Failed { kind, retcode, .. } = q {
        let why = match retcode {
            Some(rc) => format!("{rc} {}", retcode::meaning(&rc)),
            None => kind.to_owned(),
        };
        eprintln!(
            "agentbar-cli: warning: could not join the skill queues ({why}): the agent \
             may be in no skill queue and get no queue calls"
        );
    }
}

/// Resumes the session kept in the keyring when the gateway still knows it
/// (unless `--fresh`), else signs in; true when resumed.
async fn start(
    session: &Session,
    w: &Watch,
    password: Option<agentgateway::Secret>,
    keyring: &connect::Keyring,
) -> Result<bool, Failure> {
    let req = match &password {
        Some(_) => Some(connect::sign_in_request(&w.sign_in, password.clone())?),
        None => None,
    };
    if !w.fresh {
        match face::resume_kept(session, &keyring.kept(), req.clone(), None).await {
            Ok(Some(how)) => {
                eprintln!("agentbar-cli: resumed the session kept in the keyring");
                return Ok(how == agentgateway::Resumed::Resumed);
            }
            Ok(None) => {}
            Err(ResumeError::Keyring(e)) => keyring.warn_once(&e),
            Err(ResumeError::Session(e))
                if e.is_session_gone() || matches!(e, SessionError::PushNeedsSignIn) =>
            {
                tracing::info!("the stored session has ended; signing in");
            }
            Err(ResumeError::Session(e)) => return Err(Failure::session("resume", &e)),
        }
    }
    let req = match req {
        Some(r) => r,
        None => connect::sign_in_request(&w.sign_in, None)?,
    };
    face::sign_in_kept(session, &keyring.kept(), req, w.sign_in.force)
        .await
        .map(|()| false)
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
            reason:
                SignOutReason::SignInFailed {
                    error,
                    retcode: None,
                },
        } => Some(format!("signing in again failed ({error})")),
        Health::SignedOut {
            reason:
                SignOutReason::SignInFailed {
                    retcode: Some(rc), ..
                },
        } => Some(format!(
            "signing in again failed ({rc} {})",
            retcode::meaning(rc)
        )),
        _ => None,
    }
}

/// Signs out and clears the keyring entry. A sign-out the gateway refuses
/// (e.g. during a call) leaves the session and its entry in place.
async fn sign_out(
    session: &Session,
    keyring: &Keyring,
    follower: Option<GuidFollower>,
    force: bool,
) -> Result<(), Failure> {
    match session.sign_out(force).await {
        Ok(()) | Err(SessionError::NotSignedIn) => {
            match follower {
                Some(f) => {
                    if let Err(e) = f.forget().await {
                        keyring.warn_once(&e);
                    }
                }
                None => keyring.keep_or_warn(None).await,
            }
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

/// The signals that end `watch` with a sign-out: SIGINT (Ctrl-C), SIGTERM,
/// SIGHUP (the terminal closed) and SIGQUIT.
struct Signals(Vec<tokio::signal::unix::Signal>);

impl Signals {
    fn new() -> Result<Signals, Failure> {
        let kinds = [
            ("SIGINT", SignalKind::interrupt()),
            ("SIGTERM", SignalKind::terminate()),
            ("SIGHUP", SignalKind::hangup()),
            ("SIGQUIT", SignalKind::quit()),
        ];
        let mut all = Vec::with_capacity(kinds.len());
        for (name, kind) in kinds {
            all.push(
                signal(kind).map_err(|e| Failure::usage(format!("cannot handle {name}: {e}")))?,
            );
        }
        Ok(Signals(all))
    }

    /// Waits for any of them.
    async fn recv(&mut self) {
        let waits = self.0.iter_mut().map(|s| Box::pin(s.recv()));
        let _ = futures::future::select_all(waits).await;
    }
}
