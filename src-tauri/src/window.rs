//! The connection bar window: showing it from the tray or a second launch,
//! hiding it, keeping it on top. Closing it only hides it (see `lib.rs`).

use tauri::{AppHandle, Manager};

/// Label of the connection bar window.
pub const MAIN_WINDOW: &str = "main";

/// Shows, unminimizes and focuses the connection bar window.
pub fn show(app: &AppHandle) {
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

/// Hides the connection bar window (it stays in the tray).
pub fn hide(app: &AppHandle) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW)
        && let Err(error) = window.hide()
    {
        tracing::warn!(%error, "could not hide the window");
    }
}

/// Keeps the window above the others, or not.
pub fn set_always_on_top(app: &AppHandle, on_top: bool) {
    if let Some(window) = app.get_webview_window(MAIN_WINDOW)
        && let Err(error) = window.set_always_on_top(on_top)
    {
        tracing::warn!(%error, "could not change always-on-top");
    }
}
