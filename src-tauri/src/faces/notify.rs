//! Desktop notifications: a ringing call (with an Answer action where the
//! notification server offers actions), the gateway signing the agent out, the
//! connection lost and back, rest time over. They follow the bar as [`Live`]
//! publishes it, from one bar to the next; which ones fire is a setting.

use tauri::{AppHandle, Manager};

use crate::actions::{self, Action};
use crate::i18n;
use crate::settings::NotificationSettings;
use crate::task::Task;
use crate::view::live::Live;
use crate::view::{AgentStateView, BarView, HealthKind};

/// A notification to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Note {
    Ringing {
        /// The call it rings for: its Answer answers this call or nothing.
        call_id: String,
        caller: String,
        called: String,
    },
    /// The ringing call was answered (`answered`) or the caller hung up first:
    /// replaces the ringing notification.
    RingingOver {
        caller: String,
        answered: bool,
    },
    SignedOut {
        reason: String,
    },
    ConnectionLost {
        reason: String,
    },
    ConnectionBack,
    RestOver,
}

impl Note {
    /// The notification's title and text in the current language.
    fn summary_and_body(&self) -> (String, String) {
        match self {
            Note::Ringing { caller, called, .. } => (
                i18n::tf("note.ringing", &[("caller", caller)]),
                i18n::tf("note.ringingBody", &[("called", called)]),
            ),
            Note::RingingOver {
                caller,
                answered: true,
            } => (
                i18n::tf("note.answered", &[("caller", caller)]),
                String::new(),
            ),
            Note::RingingOver {
                caller,
                answered: false,
            } => (
                i18n::tf("note.missed", &[("caller", caller)]),
                i18n::t("note.missedBody").into(),
            ),
            Note::SignedOut { reason } => (i18n::t("note.signedOut").into(), reason.clone()),
            Note::ConnectionLost { reason } => (
                i18n::t("note.connectionLost").into(),
                i18n::tf("note.connectionLostBody", &[("reason", reason)]),
            ),
            Note::ConnectionBack => (
                i18n::t("note.connectionBack").into(),
                i18n::t("note.connectionBackBody").into(),
            ),
            Note::RestOver => (
                i18n::t("note.restOver").into(),
                i18n::t("note.restOverBody").into(),
            ),
        }
    }
}

/// The notifications that the change from `before` to `after` calls for.
/// `rest_over` is true when the gateway just reported the rest timeout.
pub fn notes_for(
    before: &BarView,
    after: &BarView,
    rest_over: bool,
    settings: &NotificationSettings,
) -> Vec<Note> {
    let mut notes = Vec::new();
    if settings.ringing
        && before.state == AgentStateView::Ringing
        && after.state != AgentStateView::Ringing
        && let Some(call) = &before.call
    {
        notes.push(Note::RingingOver {
            caller: call.caller.clone(),
            answered: after
                .call
                .as_ref()
                .is_some_and(|c| c.call_id == call.call_id),
        });
    }
    if settings.ringing
        && after.state == AgentStateView::Ringing
        && before.state != AgentStateView::Ringing
        && let Some(call) = &after.call
    {
        notes.push(Note::Ringing {
            call_id: call.call_id.clone(),
            caller: call.caller.clone(),
            called: call.called.clone(),
        });
    }
    let was_signed_in = before.health.kind != HealthKind::Signedout;
    if settings.signed_out && was_signed_in && after.health.kind == HealthKind::Signedout {
        // Only when the gateway ended the session: a sign-out the agent asked
        // for has no reason attached.
        if let Some(reason) = &after.health.reason {
            notes.push(Note::SignedOut {
                reason: reason.clone(),
            });
        }
    }
    if settings.connection {
        match (before.health.kind, after.health.kind) {
            (HealthKind::Connected, HealthKind::Reconnecting) => notes.push(Note::ConnectionLost {
                reason: after
                    .health
                    .reason
                    .clone()
                    .unwrap_or_else(|| i18n::t("note.noAnswer").into()),
            }),
            (HealthKind::Reconnecting, HealthKind::Connected) => notes.push(Note::ConnectionBack),
            _ => {}
        }
    }
    if settings.rest_over && rest_over {
        notes.push(Note::RestOver);
    }
    notes
}

/// Shows the notifications each change of the bar calls for, until dropped.
pub fn follow(app: &AppHandle) -> Task {
    let mut shown = app.state::<Live>().subscribe();
    let app = app.clone();
    Task::spawn(async move {
        let mut before = shown.borrow_and_update().clone();
        while shown.changed().await.is_ok() {
            let after = shown.borrow_and_update().clone();
            let rest_over = after.rests_over != before.rests_over;
            let settings = app.state::<Live>().settings().notifications;
            for note in notes_for(&before.bar, &after.bar, rest_over, &settings) {
                let answer = match &note {
                    Note::Ringing { call_id, .. } => Some(Action::AnswerCall {
                        call_id: call_id.clone(),
                    }),
                    _ => None,
                };
                let app = app.clone();
                show(note, move || {
                    if let Some(action) = answer {
                        actions::spawn(&app, action, "notification");
                    }
                });
            }
            before = after;
        }
    })
}

/// The id of the ringing notification on screen, to replace when the ringing ends.
fn ringing_id() -> &'static std::sync::Mutex<Option<u32>> {
    static ID: std::sync::OnceLock<std::sync::Mutex<Option<u32>>> = std::sync::OnceLock::new();
    ID.get_or_init(|| std::sync::Mutex::new(None))
}

/// Shows `note`. For a ringing call with actions available, `on_answer` runs
/// when the agent clicks Answer. Runs on a blocking thread: the D-Bus call and
/// the wait for an action must not hold up the async runtime.
pub fn show(note: Note, on_answer: impl FnOnce() + Send + 'static) {
    std::thread::spawn(move || {
        let (summary, body) = note.summary_and_body();
        let mut notification = notify_rust::Notification::new();
        if let Note::RingingOver { answered, .. } = note {
            // Replace the ringing notification, so no stale "incoming call" stays up.
            let Some(id) = ringing_id()
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .take()
            else {
                return;
            };
            notification.id(id).urgency(notify_rust::Urgency::Normal);
            if answered {
                notification.timeout(notify_rust::Timeout::Milliseconds(4000));
            }
        }
        notification
            .appname("AgentBar")
            .summary(&summary)
            .body(&body)
            .icon("agentbar");
        let ringing = matches!(note, Note::Ringing { .. });
        let actions = ringing
            && notify_rust::get_capabilities()
                .map(|caps| caps.iter().any(|c| c == "actions"))
                .unwrap_or(false);
        if ringing {
            notification.urgency(notify_rust::Urgency::Critical);
        }
        if actions {
            notification.action("answer", i18n::t("note.answer"));
        }
        match notification.show() {
            Ok(handle) => {
                if ringing {
                    *ringing_id().lock().unwrap_or_else(|p| p.into_inner()) = Some(handle.id());
                }
                if actions {
                    handle.wait_for_action(|action| {
                        if action == "answer" {
                            on_answer();
                        }
                    });
                }
            }
            // No notification server (no desktop session): the bar still shows everything.
            Err(error) => tracing::warn!(%error, "could not show a desktop notification"),
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::{CallView, Direction, HealthView, Media};

    fn bar(state: AgentStateView, health: HealthKind) -> BarView {
        let mut bar = BarView::signed_out(None, 0);
        bar.state = state;
        bar.health = HealthView {
            kind: health,
            since: Some(0),
            reason: None,
            cause: None,
            gateway: None,
        };
        bar
    }

    fn ringing() -> BarView {
        let mut b = bar(AgentStateView::Ringing, HealthKind::Connected);
        b.call = Some(CallView {
            call_id: "1".into(),
            caller: "13800138000".into(),
            called: "4001".into(),
            direction: Direction::Inbound,
            media: Media::Voice,
            held: false,
            since: 0,
            answered_at: None,
            calldata: None,
        });
        b
    }

    #[test]
    fn a_new_ringing_call_notifies_once() {
        let all = NotificationSettings::default();
        let idle = bar(AgentStateView::Idle, HealthKind::Connected);
        assert_eq!(
            notes_for(&idle, &ringing(), false, &all),
            vec![Note::Ringing {
                call_id: "1".into(),
                caller: "13800138000".into(),
                called: "4001".into()
            }]
        );
        assert!(notes_for(&ringing(), &ringing(), false, &all).is_empty());
    }

    #[test]
    fn the_end_of_ringing_replaces_the_ringing_notification() {
        let all = NotificationSettings::default();
        let mut talking = ringing();
        talking.state = AgentStateView::Talking;
        assert_eq!(
            notes_for(&ringing(), &talking, false, &all),
            vec![Note::RingingOver {
                caller: "13800138000".into(),
                answered: true
            }]
        );
        let idle = bar(AgentStateView::Idle, HealthKind::Connected);
        assert_eq!(
            notes_for(&ringing(), &idle, false, &all),
            vec![Note::RingingOver {
                caller: "13800138000".into(),
                answered: false
            }]
        );
    }

    #[test]
    fn settings_turn_notifications_off() {
        let none = NotificationSettings {
            ringing: false,
            signed_out: false,
            connection: false,
            rest_over: false,
        };
        let idle = bar(AgentStateView::Idle, HealthKind::Connected);
        assert!(notes_for(&idle, &ringing(), true, &none).is_empty());
    }

    #[test]
    fn connection_lost_and_back() {
        let all = NotificationSettings::default();
        let up = bar(AgentStateView::Idle, HealthKind::Connected);
        let mut down = bar(AgentStateView::Idle, HealthKind::Reconnecting);
        down.health.reason = Some("The gateway does not answer".into());
        assert!(matches!(
            notes_for(&up, &down, false, &all).as_slice(),
            [Note::ConnectionLost { .. }]
        ));
        assert_eq!(
            notes_for(&down, &up, false, &all),
            vec![Note::ConnectionBack]
        );
    }

    #[test]
    fn texts_come_from_the_catalogue() {
        let (summary, body) = Note::Ringing {
            call_id: "1".into(),
            caller: "13800138000".into(),
            called: "4001".into(),
        }
        .summary_and_body();
        assert_eq!(summary, "Incoming call from 13800138000");
        assert!(body.contains("4001"));
        for note in [Note::ConnectionBack, Note::RestOver] {
            let (summary, body) = note.summary_and_body();
            assert!(!summary.is_empty() && !body.is_empty());
        }
    }

    #[test]
    fn only_a_gateway_sign_out_notifies() {
        let all = NotificationSettings::default();
        let up = bar(AgentStateView::Idle, HealthKind::Connected);
        let asked = BarView::signed_out(None, 0);
        assert!(notes_for(&up, &asked, false, &all).is_empty());
        let forced = BarView::signed_out(Some("The gateway signed you out".into()), 0);
        assert!(matches!(
            notes_for(&up, &forced, false, &all).as_slice(),
            [Note::SignedOut { .. }]
        ));
    }
}
