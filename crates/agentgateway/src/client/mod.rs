//! Typed operations on the CC-Gateway agent interface: session, events and
//! bar operations here (§2, §3, §5, §6); skill queues and agent settings in
//! `agent` (§8, §12), call control in `calls` and `target` (§9), queries in
//! `queries` (§10, §11).
//!
//! A [`Client`] is cheap to clone; clones share the HTTP connection pool, the
//! current GUID and the current gateway. Every answer's `Set-GUID` replaces
//! the GUID for all later calls, whichever operation received it.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::Method;
use serde::Serialize;
use serde_json::{Map, Value, json};
use tokio::sync::watch;

use crate::event::Event;
use crate::secret::Guid;
use crate::tls::Trust;
use crate::wire::{Envelope, parse_set_guid};

mod agent;
mod calls;
mod decode;
mod error;
mod queries;
mod sign_in;
mod target;
pub mod validate;

pub use agent::{Skill, SkillChoice};
pub use calls::{CallOut, Consult, transfer_request};
pub use error::ClientError;
pub use queries::{
    ACD_BATCH, AccessCode, AgentInfo, CallInfo, HeldCall, Ivr, QueueFigure, RestReason,
    SkillWaiting, Statistics, Waiting,
};
pub use sign_in::{MAX_PASSWORD_CHARS, MAX_PHONE_CHARS, PushRegistration, SignIn, SignInInfo};
pub use target::{CallTarget, TransferHow};
pub use validate::InvalidParam;

/// Largest calldata value `setcalldataex` accepts (§6).
pub const MAX_CALLDATA_BYTES: usize = 16 * 1024;

/// Largest gateway answer read: a few times the largest legal one (an event
/// or 16 KB of call data in JSON, escaped). Anything longer is malformed.
pub const MAX_ANSWER_BYTES: usize = 256 * 1024;

/// Reads an answer's body, at most `limit` bytes: a broken gateway or proxy
/// cannot make the client buffer more.
async fn read_bounded(mut resp: reqwest::Response, limit: usize) -> Result<Vec<u8>, ClientError> {
    if resp.content_length().is_some_and(|n| n > limit as u64) {
        return Err(ClientError::Malformed {
            detail: format!("the answer is larger than {limit} bytes"),
        });
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(ClientError::from_reqwest)? {
        if body.len() + chunk.len() > limit {
            return Err(ClientError::Malformed {
                detail: format!("the answer is larger than {limit} bytes"),
            });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// How to reach the gateway(s).
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The agent ID ("workNo"), digits.
    pub agent_id: String,
    /// Base URLs, primary first, e.g. `https://gw:8043/agentgateway/resource`.
    pub gateways: Vec<String>,
    /// Which certificates to trust.
    pub trust: Trust,
    /// How long the gateway holds an empty event poll (default 10 s).
    pub hold_time: Duration,
    /// Time limit for every other call.
    pub request_timeout: Duration,
    /// Allow `http://` gateway URLs (a test gateway only: the password and
    /// the GUID then cross the network in clear). Off by default.
    pub allow_plain_http: bool,
}

impl ClientConfig {
    /// Defaults for one agent on the given gateways.
    pub fn new(agent_id: impl Into<String>, gateways: Vec<String>, trust: Trust) -> Self {
        ClientConfig {
            agent_id: agent_id.into(),
            gateways,
            trust,
            hold_time: Duration::from_secs(10),
            request_timeout: Duration::from_secs(10),
            allow_plain_http: false,
        }
    }

    /// Time limit for an event poll: a bit above the gateway's hold time.
    pub fn poll_timeout(&self) -> Duration {
        self.hold_time + (self.hold_time / 2).max(Duration::from_secs(2))
    }
}

/// The agent's state as `agentstatus` reports it (§2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum AgentStatus {
    Unknown,
    SigningIn,
    SignedOut,
    Busy,
    Idle,
    WrapUp,
    Talking,
    Rest,
    PreRest,
}

impl AgentStatus {
    /// From the numeric status code.
    pub fn from_code(code: i64) -> AgentStatus {
        match code {
            1 => AgentStatus::SigningIn,
            2 => AgentStatus::SignedOut,
            3 => AgentStatus::Busy,
            4 | 6 => AgentStatus::Idle,
            5 => AgentStatus::WrapUp,
            7 => AgentStatus::Talking,
            8 => AgentStatus::Rest,
            9 => AgentStatus::PreRest,
            _ => AgentStatus::Unknown,
        }
    }

    fn from_result(r: &Value) -> AgentStatus {
        fn code(v: &Value) -> Option<i64> {
            v.as_i64()
                .or_else(|| v.as_str().and_then(|s| s.trim().parse().ok()))
        }
        let c = code(r).or_else(|| {
            ["status", "agentStatus", "agentState", "state"]
                .iter()
                .find_map(|k| r.get(*k).and_then(code))
        });
        c.map_or(AgentStatus::Unknown, AgentStatus::from_code)
    }
}

/// Transfer parameters as sent (§9.3); [`Client::transfer_to`] builds them
/// from a [`CallTarget`].
#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub device_type: u8,
    pub address: String,
    pub mode: u8,
    /// Further fields passed as given.
    pub extra: Map<String, Value>,
}

/// One successful answer.
struct Answer {
    envelope: Envelope,
    /// The answer carried a `Set-GUID` header.
    set_guid: bool,
}

struct Inner {
    http: reqwest::Client,
    cfg: ClientConfig,
    current: AtomicUsize,
    guid: watch::Sender<Option<Guid>>,
}

/// A client for one agent on one or more gateways.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("agent", &self.inner.cfg.agent_id)
            .field("gateway", &self.gateway_url())
            .finish()
    }
}

impl Client {
    /// Builds the client (TLS included); sends nothing.
    pub fn new(cfg: ClientConfig) -> Result<Client, ClientError> {
        if cfg.agent_id.is_empty() || !cfg.agent_id.chars().all(|c| c.is_ascii_digit()) {
            return Err(ClientError::InvalidArgument(
                "the agent ID must be digits".into(),
            ));
        }
        if cfg.gateways.is_empty() {
            return Err(ClientError::InvalidArgument(
                "at least one gateway URL is needed".into(),
            ));
        }
        for url in &cfg.gateways {
            let https = url
                .get(..8)
                .is_some_and(|p| p.eq_ignore_ascii_case("https://"));
            let http = url
                .get(..7)
                .is_some_and(|p| p.eq_ignore_ascii_case("http://"));
            let allowed = https || (http && cfg.allow_plain_http);
            if !allowed {
                return Err(ClientError::InvalidArgument(if http {
                    "plain http:// gateway URLs are refused: use https://".into()
                } else {
                    "a gateway URL must start with https://".into()
                }));
            }
        }
        let tls = cfg.trust.client_config().map_err(Arc::new)?;
        // The interface has no redirects: a 3xx is an error, never followed
        // (following one could send the Guid header, or replay the sign-in
        // body with the password, somewhere else).
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!cfg.allow_plain_http)
            .connect_timeout(Duration::from_secs(5))
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(ClientError::from_reqwest)?;
        let (guid, _) = watch::channel(None);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                cfg,
                current: AtomicUsize::new(0),
                guid,
            }),
        })
    }

    pub fn config(&self) -> &ClientConfig {
        &self.inner.cfg
    }

    pub fn agent_id(&self) -> &str {
        &self.inner.cfg.agent_id
    }

    /// Index of the gateway in use (0 = primary).
    pub fn gateway_index(&self) -> usize {
        self.inner.current.load(Ordering::SeqCst)
    }

    /// The base URL in use.
    pub fn gateway_url(&self) -> &str {
        let gws = &self.inner.cfg.gateways;
        &gws[self.gateway_index() % gws.len()]
    }

    /// Moves to gateway `index` of the configured list (wrapping).
    pub fn use_gateway(&self, index: usize) {
        let n = self.inner.cfg.gateways.len().max(1);
        self.inner.current.store(index % n, Ordering::SeqCst);
    }

    /// Moves to the next gateway; returns its index.
    pub fn switch_gateway(&self) -> usize {
        let n = self.inner.cfg.gateways.len();
        let next = (self.gateway_index() + 1) % n;
        self.inner.current.store(next, Ordering::SeqCst);
        next
    }

    /// The current GUID.
    pub fn guid(&self) -> Option<Guid> {
        self.inner.guid.borrow().clone()
    }

    /// Uses a GUID obtained earlier (resuming a stored session).
    pub fn set_guid(&self, guid: Guid) {
        self.inner.guid.send_if_modified(|cur| {
            let changed = cur.as_ref() != Some(&guid);
            *cur = Some(guid);
            changed
        });
    }

    /// Forgets the GUID.
    pub fn clear_guid(&self) {
        self.inner.guid.send_if_modified(|cur| cur.take().is_some());
    }

    /// Watches the GUID: every change (sign-in, rotation) is seen here.
    pub fn watch_guid(&self) -> watch::Receiver<Option<Guid>> {
        self.inner.guid.subscribe()
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<Value>,
        with_guid: bool,
        timeout: Duration,
    ) -> Result<Answer, ClientError> {
        let url = format!("{}{}", self.gateway_url().trim_end_matches('/'), path);
        let mut req = self
            .inner
            .http
            .request(method, url)
            .timeout(timeout)
            .header(
                reqwest::header::CONTENT_TYPE,
                "application/json; charset=UTF-8",
            );
        if with_guid {
            let guid = self.guid().ok_or(ClientError::NoSession)?;
            req = req.header("Guid", guid.expose());
        }
        if !query.is_empty() {
            req = req.query(query);
        }
        if let Some(b) = body {
            req = req.body(b.to_string());
        }
        let resp = req.send().await.map_err(ClientError::from_reqwest)?;
        let set_guid = resp
            .headers()
            .get_all("Set-GUID")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(parse_set_guid);
        let had_set_guid = set_guid.is_some();
        if let Some(g) = set_guid {
            let rotated = self.guid().is_some_and(|cur| cur != g);
            self.set_guid(g);
            if rotated {
                tracing::debug!(path, "gateway issued a new session identifier");
            }
        }
        let status = resp.status().as_u16();
        if status != 200 {
            return Err(ClientError::HttpStatus { status });
        }
        let bytes = read_bounded(resp, MAX_ANSWER_BYTES).await?;
        let envelope = Envelope::parse(&bytes).ok_or_else(|| ClientError::Malformed {
            detail: format!("not a JSON answer with a retcode ({} bytes)", bytes.len()),
        })?;
        if envelope.retcode != "0" {
            return Err(ClientError::from_retcode(&envelope.retcode));
        }
        Ok(Answer {
            envelope,
            set_guid: had_set_guid,
        })
    }

    async fn op(&self, method: Method, path: String) -> Result<(), ClientError> {
        let t = self.inner.cfg.request_timeout;
        self.call(method, &path, &[], None, true, t)
            .await
            .map(|_| ())
    }

    fn agent_path(&self, family: &str, action: &str) -> String {
        let a = &self.inner.cfg.agent_id;
        if action.is_empty() {
            format!("/{family}/{a}")
        } else {
            format!("/{family}/{a}/{action}")
        }
    }

    async fn sign_in_at(&self, req: &SignIn, path: String) -> Result<SignInInfo, ClientError> {
        let body = req.body()?;
        let t = self.inner.cfg.request_timeout;
        let ans = self
            .call(Method::PUT, &path, &[], Some(body), false, t)
            .await?;
        if !ans.set_guid {
            return Err(ClientError::Malformed {
                detail: "the sign-in answer carried no Set-GUID".into(),
            });
        }
        Ok(SignInInfo::from_result(&ans.envelope.result))
    }

    /// `PUT /onlineagent/{agentid}`.
    pub async fn sign_in(&self, req: &SignIn) -> Result<SignInInfo, ClientError> {
        self.sign_in_at(req, self.agent_path("onlineagent", ""))
            .await
    }

    /// `PUT /onlineagent/{agentid}/forcelogin`: takes over a session held elsewhere.
    pub async fn force_sign_in(&self, req: &SignIn) -> Result<SignInInfo, ClientError> {
        self.sign_in_at(req, self.agent_path("onlineagent", "forcelogin"))
            .await
    }

    /// `DELETE /onlineagent/{agentid}/logout` (refused while talking).
    pub async fn sign_out(&self) -> Result<(), ClientError> {
        self.op(Method::DELETE, self.agent_path("onlineagent", "logout"))
            .await
    }

    /// `DELETE /onlineagent/{agentid}/forcelogout`: releases the current call.
    pub async fn force_sign_out(&self) -> Result<(), ClientError> {
        self.op(
            Method::DELETE,
            self.agent_path("onlineagent", "forcelogout"),
        )
        .await
    }

    /// `POST /onlineagent/{agentid}/handshake`: the push-mode heartbeat.
    pub async fn handshake(&self) -> Result<(), ClientError> {
        self.op(Method::POST, self.agent_path("onlineagent", "handshake"))
            .await
    }

    /// `PUT /onlineagent/{agentid}/updateGuid`: asks for a fresh GUID.
    pub async fn update_guid(&self) -> Result<(), ClientError> {
        self.op(Method::PUT, self.agent_path("onlineagent", "updateGuid"))
            .await
    }

    /// `GET /onlineagent/{agentid}/agentstatus`.
    pub async fn agent_status(&self) -> Result<AgentStatus, ClientError> {
        let t = self.inner.cfg.request_timeout;
        let ans = self
            .call(
                Method::GET,
                &self.agent_path("onlineagent", "agentstatus"),
                &[],
                None,
                true,
                t,
            )
            .await?;
        Ok(AgentStatus::from_result(&ans.envelope.result))
    }

    /// `GET /agentevent/{agentid}[?calldata=]`: one long poll; `None` when
    /// the gateway held the request and had nothing.
    pub async fn poll_event(&self, calldata: Option<&str>) -> Result<Option<Event>, ClientError> {
        let t = self.inner.cfg.poll_timeout();
        let q: Vec<(&str, &str)> = calldata.map(|c| ("calldata", c)).into_iter().collect();
        let ans = self
            .call(
                Method::GET,
                &self.agent_path("agentevent", ""),
                &q,
                None,
                true,
                t,
            )
            .await?;
        Ok(ans.envelope.event.map(Event::from_json))
    }

    /// `POST /onlineagent/{agentid}/sayfree`.
    pub async fn say_free(&self) -> Result<(), ClientError> {
        self.op(Method::POST, self.agent_path("onlineagent", "sayfree"))
            .await
    }

    /// `POST /onlineagent/{agentid}/saybusy[?reason=]` (reason 200..=250).
    pub async fn say_busy(&self, reason: Option<u16>) -> Result<(), ClientError> {
        let path = self.agent_path("onlineagent", "saybusy");
        let t = self.inner.cfg.request_timeout;
        match reason {
            Some(r) if !(200..=250).contains(&r) => Err(ClientError::InvalidArgument(
                "the busy reason must be 200 to 250".into(),
            )),
            Some(r) => {
                let r = r.to_string();
                self.call(Method::POST, &path, &[("reason", &r)], None, true, t)
                    .await
                    .map(|_| ())
            }
            None => self.op(Method::POST, path).await,
        }
    }

    /// `POST /onlineagent/{agentid}/cancelbusy`.
    pub async fn cancel_busy(&self) -> Result<(), ClientError> {
        self.op(Method::POST, self.agent_path("onlineagent", "cancelbusy"))
            .await
    }

    /// `POST /onlineagent/{agentid}/rest/{seconds}/{cause}` (1..=86399 s, cause 0..=255).
    pub async fn rest(&self, seconds: u32, cause: u8) -> Result<(), ClientError> {
        if !(1..=86399).contains(&seconds) {
            return Err(ClientError::InvalidArgument(
                "the rest time must be 1 to 86399 seconds".into(),
            ));
        }
        let path = self.agent_path("onlineagent", &format!("rest/{seconds}/{cause}"));
        self.op(Method::POST, path).await
    }

    /// `POST /onlineagent/{agentid}/cancelrest`.
    pub async fn cancel_rest(&self) -> Result<(), ClientError> {
        self.op(Method::POST, self.agent_path("onlineagent", "cancelrest"))
            .await
    }

    /// `POST /onlineagent/{agentid}/work`: enter wrap-up.
    pub async fn work(&self) -> Result<(), ClientError> {
        self.op(Method::POST, self.agent_path("onlineagent", "work"))
            .await
    }

    /// `POST /onlineagent/{agentid}/cancelwork`: leave wrap-up.
    pub async fn cancel_work(&self) -> Result<(), ClientError> {
        self.op(Method::POST, self.agent_path("onlineagent", "cancelwork"))
            .await
    }

    /// `PUT /voicecall/{agentid}/answer`.
    pub async fn answer(&self) -> Result<(), ClientError> {
        self.op(Method::PUT, self.agent_path("voicecall", "answer"))
            .await
    }

    /// `DELETE /voicecall/{agentid}/release`: hang up.
    pub async fn release(&self) -> Result<(), ClientError> {
        self.op(Method::DELETE, self.agent_path("voicecall", "release"))
            .await
    }

    /// `POST /voicecall/{agentid}/hold`.
    pub async fn hold(&self) -> Result<(), ClientError> {
        self.op(Method::POST, self.agent_path("voicecall", "hold"))
            .await
    }

    /// `POST /voicecall/{agentid}/gethold?callid=`: take a held call back.
    pub async fn get_hold(&self, callid: &str) -> Result<(), ClientError> {
        let t = self.inner.cfg.request_timeout;
        let path = self.agent_path("voicecall", "gethold");
        self.call(Method::POST, &path, &[("callid", callid)], None, true, t)
            .await
            .map(|_| ())
    }

    /// `POST /voicecall/{agentid}/transfer`.
    pub async fn transfer(&self, req: &Transfer) -> Result<(), ClientError> {
        let mut body = req.extra.clone();
        body.insert("devicetype".into(), json!(req.device_type));
        body.insert("address".into(), json!(req.address));
        body.insert("mode".into(), json!(req.mode));
        let t = self.inner.cfg.request_timeout;
        let path = self.agent_path("voicecall", "transfer");
        self.call(Method::POST, &path, &[], Some(Value::Object(body)), true, t)
            .await
            .map(|_| ())
    }

    /// `PUT /calldata/{agentid}/setcalldataex` (at most 16 KB).
    pub async fn set_calldata(
        &self,
        callid: &str,
        calldata: &str,
        base64_encoded: bool,
    ) -> Result<(), ClientError> {
        if calldata.len() > MAX_CALLDATA_BYTES {
            return Err(ClientError::InvalidArgument(format!(
                "call data is {} bytes, the limit is {MAX_CALLDATA_BYTES}",
                calldata.len()
            )));
        }
        let body = json!({"callid": callid, "calldata": calldata, "isDataEncoded": base64_encoded});
        let t = self.inner.cfg.request_timeout;
        let path = self.agent_path("calldata", "setcalldataex");
        self.call(Method::PUT, &path, &[], Some(body), true, t)
            .await
            .map(|_| ())
    }

    /// `GET /calldata/{agentid}/appdata?callId=`: the call data of a call.
    pub async fn app_data(&self, callid: &str) -> Result<String, ClientError> {
        let t = self.inner.cfg.request_timeout;
        let path = self.agent_path("calldata", "appdata");
        let ans = self
            .call(Method::GET, &path, &[("callId", callid)], None, true, t)
            .await?;
        Ok(match ans.envelope.result {
            Value::String(s) => s,
            Value::Null => String::new(),
            other => other.to_string(),
        })
    }
}

#[cfg(test)]
mod tests;
