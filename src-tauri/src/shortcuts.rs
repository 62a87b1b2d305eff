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

use crate::i18n;
use crate::settings::ShortcutSettings;

/// What a shortcut does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Answer,
    HangUp,
    Ready,
    Busy,
}

impl Action {
    /// The name used in settings and statuses (`ui/src/api.ts`).
    pub fn name(self) -> &'static str {
        match self {
            Action::Answer => "answer",
            Action::HangUp => "hangUp",
            Action::Ready => "ready",
            Action::Busy => "busy",
        }
    }
}

/// How a configured shortcut fared.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ShortcutStatus {
    /// "answer", "hangUp", "ready" or "busy".
    pub action: &'static str,
    /// The combination as configured.
    pub shortcut: String,
    /// "registered", "off" (empty), "invalid", "duplicate" or "unavailable".
    pub state: &'static str,
    /// Why, for invalid and unavailable, in plain words.
    pub detail: Option<String>,
}

/// The registered shortcuts and the status of each configured one.
#[derive(Default)]
pub struct Shortcuts {
    active: Mutex<Vec<(Shortcut, Action)>>,
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

fn configured(settings: &ShortcutSettings) -> [(Action, &str); 4] {
    [
        (Action::Answer, settings.answer.as_str()),
        (Action::HangUp, settings.hang_up.as_str()),
        (Action::Ready, settings.ready.as_str()),
        (Action::Busy, settings.busy.as_str()),
    ]
}

/// What each configured shortcut would be: parsed, or why not. Pure, for tests.
fn plan(
    settings: &ShortcutSettings,
    refusal: Option<&'static str>,
) -> Vec<(ShortcutStatus, Option<(Shortcut, Action)>)> {
    let mut taken: Vec<Shortcut> = Vec::new();
    configured(settings)
        .into_iter()
        .map(|(action, text)| {
            let status = |state, detail: Option<String>| ShortcutStatus {
                action: action.name(),
                shortcut: text.trim().to_owned(),
                state,
                detail,
            };
            match parse(text) {
                Ok(None) => (status("off", None), None),
                Err(detail) => (status("invalid", Some(detail)), None),
                Ok(Some(shortcut)) if taken.contains(&shortcut) => (
                    status("duplicate", Some(i18n::t("shortcut.duplicate").to_owned())),
                    None,
                ),
                Ok(Some(shortcut)) => {
                    taken.push(shortcut);
                    match refusal {
                        Some(key) => (status("unavailable", Some(i18n::t(key).to_owned())), None),
                        None => (status("registered", None), Some((shortcut, action))),
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

fn run(app: &AppHandle, action: Action) {
    let app = app.clone();
    tauri::async_runtime::spawn(async move {
        let result = match action {
            Action::Answer => crate::commands::answer(app.state()).await,
            Action::HangUp => crate::commands::hang_up(app.state()).await,
            Action::Ready => crate::commands::set_ready(app.state()).await,
            Action::Busy => crate::commands::set_busy(app.state(), 200).await,
        };
        if let Err(error) = result {
            tracing::warn!(action = action.name(), kind = %error.kind, "the shortcut's action failed");
        }
    });
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
                    status.state = "unavailable";
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
        };
        let planned = plan(&settings, None);
        let states: Vec<_> = planned.iter().map(|(s, _)| s.state).collect();
        assert_eq!(states, ["registered", "off", "duplicate", "invalid"]);
        assert_eq!(planned[0].1.map(|(_, a)| a), Some(Action::Answer));
        assert_eq!(planned[0].0.action, "answer");
        assert_eq!(planned[1].0.action, "hangUp");

        let refused = plan(&ShortcutSettings::default(), Some("shortcut.wayland"));
        assert!(refused.iter().all(|(s, w)| s.state == "unavailable"
            && w.is_none()
            && s.detail.as_deref().is_some_and(|d| !d.is_empty())));
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
