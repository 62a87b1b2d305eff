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

/// Sets up the window's web view to cost little while it sits on screen all
/// shift: the page is drawn by the CPU into the window (no GPU compositing,
/// which without a GPU means a software OpenGL pass for every repaint of the
/// one-second timer), and WebKit keeps the small caches of a document viewer.
/// `AGENTBAR_GPU_COMPOSITING=1` keeps WebKit's own choice, for a desktop
/// where that works better.
pub fn lighten(app: &AppHandle) {
    let Some(window) = app.get_webview_window(MAIN_WINDOW) else {
        return;
    };
    let gpu = std::env::var_os("AGENTBAR_GPU_COMPOSITING").is_some_and(|v| v == "1");
    let done = window.with_webview(move |webview| {
        #[cfg(target_os = "linux")]
        {
            use webkit2gtk::{
                CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
            };
            let view = webview.inner();
            if !gpu && let Some(settings) = WebViewExt::settings(&view) {
                settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
            }
            if let Some(context) = view.context() {
                context.set_cache_model(CacheModel::DocumentViewer);
            }
        }
        #[cfg(not(target_os = "linux"))]
        let _ = (webview, gpu);
    });
    if let Err(error) = done {
        tracing::warn!(%error, "could not tune the web view");
    }
}
