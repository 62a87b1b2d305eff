//! AgentBar's desktop shell: it wires the `agentgateway` engine to the window,
//! the tray, notifications and the keyring, and keeps no protocol logic of its own.

mod commands;
mod tray;

use tauri::{Manager, WindowEvent};

/// Label of the connection bar window.
pub const MAIN_WINDOW: &str = "main";

/// Starts the desktop app and blocks until it quits.
pub fn run() {
    init_logging();
    let result = tauri::Builder::default()
        .invoke_handler(tauri::generate_handler![commands::app_info])
        .setup(|app| {
            tray::install(app.handle())?;
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
pub(crate) fn show_main_window(app: &tauri::AppHandle) {
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

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("AGENTBAR_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // A second initialisation (tests) is harmless; ignore it.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
