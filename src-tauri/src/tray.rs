//! The tray icon and its menu. The icon follows the agent state. Linux trays
//! deliver no clicks, only menu activations, so everything an agent needs is a
//! menu item: the status line, Ready / Busy / Rest, Show / Hide, Sign out, Quit.

use std::sync::Mutex;

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};

use crate::i18n;
use crate::session::AppSession;
use crate::view::{AgentStateView, BarView, HealthKind};

/// Tray id; on Linux the menu is exported over D-Bus under this name.
pub const TRAY_ID: &str = "agentbar";

/// Menu item ids.
pub const STATUS: &str = "status";
pub const READY: &str = "ready";
pub const BUSY: &str = "busy";
pub const REST: &str = "rest";
pub const SHOW: &str = "show";
pub const HIDE: &str = "hide";
pub const SIGN_OUT: &str = "sign-out";
pub const QUIT: &str = "quit";

/// Rest length of the tray's Rest item.
const TRAY_REST_SECONDS: u32 = 15 * 60;

/// The items whose text or availability follows the state or the language.
struct Items {
    status: MenuItem<Wry>,
    ready: MenuItem<Wry>,
    busy: MenuItem<Wry>,
    rest: MenuItem<Wry>,
    sign_out: MenuItem<Wry>,
    show: MenuItem<Wry>,
    hide: MenuItem<Wry>,
    quit: MenuItem<Wry>,
    /// The view shown last, to show again in another language.
    last: Mutex<BarView>,
}

/// The words for `state` in the current language.
pub fn state_label(state: AgentStateView) -> &'static str {
    i18n::t(match state {
        AgentStateView::Signedout => "state.signedout",
        AgentStateView::Idle => "state.idle",
        AgentStateView::Busy => "state.busy",
        AgentStateView::Ringing => "state.ringing",
        AgentStateView::Talking => "state.talking",
        AgentStateView::Hold => "state.hold",
        AgentStateView::Rest => "state.rest",
        AgentStateView::Wrapup => "state.wrapup",
    })
}

fn icon(state: AgentStateView) -> Option<Image<'static>> {
    let bytes: &'static [u8] = match state {
        AgentStateView::Signedout => include_bytes!("../../icons/tray/signedout.png"),
        AgentStateView::Idle => include_bytes!("../../icons/tray/idle.png"),
        AgentStateView::Busy => include_bytes!("../../icons/tray/busy.png"),
        AgentStateView::Ringing => include_bytes!("../../icons/tray/ringing.png"),
        AgentStateView::Talking => include_bytes!("../../icons/tray/talking.png"),
        AgentStateView::Hold => include_bytes!("../../icons/tray/hold.png"),
        AgentStateView::Rest => include_bytes!("../../icons/tray/rest.png"),
        AgentStateView::Wrapup => include_bytes!("../../icons/tray/wrapup.png"),
    };
    Image::from_bytes(bytes).ok()
}

/// Builds the tray icon with its menu and wires the menu handler.
pub fn install(app: &AppHandle) -> tauri::Result<()> {
    let item = |id: &str, text: &str, enabled: bool| {
        MenuItem::with_id(app, id, text, enabled, None::<&str>)
    };
    let items = Items {
        status: item(STATUS, state_label(AgentStateView::Signedout), false)?,
        ready: item(READY, i18n::t("tray.ready"), false)?,
        busy: item(BUSY, i18n::t("tray.busy"), false)?,
        rest: item(REST, i18n::t("tray.rest"), false)?,
        sign_out: item(SIGN_OUT, i18n::t("tray.signOut"), false)?,
        show: item(SHOW, i18n::t("tray.show"), true)?,
        hide: item(HIDE, i18n::t("tray.hide"), true)?,
        quit: item(QUIT, i18n::t("tray.quit"), true)?,
        last: Mutex::new(BarView::signed_out(None, 0)),
    };
    let menu = Menu::with_items(
        app,
        &[
            &items.status,
            &PredefinedMenuItem::separator(app)?,
            &items.ready,
            &items.busy,
            &items.rest,
            &PredefinedMenuItem::separator(app)?,
            &items.show,
            &items.hide,
            &items.sign_out,
            &PredefinedMenuItem::separator(app)?,
            &items.quit,
        ],
    )?;
    let mut tray = TrayIconBuilder::with_id(TRAY_ID)
        .tooltip(i18n::tf(
            "tray.tooltip",
            &[("status", state_label(AgentStateView::Signedout))],
        ))
        .menu(&menu)
        .show_menu_on_left_click(true)
        .on_menu_event(|app, event| on_menu(app, event.id().as_ref()));
    if let Some(image) = icon(AgentStateView::Signedout) {
        tray = tray.icon(image);
    }
    tray.build(app)?;
    app.manage(items);
    Ok(())
}

/// Makes the icon, the status line and the items follow `view`. The update
/// runs on the main thread, where GTK wants it; the caller never waits for it
/// (waiting from a runtime thread for the main thread can deadlock).
pub fn reflect(app: &AppHandle, view: &BarView) {
    let handle = app.clone();
    let view = view.clone();
    if let Err(error) = app.run_on_main_thread(move || reflect_now(&handle, &view)) {
        tracing::warn!(%error, "the tray could not be updated");
    }
}

/// Shows every item's text in the current language (after a language change).
pub fn relabel(app: &AppHandle) {
    let handle = app.clone();
    let run = app.run_on_main_thread(move || {
        let Some(items) = handle.try_state::<Items>() else {
            return;
        };
        let texts = [
            (&items.ready, "tray.ready"),
            (&items.busy, "tray.busy"),
            (&items.rest, "tray.rest"),
            (&items.sign_out, "tray.signOut"),
            (&items.show, "tray.show"),
            (&items.hide, "tray.hide"),
            (&items.quit, "tray.quit"),
        ];
        for (item, key) in texts {
            if let Err(error) = item.set_text(i18n::t(key)) {
                tracing::warn!(%error, "the tray menu could not be updated");
            }
        }
        let last = items.last.lock().map(|v| v.clone());
        if let Ok(view) = last {
            reflect_now(&handle, &view);
        }
    });
    if let Err(error) = run {
        tracing::warn!(%error, "the tray could not be updated");
    }
}

/// The status line for `view`.
fn status_line(view: &BarView) -> String {
    let label = state_label(view.state);
    match (&view.agent_id, view.health.kind) {
        (_, HealthKind::Reconnecting) => i18n::tf("tray.reconnecting", &[("state", label)]),
        (Some(agent), _) if view.state != AgentStateView::Signedout => {
            i18n::tf("tray.agent", &[("agent", agent), ("state", label)])
        }
        _ => label.to_owned(),
    }
}

fn reflect_now(app: &AppHandle, view: &BarView) {
    let status = status_line(view);
    tracing::debug!(state = view.state.tray().0, "the tray follows the state");
    let signed_in = view.state != AgentStateView::Signedout;
    let in_call = view.call.is_some();
    if let Some(items) = app.try_state::<Items>() {
        if let Ok(mut last) = items.last.lock() {
            *last = view.clone();
        }
        let results = [
            items.status.set_text(&status),
            items
                .ready
                .set_enabled(signed_in && !in_call && view.state != AgentStateView::Idle),
            items
                .busy
                .set_enabled(signed_in && !in_call && view.state != AgentStateView::Busy),
            items
                .rest
                .set_enabled(signed_in && !in_call && view.state != AgentStateView::Rest),
            items.sign_out.set_enabled(signed_in && !in_call),
        ];
        for result in results {
            if let Err(error) = result {
                tracing::warn!(%error, "the tray menu could not be updated");
            }
        }
    }
    if let Some(tray) = app.tray_by_id(TRAY_ID) {
        if let Err(error) = tray.set_icon(icon(view.state)) {
            tracing::warn!(%error, "the tray icon could not be updated");
        }
        let _ = tray.set_tooltip(Some(i18n::tf("tray.tooltip", &[("status", &status)])));
    }
}

/// Runs the action of the menu item `id` (also the entry point for tests
/// that click the item over D-Bus).
pub fn on_menu(app: &AppHandle, id: &str) {
    match id {
        SHOW => crate::show_main_window(app),
        HIDE => {
            if let Some(window) = app.get_webview_window(crate::MAIN_WINDOW)
                && let Err(error) = window.hide()
            {
                tracing::warn!(%error, "could not hide the window");
            }
        }
        READY | BUSY | REST => {
            let app = app.clone();
            let id = id.to_owned();
            tauri::async_runtime::spawn(async move {
                let result = match id.as_str() {
                    READY => crate::commands::set_ready(app.state()).await,
                    BUSY => crate::commands::set_busy(app.state(), 200).await,
                    _ => crate::commands::set_rest(app.state(), TRAY_REST_SECONDS, 0).await,
                };
                if let Err(error) = result {
                    tracing::warn!(item = %id, kind = %error.kind, "the tray action failed");
                }
            });
        }
        SIGN_OUT => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move {
                if let Err(error) = app.state::<AppSession>().sign_out(&app).await {
                    tracing::warn!(kind = %error.kind, "signing out from the tray failed");
                    crate::show_main_window(&app);
                }
            });
        }
        QUIT => {
            let app = app.clone();
            tauri::async_runtime::spawn(async move { crate::quit(&app).await });
        }
        other => tracing::debug!(item = other, "tray menu item without an action"),
    }
}
