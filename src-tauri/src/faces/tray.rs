//! The tray icon and its menu. The icon and the menu follow the bar as
//! [`Live`] publishes it; which items are usable is the bar's own
//! [`crate::view::Controls`]. Linux trays deliver no clicks, only menu
//! activations, so everything an agent needs is a menu item: the status line,
//! Ready / Busy / Rest, Show / Hide, Sign out, Quit.

use tauri::image::Image;
use tauri::menu::{Menu, MenuItem, PredefinedMenuItem};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Wry};

use crate::actions::{self, Action};
use crate::i18n;
use crate::limits::DEFAULT_BUSY_REASON;
use crate::task::Task;
use crate::view::live::Live;
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

/// The items whose text or availability follows the bar or the language.
struct Items {
    status: MenuItem<Wry>,
    ready: MenuItem<Wry>,
    busy: MenuItem<Wry>,
    rest: MenuItem<Wry>,
    sign_out: MenuItem<Wry>,
    show: MenuItem<Wry>,
    hide: MenuItem<Wry>,
    quit: MenuItem<Wry>,
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
        AgentStateView::Signedout => include_bytes!("../../../icons/tray/signedout.png"),
        AgentStateView::Idle => include_bytes!("../../../icons/tray/idle.png"),
        AgentStateView::Busy => include_bytes!("../../../icons/tray/busy.png"),
        AgentStateView::Ringing => include_bytes!("../../../icons/tray/ringing.png"),
        AgentStateView::Talking => include_bytes!("../../../icons/tray/talking.png"),
        AgentStateView::Hold => include_bytes!("../../../icons/tray/hold.png"),
        AgentStateView::Rest => include_bytes!("../../../icons/tray/rest.png"),
        AgentStateView::Wrapup => include_bytes!("../../../icons/tray/wrapup.png"),
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

/// Makes the icon, the status line and the items follow the bar, until
/// dropped (also after a change of language: the bar is shown again then).
pub fn follow(app: &AppHandle) -> Task {
    let mut shown = app.state::<Live>().subscribe();
    let app = app.clone();
    Task::spawn(async move {
        loop {
            let bar = shown.borrow_and_update().bar.clone();
            reflect(&app, bar);
            if shown.changed().await.is_err() {
                return;
            }
        }
    })
}

/// Updates the tray on the main thread, where GTK wants it; the caller never
/// waits for it (waiting from a runtime thread for the main thread can deadlock).
fn reflect(app: &AppHandle, view: BarView) {
    let handle = app.clone();
    if let Err(error) = app.run_on_main_thread(move || reflect_now(&handle, &view)) {
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
    let controls = view.controls;
    if let Some(items) = app.try_state::<Items>() {
        let texts = [
            (&items.ready, "tray.ready"),
            (&items.busy, "tray.busy"),
            (&items.rest, "tray.rest"),
            (&items.sign_out, "tray.signOut"),
            (&items.show, "tray.show"),
            (&items.hide, "tray.hide"),
            (&items.quit, "tray.quit"),
        ];
        let labels = texts
            .into_iter()
            .map(|(item, key)| item.set_text(i18n::t(key)));
        let results = [
            items.status.set_text(&status),
            items.ready.set_enabled(controls.ready.is_enabled()),
            items.busy.set_enabled(controls.busy.is_enabled()),
            items.rest.set_enabled(controls.rest.is_enabled()),
            items.sign_out.set_enabled(controls.sign_out.is_enabled()),
        ];
        for result in labels.chain(results) {
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
    let action = match id {
        SHOW => return crate::window::show(app),
        HIDE => return crate::window::hide(app),
        READY => Action::Ready,
        BUSY => Action::Busy {
            reason: DEFAULT_BUSY_REASON,
        },
        REST => Action::Rest {
            seconds: TRAY_REST_SECONDS,
            cause: 0,
        },
        SIGN_OUT => Action::SignOut,
        QUIT => Action::Quit,
        other => {
            tracing::debug!(item = other, "tray menu item without an action");
            return;
        }
    };
    actions::spawn(app, action, "tray");
}
