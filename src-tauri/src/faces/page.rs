//! The connection bar page's side of the bridge: the bar, in the current
//! language, each time it changes (`bar:state`), and every event as received
//! (`bar:event`). The page listens to both (`ui/src/api.ts`).

use tauri::{AppHandle, Emitter, Manager};

use crate::task::Task;
use crate::view::live::Live;
use crate::view::{BarView, EventRecord, localize};

/// Event names the page listens to.
pub const STATE_EVENT: &str = "bar:state";
pub const EVENT_EVENT: &str = "bar:event";

/// The bar as the page receives it: its reasons in the current language.
pub fn in_words(bar: &BarView) -> BarView {
    let mut bar = bar.clone();
    localize(&mut bar);
    bar
}

/// Sends every change of the bar to the page, until dropped.
pub fn follow(app: &AppHandle) -> Task {
    let mut shown = app.state::<Live>().subscribe();
    let app = app.clone();
    Task::spawn(async move {
        while shown.changed().await.is_ok() {
            let bar = in_words(&shown.borrow_and_update().bar);
            if let Err(error) = app.emit(STATE_EVENT, &bar) {
                tracing::warn!(%error, "the state could not be sent to the page");
            }
        }
    })
}

/// Sends one event as received to the page's event list.
pub fn send_event(app: &AppHandle, record: &EventRecord) {
    if let Err(error) = app.emit(EVENT_EVENT, record) {
        tracing::warn!(%error, "an event could not be sent to the page");
    }
}
