//! The page's TypeScript types and constants (`ui/src/bindings/`), generated
//! from the Rust types that cross the bridge, so the two sides cannot drift
//! apart. This test renders them and fails when the committed files differ;
//! `AGENTBAR_WRITE_BINDINGS=1 cargo test -p agentbar bindings` rewrites them.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use ts_rs::{Config, TS};

use crate::app::SignInRequest;
use crate::calls::{CallRequest, DayView, QueueView, SkillsView, TargetsView};
use crate::errors::AppError;
use crate::faces::page::{EVENT_EVENT, STATE_EVENT};
use crate::limits::Limits;
use crate::settings::{LOCKABLE, Settings};
use crate::shortcuts::ShortcutStatus;
use crate::view::{AppInfo, BarView, CertificateView, EventRecord, Snapshot};

/// Where the page keeps the generated files.
fn bindings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src/bindings")
}

const HEADER: &str =
    "// Generated from AgentBar's Rust types by `cargo test -p agentbar`. Do not edit.\n";

/// The constants the page shares with the Rust side.
fn constants() -> String {
    let json = |value: &dyn erased::Json| value.pretty();
    format!(
        "{HEADER}import type {{ BarView }} from \"./BarView\";\n\
         import type {{ Limits }} from \"./Limits\";\n\
         import type {{ Settings }} from \"./Settings\";\n\n\
         /// The limits the gateway sets.\n\
         export const LIMITS: Limits = {limits};\n\n\
         /// The settings before the agent or an administrator chose any.\n\
         export const DEFAULT_SETTINGS: Settings = {settings};\n\n\
         /// The bar before any sign-in.\n\
         export const SIGNED_OUT_BAR: BarView = {signed_out};\n\n\
         /// The settings an administrator can lock, by name.\n\
         export const LOCKABLE: readonly string[] = {lockable};\n\n\
         /// Event names the Rust side emits.\n\
         export const EVENTS = {{ state: \"{STATE_EVENT}\", event: \"{EVENT_EVENT}\" }} as const;\n",
        limits = json(&Limits::current()),
        settings = json(&Settings::default()),
        lockable = json(&LOCKABLE),
        signed_out = json(&signed_out_bar()),
    )
    .replace("/// ", "/** ")
    .lines()
    .map(|line| {
        if line.starts_with("/** ") {
            format!("{line} */")
        } else {
            line.to_owned()
        }
    })
    .collect::<Vec<_>>()
    .join("\n")
        + "\n"
}

/// The bar before any sign-in, without the moment it was shown.
fn signed_out_bar() -> BarView {
    let mut bar = BarView::signed_out(None, 0);
    bar.health.since = None;
    bar
}

mod erased {
    /// A value shown as pretty JSON.
    pub trait Json {
        fn pretty(&self) -> String;
    }

    impl<T: serde::Serialize> Json for T {
        fn pretty(&self) -> String {
            serde_json::to_string_pretty(self).unwrap_or_default()
        }
    }
}

/// Every generated file by name, rendered now.
fn render() -> BTreeMap<String, String> {
    let out = tempfile::tempdir().expect("a temporary folder");
    // Epoch milliseconds and counters fit in a JavaScript number.
    let cfg = Config::new()
        .with_out_dir(out.path())
        .with_large_int("number");
    let results = [
        Snapshot::export_all(&cfg),
        BarView::export_all(&cfg),
        EventRecord::export_all(&cfg),
        Settings::export_all(&cfg),
        SignInRequest::export_all(&cfg),
        AppError::export_all(&cfg),
        ShortcutStatus::export_all(&cfg),
        CertificateView::export_all(&cfg),
        AppInfo::export_all(&cfg),
        Limits::export_all(&cfg),
        CallRequest::export_all(&cfg),
        TargetsView::export_all(&cfg),
        SkillsView::export_all(&cfg),
        QueueView::export_all(&cfg),
        DayView::export_all(&cfg),
    ];
    for result in results {
        result.expect("the bindings render");
    }
    let mut files = read_dir(out.path());
    files.insert("constants.ts".into(), constants());
    files
}

fn read_dir(dir: &Path) -> BTreeMap<String, String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return BTreeMap::new();
    };
    entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "ts"))
        .map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            let text = std::fs::read_to_string(e.path()).unwrap_or_default();
            (name, text)
        })
        .collect()
}

#[test]
fn the_committed_bindings_are_up_to_date() {
    let wanted = render();
    let dir = bindings_dir();
    if std::env::var_os("AGENTBAR_WRITE_BINDINGS").is_some_and(|v| v == "1") {
        std::fs::create_dir_all(&dir).expect("the bindings folder");
        for name in read_dir(&dir).keys() {
            if !wanted.contains_key(name) {
                std::fs::remove_file(dir.join(name)).expect("an old binding removed");
            }
        }
        for (name, text) in &wanted {
            std::fs::write(dir.join(name), text).expect("a binding written");
        }
        return;
    }
    let committed = read_dir(&dir);
    let stale: Vec<&String> = wanted
        .keys()
        .chain(committed.keys())
        .filter(|name| wanted.get(*name) != committed.get(*name))
        .collect();
    assert!(
        stale.is_empty(),
        "ui/src/bindings/ is out of date ({stale:?}); \
         run AGENTBAR_WRITE_BINDINGS=1 cargo test -p agentbar bindings"
    );
}
