//! The log file, in the platform's log folder (owner-only), rotated daily and
//! kept for a week. Nothing secret is ever logged: GUIDs, passwords and tokens are types
//! that print `<redacted>`, and call data is logged by length only.

use tauri::{AppHandle, Manager};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Layer, fmt};

/// Keeps the log writer flushing for as long as the app runs.
pub struct LogGuard(Option<WorkerGuard>);

impl LogGuard {
    /// Whether a log file is being written.
    pub fn has_file(&self) -> bool {
        self.0.is_some()
    }
}

fn filter() -> EnvFilter {
    EnvFilter::try_from_env("AGENTBAR_LOG").unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Logs to stderr and to `<log dir>/agentbar.<date>.log` (`AGENTBAR_LOG` sets the level).
pub fn init(app: &AppHandle) -> LogGuard {
    let appender = app.path().app_log_dir().ok().and_then(|dir| {
        // Owner-only, with what an earlier version left open closed up; the
        // umask keeps the files rotation creates owner-only too.
        crate::files::private_dir(&dir).ok()?;
        crate::files::restrict_files_in(&dir).ok()?;
        tracing_appender::rolling::Builder::new()
            .rotation(tracing_appender::rolling::Rotation::DAILY)
            .filename_prefix("agentbar")
            .filename_suffix("log")
            .max_log_files(7)
            .build(dir)
            .ok()
    });
    let (file_layer, guard) = match appender {
        Some(appender) => {
            let (writer, guard) = tracing_appender::non_blocking(appender);
            let layer = fmt::layer()
                .with_ansi(false)
                .with_writer(writer)
                .with_filter(filter());
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    let stderr = fmt::layer()
        .with_writer(std::io::stderr)
        .with_filter(filter());
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(file_layer)
        .try_init();
    let guard = LogGuard(guard);
    if !guard.has_file() {
        tracing::warn!("no log folder is available; logging to stderr only");
    }
    guard
}
