//! Global keyboard shortcuts for Answer, Hang up, Ready and Busy, from the
//! settings, through the official global-shortcut plugin. Where the platform
//! refuses one (Wayland, no X display, a combination another program holds),
//! its status says why and the settings panel shows it; the page then handles
//! the same combination while the bar has focus.

use std::str::FromStr;
use std::sync::Mutex;

use serde::Serialize;
use tauri::plugin::TauriPlugin;
use tauri::{AppHandle, Manager, Wry};
use tauri_plugin_global_shortcut::{
    GlobalShortcutExt, Modifiers, Shortcut, ShortcutEvent, ShortcutState,
};
use ts_rs::TS;

use crate::actions::{self, Action};
use crate::i18n;
use crate::limits::DEFAULT_BUSY_REASON;
use crate::settings::ShortcutSettings;

/// What a shortcut does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ShortcutAction {
    Answer,
    HangUp,
    Ready,
    Busy,
    /// Mute the call, or unmute it when muted.
    Mute,
}

impl ShortcutAction {
    /// The name used in settings and statuses.
    pub fn name(self) -> &'static str {
        match self {
            ShortcutAction::Answer => "answer",
            ShortcutAction::HangUp => "hangUp",
            ShortcutAction::Ready => "ready",
            ShortcutAction::Busy => "busy",
            ShortcutAction::Mute => "mute",
        }
    }

    /// The action it performs.
    fn action(self) -> Action {
        match self {
            ShortcutAction::Answer => Action::Answer,
            ShortcutAction::HangUp => Action::HangUp,
            ShortcutAction::Ready => Action::Ready,
            ShortcutAction::Busy => Action::Busy {
                reason: DEFAULT_BUSY_REASON,
            },
            ShortcutAction::Mute => Action::ToggleMute,
        }
    }
}

/// What became of a configured shortcut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum ShortcutOutcome {
    /// Taken globally: it works whichever program has focus.
    Registered,
    /// Empty in the settings.
    Off,
    /// Not a combination AgentBar can take.
    Invalid,
    /// The same combination as an earlier action's.
    Duplicate,
    /// The desktop refused it; the page handles it while the bar has focus.
    Unavailable,
}

/// How a configured shortcut fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct ShortcutStatus {
    pub action: ShortcutAction,
    /// The combination as configured.
    pub shortcut: String,
    pub state: ShortcutOutcome,
    /// Why, for invalid, duplicate and unavailable, in the current language.
    pub detail: Option<String>,
}

/// The registered shortcuts and the status of each configured one.
#[derive(Default)]
pub struct Shortcuts {
    active: Mutex<Vec<(Shortcut, ShortcutAction)>>,
    statuses: Mutex<Vec<ShortcutStatus>>,
}

/// Parses "Ctrl+Alt+A": `None` when empty (turned off). A global shortcut
/// needs Ctrl, Alt or Super, so it never takes a key away from typing.
pub fn parse(text: &str) -> Result<Option<Shortcut>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let shortcut = Shortcut::from_str(text).map_err(|e| e.to_string())?;
    if !shortcut
        .mods
        .intersects(Modifiers::CONTROL | Modifiers::ALT | Modifiers::SUPER)
    {
        return Err(i18n::t("shortcut.needsModifier").to_owned());
    }
    Ok(Some(shortcut))
}

/// Why global shortcuts cannot work in this session, if they cannot.
fn platform_refusal(var: impl Fn(&str) -> Option<String>) -> Option<&'static str> {
    if cfg!(target_os = "linux") {
        let wayland = var("XDG_SESSION_TYPE").is_some_and(|t| t == "wayland")
            || var("WAYLAND_DISPLAY").is_some_and(|d| !d.is_empty());
        if wayland {
            return Some("shortcut.wayland");
        }
        if var("DISPLAY").is_none_or(|d| d.is_empty()) {
            return Some("shortcut.noDisplay");
        }
    }
    None
}

fn configured(settings: &ShortcutSettings) -> [(ShortcutAction, &str); 5] {
    [
        (ShortcutAction::Answer, settings.answer.as_str()),
        (ShortcutAction::HangUp, settings.hang_up.as_str()),
        (ShortcutAction::Ready, settings.ready.as_str()),
        (ShortcutAction::Busy, settings.busy.as_str()),
        (ShortcutAction::Mute, settings.mute.as_str()),
    ]
}

/// What each configured shortcut would be: parsed, or why not. Pure, for tests.
fn plan(
    settings: &ShortcutSettings,
    refusal: Option<&'static str>,
) -> Vec<(ShortcutStatus, Option<(Shortcut, ShortcutAction)>)> {
    let mut taken: Vec<Shortcut> = Vec::new();
    configured(settings)
        .into_iter()
        .map(|(action, text)| {
            let status = |state, detail: Option<String>| ShortcutStatus {
                action,
                shortcut: text.trim().to_owned(),
                state,
                detail,
            };
            match parse(text) {
                Ok(None) => (status(ShortcutOutcome::Off, None), None),
                Err(detail) => (status(ShortcutOutcome::Invalid, Some(detail)), None),
                Ok(Some(shortcut)) if taken.contains(&shortcut) => (
                    status(
                        ShortcutOutcome::Duplicate,
                        Some(i18n::t("shortcut.duplicate").to_owned()),
                    ),
                    None,
                ),
                Ok(Some(shortcut)) => {
                    taken.push(shortcut);
                    match refusal {
                        Some(key) => (
                            status(ShortcutOutcome::Unavailable, Some(i18n::t(key).to_owned())),
                            None,
                        ),
                        None => (
                            status(ShortcutOutcome::Registered, None),
                            Some((shortcut, action)),
                        ),
                    }
                }
            }
        })
        .collect()
}

/// The plugin, with the handler that runs a shortcut's action.
pub fn plugin() -> TauriPlugin<Wry> {
    tauri_plugin_global_shortcut::Builder::new()
        .with_handler(|app, shortcut, event: ShortcutEvent| {
            if event.state != ShortcutState::Pressed {
                return;
            }
            let action = app.try_state::<Shortcuts>().and_then(|s| {
                s.active
                    .lock()
                    .ok()?
                    .iter()
                    .find(|(s, _)| s == shortcut)
                    .map(|(_, a)| *a)
            });
            if let Some(action) = action {
                run(app, action);
            }
        })
        .build()
}

fn run(app: &AppHandle, action: ShortcutAction) {
    actions::spawn(app, action.action(), "shortcut");
}

/// Registers the configured shortcuts in place of the previous ones and
/// returns their statuses. Call it off the main thread: the plugin waits for
/// the main thread to register.
pub fn apply(app: &AppHandle, settings: &ShortcutSettings) -> Vec<ShortcutStatus> {
    let Some(state) = app.try_state::<Shortcuts>() else {
        return Vec::new();
    };
    let global = app.global_shortcut();
    let previous: Vec<Shortcut> = state
        .active
        .lock()
        .map(|mut a| a.drain(..).map(|(s, _)| s).collect())
        .unwrap_or_default();
    for shortcut in previous {
        if let Err(error) = global.unregister(shortcut) {
            tracing::warn!(%error, "a shortcut could not be released");
        }
    }
    let mut statuses = Vec::new();
    let mut active = Vec::new();
    for (mut status, wanted) in plan(settings, platform_refusal(|n| std::env::var(n).ok())) {
        if let Some((shortcut, action)) = wanted {
            match global.register(shortcut) {
                Ok(()) => active.push((shortcut, action)),
                Err(error) => {
                    tracing::warn!(%error, action = action.name(), "a global shortcut was refused");
                    status.state = ShortcutOutcome::Unavailable;
                    status.detail = Some(i18n::tf(
                        "shortcut.refused",
                        &[("detail", &error.to_string())],
                    ));
                }
            }
        }
        statuses.push(status);
    }
    if let Ok(mut a) = state.active.lock() {
        *a = active;
    }
    if let Ok(mut s) = state.statuses.lock() {
        s.clone_from(&statuses);
    }
    statuses
}

/// The statuses of the last [`apply`], with details in the current language.
pub fn statuses(app: &AppHandle) -> Vec<ShortcutStatus> {
    app.try_state::<Shortcuts>()
        .and_then(|s| s.statuses.lock().ok().map(|s| s.clone()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_defaults_parse_and_plain_keys_are_refused() {
        let defaults = ShortcutSettings::default();
        for (_, text) in configured(&defaults) {
            assert!(matches!(parse(text), Ok(Some(_))), "{text}");
        }
        assert_eq!(parse("  ").unwrap(), None);
        assert!(parse("A").is_err(), "a plain key would stop typing");
        assert!(parse("Shift+A").is_err(), "Shift alone would stop typing");
        assert!(parse("Ctrl+Alt+").is_err());
        assert!(parse("Ctrl+Nonsense").is_err());
        assert!(parse("ctrl+shift+f5").unwrap().is_some());
    }

    #[test]
    fn statuses_say_what_became_of_each_shortcut() {
        let settings = ShortcutSettings {
            answer: "Ctrl+Alt+A".into(),
            hang_up: "".into(),
            ready: "Ctrl+Alt+A".into(),
            busy: "Busy!".into(),
            mute: "Ctrl+Alt+M".into(),
        };
        let planned = plan(&settings, None);
        let states: Vec<_> = planned.iter().map(|(s, _)| s.state).collect();
        assert_eq!(
            states,
            [
                ShortcutOutcome::Registered,
                ShortcutOutcome::Off,
                ShortcutOutcome::Duplicate,
                ShortcutOutcome::Invalid,
                ShortcutOutcome::Registered
            ]
        );
        assert_eq!(planned[0].1.map(|(_, a)| a), Some(ShortcutAction::Answer));
        assert_eq!(planned[0].0.action, ShortcutAction::Answer);
        assert_eq!(planned[1].0.action, ShortcutAction::HangUp);
        let json = serde_json::to_value(&planned[1].0).unwrap_or_default();
        assert_eq!(
            (json["action"].as_str(), json["state"].as_str()),
            (Some("hangUp"), Some("off"))
        );

        let refused = plan(&ShortcutSettings::default(), Some("shortcut.wayland"));
        assert!(
            refused
                .iter()
                .all(|(s, w)| s.state == ShortcutOutcome::Unavailable
                    && w.is_none()
                    && s.detail.as_deref().is_some_and(|d| !d.is_empty()))
        );
    }

    #[test]
    fn wayland_and_a_missing_display_refuse_global_shortcuts() {
        let env = |pairs: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            }
        };
        assert_eq!(platform_refusal(env(&[("DISPLAY", ":99")])), None);
        assert_eq!(
            platform_refusal(env(&[("DISPLAY", ":0"), ("XDG_SESSION_TYPE", "wayland")])),
            Some("shortcut.wayland")
        );
        assert_eq!(platform_refusal(env(&[])), Some("shortcut.noDisplay"));
    }
}
