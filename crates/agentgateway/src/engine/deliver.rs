//! Events to subscribers and the bar, and the reconcile after a gap.

use crate::client::{AgentStatus, ClientError};
use crate::event::{Event, EventKind};

use super::{Engine, Update, now_ms};

impl Engine {
    /// After a gap: ask the gateway what the agent is doing (and the call data
    /// when in a call) and set the bar to it.
    pub(super) async fn reconcile(&self) -> Result<(), ClientError> {
        let status = match self.client().agent_status().await {
            Ok(s) => s,
            Err(e) => {
                self.shared.set_error(&e);
                return Err(e);
            }
        };
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
                .active_call()
                .and_then(|c| c.callid.clone());
            if let Some(id) = callid {
                calldata = self.client().app_data(&id).await.ok();
            }
        }
        self.shared
            .update_state(|s| s.reconcile(status, calldata, now_ms()));
        Ok(())
    }

    /// Push mode: whether the gateway's view of the agent (`agentstatus`)
    /// agrees with the bar. Only clear disagreements count: the gateway has
    /// the agent in a call and the bar does not, or the other way round. A
    /// ringing bar agrees with anything (the gateway may not count it as a
    /// call yet).
    pub(super) async fn audit(&self) -> Result<bool, ClientError> {
        let status = self.client().agent_status().await?;
        let bar = self.shared.state.borrow().agent;
        Ok(match status {
            _ if bar == crate::bar::AgentState::Ringing => true,
            AgentStatus::Talking => bar.in_call(),
            AgentStatus::Idle
            | AgentStatus::Rest
            | AgentStatus::WrapUp
            | AgentStatus::SignedOut => !bar.in_call() && status != AgentStatus::SignedOut,
            _ => true,
        })
    }

    /// Hands one event to subscribers and the bar; fetches the call data once
    /// per call, when a call shows up.
    pub(super) async fn deliver(&self, ev: Event, fetched: &mut Option<String>) {
        self.shared.publish(Update::Event(ev.clone()));
        self.shared.update_state(|s| s.apply(&ev, now_ms()));
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
