//! Calls from the control side: a call rung straight to an agent, and a
//! customer hanging up. Queue calls reach agents through `gateway::calls`.

use super::{
    call::{Call, Peer, Phase, feature},
    calls::{CALLDATA_MAX, Ring},
    error::ControlError,
    legs::End,
    session::Session,
};

impl Session {
    /// A call arrives (control side) for an idle agent with no call. With
    /// `autoanswer` (the sign-in default) the agent answers at once:
    /// `AgentEvent_Auto_Answer` → `AgentEvent_Talking` → `AgentState_Busy`;
    /// otherwise `AgentEvent_Ringing` and the bar answers.
    pub fn ring(&mut self, callid: &str, ring: &Ring) -> Result<(), ControlError> {
        if !self.is_available() {
            return Err(ControlError::NotIdle(self.agent.clone()));
        }
        if ring
            .calldata
            .as_ref()
            .is_some_and(|c| c.len() > CALLDATA_MAX)
        {
            return Err(ControlError::BadRequest("calldata over 16 KB".to_owned()));
        }
        let feature = if ring.outbound {
            feature::OUTBOUND
        } else {
            feature::INBOUND
        };
        let mut call = Call::new(callid, &ring.caller, &ring.called, Phase::Ringing, feature);
        call.media_ability = ring.media_ability.clone().unwrap_or_else(|| "1".to_owned());
        call.transfer_from = ring.transfer_from.clone().filter(|t| !t.is_empty());
        call.peers.push(Peer::Customer {
            number: ring.caller.clone(),
        });
        if let Some(data) = &ring.calldata {
            self.calldata.insert(callid.to_owned(), data.clone());
        }
        self.offer(call);
        Ok(())
    }

    /// The customer hangs up (control side): the call `callid`, or the
    /// agent's customer call.
    pub fn customer_hang_up(&mut self, callid: Option<&str>) -> Result<(), ControlError> {
        let call = self
            .calls
            .iter()
            .rev()
            .find(|c| {
                callid.map_or_else(
                    || c.peers.iter().any(|p| matches!(p, Peer::Customer { .. })),
                    |id| c.id == id,
                )
            })
            .ok_or_else(|| ControlError::NoCall(self.agent.clone()))?;
        let (id, who) = (
            call.id.clone(),
            call.peers
                .iter()
                .find(|p| matches!(p, Peer::Customer { .. }))
                .cloned()
                .unwrap_or(Peer::Customer {
                    number: call.caller.clone(),
                }),
        );
        if call.peers.len() <= 1 {
            let answered = call.answered;
            if !answered {
                self.count(|s| s.noanswernums += 1);
            }
            let number = who.number().to_owned();
            self.end_call(&id, End::Remote { number });
            self.settle(answered);
        } else {
            self.peer_left(&id, &who);
        }
        Ok(())
    }
}
