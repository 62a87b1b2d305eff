//! Desktop notifications: a ringing call (with an Answer action where the
//! notification server offers actions), the gateway signing the agent out, the
//! connection lost and back, rest time over. They follow the bar as [`Live`]
//! publishes it, from one bar to the next; which ones fire is a setting.
//!
//! They are sent straight over D-Bus (`org.freedesktop.Notifications`): one
//! connection for the app's life, notifications sent in order by one task,
//! and one listener for the clicks, rather than a connection and a thread
//! waiting for each notification.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tauri::{AppHandle, Manager};

use crate::actions::{self, Action};
use crate::i18n;
use crate::settings::NotificationSettings;
use crate::task::Task;
use crate::view::live::Live;
use crate::view::{BarView, CallPhase, HealthKind};

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
    if settings.ringing {
        // Per call: a call waiting rings while another one talks.
        let rings = |bar: &BarView, id: &str| {
            bar.calls
                .iter()
                .any(|c| c.call_id == id && c.phase == CallPhase::Ringing)
        };
        for call in before
            .calls
            .iter()
            .filter(|c| c.phase == CallPhase::Ringing)
        {
            if !rings(after, &call.call_id) {
                notes.push(Note::RingingOver {
                    caller: call.caller.clone(),
                    answered: after.calls.iter().any(|c| c.call_id == call.call_id),
                });
            }
        }
        for call in after.calls.iter().filter(|c| c.phase == CallPhase::Ringing) {
            if !rings(before, &call.call_id) {
                notes.push(Note::Ringing {
                    call_id: call.call_id.clone(),
                    caller: call.caller.clone(),
                    called: call.called.clone(),
                });
            }
        }
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
/// One task shows them, in the order the bar changed, over one connection to
/// the notification server; one listener on that connection hears the Answer
/// clicks, so a long shift holds no more threads or connections than its first call.
pub fn follow(app: &AppHandle) -> Task {
    let mut shown = app.state::<Live>().subscribe();
    let app = app.clone();
    Task::spawn(async move {
        let mut desk = Desk::default();
        let mut before = shown.borrow_and_update().clone();
        while shown.changed().await.is_ok() {
            let after = shown.borrow_and_update().clone();
            let rest_over = after.rests_over != before.rests_over;
            let settings = app.state::<Live>().settings().notifications;
            for note in notes_for(&before.bar, &after.bar, rest_over, &settings) {
                desk.show(&app, note).await;
            }
            before = after;
        }
    })
}

/// The notification server's D-Bus names.
const BUS_NAME: &str = "org.freedesktop.Notifications";
const OBJECT_PATH: &str = "/org/freedesktop/Notifications";
const INTERFACE: &str = "org.freedesktop.Notifications";
/// How long a notification server that does not answer holds up the next notification.
const SERVER_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// How long the "answered" replacement stays up.
const ANSWERED_MS: i32 = 4000;

/// What the follower keeps between notifications.
#[derive(Default)]
struct Desk {
    /// The connection, made at the first notification and again after a failure.
    server: Option<Server>,
    /// The ringing notification on screen, to replace when the ringing ends.
    ringing: Option<u32>,
}

impl Desk {
    /// Shows `note`; without a notification server (no desktop session) it is
    /// skipped: the bar still shows everything.
    async fn show(&mut self, app: &AppHandle, note: Note) {
        let replaces = match &note {
            Note::RingingOver { .. } => match self.ringing.take() {
                Some(id) => id,
                // The ringing was never shown: nothing stale to replace.
                None => return,
            },
            _ => 0,
        };
        if self.server.is_none() {
            match Server::connect(app).await {
                Ok(server) => self.server = Some(server),
                Err(error) => {
                    tracing::warn!(%error, "could not reach the notification server");
                    return;
                }
            }
        }
        let Some(server) = &self.server else {
            return;
        };
        let sent = tokio::time::timeout(SERVER_WAIT, server.notify(&note, replaces)).await;
        match sent.unwrap_or_else(|_| {
            Err(zbus::Error::InputOutput(Arc::new(
                std::io::ErrorKind::TimedOut.into(),
            )))
        }) {
            Ok(id) => {
                if let Note::Ringing { call_id, .. } = &note {
                    self.ringing = Some(id);
                    if server.actions {
                        server.answers.offer(id, call_id.clone());
                    }
                } else {
                    // A replaced ringing notification answers nothing any more.
                    server.answers.withdraw(replaces);
                }
            }
            Err(error) => {
                tracing::warn!(%error, "could not show a desktop notification");
                // Reconnect for the next one.
                self.server = None;
            }
        }
    }
}

/// Ringing notifications on screen with an Answer button, by notification
/// id, and the call each one answers.
#[derive(Debug, Default, Clone)]
struct Answers(Arc<Mutex<HashMap<u32, String>>>);

impl Answers {
    fn offer(&self, id: u32, call_id: String) {
        self.lock().insert(id, call_id);
    }

    fn withdraw(&self, id: u32) -> Option<String> {
        self.lock().remove(&id)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<u32, String>> {
        self.0.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// One connection to the notification server and its one listener.
struct Server {
    connection: zbus::Connection,
    /// Whether the server shows action buttons.
    actions: bool,
    answers: Answers,
    /// Hears ActionInvoked and NotificationClosed; stops with the server.
    _listener: Task,
}

impl Server {
    async fn connect(app: &AppHandle) -> zbus::Result<Self> {
        let connection = zbus::Connection::session().await?;
        let capabilities: Vec<String> = connection
            .call_method(
                Some(BUS_NAME),
                OBJECT_PATH,
                Some(INTERFACE),
                "GetCapabilities",
                &(),
            )
            .await?
            .body()
            .deserialize()?;
        let actions = capabilities.iter().any(|c| c == "actions");
        let answers = Answers::default();
        let listener = listen(app.clone(), &connection, answers.clone()).await?;
        Ok(Self {
            connection,
            actions,
            answers,
            _listener: listener,
        })
    }

    /// Sends `note` (replacing notification `replaces` unless 0); its id.
    async fn notify(&self, note: &Note, replaces: u32) -> zbus::Result<u32> {
        let (summary, body) = note.summary_and_body();
        let ringing = matches!(note, Note::Ringing { .. });
        let answer = i18n::t("note.answer");
        let actions: Vec<&str> = if ringing && self.actions {
            vec!["answer", &answer]
        } else {
            Vec::new()
        };
        // Urgency: 1 normal, 2 critical (a ringing call stays until it ends).
        let urgency: u8 = if ringing { 2 } else { 1 };
        let mut hints: HashMap<&str, zbus::zvariant::Value<'_>> = HashMap::new();
        hints.insert("urgency", urgency.into());
        let timeout: i32 = match note {
            Note::RingingOver { answered: true, .. } => ANSWERED_MS,
            _ => -1,
        };
        self.connection
            .call_method(
                Some(BUS_NAME),
                OBJECT_PATH,
                Some(INTERFACE),
                "Notify",
                &(
                    "AgentBar", replaces, "agentbar", &summary, &body, actions, hints, timeout,
                ),
            )
            .await?
            .body()
            .deserialize()
    }
}

/// Starts the one listener for the server's signals on `connection`: a click
/// on Answer answers the call its notification rang for, or nothing.
async fn listen(
    app: AppHandle,
    connection: &zbus::Connection,
    answers: Answers,
) -> zbus::Result<Task> {
    use futures::StreamExt;
    let rule = zbus::MatchRule::builder()
        .msg_type(zbus::message::Type::Signal)
        .interface(INTERFACE)?
        .path(OBJECT_PATH)?
        .build();
    let mut signals = zbus::MessageStream::for_match_rule(rule, connection, None).await?;
    // Only the server itself says what was clicked.
    let server = zbus::fdo::DBusProxy::new(connection)
        .await?
        .get_name_owner(zbus::names::BusName::try_from(BUS_NAME)?)
        .await?;
    Ok(Task::spawn(async move {
        while let Some(Ok(message)) = signals.next().await {
            let header = message.header();
            if header.sender().map(|s| s.as_str()) != Some(server.as_str()) {
                continue;
            }
            match header.member().map(|m| m.as_str()) {
                Some("ActionInvoked") => {
                    if let Ok((id, action)) = message.body().deserialize::<(u32, String)>()
                        && action == "answer"
                        && let Some(call_id) = answers.withdraw(id)
                    {
                        actions::spawn(&app, Action::AnswerCall { call_id }, "notification");
                    }
                }
                Some("NotificationClosed") => {
                    if let Ok((id, _reason)) = message.body().deserialize::<(u32, u32)>() {
                        answers.withdraw(id);
                    }
                }
                _ => {}
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::{AgentStateView, CallKind, CallView, Direction, HealthView, Media};

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
            phase: CallPhase::Ringing,
            kind: CallKind::Customer,
            held: false,
            muted: false,
            parties: Vec::new(),
            since: 0,
            answered_at: None,
            calldata: None,
        });
        b.calls = b.call.clone().into_iter().collect();
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
        for c in talking.calls.iter_mut() {
            c.phase = CallPhase::Talking;
        }
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
    fn a_call_waiting_rings_while_another_talks() {
        let all = NotificationSettings::default();
        let mut talking = ringing();
        talking.state = AgentStateView::Talking;
        talking.calls[0].phase = CallPhase::Talking;
        let mut waiting = talking.clone();
        let mut second = ringing().calls.remove(0);
        second.call_id = "2".into();
        waiting.calls.push(second);
        assert_eq!(
            notes_for(&talking, &waiting, false, &all),
            vec![Note::Ringing {
                call_id: "2".into(),
                caller: "13800138000".into(),
                called: "4001".into()
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
