//! Call control (§9): dialling out and inside, transfer by target, consult,
//! three-party calls, taking a call back, mute, DTMF and reject. Every
//! parameter is checked against the gateway's rules before a request goes
//! out; call IDs come back as the gateway gave them (`None` when a
//! successful answer carried none: the events still name the call).

use reqwest::Method;
use serde_json::{Map, Value, json};

use super::decode;
use super::target::{CallTarget, TransferHow};
use super::validate::{self, InvalidParam, Param, Rule};
use super::{Client, ClientError, Transfer};

/// An outbound call (`callout`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CallOut {
    /// The number to dial: 1-24 of digits, `*`, `#`.
    pub called: String,
    /// The number shown to the called party: 0-24 digits; `None` or empty:
    /// the platform's default.
    pub caller: Option<String>,
    /// The skill the call is made for (digits).
    pub skill_id: Option<String>,
}

impl CallOut {
    /// A call to `called` with the platform's caller number and no skill.
    pub fn to(called: impl Into<String>) -> CallOut {
        CallOut {
            called: called.into(),
            caller: None,
            skill_id: None,
        }
    }

    /// Checks every field as the gateway would; nothing is sent.
    pub fn validate(&self) -> Result<(), InvalidParam> {
        self.body().map(|_| ())
    }

    pub(crate) fn body(&self) -> Result<Value, InvalidParam> {
        validate::called(&self.called)?;
        let mut m = Map::new();
        m.insert("called".into(), json!(self.called));
        if let Some(c) = self.caller.as_deref().filter(|c| !c.is_empty()) {
            validate::caller(c)?;
            m.insert("caller".into(), json!(c));
        }
        if let Some(s) = &self.skill_id {
            m.insert("skillid".into(), json!(skill_number(s)?));
        }
        Ok(Value::Object(m))
    }
}

/// A skill ID as the integer the gateway's bodies carry.
pub(crate) fn skill_number(id: &str) -> Result<u64, InvalidParam> {
    validate::digits_id(Param::SkillId, id)?;
    id.parse()
        .map_err(|_| InvalidParam::new(Param::SkillId, Rule::TooLong { max: 19 }))
}

/// A consult ("inner help", §9.1) with an agent or a skill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Consult {
    /// [`CallTarget::Agent`] or [`CallTarget::Skill`]; others are refused.
    pub target: CallTarget,
    /// Three-party (the customer hears the consult) instead of two-party
    /// (the customer is held).
    pub three_party: bool,
}

impl Consult {
    /// Checks the target as the gateway would; nothing is sent.
    pub fn validate(&self) -> Result<(), InvalidParam> {
        self.body().map(|_| ())
    }

    pub(crate) fn body(&self) -> Result<Value, InvalidParam> {
        if !matches!(self.target, CallTarget::Agent(_) | CallTarget::Skill(_)) {
            return Err(InvalidParam::new(Param::Target, Rule::NotAllowedHere));
        }
        self.target.validate()?;
        Ok(json!({
            "dstaddress": self.target.address(),
            "devicetype": self.target.device_type(),
            "mode": if self.three_party { 2 } else { 1 },
        }))
    }
}

/// The `transfer` request for `target` done `how` (§9.3).
pub fn transfer_request(target: &CallTarget, how: TransferHow) -> Result<Transfer, InvalidParam> {
    target.validate()?;
    Ok(Transfer {
        device_type: target.device_type(),
        address: target.address().to_owned(),
        mode: target.transfer_mode(how)?,
        extra: Map::new(),
    })
}

/// The `reject` body: mode 1 puts the call back in its queue (agent busy),
/// mode 2 releases it (agent idle).
pub(crate) fn reject_body(callid: Option<&str>, requeue: bool) -> Result<Value, InvalidParam> {
    let mut m = Map::new();
    if let Some(id) = callid {
        validate::path_id(Param::CallId, id)?;
        m.insert("callid".into(), json!(id));
    }
    m.insert("mode".into(), json!(if requeue { 1 } else { 2 }));
    Ok(Value::Object(m))
}

impl Client {
    fn voicecall(&self, action: &str) -> String {
        self.agent_path("voicecall", action)
    }

    /// `PUT /voicecall/{agentid}/callout`: dials a number; the new call's ID.
    pub async fn call_out(&self, req: &CallOut) -> Result<Option<String>, ClientError> {
        let body = req.body()?;
        let r = self
            .fetch(Method::PUT, self.voicecall("callout"), &[], Some(body))
            .await?;
        Ok(decode::callid(&r))
    }

    /// `PUT /voicecall/{agentid}/callinner`: calls another agent; the call's ID.
    pub async fn call_inner(&self, work_no: &str) -> Result<Option<String>, ClientError> {
        validate::digits_id(Param::WorkNo, work_no)?;
        let body = json!({ "called": work_no });
        let r = self
            .fetch(Method::PUT, self.voicecall("callinner"), &[], Some(body))
            .await?;
        Ok(decode::callid(&r))
    }

    /// `POST /voicecall/{agentid}/transfer` to `target`, blind or waiting
    /// for the target to answer, with the mode its device type needs.
    pub async fn transfer_to(
        &self,
        target: &CallTarget,
        how: TransferHow,
    ) -> Result<(), ClientError> {
        let req = transfer_request(target, how)?;
        self.transfer(&req).await
    }

    /// `POST /voicecall/{agentid}/canceltransfer`: takes the customer back
    /// during a wait-for-answer transfer.
    pub async fn cancel_transfer(&self) -> Result<(), ClientError> {
        self.op(Method::POST, self.voicecall("canceltransfer"))
            .await
    }

    /// `POST /voicecall/{agentid}/innerhelp`: consults an agent or a skill;
    /// the help call's ID.
    pub async fn consult(&self, req: &Consult) -> Result<Option<String>, ClientError> {
        let body = req.body()?;
        let r = self
            .fetch(Method::POST, self.voicecall("innerhelp"), &[], Some(body))
            .await?;
        Ok(decode::callid(&r))
    }

    /// `POST /voicecall/{agentid}/dropcall/{callid}`: drops one call, e.g.
    /// the help call after a two-party consult (taking the customer back).
    pub async fn drop_call(&self, callid: &str) -> Result<(), ClientError> {
        validate::path_id(Param::CallId, callid)?;
        self.op(Method::POST, self.voicecall(&format!("dropcall/{callid}")))
            .await
    }

    /// `POST /voicecall/{agentid}/disconnect/{number}`: removes one party
    /// from a three-party call.
    pub async fn disconnect(&self, number: &str) -> Result<(), ClientError> {
        validate::path_id(Param::Number, number)?;
        self.op(
            Method::POST,
            self.voicecall(&format!("disconnect/{number}")),
        )
        .await
    }

    /// `POST /voicecall/{agentid}/confjoin`: joins the held call `callid`
    /// and the current one into a three-party call.
    pub async fn conf_join(&self, callid: &str) -> Result<(), ClientError> {
        validate::path_id(Param::CallId, callid)?;
        let body = json!({ "callid": callid });
        self.fetch(Method::POST, self.voicecall("confjoin"), &[], Some(body))
            .await
            .map(|_| ())
    }

    /// `POST /voicecall/{agentid}/connecthold/{callid}`: connects the held
    /// call `callid` with the current one (the agent leaves both).
    pub async fn connect_hold(&self, callid: &str) -> Result<(), ClientError> {
        validate::path_id(Param::CallId, callid)?;
        self.op(
            Method::POST,
            self.voicecall(&format!("connecthold/{callid}")),
        )
        .await
    }

    /// `POST /voicecall/{agentid}/beginmute`.
    pub async fn begin_mute(&self) -> Result<(), ClientError> {
        self.op(Method::POST, self.voicecall("beginmute")).await
    }

    /// `POST /voicecall/{agentid}/endmute`.
    pub async fn end_mute(&self) -> Result<(), ClientError> {
        self.op(Method::POST, self.voicecall("endmute")).await
    }

    /// `POST /voicecall/{agentid}/seconddialex?number=`: sends DTMF digits
    /// (1-24 of digits, `*`, `#`) on the current call.
    pub async fn send_dtmf(&self, digits: &str) -> Result<(), ClientError> {
        validate::dtmf(digits)?;
        self.fetch(
            Method::POST,
            self.voicecall("seconddialex"),
            &[("number", digits)],
            None,
        )
        .await
        .map(|_| ())
    }

    /// `POST /voicecall/{agentid}/reject`: turns down a ringing call, back
    /// to its queue (`requeue`, the agent goes busy) or released (idle).
    pub async fn reject(&self, callid: Option<&str>, requeue: bool) -> Result<(), ClientError> {
        let body = reject_body(callid, requeue)?;
        self.fetch(Method::POST, self.voicecall("reject"), &[], Some(body))
            .await
            .map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callout_bodies_are_strict() {
        let mut c = CallOut::to("5551234");
        assert_eq!(c.body(), Ok(json!({"called":"5551234"})));
        c.caller = Some(String::new());
        assert_eq!(c.body(), Ok(json!({"called":"5551234"})));
        c.caller = Some("4001".into());
        c.skill_id = Some("7".into());
        assert_eq!(
            c.body(),
            Ok(json!({"called":"5551234","caller":"4001","skillid":7}))
        );
        c.skill_id = Some("x".into());
        assert_eq!(c.body().map_err(|e| e.param), Err(Param::SkillId));
        c.skill_id = None;
        c.caller = Some("+49".into());
        assert_eq!(c.body().map_err(|e| e.param), Err(Param::Caller));
        assert_eq!(
            CallOut::to("").body().map_err(|e| (e.param, e.rule)),
            Err((Param::Called, Rule::Empty))
        );
    }

    #[test]
    fn consult_is_with_an_agent_or_a_skill() {
        let c = |t: &str, three| Consult {
            target: t.parse().expect(t),
            three_party: three,
        };
        assert_eq!(
            c("agent:102", false).body(),
            Ok(json!({"dstaddress":"102","devicetype":2,"mode":1}))
        );
        assert_eq!(
            c("skill:3", true).body(),
            Ok(json!({"dstaddress":"3","devicetype":1,"mode":2}))
        );
        for t in ["ivr:1", "access:1", "number:1"] {
            assert_eq!(
                c(t, false).body().map_err(|e| e.rule),
                Err(Rule::NotAllowedHere),
                "{t}"
            );
        }
    }

    #[test]
    fn transfer_requests_carry_the_mode_for_the_device() {
        let t: CallTarget = "number:5551".parse().expect("number");
        let r = transfer_request(&t, TransferHow::Blind).expect("blind");
        assert_eq!((r.device_type, r.address.as_str(), r.mode), (5, "5551", 1));
        let t: CallTarget = "skill:4".parse().expect("skill");
        let r = transfer_request(&t, TransferHow::WaitForAnswer).expect("wait");
        assert_eq!((r.device_type, r.mode), (1, 2));
        // A target built by hand is checked too.
        let bad = CallTarget::Agent("1/2".into());
        assert!(transfer_request(&bad, TransferHow::Blind).is_err());
    }

    #[test]
    fn reject_modes() {
        assert_eq!(reject_body(None, true), Ok(json!({"mode":1})));
        assert_eq!(
            reject_body(Some("c-1"), false),
            Ok(json!({"callid":"c-1","mode":2}))
        );
        assert!(reject_body(Some("c/1"), false).is_err());
    }
}
