//! The session engine: sign-in, the event loop, recovery, delivery.
//!
//! One [`Session`] per agent. It signs in (or resumes a stored GUID), runs
//! the polling loop by the vendor's rules, signs in again after a
//! disaster-recovery switchover or on the next gateway when the current one
//! stays unreachable, reconciles the bar after every gap, and delivers every
//! event in order to subscribers through a bounded buffer that reports
//! overflow ([`Update::Lagged`]) instead of hiding it.
//!
//! Sign-in and sign-out share one lock, so they never overlap, neither with
//! each other nor with the engine's own re-sign-in. Dropping the session
//! stops its tasks (it does not sign out: call [`Session::sign_out`] first).

use std::sync::{Arc, Mutex as StdMutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rand::Rng;
use tokio::sync::{Mutex, broadcast, watch};
use tokio::task::JoinHandle;
use tokio::time::Instant;
use tokio_util::sync::{CancellationToken, DropGuard};

use crate::bar::{BarState, Call, Health, SignOutReason};
use crate::client::PushRegistration;
use crate::client::{AgentStatus, Client, ClientConfig, ClientError, SignIn};
use crate::event::{Event, EventKind};
use crate::push::{PushBatch, PushConfig, PushCredentials, PushReceiver, ServiceToken};
use crate::secret::Guid;

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
            SessionError::Client(e) => e.kind(),
        }
    }
}

impl serde::Serialize for SessionError {
    /// `{ kind, message, retcode }`.
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let retcode = match self {
            SessionError::SignedOut { retcode } => retcode.as_deref(),
            SessionError::Client(e) => e.retcode(),
            SessionError::NotSignedIn | SessionError::PushReceiver { .. } => None,
        };
        let mut st = s.serialize_struct("SessionError", 3)?;
        st.serialize_field("kind", self.kind())?;
        st.serialize_field("message", &self.to_string())?;
        st.serialize_field("retcode", &retcode)?;
        st.end()
    }
}

/// Timing of the polling loop (seed rules; see [`PollTiming::default`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollTiming {
    /// Pause after each answer: kept within 200..=500 ms.
    pub after_answer: Duration,
    /// Pause after an HTTP status other than 200 (or a malformed answer): above 1 s.
    pub after_http_error: Duration,
    /// First back-off after a transport failure; doubles per failure, with jitter.
    pub backoff_initial: Duration,
    /// Largest back-off; also how long a gateway may stay unreachable
    /// before the engine moves to the next one.
    pub backoff_cap: Duration,
}

impl Default for PollTiming {
    fn default() -> Self {
        PollTiming {
            after_answer: Duration::from_millis(300),
            after_http_error: Duration::from_millis(1500),
            backoff_initial: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
        }
    }
}

impl PollTiming {
    fn after_answer(&self) -> Duration {
        self.after_answer
            .clamp(Duration::from_millis(200), Duration::from_millis(500))
    }

    fn after_http_error(&self) -> Duration {
        self.after_http_error.max(Duration::from_millis(1100))
    }

    fn cap(&self) -> Duration {
        self.backoff_cap
            .clamp(Duration::from_secs(1), Duration::from_secs(60))
    }

    /// Back-off before retry number `failures` (1-based): exponential, capped,
    /// jittered into the upper half so retries of many agents spread out.
    pub fn backoff(&self, failures: u32) -> Duration {
        let exp = self
            .backoff_initial
            .max(Duration::from_millis(100))
            .saturating_mul(1u32 << failures.saturating_sub(1).min(16));
        let full = exp.min(self.cap());
        let half = full / 2;
        half + full.mul_f64(rand::rng().random_range(0.0..0.5))
    }
}

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
}

/// Push mode: the receiver to run, the URL the gateway posts to, the heartbeat.
#[derive(Debug, Clone)]
pub struct PushMode {
    pub receiver: PushConfig,
    /// `callBackUri` given at sign-in; default `https://{listen address}{path}`.
    pub callback_uri: Option<String>,
    /// Heartbeat interval (the gateway signs out after 2 min of silence).
    pub handshake_every: Duration,
}

impl PushMode {
    pub fn new(receiver: PushConfig) -> Self {
        PushMode {
            receiver,
            callback_uri: None,
            handshake_every: Duration::from_secs(30),
        }
    }
}

impl SessionConfig {
    pub fn new(client: ClientConfig) -> Self {
        SessionConfig {
            client,
            timing: PollTiming::default(),
            buffer: 1024,
            push: None,
        }
    }
}

/// What subscribers receive, in order.
#[derive(Debug, Clone)]
pub enum Update {
    /// One gateway event, exactly once, in gateway order.
    Event(Event),
    /// The bar state after a change.
    State(BarState),
    /// The connection health changed.
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

struct Shared {
    client: Client,
    timing: PollTiming,
    updates: broadcast::Sender<Update>,
    state: watch::Sender<BarState>,
    /// Sign-in and sign-out (the agent's or the engine's) never overlap.
    sign_lock: Mutex<()>,
    /// Kept for re-sign-in after a switchover (the password stays a Secret).
    credentials: StdMutex<Option<(SignIn, bool)>>,
    push_mode: Option<PushMode>,
    /// What pushed requests must carry (current GUID, service token).
    push_creds: PushCredentials,
    /// The running receiver and its batches (push mode only).
    push: Mutex<Option<PushReceiver>>,
    push_rx: Mutex<Option<tokio::sync::mpsc::Receiver<PushBatch>>>,
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

    fn credentials(&self) -> Option<(SignIn, bool)> {
        self.credentials
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
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
            push_mode: cfg.push,
            push_creds: PushCredentials::new(),
            push: Mutex::new(None),
            push_rx: Mutex::new(None),
        });
        let root = CancellationToken::new();
        tokio::spawn(forward_guid(shared.clone(), root.clone()));
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
        self.running
            .lock()
            .await
            .as_ref()
            .is_some_and(|r| !r.task.is_finished())
    }

    /// Signs in (forcibly only when `force`) and starts the event loop.
    /// Tries the gateways in order until one answers.
    pub async fn sign_in(&self, mut req: SignIn, force: bool) -> Result<(), SessionError> {
        let _sign = self.shared.sign_lock.lock().await;
        self.stop_loop().await;
        let client = &self.shared.client;
        if self.shared.push_mode.is_some() {
            let callback_uri = self.ensure_push_receiver().await?;
            let token = ServiceToken::generate();
            self.shared
                .push_creds
                .begin(client.agent_id(), token.clone());
            req.push = Some(PushRegistration {
                callback_uri,
                service_token: token.as_secret().clone(),
            });
        }
        let n = client.config().gateways.len();
        let mut last = None;
        for _ in 0..n {
            let r = if force {
                client.force_sign_in(&req).await
            } else {
                client.sign_in(&req).await
            };
            match r {
                Ok(info) => {
                    if let Some(g) = client.guid() {
                        self.shared.push_creds.set_guid(g);
                    }
                    tracing::info!(
                        agent = client.agent_id(),
                        gateway = client.gateway_index(),
                        force_change = info.is_force_change,
                        "signed in"
                    );
                    *self
                        .shared
                        .credentials
                        .lock()
                        .unwrap_or_else(|p| p.into_inner()) = Some((req, force));
                    self.shared.set_health(self.shared.connected());
                    self.start_loop(Start::default()).await;
                    return Ok(());
                }
                Err(e) if e.is_transport() || matches!(e, ClientError::DisasterRecovery { .. }) => {
                    self.shared.set_error(&e);
                    last = Some(e);
                    client.switch_gateway();
                }
                Err(e) => {
                    self.shared.set_error(&e);
                    return Err(e.into());
                }
            }
        }
        Err(last.map_or(SessionError::NotSignedIn, SessionError::Client))
    }

    /// Puts the call the bar showed before a restart back on the bar, so that
    /// [`Session::resume`] can reconcile it with the gateway (state from
    /// `agentstatus`, call data from the calldata query by its call ID). The
    /// gateway has no query for the call itself; reconciliation drops the call
    /// when the agent is no longer in one.
    pub fn seed_call(&self, call: Call) {
        // Not published: the bar shows it once resume has reconciled it.
        self.shared.state.send_if_modified(|s| {
            s.call = Some(call);
            false
        });
    }

    /// Resumes a session from a stored GUID (e.g. after the app restarted).
    /// `req` is kept for signing in again after a switchover; without it a
    /// switchover ends the session. `calldata` is what the bar showed, handed
    /// back on the first poll. A session the gateway no longer knows is
    /// [`SessionError::SignedOut`].
    pub async fn resume(
        &self,
        guid: Guid,
        req: Option<SignIn>,
        calldata: Option<String>,
    ) -> Result<(), SessionError> {
        let _sign = self.shared.sign_lock.lock().await;
        self.stop_loop().await;
        let client = &self.shared.client;
        client.set_guid(guid);
        let status = match client.agent_status().await {
            Ok(s) => s,
            Err(e) => {
                self.shared.set_error(&e);
                if e.is_signed_out() {
                    client.clear_guid();
                    return Err(SessionError::SignedOut {
                        retcode: e.retcode().map(str::to_owned),
                    });
                }
                return Err(e.into());
            }
        };
        if status == AgentStatus::SignedOut {
            client.clear_guid();
            return Err(SessionError::SignedOut { retcode: None });
        }
        // agentstatus may not check the GUID; the heartbeat does. Other
        // failures of it are left to the first poll to tell.
        if let Err(e) = client.handshake().await
            && e.is_signed_out()
        {
            self.shared.set_error(&e);
            client.clear_guid();
            return Err(SessionError::SignedOut {
                retcode: e.retcode().map(str::to_owned),
            });
        }
        *self
            .shared
            .credentials
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = req.map(|r| (r, false));
        self.shared.set_health(self.shared.connected());
        self.start_loop(Start {
            reconcile: true,
            calldata,
        })
        .await;
        Ok(())
    }

    /// Signs out (forcibly, releasing a call, when `force`), then stops the
    /// loop. A refused sign-out (e.g. `100-009` while talking) leaves the
    /// session running.
    pub async fn sign_out(&self, force: bool) -> Result<(), SessionError> {
        let _sign = self.shared.sign_lock.lock().await;
        let was_running = self.stop_loop().await;
        let client = &self.shared.client;
        if client.guid().is_none() {
            return Err(SessionError::NotSignedIn);
        }
        let r = if force {
            client.force_sign_out().await
        } else {
            client.sign_out().await
        };
        match r {
            Ok(()) => {}
            Err(e) if e.is_signed_out() || e.retcode() == Some("100-008") => {}
            Err(e) => {
                self.shared.set_error(&e);
                if was_running {
                    self.start_loop(Start {
                        reconcile: true,
                        calldata: None,
                    })
                    .await;
                }
                return Err(e.into());
            }
        }
        client.clear_guid();
        self.shared.push_creds.end();
        *self
            .shared
            .credentials
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = None;
        self.shared.set_health(Health::SignedOut {
            reason: SignOutReason::ByAgent,
        });
        tracing::info!(agent = client.agent_id(), "signed out");
        Ok(())
    }

    /// Stops the loop without signing out (the GUID stays valid for a resume
    /// until the gateway times the agent out).
    pub async fn stop(&self) {
        self.stop_loop().await;
    }

    /// Starts the push receiver once; returns the callback URI for sign-in.
    async fn ensure_push_receiver(&self) -> Result<String, SessionError> {
        let Some(mode) = &self.shared.push_mode else {
            return Err(SessionError::NotSignedIn);
        };
        let mut slot = self.shared.push.lock().await;
        if slot.is_none() {
            let (tx, rx) = tokio::sync::mpsc::channel(256);
            let r = PushReceiver::start(mode.receiver.clone(), self.shared.push_creds.clone(), tx)
                .await
                .map_err(|e| SessionError::PushReceiver {
                    detail: e.to_string(),
                })?;
            *self.shared.push_rx.lock().await = Some(rx);
            *slot = Some(r);
        }
        let addr = slot.as_ref().map(PushReceiver::local_addr);
        Ok(match (&mode.callback_uri, addr) {
            (Some(uri), _) => uri.clone(),
            (None, Some(addr)) => format!("https://{addr}{}", mode.receiver.path),
            (None, None) => String::new(),
        })
    }

    /// The push receiver's address and certificate fingerprint (push mode, once signed in).
    pub async fn push_endpoint(&self) -> Option<(std::net::SocketAddr, String)> {
        self.shared
            .push
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
        let cancel = self.root.child_token();
        let engine = Engine {
            shared: self.shared.clone(),
            cancel: cancel.clone(),
        };
        let task = tokio::spawn(engine.run(start));
        *self.running.lock().await = Some(Running { cancel, task });
    }
}

async fn forward_guid(shared: Arc<Shared>, cancel: CancellationToken) {
    let mut rx = shared.client.watch_guid();
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            r = rx.changed() => {
                if r.is_err() {
                    return;
                }
                let g = rx.borrow_and_update().clone();
                if let Some(g) = &g {
                    shared.push_creds.set_guid(g.clone());
                }
                shared.publish(Update::Guid(g));
            }
        }
    }
}

#[derive(Default)]
struct Start {
    reconcile: bool,
    calldata: Option<String>,
}

/// Why the loop must sign in again.
enum Resign {
    No,
    /// After a disaster-recovery retcode: on the next gateway.
    Switchover,
}

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
        tokio::select! {
            _ = self.cancel.cancelled() => false,
            _ = tokio::time::sleep(d) => true,
        }
    }

    fn signed_out(&self, reason: SignOutReason) {
        self.client().clear_guid();
        self.shared.push_creds.end();
        self.shared.set_health(Health::SignedOut { reason });
    }

    async fn run(self, start: Start) {
        if self.shared.push_mode.is_some() {
            return self.run_push(start).await;
        }
        let timing = self.shared.timing;
        let mut calldata = start.calldata;
        let mut reconcile = start.reconcile;
        let mut failures: u32 = 0;
        let mut down_since: Option<Instant> = None;
        let mut resign = Resign::No;
        let mut fetched_calldata_for: Option<String> = None;
        loop {
            if let Resign::Switchover = resign {
                match self.sign_in_again().await {
                    Ok(()) => {
                        resign = Resign::No;
                        reconcile = true;
                        failures = 0;
                        down_since = None;
                    }
                    Err(e) if e.is_transport() => {
                        failures += 1;
                        if !self.pause(timing.backoff(failures)).await {
                            return;
                        }
                        continue;
                    }
                    Err(e) => {
                        self.shared.set_error(&e);
                        self.signed_out(SignOutReason::SignInFailed {
                            error: e.kind().to_owned(),
                        });
                        return;
                    }
                }
            }
            if reconcile {
                reconcile = false;
                if let Err(e) = self.reconcile().await {
                    if e.is_signed_out() {
                        self.signed_out(SignOutReason::ByGateway {
                            retcode: e.retcode().unwrap_or_default().to_owned(),
                        });
                        return;
                    }
                    self.shared.set_error(&e);
                }
            }
            let polled = tokio::select! {
                _ = self.cancel.cancelled() => return,
                r = self.client().poll_event(calldata.as_deref()) => r,
            };
            let wait = match polled {
                Ok(event) => {
                    calldata = None;
                    failures = 0;
                    if down_since.take().is_some() {
                        reconcile = true;
                    }
                    self.shared.set_health(self.shared.connected());
                    if let Some(ev) = event {
                        self.deliver(ev, &mut fetched_calldata_for).await;
                    }
                    timing.after_answer()
                }
                Err(e) if e.is_signed_out() => {
                    tracing::info!(
                        agent = self.client().agent_id(),
                        retcode = e.retcode(),
                        "gateway ended the session"
                    );
                    self.shared.set_error(&e);
                    self.signed_out(SignOutReason::ByGateway {
                        retcode: e.retcode().unwrap_or_default().to_owned(),
                    });
                    return;
                }
                Err(e @ ClientError::DisasterRecovery { .. }) => {
                    tracing::warn!(
                        agent = self.client().agent_id(),
                        retcode = e.retcode(),
                        "gateway switchover: signing in again"
                    );
                    self.shared.set_error(&e);
                    let to = self.client().switch_gateway();
                    self.reconnecting(
                        &mut down_since,
                        format!("{e}; signing in again on gateway {to}"),
                    );
                    resign = Resign::Switchover;
                    continue;
                }
                Err(e @ ClientError::HttpStatus { .. }) => {
                    self.shared.set_error(&e);
                    self.reconnecting(&mut down_since, e.to_string());
                    timing.after_http_error()
                }
                Err(e) if e.is_transport() => {
                    failures += 1;
                    self.shared.set_error(&e);
                    let since = *down_since.get_or_insert_with(Instant::now);
                    let gateways = self.client().config().gateways.len();
                    if gateways > 1 && since.elapsed() >= timing.cap() {
                        let from = self.client().gateway_index();
                        let to = self.client().switch_gateway();
                        tracing::warn!(
                            agent = self.client().agent_id(),
                            from,
                            to,
                            "gateway unreachable: moving to the next one"
                        );
                        self.reconnecting(
                            &mut down_since,
                            format!("gateway {from} unreachable; signing in on gateway {to}"),
                        );
                        down_since = Some(Instant::now());
                        failures = 0;
                        resign = Resign::Switchover;
                        continue;
                    }
                    self.reconnecting(&mut down_since, e.to_string());
                    timing.backoff(failures)
                }
                Err(e) => {
                    // Malformed answer or an unexpected retcode: report, survive, no tight loop.
                    tracing::warn!(
                        agent = self.client().agent_id(),
                        kind = e.kind(),
                        "event poll failed"
                    );
                    self.shared.set_error(&e);
                    timing.after_http_error()
                }
            };
            if !self.pause(wait).await {
                return;
            }
        }
    }

    /// Push mode: events arrive through the receiver; the handshake every
    /// `handshake_every` keeps the session (and carries new GUIDs). Its
    /// failures are handled like a poll's.
    async fn run_push(self, start: Start) {
        let timing = self.shared.timing;
        let every = self
            .shared
            .push_mode
            .as_ref()
            .map_or(Duration::from_secs(30), |m| m.handshake_every);
        let mut rx_slot = self.shared.push_rx.lock().await;
        let Some(rx) = rx_slot.as_mut() else {
            return;
        };
        let mut reconcile = start.reconcile;
        let mut failures: u32 = 0;
        let mut down_since: Option<Instant> = None;
        let mut resign = false;
        let mut next_handshake = Instant::now() + every;
        let mut fetched: Option<String> = None;
        loop {
            if resign {
                match self.sign_in_again().await {
                    Ok(()) => {
                        resign = false;
                        reconcile = true;
                        failures = 0;
                        down_since = None;
                        next_handshake = Instant::now() + every;
                    }
                    Err(e) if e.is_transport() => {
                        failures += 1;
                        if !self.pause(timing.backoff(failures)).await {
                            return;
                        }
                        continue;
                    }
                    Err(e) => {
                        self.shared.set_error(&e);
                        self.signed_out(SignOutReason::SignInFailed {
                            error: e.kind().to_owned(),
                        });
                        return;
                    }
                }
            }
            if reconcile {
                reconcile = false;
                if let Err(e) = self.reconcile().await {
                    if e.is_signed_out() {
                        self.signed_out(SignOutReason::ByGateway {
                            retcode: e.retcode().unwrap_or_default().to_owned(),
                        });
                        return;
                    }
                    self.shared.set_error(&e);
                }
            }
            tokio::select! {
                _ = self.cancel.cancelled() => return,
                batch = rx.recv() => {
                    let Some(batch) = batch else { return };
                    for ev in batch {
                        self.deliver(ev, &mut fetched).await;
                    }
                }
                _ = tokio::time::sleep_until(next_handshake) => {
                    match self.client().handshake().await {
                        Ok(()) => {
                            failures = 0;
                            if down_since.take().is_some() {
                                reconcile = true;
                            }
                            self.shared.set_health(self.shared.connected());
                            next_handshake = Instant::now() + every;
                        }
                        Err(e) if e.is_signed_out() => {
                            self.shared.set_error(&e);
                            self.signed_out(SignOutReason::ByGateway {
                                retcode: e.retcode().unwrap_or_default().to_owned(),
                            });
                            return;
                        }
                        Err(e @ ClientError::DisasterRecovery { .. }) => {
                            self.shared.set_error(&e);
                            let to = self.client().switch_gateway();
                            self.reconnecting(&mut down_since, format!("{e}; signing in again on gateway {to}"));
                            resign = true;
                        }
                        Err(e) if e.is_transport() || matches!(e, ClientError::HttpStatus { .. }) => {
                            failures += 1;
                            self.shared.set_error(&e);
                            let since = *down_since.get_or_insert_with(Instant::now);
                            if self.client().config().gateways.len() > 1 && since.elapsed() >= timing.cap() {
                                let to = self.client().switch_gateway();
                                self.reconnecting(&mut down_since, format!("gateway unreachable; signing in on gateway {to}"));
                                down_since = Some(Instant::now());
                                failures = 0;
                                resign = true;
                            } else {
                                self.reconnecting(&mut down_since, e.to_string());
                                next_handshake = Instant::now() + timing.backoff(failures).max(timing.after_http_error());
                            }
                        }
                        Err(e) => {
                            self.shared.set_error(&e);
                            next_handshake = Instant::now() + timing.after_http_error();
                        }
                    }
                }
            }
        }
    }

    fn reconnecting(&self, down_since: &mut Option<Instant>, reason: String) {
        down_since.get_or_insert_with(Instant::now);
        let since_ms = match &self.shared.state.borrow().health {
            Health::Reconnecting { since_ms, .. } => *since_ms,
            _ => now_ms(),
        };
        self.shared
            .set_health(Health::Reconnecting { since_ms, reason });
    }

    /// Signs in on the next gateway (with the kept credentials). The session
    /// is ours, so a gateway that still holds it (`100-002`) gets a forcible
    /// sign-in.
    async fn sign_in_again(&self) -> Result<(), ClientError> {
        let Some((req, force)) = self.shared.credentials() else {
            return Err(ClientError::NoSession);
        };
        let _sign = tokio::select! {
            _ = self.cancel.cancelled() => return Ok(()),
            g = self.shared.sign_lock.lock() => g,
        };
        let client = self.client();
        if let Some(p) = &req.push
            && let Ok(token) = ServiceToken::new(p.service_token.expose())
        {
            self.shared.push_creds.begin(client.agent_id(), token);
        }
        let r = if force {
            client.force_sign_in(&req).await
        } else {
            match client.sign_in(&req).await {
                Err(ClientError::Gateway { retcode }) if retcode == "100-002" => {
                    client.force_sign_in(&req).await
                }
                other => other,
            }
        };
        match r {
            Ok(_) => {
                if let Some(g) = client.guid() {
                    self.shared.push_creds.set_guid(g);
                }
                self.shared.set_health(self.shared.connected());
                Ok(())
            }
            Err(e) => {
                if e.is_transport() || matches!(e, ClientError::DisasterRecovery { .. }) {
                    client.switch_gateway();
                    return Err(ClientError::Unreachable {
                        detail: e.to_string(),
                    });
                }
                Err(e)
            }
        }
    }

    /// After a gap: ask the gateway what the agent is doing (and the call data
    /// when in a call) and set the bar to it.
    async fn reconcile(&self) -> Result<(), ClientError> {
        let status = self.client().agent_status().await?;
        if status == AgentStatus::SignedOut {
            return Err(ClientError::SignedOut {
                retcode: "100-006".into(),
            });
        }
        let mut calldata = None;
        if status == AgentStatus::Talking {
            let callid = self
                .shared
                .state
                .borrow()
                .call
                .as_ref()
                .and_then(|c| c.callid.clone());
            if let Some(id) = callid {
                calldata = self.client().app_data(&id).await.ok();
            }
        }
        self.shared
            .update_state(|s| s.reconcile(status, calldata, now_ms()));
        Ok(())
    }

    async fn deliver(&self, ev: Event, fetched: &mut Option<String>) {
        self.shared.publish(Update::Event(ev.clone()));
        self.shared.update_state(|s| s.apply(&ev, now_ms()));
        // Fetch the call data once per call, when a call shows up.
        if let EventKind::Ringing(_) | EventKind::AutoAnswer(_) | EventKind::Talking(_) = ev.kind
            && let Some(id) = ev.callid()
            && fetched.as_deref() != Some(id)
        {
            *fetched = Some(id.to_owned());
            match self.client().app_data(id).await {
                Ok(data) if !data.is_empty() => {
                    tracing::debug!(len = data.len(), "call data fetched");
                    self.shared.update_state(|s| s.set_calldata(id, data));
                }
                Ok(_) => {}
                Err(e) => tracing::debug!(kind = e.kind(), "call data not available"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timing_stays_within_the_seed_rules() {
        let t = PollTiming {
            after_answer: Duration::from_millis(50),
            after_http_error: Duration::from_millis(10),
            backoff_initial: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
        };
        assert_eq!(t.after_answer(), Duration::from_millis(200));
        assert!(t.after_http_error() > Duration::from_secs(1));
        let t = PollTiming {
            after_answer: Duration::from_secs(3),
            ..t
        };
        assert_eq!(t.after_answer(), Duration::from_millis(500));
        for n in 1..40 {
            let b = t.backoff(n);
            assert!(b <= Duration::from_secs(30), "{n}: {b:?}");
            assert!(b >= Duration::from_millis(250), "{n}: {b:?}");
        }
        // It grows: the 8th back-off is at least the 2nd one's ceiling.
        assert!(t.backoff(8) >= Duration::from_secs(1));
    }
}
