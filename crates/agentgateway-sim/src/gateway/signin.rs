//! Sign-in and forcible sign-in: the body checked, the session started with
//! its first events (and, in push mode, its push delivery), and the answer in
//! the vendor example's shape.
//!
//! The answer waits `SimConfig::signin_answer_delay` after the session has
//! started, so a push can reach the client before the GUID does.

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;

use super::{Reply, push};
use crate::{
    state::{
        Gateway, end_session,
        guid::{self, GuidBook},
        session::{PushTarget, Session, Work},
    },
    wire::{Refusal, retcode},
};

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
            // Forcible sign-in: the old session ends and its calls are released.
            let ended = slot.session.take().map(|old| end_session(old, true));
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
            if let Some(effects) = ended {
                self.run_effects(&mut slots, agent, effects);
            }
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
        let mut session = Session::new(
            agent,
            GuidBook::new(guid::generate(&self.node), now),
            self.records_of(agent),
            self.cancel.child_token(),
        );
        session.push = push.clone();
        session.autoanswer = req.autoanswer.unwrap_or(true);
        session.autoenteridle = req.autoenteridle.unwrap_or(true);
        session.work = work;
        session.phone = req.phonenum.clone().unwrap_or_default();
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
            self.tasks.spawn(push::deliver(gw, agent, queue, target));
        }
        session
    }
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
