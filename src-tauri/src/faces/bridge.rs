//! From the engine to the live state: every update of a session goes, in
//! order, into [`Live`] (which the page, the tray and notifications follow),
//! each event to the page's event list, and the call on the bar to the
//! keyring (the GUID has its own follower). Keyring writes run in their own
//! task, coalesced (only the latest value is written), so a slow keyring never
//! delays an event on its way to the bar.
//!
//! The [`Bridge`] owns its task: dropping it stops the forwarding.

use std::sync::Arc;

use agentgateway::bar::SignOutReason;
use agentgateway::guid_store::StoreError;
use agentgateway::{Health, Session, Update};
use tauri::{AppHandle, Manager};
use tokio::sync::{oneshot, watch};

use crate::faces::page;
use crate::secrets::LastCall;
use crate::task::Task;
use crate::view::live::Live;
use crate::view::{BarView, Direction};

/// Forwards one session's updates for as long as it lives.
#[derive(Debug)]
pub struct Bridge {
    _task: Task,
    ended: Option<oneshot::Receiver<()>>,
}

impl Bridge {
    /// Starts forwarding `session`'s updates; subscribes before returning, so
    /// nothing the session does after this call is missed.
    pub fn start(app: &AppHandle, session: Arc<Session>, agent: String) -> Bridge {
        let mut updates = session.subscribe();
        let (ended_tx, ended) = oneshot::channel();
        let last_call = {
            let agent = agent.clone();
            keyring_writer(move |call: Option<LastCall>| {
                let agent = agent.clone();
                async move { crate::secrets::store_call(&agent, call.as_ref()).await }
            })
        };
        let app = app.clone();
        let task = Task::spawn(async move {
            let live = app.state::<Live>();
            let mut ended_tx = Some(ended_tx);
            let mut rest_over = false;
            while let Some(update) = updates.recv().await {
                match update {
                    Update::Event(event) => {
                        rest_over |= event.event_type == "AgentState_Rest_Timeout";
                        let record = live.record(event.event_type, event.raw);
                        page::send_event(&app, &record);
                    }
                    Update::State(state) => {
                        let bar = live.show_state(&state, std::mem::take(&mut rest_over));
                        let call = kept_call(&bar);
                        last_call.send_if_modified(|kept| {
                            let changed = kept.as_ref().map(|k| k.as_ref().map(|c| &c.callid))
                                != Some(call.as_ref().map(|c| &c.callid));
                            if changed {
                                *kept = Some(call);
                            }
                            changed
                        });
                        if let Health::SignedOut {
                            reason:
                                SignOutReason::ByGateway { .. } | SignOutReason::SignInFailed { .. },
                        } = &state.health
                            && let Some(tx) = ended_tx.take()
                        {
                            let _ = tx.send(());
                        }
                    }
                    Update::Health(_) | Update::Guid(_) => {}
                    Update::Lagged { missed } => {
                        tracing::warn!(
                            missed,
                            "the bar fell behind the gateway's events; showing the current state"
                        );
                        live.show_state(&session.state(), false);
                    }
                }
            }
        });
        Bridge {
            _task: task,
            ended: Some(ended),
        }
    }

    /// Resolves once the gateway has ended the session (it signed the agent
    /// out, or signing in again failed) and the bar shows it; once only.
    pub fn ended(&mut self) -> Option<oneshot::Receiver<()>> {
        self.ended.take()
    }
}

/// The call on `bar` as kept across a restart.
fn kept_call(bar: &BarView) -> Option<LastCall> {
    bar.call.as_ref().map(|call| LastCall {
        callid: call.call_id.clone(),
        caller: call.caller.clone(),
        called: call.called.clone(),
        outbound: call.direction == Direction::Outbound,
        media: call.media.as_str().to_owned(),
        since_ms: call.answered_at.unwrap_or(call.since),
    })
}

/// A task that writes what is sent to it to the keyring with `write`, in
/// order, skipping values overtaken by newer ones. It ends when the sender
/// is dropped, after writing the last value.
fn keyring_writer<T, F, Fut>(write: F) -> watch::Sender<Option<T>>
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), StoreError>> + Send,
{
    let (tx, mut rx) = watch::channel(None::<T>);
    tauri::async_runtime::spawn(async move {
        while rx.changed().await.is_ok() {
            let latest = rx.borrow_and_update().clone();
            if let Some(value) = latest
                && let Err(error) = write(value).await
            {
                tracing::warn!(
                    kind = error.kind(),
                    "the session could not be kept in the keyring"
                );
            }
        }
    });
    tx
}
