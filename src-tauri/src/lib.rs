//! AgentBar's desktop shell: it wires the `agentgateway` engine to the window,
//! the tray, notifications and the keyring, and keeps no protocol logic of its
//! own. Every way in (page, tray, shortcut, notification) goes through
//! `actions`; everything shown follows the one bar that `view::live` publishes.

mod actions;
mod app;
#[cfg(test)]
mod bindings;
mod calls;
mod commands;
mod desktop;
mod diagnostics;
mod errors;
mod faces;
mod files;
mod i18n;
mod limits;
mod logging;
mod recent;
mod remembered;
mod secrets;
mod settings;
mod shortcuts;
mod task;
mod view;
mod window;

use tauri::{Manager, WindowEvent};

use crate::app::AppSession;
use crate::settings::SettingsStore;
use crate::task::Task;
use crate::view::live::Live;

/// The app's identifier (`tauri.conf.json`): its data folder's name.
const APP_IDENTIFIER: &str = "com.agentbar.desktop";

/// The faces that follow the bar for as long as the app runs.
struct Followers {
    _tasks: Vec<Task>,
}

/// Starts the desktop app and blocks until it quits.
pub fn run() {
    // Before anything is written: what the app creates is its user's alone.
    files::restrict_umask();
    let sign_in_at_start = std::env::args().any(|a| a == "--sign-in");
    let store = SettingsStore::platform();
    store.restrict();
    let app_session = AppSession::new(store);
    let recent = dirs::data_dir()
        .map(|d| recent::RecentCalls::in_dir(&d.join(APP_IDENTIFIER)))
        .unwrap_or_default();
    let live = Live::new(app_session.load_settings(), recent);
    let result = tauri::Builder::default()
        // First: a second launch only focuses the running bar.
        .plugin(tauri_plugin_single_instance::init(|app, _args, _cwd| {
            window::show(app);
        }))
        .plugin(tauri_plugin_window_state::Builder::default().build())
        .plugin(
            tauri_plugin_autostart::Builder::new()
                .app_name("AgentBar")
                .build(),
        )
        .plugin(shortcuts::plugin())
        .manage(app_session)
        .manage(live)
        .manage(shortcuts::Shortcuts::default())
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::snapshot,
            commands::save_settings,
            commands::probe_certificate,
            commands::push_certificate,
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
            commands::call_control,
            commands::transfer_targets,
            commands::skills,
            commands::sign_in_skills,
            commands::queue_figures,
            commands::today,
        ])
        .setup(move |app| {
            let guard = logging::init(app.handle());
            app.manage(guard);
            let settings = app.state::<Live>().settings();
            desktop::apply_at_start(app.handle(), &settings);
            window::lighten(app.handle());
            faces::tray::install(app.handle())?;
            app.manage(Followers {
                _tasks: vec![
                    faces::page::follow(app.handle()),
                    faces::tray::follow(app.handle()),
                    faces::notify::follow(app.handle()),
                ],
            });
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
                && window.label() == window::MAIN_WINDOW
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
