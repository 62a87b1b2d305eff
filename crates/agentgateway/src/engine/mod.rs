//! The session engine: sign-in, the event loop, recovery, delivery.
//!
//! One [`Session`] per agent. It signs in (or resumes a stored GUID), runs
//! the event loop (polling or push) under the one set of recovery rules in
//! [`recovery`], reconciles the bar after every gap, and delivers every event
//! in order to subscribers through a bounded buffer that reports overflow
//! ([`Update::Lagged`]) instead of hiding it.
//!
//! - [`recovery`]: what to do next after each answer or failure (pure).
//! - `sign`: sign-in, resume, sign-out and signing in again (one policy).
//! - `poll` and `push_loop`: the two thin loops that do the I/O.
//! - `deliver`: events to subscribers and the bar; reconcile after a gap.
//! - [`skills`]: the skill queues joined after every sign-in.
//! - [`face`]: what the desktop and the CLI share around a session (the
//!   keyring entries, resume-or-sign-in, the GUID follower).
//!
//! Sign-in and sign-out share one lock, so they never overlap, neither with
//! each other nor with the engine's own re-sign-in. Dropping the session
//! stops its tasks (it does not sign out: call [`Session::sign_out`] first).

mod config;
mod deliver;
pub mod face;
mod poll;
mod push_loop;
pub mod recovery;
mod sign;
pub mod skills;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use tokio::sync::{Mutex, broadcast, watch};
use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::bar::{BarState, Call, Health, ReconnectCause, SignOutReason};
use crate::client::{Client, ClientError, SignIn};
use crate::event::Event;
use crate::push::{PushBatch, PushCredentials, PushReceiver};
use crate::secret::Guid;

pub use config::{PushMode, PushResume, SessionConfig};
pub use recovery::PollTiming;

/// Wall-clock epoch milliseconds, for display in the bar.
pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// What went wrong with the session.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SessionError {
    /// The gateway does not know this session (resume refused, or signed out meanwhile).
    #[error("the gateway reports the agent signed out")]
    SignedOut { retcode: Option<String> },
    /// The operation needs a signed-in session.
    #[error("not signed in")]
    NotSignedIn,
    /// The push receiver could not start.
    #[error("the push receiver cannot start: {detail}")]
    PushReceiver { detail: String },
    /// A push-mode session cannot be resumed (its service token is not kept,
    /// or the receiver's address changed) and no password is at hand to sign
    /// in anew.
    #[error("the push-mode session cannot be resumed without signing in again")]
    PushNeedsSignIn,
    /// A gateway call failed; see the client error's kind.
    #[error(transparent)]
    Client(#[from] ClientError),
}

impl SessionError {
    /// A stable name for the UI to branch on.
    pub fn kind(&self) -> &'static str {
        match self {
            SessionError::SignedOut { .. } => "signedOut",
            SessionError::NotSignedIn => "notSignedIn",
            SessionError::PushReceiver { .. } => "pushReceiver",
            SessionError::PushNeedsSignIn => "pushNeedsSignIn",
            SessionError::Client(e) => e.kind(),
        }
    }

    /// The gateway retcode, when the gateway gave one.
    pub fn retcode(&self) -> Option<&str> {
        match self {
            SessionError::SignedOut { retcode } => retcode.as_deref(),
            SessionError::Client(e) => e.retcode(),
            _ => None,
        }
    }
}

/// How a stored session came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resumed {
    /// The gateway still knew the GUID: same session, no sign-in.
    Resumed,
    /// The session could not be taken over as it was (push mode without its
    /// token): signed in anew with the kept credentials.
    SignedInAnew,
}

/// What subscribers receive, in order.
#[derive(Debug, Clone)]
pub enum Update {
    /// One gateway event, exactly once, in gateway order.
    Event(Event),
    /// The bar state after a change.
    State(BarState),
    /// The connection health changed (also in the next `State`).
    Health(Health),
    /// A new GUID (store it, e.g. in the keyring), or `None` when the session ended.
    Guid(Option<Guid>),
    /// This subscriber fell behind and missed `missed` updates; the current
    /// state is in [`Session::state`].
    Lagged { missed: u64 },
}

/// A subscriber's end of the update stream.
pub struct Subscription {
    rx: broadcast::Receiver<Update>,
}

impl Subscription {
    /// The next update; `None` once the session is gone.
    pub async fn recv(&mut self) -> Option<Update> {
        match self.rx.recv().await {
            Ok(u) => Some(u),
            Err(broadcast::error::RecvError::Lagged(missed)) => Some(Update::Lagged { missed }),
            Err(broadcast::error::RecvError::Closed) => None,
        }
    }
}

/// The receiver of a push-mode session and the batches it accepted.
struct PushSide {
    mode: PushMode,
    /// What pushed requests must carry (current GUID, service token).
    creds: PushCredentials,
    receiver: Mutex<Option<PushReceiver>>,
    batches: Mutex<Option<tokio::sync::mpsc::Receiver<PushBatch>>>,
    /// The token and callback of the current push sign-in.
    current: StdMutex<Option<PushResume>>,
    /// The current sign-in's token, for the relay subscriber (relay mode).
    relay_token: watch::Sender<Option<crate::push::ServiceToken>>,
    /// Whether the relay subscription is open (relay mode).
    relay_open: watch::Sender<bool>,
}

struct Shared {
    client: Client,
    timing: PollTiming,
    updates: broadcast::Sender<Update>,
    state: watch::Sender<BarState>,
    /// Sign-in and sign-out (the agent's or the engine's) never overlap.
    sign_lock: Mutex<()>,
    /// Kept for signing in again after a switchover (the password stays a Secret).
    credentials: StdMutex<Option<SignIn>>,
    push: Option<PushSide>,
    skills: skills::SkillSlot,
    /// Set when the session ends, before the end is published, so that
    /// whoever sees the signed-out health also sees the loop as stopped
    /// (the loop's task may still be returning).
    over: AtomicBool,
}

impl Shared {
    fn publish(&self, u: Update) {
        // No subscriber is fine: the state is still kept in the watch.
        let _ = self.updates.send(u);
    }

    fn update_state(&self, f: impl FnOnce(&mut BarState)) {
        let mut changed = false;
        self.state.send_if_modified(|s| {
            let before = s.clone();
            f(s);
            changed = *s != before;
            changed
        });
        if changed {
            self.publish(Update::State(self.state.borrow().clone()));
        }
    }

    fn set_health(&self, h: Health) {
        if self.state.borrow().health == h {
            return;
        }
        self.publish(Update::Health(h.clone()));
        self.update_state(|s| s.set_health(h, now_ms()));
    }

    fn set_error(&self, e: &ClientError) {
        self.update_state(|s| s.set_error(e, now_ms()));
    }

    fn connected(&self) -> Health {
        Health::Connected {
            gateway: self.client.gateway_url().to_owned(),
            gateway_index: self.client.gateway_index(),
        }
    }

    /// Events stopped flowing, for `cause`; the first moment is kept.
    fn reconnecting(&self, cause: ReconnectCause) {
        let since_ms = match &self.state.borrow().health {
            Health::Reconnecting { since_ms, .. } => *since_ms,
            _ => now_ms(),
        };
        self.set_health(Health::Reconnecting { since_ms, cause });
    }

    fn credentials(&self) -> Option<SignIn> {
        self.credentials
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn keep_credentials(&self, req: Option<SignIn>) {
        *self.credentials.lock().unwrap_or_else(|p| p.into_inner()) = req;
    }

    /// The session is over: forget the GUID, refuse pushes, show why.
    fn ended(&self, reason: SignOutReason) {
        self.over.store(true, Ordering::SeqCst);
        self.client.clear_guid();
        if let Some(p) = &self.push {
            p.creds.end();
        }
        self.set_health(Health::SignedOut { reason });
    }
}

struct Running {
    cancel: CancellationToken,
    task: JoinHandle<()>,
}

/// One agent's session with the gateway.
pub struct Session {
    shared: Arc<Shared>,
    running: Mutex<Option<Running>>,
    root: CancellationToken,
    _stop_on_drop: DropGuard,
}

impl Session {
    /// Builds the client (TLS included); sends nothing, starts signed out.
    pub fn new(cfg: SessionConfig) -> Result<Session, SessionError> {
        let client = Client::new(cfg.client)?;
        let (updates, _) = broadcast::channel(cfg.buffer.max(16));
        let (state, _) = watch::channel(BarState::signed_out(now_ms()));
        let shared = Arc::new(Shared {
            client,
            timing: cfg.timing,
            updates,
            state,
            sign_lock: Mutex::new(()),
            credentials: StdMutex::new(None),
            push: cfg.push.map(|mode| PushSide {
                mode,
                creds: PushCredentials::new(),
                receiver: Mutex::new(None),
                batches: Mutex::new(None),
                current: StdMutex::new(None),
                relay_token: watch::Sender::new(None),
                relay_open: watch::Sender::new(false),
            }),
            skills: skills::SkillSlot::new(cfg.skills),
            over: AtomicBool::new(false),
        });
        let root = CancellationToken::new();
        // Subscribed here, not in the task: no GUID set from now on is missed.
        let guid = shared.client.watch_guid();
        tokio::spawn(forward_guid(shared.clone(), guid, root.clone()));
        Ok(Session {
            shared,
            running: Mutex::new(None),
            _stop_on_drop: root.clone().drop_guard(),
            root,
        })
    }

    /// Receives every update from now on. Subscribe before signing in to see
    /// the first events.
    pub fn subscribe(&self) -> Subscription {
        Subscription {
            rx: self.shared.updates.subscribe(),
        }
    }

    /// The current bar state.
    pub fn state(&self) -> BarState {
        self.shared.state.borrow().clone()
    }

    /// Watches the bar state (latest value only).
    pub fn watch_state(&self) -> watch::Receiver<BarState> {
        self.shared.state.subscribe()
    }

    /// The client for bar operations (answer, hold, say busy, calldata ...).
    /// It always talks to the gateway in use, with the current GUID.
    pub fn client(&self) -> &Client {
        &self.shared.client
    }

    /// Whether the event loop is running.
    pub async fn is_running(&self) -> bool {
        !self.shared.over.load(Ordering::SeqCst)
            && self
                .running
                .lock()
                .await
                .as_ref()
                .is_some_and(|r| !r.task.is_finished())
    }

    /// Whether this session gets its events pushed.
    pub fn is_push(&self) -> bool {
        self.shared.push.is_some()
    }

    /// Via the site relay: watches whether the subscription to the relay is
    /// open (the gateway's side shows in the health as in push mode); `None`
    /// in the other modes.
    pub fn watch_relay(&self) -> Option<watch::Receiver<bool>> {
        let side = self.shared.push.as_ref()?;
        side.mode.relay.as_ref()?;
        Some(side.relay_open.subscribe())
    }

    /// What a restarted app needs to resume this push-mode session (keep it
    /// in the keyring next to the GUID); `None` in polling mode or when not
    /// signed in.
    pub fn push_resume(&self) -> Option<PushResume> {
        self.shared
            .push
            .as_ref()?
            .current
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Puts the call the bar showed before a restart back on the bar, so that
    /// [`Session::resume`] can reconcile it with the gateway (state from
    /// `agentstatus`, call data from the calldata query by its call ID). The
    /// gateway has no query for the call itself; reconciliation drops the call
    /// when the agent is no longer in one.
    pub fn seed_call(&self, call: Call) {
        // Not published: the bar shows it once resume has reconciled it.
        self.shared.state.send_if_modified(|s| {
            let known = call.callid.is_some() && s.calls.iter().any(|c| c.callid == call.callid);
            if !known {
                s.calls.push(call);
            }
            false
        });
    }

    /// Records on the bar what the gateway took without an event to say so:
    /// a mute, a next state asked for during a call, a transfer waiting for
    /// its target. Only after the operation succeeded.
    pub fn note(&self, what: impl FnOnce(&mut BarState, u64)) {
        self.shared.update_state(|s| what(s, now_ms()));
    }

    /// Stops the loop without signing out (the GUID stays valid for a resume
    /// until the gateway times the agent out).
    pub async fn stop(&self) {
        self.stop_loop().await;
    }

    /// The push receiver's address and certificate fingerprint (push mode, once signed in).
    pub async fn push_endpoint(&self) -> Option<(std::net::SocketAddr, String)> {
        self.shared
            .push
            .as_ref()?
            .receiver
            .lock()
            .await
            .as_ref()
            .map(|r| (r.local_addr(), r.cert_sha256().to_owned()))
    }

    async fn stop_loop(&self) -> bool {
        let running = self.running.lock().await.take();
        match running {
            Some(r) => {
                r.cancel.cancel();
                let _ = r.task.await;
                true
            }
            None => false,
        }
    }

    async fn start_loop(&self, start: Start) {
        self.shared.over.store(false, Ordering::SeqCst);
        let cancel = self.root.child_token();
        let engine = Engine {
            shared: self.shared.clone(),
            cancel: cancel.clone(),
        };
        let task = if self.shared.push.is_some() {
            tokio::spawn(engine.run_push(start))
        } else {
            tokio::spawn(engine.run_poll(start))
        };
        *self.running.lock().await = Some(Running { cancel, task });
    }
}

async fn forward_guid(
    shared: Arc<Shared>,
    mut rx: watch::Receiver<Option<Guid>>,
    cancel: CancellationToken,
) {
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            r = rx.changed() => {
                if r.is_err() {
                    return;
                }
                let g = rx.borrow_and_update().clone();
                if let (Some(g), Some(p)) = (&g, &shared.push) {
                    p.creds.set_guid(g.clone());
                }
                shared.publish(Update::Guid(g));
            }
        }
    }
}

/// How a loop starts.
#[derive(Default)]
struct Start {
    /// Reconcile before the first request (after a resume).
    reconcile: bool,
    /// The call data the bar showed, handed back on the first poll.
    calldata: Option<String>,
}

/// A running loop: the shared session and its cancellation.
struct Engine {
    shared: Arc<Shared>,
    cancel: CancellationToken,
}

impl Engine {
    fn client(&self) -> &Client {
        &self.shared.client
    }

    /// Sleeps unless cancelled; false when cancelled.
    async fn pause(&self, d: Duration) -> bool {
        if d.is_zero() {
            return !self.cancel.is_cancelled();
        }
        tokio::select! {
            _ = self.cancel.cancelled() => false,
            _ = tokio::time::sleep(d) => true,
        }
    }

    /// Does a step's action other than asking (reconcile, audit, sign in
    /// again); `None` when the loop is to stop.
    async fn recover(
        &self,
        recovery: &mut recovery::Recovery,
        action: recovery::Action,
    ) -> Option<recovery::Step> {
        use recovery::Action;
        match action {
            Action::Ask | Action::End(_) => None,
            Action::Reconcile => {
                let r = self.reconcile().await;
                Some(recovery.reconciled(r.as_ref().map(|_| ())))
            }
            Action::Audit => {
                let r = self.audit().await;
                Some(recovery.audited(r.as_ref().copied(), tokio::time::Instant::now()))
            }
            Action::SignInAgain => {
                let r = self.sign_in_again().await;
                if self.cancel.is_cancelled() {
                    return None;
                }
                Some(recovery.signed_in_again(r.as_ref().map(|_| ()), tokio::time::Instant::now()))
            }
        }
    }

    /// The loop's own request (`what`: poll or heartbeat) failed: log it,
    /// show it, and ask the recovery machine what comes next.
    fn failed(
        &self,
        recovery: &mut recovery::Recovery,
        e: &ClientError,
        what: &'static str,
    ) -> recovery::Step {
        tracing::debug!(
            agent = self.client().agent_id(),
            kind = e.kind(),
            retcode = e.retcode(),
            what,
            "request failed"
        );
        self.shared.set_error(e);
        recovery.failed(e, tokio::time::Instant::now())
    }

    /// Reports what a step says about the link, and moves gateway when told.
    fn follow(&self, step: &recovery::Step) {
        if let Some(to) = step.switch_to {
            let from = self.client().gateway_index();
            self.client().use_gateway(to);
            tracing::warn!(
                agent = self.client().agent_id(),
                from,
                to,
                "moving to another gateway"
            );
        }
        match &step.link {
            recovery::Link::Same => {}
            recovery::Link::Up => self.shared.set_health(self.shared.connected()),
            recovery::Link::Down(cause) => self.shared.reconnecting(cause.clone()),
        }
        if let recovery::Action::End(reason) = &step.action {
            tracing::info!(
                agent = self.client().agent_id(),
                ?reason,
                "the session ended"
            );
            self.shared.ended(reason.clone());
        }
    }
}
