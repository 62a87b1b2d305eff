//! From the engine to the agent: every update of the session goes, in order, to
//! the page (`bar:event`, `bar:state`), the tray, desktop notifications and the
//! keyring (the call on the bar; the GUID has its own follower). Keyring writes
//! run in their own task, coalesced (only the latest value is written), so a
//! slow keyring never delays an event on its way to the bar.

use std::sync::Arc;

use agentgateway::bar::SignOutReason;
use agentgateway::engine::now_ms;
use agentgateway::guid_store::StoreError;
use agentgateway::{BarState, Health, Session, Update};
use tauri::{AppHandle, Emitter, Manager};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::notify;
use crate::secrets::LastCall;
use crate::session::AppSession;
use crate::view::{BarView, bar_view};

/// Event names the page listens to (`ui/src/api.ts`).
pub const STATE_EVENT: &str = "bar:state";
pub const EVENT_EVENT: &str = "bar:event";

/// Starts forwarding `session`'s updates; subscribes before returning, so
/// nothing the session does after this call is missed.
pub fn start(app: AppHandle, session: Arc<Session>, agent: String) -> JoinHandle<()> {
    let mut updates = session.subscribe();
    let last_call = {
        let agent = agent.clone();
        keyring_writer(move |call: Option<LastCall>| {
            let agent = agent.clone();
            async move { crate::secrets::store_call(&agent, call.as_ref()).await }
        })
    };
    tokio::spawn(async move {
        let mut rest_over = false;
        while let Some(update) = updates.recv().await {
            match update {
                Update::Event(event) => {
                    rest_over |= event.event_type == "AgentState_Rest_Timeout";
                    let record = app
                        .state::<AppSession>()
                        .live()
                        .record(event.event_type, event.raw);
                    if let Err(error) = app.emit(EVENT_EVENT, &record) {
                        tracing::warn!(%error, "an event could not be sent to the page");
                    }
                }
                Update::State(state) => {
                    let call = show_state(&app, &state, &agent, std::mem::take(&mut rest_over));
                    last_call.send_if_modified(|kept| {
                        let changed = kept.as_ref().map(|k| k.as_ref().map(|c| &c.callid))
                            != Some(call.as_ref().map(|c| &c.callid));
                        if changed {
                            *kept = Some(call);
                        }
                        changed
                    });
                    if let Health::SignedOut {
                        reason: SignOutReason::ByGateway { .. } | SignOutReason::SignInFailed { .. },
                    } = &state.health
                    {
                        app.state::<AppSession>().forget_ended(&agent).await;
                    }
                }
                Update::Health(_) | Update::Guid(_) => {}
                Update::Lagged { missed } => {
                    tracing::warn!(
                        missed,
                        "the bar fell behind the gateway's events; showing the current state"
                    );
                    show_state(&app, &session.state(), &agent, false);
                }
            }
        }
    })
}

/// Shows the signed-out bar (after the agent's sign-out, or with `reason`).
pub fn show_signed_out(app: &AppHandle, reason: Option<String>) {
    let view = BarView::signed_out(reason, now_ms());
    app.state::<AppSession>().live().show(view.clone());
    crate::tray::reflect(app, &view);
    let mut view = view;
    crate::view::localize(&mut view);
    if let Err(error) = app.emit(STATE_EVENT, &view) {
        tracing::warn!(%error, "the state could not be sent to the page");
    }
}

/// Shows `state` again after a change the gateway sends no event for.
pub fn refresh(app: &AppHandle, state: &BarState) {
    let agent = app.state::<AppSession>().live().bar.agent_id.clone();
    let _ = show_state(app, state, agent.as_deref().unwrap_or_default(), false);
}

/// Shows `state`; returns the call on the bar as kept across a restart.
fn show_state(app: &AppHandle, state: &BarState, agent: &str, rest_over: bool) -> Option<LastCall> {
    let (before, after, notifications) = {
        let app_session = app.state::<AppSession>();
        let mut live = app_session.live();
        let after = bar_view(state, Some(agent), &mut live.memory);
        let before = live.show(after.clone());
        (before, after, live.settings.notifications)
    };
    for note in notify::notes_for(&before, &after, rest_over, &notifications) {
        let app = app.clone();
        notify::show(note, move || {
            tauri::async_runtime::spawn(async move {
                let answered = match app.state::<AppSession>().session().await {
                    Ok(session) => session
                        .client()
                        .answer()
                        .await
                        .map_err(crate::errors::AppError::from),
                    Err(error) => Err(error),
                };
                if let Err(error) = answered {
                    tracing::warn!(kind = %error.kind, "answering from the notification failed");
                }
            });
        });
    }
    if before != after {
        crate::tray::reflect(app, &after);
        let mut shown = after.clone();
        crate::view::localize(&mut shown);
        if let Err(error) = app.emit(STATE_EVENT, &shown) {
            tracing::warn!(%error, "the state could not be sent to the page");
        }
    }
    after.call.as_ref().map(|call| LastCall {
        callid: call.call_id.clone(),
        caller: call.caller.clone(),
        called: call.called.clone(),
        outbound: call.direction == "outbound",
        media: call.media.to_owned(),
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
    tokio::spawn(async move {
        while rx.changed().await.is_ok() {
            let latest = rx.borrow_and_update().clone();
            if let Some(value) = latest
                && let Err(error) = write(value).await
            {
                tracing::warn!(%error, "the session could not be kept in the keyring");
            }
        }
    });
    tx
}
