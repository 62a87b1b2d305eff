//! A background task and the handle that owns it. Every task the shell
//! spawns for as long as something lives (a session's bridge, a face that
//! follows the bar) is held by one of these, so dropping its owner stops it.

use tauri::async_runtime::JoinHandle;

/// Owns a spawned task; dropping it aborts the task.
#[derive(Debug)]
pub struct Task(JoinHandle<()>);

impl Task {
    /// Spawns `future` on the app's runtime.
    pub fn spawn(future: impl Future<Output = ()> + Send + 'static) -> Self {
        Self(tauri::async_runtime::spawn(future))
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        self.0.abort();
    }
}
