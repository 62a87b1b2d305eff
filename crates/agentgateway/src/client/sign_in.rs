//! The sign-in request (§2) and what its answer tells.

use serde::Serialize;
use serde_json::{Map, Value, json};

use crate::secret::Secret;

use super::ClientError;

/// Longest sign-in `phonenum` the gateway takes, in characters (§2).
pub const MAX_PHONE_CHARS: usize = 24;

/// Longest sign-in `password` the gateway takes, in characters (§2).
pub const MAX_PASSWORD_CHARS: usize = 32;

/// Sign-in parameters (§2).
#[derive(Debug, Clone)]
pub struct SignIn {
    pub password: Secret,
    /// The softphone number.
    pub phone_number: String,
    pub auto_answer: Option<bool>,
    pub auto_enter_idle: Option<bool>,
    pub release_phone: Option<bool>,
    /// 4 PC+phone, 11 PC+phone video.
    pub agent_type: Option<u8>,
    /// State after sign-in: 3 busy, 4 idle, 5 wrap-up.
    pub status: Option<u8>,
    pub ip: Option<String>,
    /// Push mode: where the gateway posts events, and the token it sends.
    pub push: Option<PushRegistration>,
}

impl SignIn {
    /// Plain polling-mode sign-in with the gateway's defaults.
    pub fn new(password: Secret, phone_number: impl Into<String>) -> Self {
        SignIn {
            password,
            phone_number: phone_number.into(),
            auto_answer: None,
            auto_enter_idle: None,
            release_phone: None,
            agent_type: None,
            status: None,
            ip: None,
            push: None,
        }
    }

    pub(crate) fn body(&self) -> Result<Value, ClientError> {
        let bad = |m: &str| Err(ClientError::InvalidArgument(m.to_owned()));
        let password = self.password.expose().chars().count();
        if password == 0 || password > MAX_PASSWORD_CHARS {
            return bad("the password must be 1 to 32 characters");
        }
        let phone = self.phone_number.chars().count();
        if phone == 0 || phone > MAX_PHONE_CHARS {
            return bad("the phone number must be 1 to 24 characters");
        }
        let mut m = Map::new();
        m.insert("password".into(), json!(self.password.expose()));
        m.insert("phonenum".into(), json!(self.phone_number));
        let mut opt = |k: &str, v: Option<Value>| {
            if let Some(v) = v {
                m.insert(k.into(), v);
            }
        };
        opt("autoanswer", self.auto_answer.map(Value::from));
        opt("autoenteridle", self.auto_enter_idle.map(Value::from));
        opt("releasephone", self.release_phone.map(Value::from));
        opt("agenttype", self.agent_type.map(Value::from));
        opt("status", self.status.map(Value::from));
        opt("ip", self.ip.clone().map(Value::from));
        if let Some(p) = &self.push {
            if p.callback_uri.is_empty() || p.callback_uri.len() > 200 {
                return bad("the callback URI must be 1 to 200 characters");
            }
            let tok = p.service_token.expose();
            if tok.is_empty() || tok.len() > 50 || !tok.chars().all(|c| c.is_ascii_alphanumeric()) {
                return bad("the service token must be 1 to 50 letters and digits");
            }
            m.insert("callBackUri".into(), json!(p.callback_uri));
            m.insert("serviceToken".into(), json!(tok));
        }
        Ok(Value::Object(m))
    }
}

/// Push-mode registration given at sign-in.
#[derive(Debug, Clone)]
pub struct PushRegistration {
    pub callback_uri: String,
    pub service_token: Secret,
}

/// What the sign-in answer tells (§2).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInInfo {
    pub vdn_id: Option<String>,
    pub work_no: Option<String>,
    pub media_type: Option<String>,
    pub login_time: Option<String>,
    /// The password must be changed.
    pub is_force_change: bool,
    pub server_name: Option<String>,
    /// Days until the password expires.
    pub time_remaining_days: Option<i64>,
}

impl SignInInfo {
    pub(crate) fn from_result(r: &Value) -> SignInInfo {
        let t = |k: &str| {
            r.get(k).and_then(|v| match v {
                Value::String(s) => Some(s.clone()),
                Value::Number(n) => Some(n.to_string()),
                Value::Bool(b) => Some(b.to_string()),
                _ => None,
            })
        };
        SignInInfo {
            vdn_id: t("vdnid"),
            work_no: t("workno"),
            media_type: t("mediatype"),
            login_time: t("loginTime"),
            is_force_change: t("isForceChange").is_some_and(|s| s == "true"),
            server_name: t("serverName"),
            time_remaining_days: t("timeRemaining").and_then(|s| s.parse().ok()),
        }
    }
}
