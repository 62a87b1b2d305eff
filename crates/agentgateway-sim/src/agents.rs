//! The simulated agents and their sessions: sign-in and sign-out, GUID
//! checks, long polls, the handshake, inactivity sign-out, and the record of
//! every event emitted per agent.
//!
//! All state sits behind one `std::sync::Mutex`, never held across an
//! `.await`: each gateway call is one short critical section, so operations
//! of one agent apply in the order they arrive. Sign-in and sign-out of an
//! agent are additionally serialized by a per-agent async lock, because a
//! sign-in takes time (`SimConfig::signin_delay`); a second sign-in while one
//! is running is answered `100-021`.
//!
//! The agent-state machine (bar operations, calls, calldata) is in
//! [`crate::calls`]; the control side's changes to agents are in [`crate::control`].

use std::{
    collections::HashMap,
    sync::{Arc, Mutex, MutexGuard, atomic::AtomicU64},
    time::{Duration, SystemTime},
};

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;
use tokio_util::{sync::CancellationToken, task::TaskTracker};

use crate::{
    calls::{Call, Op, Work},
    config::SimConfig,
    guid::{self, GuidBook},
    queue::EventQueue,
    wire::{self, NO_PERMISSION, NOT_SIGNED_IN, Refusal, retcode},
};

/// What a gateway call answers: the body and, when a GUID is handed out, the
/// value for `Set-GUID: JSESSIONID=<guid>`.
#[derive(Debug)]
pub struct Reply {
    pub body: String,
    pub set_guid: Option<String>,
}

impl From<Refusal> for Reply {
    fn from(r: Refusal) -> Self {
        Reply {
            body: r.body(),
            set_guid: None,
        }
    }
}

impl Reply {
    fn ok(result: &Value) -> Self {
        Reply {
            body: wire::ok_body(result),
            set_guid: None,
        }
    }
}

/// Events emitted to, and delivered to, one agent; kept across sessions and
/// gateway restarts for exactly-once checks.
#[derive(Debug, Default)]
pub struct Records {
    pub emitted: Vec<String>,
    /// When each emitted event was queued (benchmark-only: latency from
    /// emission; `eventGenTime` has only milliseconds).
    pub emitted_at: Vec<SystemTime>,
    pub delivered: Vec<String>,
    /// GUIDs handed out and service tokens received (test-only: for
    /// searching a client's files for leaked secrets).
    pub secrets: Vec<String>,
}

/// A push-mode session's receiver.
#[derive(Debug, Clone)]
pub struct PushTarget {
    pub uri: String,
    pub token: String,
}

/// One signed-in agent.
#[derive(Debug)]
pub struct Session {
    pub agent: String,
    pub login_time: u64,
    pub guids: GuidBook,
    pub last_heard: Instant,
    pub polls_waiting: u32,
    pub push: Option<PushTarget>,
    pub autoanswer: bool,
    pub autoenteridle: bool,
    pub work: Work,
    pub call: Option<Call>,
    /// Calldata per call ID, for every call of this session.
    pub calldata: HashMap<String, String>,
    pub queue: Arc<EventQueue>,
    pub rest_generation: u64,
    /// Cancelled when the session ends: stops its rest timers.
    pub tasks: CancellationToken,
    records: Arc<Mutex<Records>>,
}

impl Session {
    /// Queue an event of this agent and record it.
    pub fn emit(&self, event_type: &str, content: Value) {
        self.emit_raw(wire::event_json(
            event_type,
            &self.agent,
            &content,
            wire::now_ms(),
        ));
    }

    /// Queue an event given as JSON text, as is.
    pub fn emit_raw(&self, json: String) {
        let mut records = lock(&self.records);
        records.emitted.push(json.clone());
        records.emitted_at.push(SystemTime::now());
        drop(records);
        self.queue.push(json);
    }

    /// `agentstatus` code: 3 busy, 4 idle, 5 wrap-up, 7 talking, 8 rest.
    pub fn status_code(&self) -> u8 {
        if self.call.as_ref().is_some_and(Call::is_connected) {
            return 7;
        }
        match self.work {
            Work::Idle => 4,
            Work::NotReady => 3,
            Work::WrapUp => 5,
            Work::Rest => 8,
        }
    }
}

#[derive(Debug, Default)]
pub(crate) struct Slot {
    pub(crate) session: Option<Session>,
    pub(crate) signing_in: bool,
    /// Serializes sign-in and sign-out of this agent.
    serial: Arc<tokio::sync::Mutex<()>>,
}

/// One log line per push attempt.
#[derive(Debug, Clone, serde::Serialize, PartialEq, Eq)]
pub struct PushAttempt {
    pub agent: String,
    pub at_ms: u64,
    pub offset_ms: u64,
    pub events: usize,
    /// `ok`, `http <status>`, `retcode <code>`, `bad answer` or `transport error`.
    pub outcome: String,
    /// The back-off before the next try, after a failure.
    pub retry_in_ms: Option<u64>,
}

/// The simulated gateway's state, shared by the listener, the control API,
/// push delivery and the scenario runner.
pub struct Gateway {
    pub cfg: SimConfig,
    pub node: String,
    pub started: Instant,
    slots: Mutex<HashMap<String, Slot>>,
    records: Mutex<HashMap<String, Arc<Mutex<Records>>>>,
    pub push_log: Mutex<Vec<PushAttempt>>,
    pub push_client: reqwest::Client,
    pub cancel: CancellationToken,
    pub tasks: TaskTracker,
    pub(crate) call_seq: AtomicU64,
}

/// Lock a std mutex, riding over poisoning (a panicked holder leaves plain data).
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

#[derive(Deserialize)]
struct SignInBody {
    password: Option<String>,
    phonenum: Option<String>,
    autoanswer: Option<bool>,
    autoenteridle: Option<bool>,
    status: Option<i64>,
    #[serde(rename = "callBackUri")]
    call_back_uri: Option<String>,
    #[serde(rename = "serviceToken")]
    service_token: Option<String>,
}

const SIGNIN_PARAMETER: Refusal = Refusal::new(
    retcode::SIGNIN_PARAMETER,
    "sign-in parameter empty or invalid",
);

fn parse_sign_in(body: &[u8]) -> Result<SignInBody, Refusal> {
    let b: SignInBody = serde_json::from_slice(body).map_err(|_| SIGNIN_PARAMETER)?;
    let password_ok = b
        .password
        .as_deref()
        .is_some_and(|p| !p.is_empty() && p.chars().count() <= 32);
    let phone_ok = b
        .phonenum
        .as_deref()
        .is_some_and(|p| !p.is_empty() && p.chars().count() <= 24);
    let status_ok = matches!(b.status, None | Some(3..=5));
    let uri_ok = b
        .call_back_uri
        .as_deref()
        .is_none_or(|u| u.len() <= 200 && url::Url::parse(u).is_ok());
    let token_ok = b.service_token.as_deref().is_none_or(|t| {
        !t.is_empty() && t.len() <= 50 && t.bytes().all(|c| c.is_ascii_alphanumeric())
    });
    if password_ok && phone_ok && status_ok && uri_ok && token_ok {
        Ok(b)
    } else {
        Err(SIGNIN_PARAMETER)
    }
}

impl Gateway {
    pub fn new(cfg: SimConfig, push_client: reqwest::Client, cancel: CancellationToken) -> Self {
        let node = format!("{}0", cfg.server_name);
        Self {
            cfg,
            node,
            started: Instant::now(),
            slots: Mutex::new(HashMap::new()),
            records: Mutex::new(HashMap::new()),
            push_log: Mutex::new(Vec::new()),
            push_client,
            cancel,
            tasks: TaskTracker::new(),
            call_seq: AtomicU64::new(1),
        }
    }

    pub(crate) fn slots(&self) -> MutexGuard<'_, HashMap<String, Slot>> {
        lock(&self.slots)
    }

    fn records_of(&self, agent: &str) -> Arc<Mutex<Records>> {
        lock(&self.records)
            .entry(agent.to_owned())
            .or_default()
            .clone()
    }

    /// Milliseconds since the simulator started (monotonic).
    pub fn offset_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }

    /// The session of `agent` if `guid` is accepted for it.
    fn session_for<'a>(
        slots: &'a mut HashMap<String, Slot>,
        agent: &str,
        guid: Option<&str>,
    ) -> Result<&'a mut Session, Refusal> {
        let session = slots
            .get_mut(agent)
            .and_then(|slot| slot.session.as_mut())
            .ok_or(NOT_SIGNED_IN)?;
        match guid {
            Some(g) if session.guids.accepts(g, Instant::now()) => Ok(session),
            _ => Err(NO_PERMISSION),
        }
    }

    /// `PUT /onlineagent/{id}` and `.../forcelogin`.
    pub async fn sign_in(self: &Arc<Self>, agent: &str, body: &[u8], force: bool) -> Reply {
        let req = match parse_sign_in(body) {
            Ok(req) => req,
            Err(refusal) => return refusal.into(),
        };
        let password = req.password.as_deref().unwrap_or_default();
        if !self.cfg.roster.check(agent, password) {
            return Refusal::new(retcode::WRONG_PASSWORD, "wrong agent ID or password").into();
        }
        let serial = {
            let mut slots = self.slots();
            let slot = slots.entry(agent.to_owned()).or_default();
            if slot.signing_in {
                return Refusal::new(retcode::SIGNIN_IN_PROGRESS, "sign-in already in progress")
                    .into();
            }
            if slot.session.is_some() && !force {
                return Refusal::new(retcode::ALREADY_SIGNED_IN, "agent already signed in").into();
            }
            slot.signing_in = true;
            slot.serial.clone()
        };
        // Clears `signing_in` however this future ends (a dropped request too).
        let _flag = SigningIn { gw: self, agent };
        let _serial = serial.lock().await;
        if !self.cfg.signin_delay.is_zero() {
            tokio::time::sleep(self.cfg.signin_delay).await;
        }

        let (body, guid) = {
            let mut slots = self.slots();
            let slot = slots.entry(agent.to_owned()).or_default();
            slot.signing_in = false;
            if let Some(old) = slot.session.take() {
                // Forcible sign-in: the old session ends and its call is released.
                end_session(old, true);
            }
            let session = self.new_session(agent, &req);
            let guid = session.guids.current().to_owned();
            let body = sign_in_body(SignInResult {
                vdnid: 1,
                workno: agent,
                mediatype: "TTF",
                login_time: session.login_time.to_string(),
                is_force_change: "false",
                server_name: &self.cfg.server_name,
                time_remaining: self.cfg.password_days_remaining.to_string(),
            });
            slot.session = Some(session);
            (body, guid)
        };
        tracing::info!(agent, force, "agent signed in");
        if !self.cfg.signin_answer_delay.is_zero() {
            tokio::time::sleep(self.cfg.signin_answer_delay).await;
        }
        Reply {
            body,
            set_guid: Some(guid),
        }
    }

    fn new_session(self: &Arc<Self>, agent: &str, req: &SignInBody) -> Session {
        let now = Instant::now();
        let push = match (&req.call_back_uri, &req.service_token) {
            (Some(uri), Some(token)) => Some(PushTarget {
                uri: uri.clone(),
                token: token.clone(),
            }),
            _ => None,
        };
        let work = match req.status {
            Some(3) => Work::NotReady,
            Some(5) => Work::WrapUp,
            _ => Work::Idle,
        };
        let session = Session {
            agent: agent.to_owned(),
            login_time: wire::now_ms(),
            guids: GuidBook::new(guid::generate(&self.node), now),
            last_heard: now,
            polls_waiting: 0,
            push: push.clone(),
            autoanswer: req.autoanswer.unwrap_or(true),
            autoenteridle: req.autoenteridle.unwrap_or(true),
            work,
            call: None,
            calldata: HashMap::new(),
            queue: Arc::new(EventQueue::default()),
            rest_generation: 0,
            tasks: self.cancel.child_token(),
            records: self.records_of(agent),
        };
        if let Some(target) = &push {
            self.record_secret(agent, &target.token);
        }
        session.emit("AgentOther_InService", Value::Null);
        match work {
            Work::NotReady => {
                session.emit("AgentState_SetNotReady_Success", json!({"reason": "1"}))
            }
            Work::WrapUp => session.emit("AgentState_Work", Value::Null),
            _ => session.emit("AgentState_Ready", Value::Null),
        }
        if let Some(target) = push {
            let gw = self.clone();
            let queue = session.queue.clone();
            let agent = agent.to_owned();
            self.tasks
                .spawn(crate::push::deliver(gw, agent, queue, target));
        }
        session
    }

    /// `DELETE .../logout` (refused during a call) and `.../forcelogout`
    /// (releases the call).
    pub async fn sign_out(&self, agent: &str, guid: Option<&str>, force: bool) -> Reply {
        let serial = {
            let mut slots = self.slots();
            if let Err(refusal) = Self::session_for(&mut slots, agent, guid) {
                return refusal.into();
            }
            match slots.get(agent) {
                Some(slot) => slot.serial.clone(),
                None => return NOT_SIGNED_IN.into(),
            }
        };
        let _serial = serial.lock().await;
        let mut slots = self.slots();
        let session = match Self::session_for(&mut slots, agent, guid) {
            Ok(session) => session,
            Err(refusal) => return refusal.into(),
        };
        if !force && session.call.is_some() {
            return wire::STATE_FORBIDS.into();
        }
        if let Some(session) = slots.get_mut(agent).and_then(|s| s.session.take()) {
            end_session(session, force);
        }
        tracing::info!(agent, force, "agent signed out");
        Reply::ok(&Value::Null)
    }

    /// `POST .../handshake`: the push-mode heartbeat; the new GUID goes out here
    /// in push mode.
    pub fn handshake(&self, agent: &str, guid: Option<&str>) -> Reply {
        let mut slots = self.slots();
        let session = match Self::session_for(&mut slots, agent, guid) {
            Ok(session) => session,
            Err(refusal) => return refusal.into(),
        };
        session.last_heard = Instant::now();
        let set_guid = if session.push.is_some() {
            self.guid_to_hand_out(session, guid)
        } else {
            None
        };
        Reply {
            body: wire::ok_body(&Value::Null),
            set_guid,
        }
    }

    /// Rotate when due; the current GUID when the caller is not using it yet.
    fn guid_to_hand_out(&self, session: &mut Session, presented: Option<&str>) -> Option<String> {
        session
            .guids
            .rotate_if_due(self.cfg.auth, Instant::now(), &self.node);
        let current = session.guids.current();
        (presented != Some(current)).then(|| current.to_owned())
    }

    /// `PUT .../updateGuid`: a new GUID now.
    pub fn update_guid(&self, agent: &str, guid: Option<&str>) -> Reply {
        let mut slots = self.slots();
        let session = match Self::session_for(&mut slots, agent, guid) {
            Ok(session) => session,
            Err(refusal) => return refusal.into(),
        };
        let new = guid::generate(&self.node);
        session
            .guids
            .replace(new.clone(), self.cfg.auth, Instant::now());
        Reply {
            body: wire::ok_body(&Value::Null),
            set_guid: Some(new),
        }
    }

    /// `GET .../agentstatus`: answered without a GUID check, so a signed-out
    /// agent reads 2 and an agent not on the roster 0.
    pub fn agent_status(&self, agent: &str) -> Reply {
        let slots = self.slots();
        let code = match slots.get(agent) {
            _ if !self.cfg.roster.contains(agent) => 0,
            Some(slot) if slot.signing_in => 1,
            Some(Slot {
                session: Some(s), ..
            }) => s.status_code(),
            _ => 2,
        };
        Reply::ok(&json!(code))
    }

    /// `GET /agentevent/{id}`: one event at once, or none after the hold.
    pub async fn poll(&self, agent: &str, guid: Option<&str>, calldata: Option<String>) -> Reply {
        let queue = {
            let mut slots = self.slots();
            let session = match Self::session_for(&mut slots, agent, guid) {
                Ok(session) => session,
                Err(refusal) => return refusal.into(),
            };
            if session.push.is_some() {
                return Refusal::new(
                    retcode::WRONG_EVENT_METHOD,
                    "agent signed in for push: events are not polled",
                )
                .into();
            }
            session.last_heard = Instant::now();
            session.polls_waiting += 1;
            if let Some(value) = calldata {
                session.restore_calldata(value);
            }
            session.queue.clone()
        };
        let waiting = PollWaiting {
            gw: self,
            agent,
            queue: queue.clone(),
        };
        let deadline = Instant::now() + self.cfg.poll_hold();
        let event = loop {
            let changed = queue.changed();
            tokio::pin!(changed);
            changed.as_mut().enable();
            if let Some(event) = queue.pop() {
                break Some(event);
            }
            if queue.is_closed() {
                // Signed out (or replaced) while waiting: answer as for any call now.
                drop(waiting);
                let mut slots = self.slots();
                return match Self::session_for(&mut slots, agent, guid) {
                    Err(refusal) => refusal.into(),
                    Ok(_) => NOT_SIGNED_IN.into(),
                };
            }
            tokio::select! {
                _ = &mut changed => {}
                _ = tokio::time::sleep_until(deadline) => break None,
            }
        };
        drop(waiting);
        let mut slots = self.slots();
        let set_guid = match slots.get_mut(agent).and_then(|s| s.session.as_mut()) {
            Some(session) if Arc::ptr_eq(&session.queue, &queue) => {
                session.last_heard = Instant::now();
                self.guid_to_hand_out(session, guid)
            }
            _ => None,
        };
        if let Some(event) = &event {
            lock(&self.records_of(agent)).delivered.push(event.clone());
        }
        Reply {
            body: wire::poll_body(event.as_deref()),
            set_guid,
        }
    }

    /// Connection-bar operations and calldata (protocol.md §5, §6).
    pub fn operate(self: &Arc<Self>, agent: &str, guid: Option<&str>, op: Op) -> Reply {
        let mut slots = self.slots();
        let session = match Self::session_for(&mut slots, agent, guid) {
            Ok(session) => session,
            Err(refusal) => return refusal.into(),
        };
        match session.apply(op) {
            Ok(outcome) => {
                if let Some((generation, after)) = outcome.rest_timer {
                    self.spawn_rest_timer(agent, session.tasks.clone(), generation, after);
                }
                Reply::ok(&outcome.result)
            }
            Err(refusal) => refusal.into(),
        }
    }

    pub(crate) fn spawn_rest_timer(
        self: &Arc<Self>,
        agent: &str,
        stop: CancellationToken,
        generation: u64,
        after: Duration,
    ) {
        let gw = Arc::downgrade(self);
        let agent = agent.to_owned();
        self.tasks.spawn(async move {
            tokio::select! {
                _ = stop.cancelled() => {}
                _ = tokio::time::sleep(after) => {
                    if let Some(gw) = gw.upgrade() {
                        let slots = gw.slots();
                        if let Some(s) = slots.get(&agent).and_then(|s| s.session.as_ref())
                            && s.rest_generation == generation && s.work == Work::Rest {
                                s.emit("AgentState_Rest_Timeout", Value::Null);
                            }
                    }
                }
            }
        });
    }

    /// Sign out every agent not heard from within the inactivity timeout.
    pub async fn sign_out_inactive(self: Arc<Self>) {
        let timeout = self.cfg.inactivity_timeout;
        let tick = (timeout / 10).clamp(Duration::from_millis(10), Duration::from_secs(1));
        loop {
            tokio::select! {
                _ = self.cancel.cancelled() => return,
                _ = tokio::time::sleep(tick) => {}
            }
            let now = Instant::now();
            let mut slots = self.slots();
            for (agent, slot) in slots.iter_mut() {
                let idle = slot.session.as_ref().is_some_and(|s| {
                    s.polls_waiting == 0 && now.duration_since(s.last_heard) >= timeout
                });
                if idle && let Some(session) = slot.session.take() {
                    tracing::info!(agent = %agent, "agent signed out for inactivity");
                    end_session(session, true);
                }
            }
        }
    }

    /// The GUID a push to this session carries.
    pub fn push_guid(&self, agent: &str, queue: &Arc<EventQueue>) -> Option<String> {
        let slots = self.slots();
        let session = slots.get(agent)?.session.as_ref()?;
        Arc::ptr_eq(&session.queue, queue).then(|| session.guids.current().to_owned())
    }

    pub fn record_delivered(&self, agent: &str, events: &[String]) {
        lock(&self.records_of(agent))
            .delivered
            .extend_from_slice(events);
    }

    /// Remember a secret of the agent's: a GUID handed out in `Set-GUID` or a
    /// service token received at sign-in (test-only record).
    pub fn record_secret(&self, agent: &str, secret: &str) {
        let records = self.records_of(agent);
        let mut records = lock(&records);
        if !records.secrets.iter().any(|s| s == secret) {
            records.secrets.push(secret.to_owned());
        }
    }

    pub fn secrets(&self, agent: &str) -> Vec<String> {
        lock(&self.records_of(agent)).secrets.clone()
    }

    pub fn emitted(&self, agent: &str) -> Vec<String> {
        lock(&self.records_of(agent)).emitted.clone()
    }

    /// Every emitted event with the time it was queued.
    pub fn emitted_at(&self, agent: &str) -> Vec<(SystemTime, String)> {
        let records = self.records_of(agent);
        let records = lock(&records);
        records
            .emitted_at
            .iter()
            .copied()
            .zip(records.emitted.iter().cloned())
            .collect()
    }

    pub fn delivered(&self, agent: &str) -> Vec<String> {
        lock(&self.records_of(agent)).delivered.clone()
    }

    /// A restart: every session is lost without a word to anyone, as when a
    /// real gateway process dies. Records and logs survive.
    pub fn forget_sessions(&self) {
        let mut slots = self.slots();
        for (_, slot) in slots.drain() {
            if let Some(session) = slot.session {
                session.queue.discard_and_close();
                session.tasks.cancel();
            }
        }
    }
}

/// End a session: release its call when asked, queue
/// `AgentOther_ShutdownService`, wake pollers and stop its timers. A push
/// client makes one last attempt at what is left.
pub fn end_session(mut session: Session, release_call: bool) {
    if release_call && let Some(call) = session.call.take() {
        session.emit("AgentEvent_Call_Release", json!(call.id));
        session.emit("AgentOther_PhoneRelease", json!({"phoneState": 3}));
    }
    session.emit(
        "AgentOther_ShutdownService",
        json!({"loginTime": session.login_time.to_string()}),
    );
    session.queue.close();
    session.tasks.cancel();
}

#[derive(serde::Serialize)]
struct SignInAnswer<'a> {
    message: &'a str,
    retcode: &'a str,
    result: SignInResult<'a>,
}

/// The sign-in `result`, keys in the vendor example's order.
#[derive(serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct SignInResult<'a> {
    vdnid: u32,
    workno: &'a str,
    mediatype: &'a str,
    login_time: String,
    is_force_change: &'a str,
    server_name: &'a str,
    time_remaining: String,
}

fn sign_in_body(result: SignInResult<'_>) -> String {
    serde_json::to_string(&SignInAnswer {
        message: "",
        retcode: retcode::OK,
        result,
    })
    .unwrap_or_default()
}

struct SigningIn<'a> {
    gw: &'a Gateway,
    agent: &'a str,
}

impl Drop for SigningIn<'_> {
    fn drop(&mut self) {
        if let Some(slot) = self.gw.slots().get_mut(self.agent) {
            slot.signing_in = false;
        }
    }
}

/// Counts a held poll as hearing from the agent, until it answers.
struct PollWaiting<'a> {
    gw: &'a Gateway,
    agent: &'a str,
    queue: Arc<EventQueue>,
}

impl Drop for PollWaiting<'_> {
    fn drop(&mut self) {
        let mut slots = self.gw.slots();
        if let Some(session) = slots.get_mut(self.agent).and_then(|s| s.session.as_mut())
            && Arc::ptr_eq(&session.queue, &self.queue)
        {
            session.polls_waiting = session.polls_waiting.saturating_sub(1);
            session.last_heard = Instant::now();
        }
    }
}
