//! AgentBar's desktop shell: it wires the `agentgateway` engine to the window,
//! the tray, notifications and the keyring, and keeps no protocol logic of its own.

mod bridge;
mod commands;
mod diagnostics;
mod errors;
mod i18n;
mod logging;
mod notify;
mod secrets;
mod session;
mod settings;
mod shortcuts;
mod tray;
mod view;

use tauri::{AppHandle, Manager, WindowEvent};

use crate::session::AppSession;
use crate::settings::SettingsStore;

/// Label of the connection bar window.
pub const MAIN_WINDOW: &str = "main";

/// Starts the desktop app and blocks until it quits.
pub fn run() {
    let sign_in_at_start = std::env::args().any(|a| a == "--sign-in");
    let result = tauri::Builder::default()
        // First: a second launch only focuses the running bar.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            show_main_window(app);
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .app_name("AgentBar")
                .build(),
        )
        .plugin(shortcuts::plugin())
        .manage(AppSession::new(SettingsStore::platform()))
        .manage(shortcuts::Shortcuts::default())
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::snapshot,
            commands::save_settings,
            commands::probe_certificate,
            commands::sign_in,
            commands::sign_out,
            commands::set_ready,
            commands::set_busy,
            commands::cancel_busy,
            commands::set_rest,
            commands::cancel_rest,
            commands::set_work,
            commands::cancel_work,
            commands::answer,
            commands::hang_up,
            commands::hold,
            commands::unhold,
            commands::save_calldata,
            commands::save_diagnostics,
            commands::system_language,
            commands::shortcut_status,
        ])
        .setup(move |app| {
            let guard = logging::init(app.handle());
            app.manage(guard);
            let settings = app.state::<AppSession>().settings();
            i18n::set_current(i18n::resolve(settings.language.as_str()));
            tray::install(app.handle())?;
            apply_window_settings(app.handle());
            apply_autostart(app.handle(), &settings);
            let handle = app.handle().clone();
            tauri::async_runtime::spawn(async move {
                // Off the main thread: registering waits for the main thread.
                shortcuts::apply(&handle, &settings.shortcuts);
                let app_session = handle.state::<AppSession>();
                app_session.resume(&handle).await;
                if sign_in_at_start {
                    app_session.sign_in_with_saved(&handle).await;
                }
            });
            Ok(())
        })
        .on_window_event(|window, event| {
            // Closing the bar hides it to the tray: an agent must not drop off
            // the queue by closing a window. Quit is in the tray menu.
            if let WindowEvent::CloseRequested { api, .. } = event
                && window.label() == MAIN_WINDOW
            {
                api.prevent_close();
                if let Err(error) = window.hide() {
                    tracing::warn!(%error, "could not hide the window");
                }
            }
        })
        .run(tauri::generate_context!());
    if let Err(error) = result {
        tracing::error!(%error, "AgentBar stopped with an error");
        eprintln!("AgentBar could not start: {error}");
        std::process::exit(1);
    }
}

/// Shows, unminimizes and focuses the connection bar window.
pub(crate) fn show_main_window(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW) {
        let shown = window
            .show()
            .and_then(|()| window.unminimize())
            .and_then(|()| window.set_focus());
        if let Err(error) = shown {
            tracing::warn!(%error, "could not show the window");
        }
    }
}

/// Makes login start AgentBar, or not, as the settings say (off by default).
pub(crate) fn apply_autostart(app: &AppHandle, settings: &settings::Settings) {
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

/// Applies the window choices of the settings (always on top).
pub(crate) fn apply_window_settings(app: &AppHandle) {
    let on_top = app.state::<AppSession>().settings().always_on_top;
    if let Some(window) = app.get_webview_window(MAIN_WINDOW)
        && let Err(error) = window.set_always_on_top(on_top)
    {
        tracing::warn!(%error, "could not change always-on-top");
    }
}

/// Switches the Rust side to the language `settings` choose (tray now;
/// notifications and errors from now on).
pub(crate) fn apply_language(app: &AppHandle, settings: &settings::Settings) {
    i18n::set_current(i18n::resolve(settings.language.as_str()));
    tray::relabel(app);
}

/// Quits: signs out first unless the agent turned that off, then exits.
pub(crate) async fn quit(app: &AppHandle) {
    let app_session = app.state::<AppSession>();
    if app_session.settings().quit_signs_out
        && app_session.session().await.is_ok()
        && let Err(error) = app_session.sign_out(app).await
    {
        tracing::warn!(kind = %error.kind, "signing out before quitting failed; the session stays in the keyring");
    }
    app.exit(0);
}
