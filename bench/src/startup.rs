//! Cold start to the bar visible, and the binary sizes.
//!
//! Start: the release app launched through WebDriver in a fresh private
//! desktop (no settings: the signed-out bar). Three times are taken: our
//! launch request, the app process's start (from `/proc`, 10 ms), and the
//! page's `DOMContentLoaded` end (`#agent-state` is in the page's HTML, the
//! bar's script has run) plus its first paint when WebKit reports one. The
//! app's own start is process start → page ready; WebDriver's start-up
//! (tauri-driver, WebKitWebDriver) comes before the process start.

use std::path::Path;
use std::time::{Duration, SystemTime};

use agentbar_e2e::Desktop;
use serde_json::json;

use crate::bar::launch_app;
use crate::procfs;
use crate::report::{Report, Row, mb, ms};
use crate::rig::{Bins, Result, epoch_ms};
use crate::stats::summarize;

const PAGE_TIMES: &str = "const n = performance.getEntriesByType('navigation')[0];\
    const p = performance.getEntriesByType('paint').map(e => [e.name, performance.timeOrigin + e.startTime]);\
    return {present: document.querySelector(arguments[0]) !== null,\
            dcl: n ? performance.timeOrigin + n.domContentLoadedEventEnd : null, paint: p};";

/// Launches `binary` `runs` times, each in a fresh private desktop, and
/// times it until `css` is in its page.
async fn cold_starts(binary: &Path, css: &str, runs: usize) -> Result<Vec<serde_json::Value>> {
    let mut rows = Vec::new();
    for i in 0..runs {
        let desktop = Desktop::start()?;
        let (app, launched) = launch_app(
            &desktop,
            binary,
            &[],
            &[("TAURI_WEBVIEW_AUTOMATION", "true")],
        )
        .await?;
        let mut page = serde_json::Value::Null;
        for _ in 0..200 {
            page = app
                .client()
                .execute(PAGE_TIMES, vec![serde_json::Value::from(css)])
                .await?;
            if page["present"] == true && page["dcl"].as_f64().is_some_and(|d| d > 0.0) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        let seen = epoch_ms(SystemTime::now());
        let proc_start = procfs::find_exe_below(std::process::id(), binary)
            .first()
            .and_then(|pid| procfs::stat(*pid))
            .and_then(|s| procfs::start_time(&s))
            .map(epoch_ms);
        let dcl = page["dcl"].as_f64();
        let paint = page["paint"]
            .as_array()
            .and_then(|a| a.iter().find_map(|p| p[1].as_f64()));
        let l = epoch_ms(launched);
        rows.push(json!({
            "run": i + 1,
            "launch_to_process_ms": proc_start.map(|p| p - l),
            "process_to_page_ready_ms": proc_start.zip(dcl).map(|(p, d)| d - p),
            "process_to_first_paint_ms": proc_start.zip(paint).map(|(p, f)| f - p),
            "launch_to_page_ready_ms": dcl.map(|d| d - l),
            "launch_to_seen_over_webdriver_ms": seen - l,
        }));
        app.quit().await;
        drop(desktop);
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    Ok(rows)
}

/// One figure of every run that has it.
fn column(rows: &[serde_json::Value], key: &str) -> Vec<f64> {
    rows.iter().filter_map(|r| r[key].as_f64()).collect()
}

pub async fn run(bins: &Bins, runs: usize, load: &[String]) -> Result<Report> {
    bins.require(&[bins.app(), bins.bare_window.clone()])?;
    let rows = cold_starts(&bins.app(), "#agent-state", runs).await?;
    let bare = cold_starts(&bins.bare_window, "#bare", runs).await?;
    let col = |k: &str| column(&rows, k);
    let mut r = Report::new("startup", "Cold start to the bar visible, and sizes");
    for (key, label) in [
        (
            "process_to_page_ready_ms",
            "app process start → bar ready (DOMContentLoaded, #agent-state present)",
        ),
        (
            "process_to_first_paint_ms",
            "app process start → first paint",
        ),
        (
            "launch_to_page_ready_ms",
            "launch through WebDriver → bar ready",
        ),
        (
            "launch_to_seen_over_webdriver_ms",
            "launch → #agent-state seen over WebDriver",
        ),
    ] {
        let v = col(key);
        if let (Some(s), Some(first)) = (summarize(&v), v.first()) {
            r.rows.push(Row::info(
                label,
                format!(
                    "median {} (first {}, max {}, {} runs)",
                    ms(s.p50),
                    ms(*first),
                    ms(s.max),
                    s.n
                ),
            ));
        }
    }
    let bare_paint = summarize(&column(&bare, "process_to_first_paint_ms"));
    if let Some(b) = &bare_paint {
        r.rows.push(Row::info(
            "bare Tauri window: process start → first paint",
            format!("median {} (max {}, {} runs)", ms(b.p50), ms(b.max), b.n),
        ));
    }
    if let (Some(a), Some(b)) = (summarize(&col("process_to_page_ready_ms")), &bare_paint) {
        let ratio = a.p50 / b.p50.max(1.0);
        r.rows.push(Row::target(
            "bar ready ÷ the bare window's first paint (medians)",
            format!("{ratio:.2}"),
            "≤ 1.2",
            ratio <= 1.2,
        ));
    }
    let root = agentbar_e2e::workspace_root();
    for path in [bins.app(), bins.cli(), bins.sim(), bins.bare_window.clone()] {
        if let Ok(m) = std::fs::metadata(&path) {
            let shown = path
                .strip_prefix(&root)
                .unwrap_or(&path)
                .display()
                .to_string();
            r.rows
                .push(Row::info(format!("size of {shown}"), mb(m.len())));
        }
    }
    let bundle = bins.dir.join("bundle");
    let mut packages = Vec::new();
    for sub in ["deb", "appimage"] {
        if let Ok(dir) = std::fs::read_dir(bundle.join(sub)) {
            for e in dir.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if (name.ends_with(".deb") || name.ends_with(".AppImage"))
                    && let Ok(m) = e.metadata()
                {
                    r.rows
                        .push(Row::info(format!("package {name}"), mb(m.len())));
                    packages.push(json!({"name": name, "bytes": m.len()}));
                }
            }
        }
    }
    if packages.is_empty() {
        r.notes.push("No packages: target/release/bundle does not exist (bundling needs tauri-cli; not part of the benchmark).".into());
    }
    r.notes.push(format!("{runs} launches of each program, AgentBar first, each in a fresh private desktop (Xvfb, D-Bus, keyring); the first is the coldest. Process start from /proc (10 ms resolution); page times from Navigation/Paint Timing."));
    r.notes.extend(load.iter().cloned());
    r.data = json!({"runs": rows, "bare_window_runs": bare, "packages": packages});
    Ok(r)
}
