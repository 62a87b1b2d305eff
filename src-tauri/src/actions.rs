//! Every action an agent takes on the bar, whichever way it comes in: a
//! button on the page, the tray menu, a global shortcut or a notification's
//! Answer button. Each of them names an [`Action`] and calls [`perform`];
//! none calls another face, and the rules of each action are written once.

use agentgateway::Session;
use agentgateway::bar::{CallKind, NextState};
use agentgateway::client::{CallOut, CallTarget, Consult, TransferHow};
use tauri::{AppHandle, Manager};

use crate::app::AppSession;
use crate::calls::CallRequest;
use crate::errors::AppError;
use crate::i18n;
use crate::limits::{BUSY_REASONS, CALLDATA_MAX_BYTES, REST_SECONDS};
use crate::view::CallPhase;
use crate::view::live::Live;

/// What the agent asks for.
#[derive(Debug, Clone, PartialEq, Eq, strum::IntoStaticStr)]
#[strum(serialize_all = "camelCase")]
pub enum Action {
    /// Answer the call that rings now.
    Answer,
    /// Answer the call `call_id` if it is the one ringing now; otherwise do
    /// nothing (the notification it was shown for is out of date).
    AnswerCall {
        call_id: String,
    },
    HangUp,
    Hold,
    Unhold,
    Ready,
    Busy {
        reason: u16,
    },
    CancelBusy,
    Rest {
        seconds: u32,
        cause: u8,
    },
    CancelRest,
    Work,
    CancelWork,
    /// A call action from the page: reject, mute, tones, dial, transfer,
    /// consult, take back, three-way, switch.
    Call(CallRequest),
    /// Mute, or unmute when muted (the global shortcut).
    ToggleMute,
    /// Save the call data of the call on the bar (at most 16 KB).
    SaveCalldata {
        value: String,
    },
    SignOut,
    /// Sign out unless the agent turned that off, then quit.
    Quit,
}

impl Action {
    /// A short name for the log: the variant's, or the call request's.
    pub fn name(&self) -> &'static str {
        match self {
            Action::Call(request) => request.into(),
            other => other.into(),
        }
    }
}

type Result<T = ()> = std::result::Result<T, AppError>;

/// Performs `action` for the signed-in agent.
pub async fn perform(app: &AppHandle, action: Action) -> Result {
    check(&action)?;
    let app_session = app.state::<AppSession>();
    match action {
        Action::SignOut => return app_session.sign_out(app).await,
        Action::Quit => {
            quit(app).await;
            return Ok(());
        }
        _ => {}
    }
    let session = app_session.session().await?;
    let client = session.client();
    match action {
        Action::Answer => client.answer().await?,
        Action::AnswerCall { call_id } => {
            if !rings(app, &call_id) {
                tracing::info!("the call the notification was shown for no longer rings");
                return Ok(());
            }
            client.answer().await?;
        }
        Action::HangUp => client.release().await?,
        Action::Hold => client.hold().await?,
        Action::Unhold => client.get_hold(&current_callid(&session)?).await?,
        Action::Ready => client.say_free().await?,
        Action::Busy { reason } => {
            client.say_busy(Some(reason)).await?;
            session.note(|s, _| {
                s.set_next(Some(NextState::Busy {
                    reason: Some(reason),
                }))
            });
        }
        Action::CancelBusy => client.cancel_busy().await?,
        Action::Rest { seconds, cause } => {
            client.rest(seconds, cause).await?;
            app.state::<Live>().rest_requested(seconds);
            session.note(|s, _| s.set_next(Some(NextState::Rest { seconds, cause })));
        }
        Action::CancelRest => client.cancel_rest().await?,
        Action::Work => client.work().await?,
        Action::CancelWork => client.cancel_work().await?,
        Action::Call(request) => call(&session, request).await?,
        Action::ToggleMute => {
            let muted = session.state().active_call().is_some_and(|c| c.muted);
            mute(&session, !muted).await?;
        }
        Action::SaveCalldata { value } => {
            let callid = current_callid(&session)?;
            client.set_calldata(&callid, &value, false).await?;
            app.state::<Live>()
                .calldata_saved(callid, value, &session.state());
        }
        Action::SignOut | Action::Quit => {}
    }
    Ok(())
}

/// Performs `action` in the background, for faces that have no one to tell
/// of a failure but the log (tray, shortcuts, notifications).
pub fn spawn(app: &AppHandle, action: Action, from: &'static str) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let name = action.name();
        if let Err(error) = perform(&app, action).await {
            tracing::warn!(action = name, from, kind = %error.kind, "the action failed");
            if name == "signOut" {
                crate::window::show(&app);
            }
        }
    });
}

/// What an action's arguments must be, checked before anything is sent.
fn check(action: &Action) -> Result {
    match action {
        Action::Busy { reason } if !BUSY_REASONS.contains(reason) => {
            Err(AppError::invalid(i18n::t("error.busyReason")))
        }
        Action::Rest { seconds, .. } if !REST_SECONDS.contains(seconds) => {
            Err(AppError::invalid(i18n::t("error.restLength")))
        }
        Action::SaveCalldata { value } if value.len() > CALLDATA_MAX_BYTES => {
            Err(AppError::invalid(i18n::tf(
                "error.calldataTooLong",
                &[
                    ("bytes", &value.len().to_string()),
                    ("max", &CALLDATA_MAX_BYTES.to_string()),
                ],
            )))
        }
        _ => Ok(()),
    }
}

/// Whether the call `call_id` is the one ringing on the bar now.
fn rings(app: &AppHandle, call_id: &str) -> bool {
    let bar = app.state::<Live>().bar();
    bar.controls.answer.is_enabled()
        && bar
            .calls
            .iter()
            .any(|call| call.call_id == call_id && call.phase == CallPhase::Ringing)
}

/// Performs a call action from the page.
async fn call(session: &Session, request: CallRequest) -> Result {
    let client = session.client();
    match request {
        CallRequest::Reject { requeue } => {
            let state = session.state();
            let callid = state.ringing_call().and_then(|c| c.callid.as_deref());
            client.reject(callid, requeue).await?;
        }
        CallRequest::Mute => mute(session, true).await?,
        CallRequest::Unmute => mute(session, false).await?,
        CallRequest::Dtmf { digits } => client.send_dtmf(&digits).await?,
        CallRequest::Dial { number } => {
            client.call_out(&CallOut::to(number)).await?;
        }
        CallRequest::CallColleague { work_no } => {
            client.call_inner(&work_no).await?;
        }
        CallRequest::Transfer { target, wait } => {
            let target = parse_target(&target)?;
            let how = if wait {
                TransferHow::WaitForAnswer
            } else {
                TransferHow::Blind
            };
            // Marked before asking: the outcome event may come before the answer.
            if wait {
                let callid = current_callid(session).ok();
                session.note(|s, now| s.transfer_waiting(callid, now));
            }
            if let Err(error) = client.transfer_to(&target, how).await {
                session.note(|s, _| s.transfer_done());
                return Err(error.into());
            }
        }
        CallRequest::CancelTransfer => {
            client.cancel_transfer().await?;
            session.note(|s, _| s.transfer_done());
        }
        CallRequest::DismissTransfer => session.note(|s, _| s.transfer_done()),
        CallRequest::Consult { target, three_way } => {
            let target = parse_target(&target)?;
            client
                .consult(&Consult {
                    target,
                    three_party: three_way,
                })
                .await?;
        }
        CallRequest::TakeBack => {
            let callid = consult_callid(session)?;
            client.drop_call(&callid).await?;
        }
        CallRequest::Conference => {
            let callid = held_customer(session)?;
            client.conf_join(&callid).await?;
        }
        CallRequest::SwitchCall { call_id } => client.connect_hold(&call_id).await?,
    }
    Ok(())
}

/// Mutes or unmutes the call on the bar; the gateway sends no event, so the
/// bar is told once the gateway took it.
async fn mute(session: &Session, on: bool) -> Result {
    if on {
        session.client().begin_mute().await?;
    } else {
        session.client().end_mute().await?;
    }
    session.note(|s, _| s.set_muted(on));
    Ok(())
}

fn parse_target(text: &str) -> Result<CallTarget> {
    text.parse::<CallTarget>()
        .map_err(|e| AppError::from(&agentgateway::ClientError::from(e)))
}

fn no_call() -> AppError {
    AppError::new("noCall", i18n::t("error.noCall"))
}

/// The consult call: the one up now beside a held customer.
fn consult_callid(session: &Session) -> Result<String> {
    let state = session.state();
    state
        .calls
        .iter()
        .find(|c| !c.is_held() && c.kind != CallKind::Customer)
        .or_else(|| state.calls.iter().find(|c| !c.is_held()))
        .filter(|_| state.calls.len() > 1)
        .and_then(|c| c.callid.clone())
        .ok_or_else(no_call)
}

/// The held customer, to join into a three-way call.
fn held_customer(session: &Session) -> Result<String> {
    session
        .state()
        .calls
        .iter()
        .find(|c| c.is_held() && c.kind == CallKind::Customer)
        .and_then(|c| c.callid.clone())
        .ok_or_else(no_call)
}

fn current_callid(session: &Session) -> Result<String> {
    session
        .state()
        .active_call()
        .and_then(|call| call.callid.clone())
        .ok_or_else(no_call)
}

/// Quits: signs out first unless the agent turned that off, then exits.
async fn quit(app: &AppHandle) {
    let app_session = app.state::<AppSession>();
    if app.state::<Live>().settings().quit_signs_out
        && app_session.session().await.is_ok()
        && let Err(error) = app_session.sign_out(app).await
    {
        tracing::warn!(kind = %error.kind, "signing out before quitting failed; the session stays in the keyring");
    }
    app.exit(0);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_out_of_range_are_refused_before_sending() {
        assert_eq!(
            check(&Action::Busy { reason: 199 }).map_err(|e| e.kind),
            Err("invalid".to_owned())
        );
        assert!(check(&Action::Busy { reason: 250 }).is_ok());
        assert!(
            check(&Action::Rest {
                seconds: 0,
                cause: 0
            })
            .is_err()
        );
        assert!(
            check(&Action::Rest {
                seconds: 86_399,
                cause: 0
            })
            .is_ok()
        );
        let big = "x".repeat(CALLDATA_MAX_BYTES + 1);
        assert!(check(&Action::SaveCalldata { value: big }).is_err());
        assert!(check(&Action::Ready).is_ok());
    }
}
