//! The settings that take effect on the desktop at once: always on top,
//! starting at login, the language of the tray, notifications and errors,
//! and the global shortcuts. Applied at start and whenever the agent saves
//! a change.

use tauri::{AppHandle, Manager};

use crate::app::AppSession;
use crate::errors::AppError;
use crate::i18n;
use crate::settings::Settings;
use crate::view::live::Live;

/// Applies `settings` at start. The shortcuts are left to
/// [`crate::shortcuts::apply`], which must run off the main thread.
pub fn apply_at_start(app: &AppHandle, settings: &Settings) {
    i18n::set_current(i18n::resolve(settings.language.as_str()));
    crate::window::set_always_on_top(app, settings.always_on_top);
    apply_autostart(app, settings);
}

/// Saves the settings and applies what changed.
pub fn save_settings(app: &AppHandle, settings: &Settings) -> Result<Settings, AppError> {
    let before = app.state::<Live>().settings();
    let saved = app.state::<AppSession>().save_settings(app, settings)?;
    crate::window::set_always_on_top(app, saved.always_on_top);
    if saved.autostart != before.autostart {
        apply_autostart(app, &saved);
    }
    if saved.language != before.language {
        i18n::set_current(i18n::resolve(saved.language.as_str()));
        // The tray and the page put the bar into the new language.
        app.state::<Live>().show_again();
    }
    if saved.shortcuts != before.shortcuts {
        crate::shortcuts::apply(app, &saved.shortcuts);
    }
    Ok(saved)
}

/// Makes login start AgentBar, or not, as the settings say (off by default).
fn apply_autostart(app: &AppHandle, settings: &Settings) {
    use tauri_plugin_autostart::ManagerExt;
    let autolaunch = app.autolaunch();
    if settings.autostart
        && let Some(home) = dirs::home_dir()
        && let Err(error) = std::fs::create_dir_all(home.join(".config").join("autostart"))
    {
        // The launcher only creates the last folder; a new account may have no ~/.config.
        tracing::warn!(%error, "could not create the autostart folder");
    }
    let result = match (settings.autostart, autolaunch.is_enabled().unwrap_or(false)) {
        (true, false) => autolaunch.enable(),
        (false, true) => autolaunch.disable(),
        _ => Ok(()),
    };
    if let Err(error) = result {
        tracing::warn!(%error, "could not change starting at login");
    }
}
