//! Control of calls beyond one agent's bar: calls queued to a skill,
//! virtual colleagues (roster agents no client drives, signed in by the
//! control side, who answer and hang up on their own), how dialled numbers
//! behave, and what tests read back (DTMF digits, an agent's calls).

use std::sync::Arc;

use serde_json::Value;
use tokio::time::Instant;

use super::{CallSnapshot, Colleague, Control, ControlError, QueueCall};
use crate::{
    site::NumberFate,
    state::{
        Gateway,
        guid::{self, GuidBook},
        session::{Session, Work},
        skills::QueuedCall,
    },
    sync::lock,
};

impl Control {
    /// A customer call for skill `skill`: offered to an idle agent signed in
    /// to it, else it waits in the queue. Returns its call ID.
    pub fn queue_call(&self, skill: u32, call: QueueCall) -> Result<String, ControlError> {
        self.app.gw.queue_call(skill, call)
    }

    /// The customer waiting in a queue gives up; `false` if no such call waits.
    pub fn abandon_queued(&self, callid: &str) -> bool {
        lock(&self.app.gw.queues).take(callid).is_some()
    }

    /// Calls waiting in the skill's queue.
    pub fn queue_waiting(&self, skill: u32) -> usize {
        lock(&self.app.gw.queues).waiting(skill)
    }

    /// Sign a roster agent in as a virtual colleague, or change how a
    /// signed-in colleague behaves (busy or idle, answer delay, never answer,
    /// hang-up delay). Refused for an agent a client signed in.
    pub fn set_colleague(&self, agent: &str, colleague: Colleague) -> Result<(), ControlError> {
        self.app.gw.set_colleague(agent, colleague)
    }

    /// How calls to `number` (callout, external transfer) go from now on.
    pub fn mark_number(&self, number: &str, fate: NumberFate) {
        lock(&self.app.gw.numbers).insert(number.to_owned(), fate);
    }

    /// Forget every number marked with [`Control::mark_number`].
    pub fn clear_number_marks(&self) {
        lock(&self.app.gw.numbers).clear();
    }

    /// How a call to `number` goes now.
    pub fn number_fate(&self, number: &str) -> NumberFate {
        self.app.gw.fate(number)
    }

    /// Every DTMF string the agent sent (`seconddialex`), across sessions.
    pub fn dtmf(&self, agent: &str) -> Vec<String> {
        lock(&self.app.gw.records_of(agent)).dtmf.clone()
    }

    /// Today's figures of the agent, as `statistics` answers them.
    pub fn statistics(&self, agent: &str) -> Value {
        lock(&self.app.gw.records_of(agent)).stats.full()
    }

    /// The agent's calls, oldest first; empty when signed out.
    pub fn calls(&self, agent: &str) -> Vec<CallSnapshot> {
        self.agent_state(agent).map(|a| a.calls).unwrap_or_default()
    }

    /// The customer on call `callid` hangs up (in a conference the others
    /// stay).
    pub fn customer_hang_up_call(&self, agent: &str, callid: &str) -> Result<(), ControlError> {
        self.app.gw.act(agent, |s| s.customer_hang_up(Some(callid)))
    }
}

impl Gateway {
    pub fn queue_call(
        self: &Arc<Self>,
        skill: u32,
        call: QueueCall,
    ) -> Result<String, ControlError> {
        if self.cfg.site.skill(skill).is_none() {
            return Err(ControlError::BadRequest(format!("no skill {skill}")));
        }
        if call
            .calldata
            .as_ref()
            .is_some_and(|c| c.len() > crate::state::calls::CALLDATA_MAX)
        {
            return Err(ControlError::BadRequest("calldata over 16 KB".to_owned()));
        }
        let callid = self.next_call_id();
        let mut slots = self.slots();
        lock(&self.queues).push(QueuedCall {
            callid: callid.clone(),
            skill,
            caller: call.caller,
            called: call.called,
            calldata: call.calldata,
            media_ability: call.media_ability.unwrap_or_else(|| "1".to_owned()),
            transfer_from: None,
            exclude: None,
            requeued: 0,
            since: Instant::now(),
        });
        self.run_effects(&mut slots, "", Vec::new());
        Ok(callid)
    }

    pub fn set_colleague(self: &Arc<Self>, agent: &str, c: Colleague) -> Result<(), ControlError> {
        if !self.cfg.roster.contains(agent) {
            return Err(ControlError::UnknownAgent(agent.to_owned()));
        }
        let configured = self.cfg.site.configured(agent);
        let skills: Vec<u32> = match &c.skills {
            None => configured,
            Some(ids) => configured.into_iter().filter(|s| ids.contains(s)).collect(),
        };
        let mut slots = self.slots();
        let slot = slots.entry(agent.to_owned()).or_default();
        if slot.signing_in || slot.session.as_ref().is_some_and(|s| s.colleague.is_none()) {
            return Err(ControlError::SignedIn(agent.to_owned()));
        }
        let session = match &mut slot.session {
            Some(session) => session,
            None => {
                let guids = GuidBook::new(guid::generate(&self.node), Instant::now());
                let records = self.records_of(agent);
                let mut s = Session::new(agent, guids, records, self.cancel.child_token());
                s.autoanswer = false;
                s.phone = agent.to_owned();
                s.colleague = Some(c.clone());
                s.emit("AgentOther_InService", Value::Null);
                s.emit("AgentState_Ready", Value::Null);
                slot.session.insert(s)
            }
        };
        session.colleague = Some(c.clone());
        session.skills = skills;
        if session.calls.is_empty() {
            match (c.busy, session.work) {
                (true, Work::NotReady) | (false, Work::Idle) => {}
                (true, _) => {
                    session.work = Work::NotReady;
                    session.emit(
                        "AgentState_SetNotReady_Success",
                        serde_json::json!({"reason": "1"}),
                    );
                }
                (false, _) => {
                    session.work = Work::Idle;
                    session.emit("AgentState_Ready", Value::Null);
                }
            }
        }
        tracing::info!(agent, busy = c.busy, "virtual colleague set");
        self.run_effects(&mut slots, agent, Vec::new());
        Ok(())
    }
}
