//! The tray icon and its menu. Linux trays deliver no clicks, only menu
//! activations, so everything an agent needs is a menu item.

use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager};

/// Tray id; on Linux the menu is exported over D-Bus under this name.
pub const TRAY_ID: &str = "agentbar";

const STATUS: &str = "status";
const SHOW: &str = "show";
const HIDE: &str = "hide";
const QUIT: &str = "quit";

/// Builds the tray icon with its menu and wires the menu handler.
pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let status = MenuItem::with_id(app, STATUS, "Signed out", false, None::<&str>)?;
    let show = MenuItem::with_id(app, SHOW, "Show", true, None::<&str>)?;
    let hide = MenuItem::with_id(app, HIDE, "Hide", true, None::<&str>)?;
    let quit = MenuItem::with_id(app, QUIT, "Quit", true, None::<&str>)?;
    let separator = PredefinedMenuItem::separator(app)?;
    let menu = Menu::with_items(app, &[&status, &separator, &show, &hide, &quit])?;

    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip("AgentBar")
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()));
    if let Some(icon) = app.default_window_icon() {
        tray = tray.icon(icon.clone());
    }
    tray.build(app)?;
    Ok(())
}

fn on_menu(app: &AppHandle, id: &str) {
    match id {
        SHOW => crate::show_main_window(app),
        HIDE => {
            if let Some(window) = app.get_webview_window(crate::MAIN_WINDOW)
                && let Err(error) = window.hide()
            {
                tracing::warn!(%error, "could not hide the window");
            }
        }
        QUIT => app.exit(0),
        other => tracing::debug!(item = other, "tray menu item without an action"),
    }
}
