//! Secrets stay secret: after a session of the real app at debug log level
//! with "remember password" on (sign-in, GUID rotations, a call whose
//! calldata the gateway set and the agent edited, a diagnostics archive,
//! quit), nothing the run wrote holds a GUID the gateway issued, the
//! password, the push service token or a calldata value: not the files, not
//! the inside of the diagnostics archive. `agentbar-cli watch --verbose`
//! beside it prints none of its own secrets either. Run in polling and in
//! push mode.
//!
//! Searched: every file under the desktop's private home (XDG config, data
//! with the app's log files and WebKit storage, cache, state, runtime) and
//! every file under `artifacts/` written during the test, each for the
//! secret in UTF-8 and UTF-16 (WebKit keeps strings in UTF-16). The one
//! place a GUID may be is the keyring, and gnome-keyring encrypts its file
//! with the keyring password, so no exception is needed for it.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use agentbar_e2e::gateway::{AGENT, PASSWORD, PHONE};
use agentbar_e2e::{App, Desktop, Gateway, eventually};
use agentgateway_sim::Ring;

/// A value no file holds by chance.
fn unique(prefix: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{prefix}-{:x}-{}", nanos, std::process::id())
}

/// Every regular file under `dir` (symbolic links not followed), modified
/// at or after `since` when given.
fn files_under(dir: &Path, since: Option<SystemTime>, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let path = entry.path();
        if kind.is_dir() {
            files_under(&path, since, out);
        } else if kind.is_file() {
            let recent = since.is_none_or(|since| {
                entry
                    .metadata()
                    .and_then(|m| m.modified())
                    .is_ok_and(|m| m >= since)
            });
            if recent {
                out.push(path);
            }
        }
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    !needle.is_empty() && haystack.windows(needle.len()).any(|w| w == needle)
}

fn utf16le(s: &str) -> Vec<u8> {
    s.encode_utf16().flat_map(u16::to_le_bytes).collect()
}

/// The files holding a secret, with which kind of secret (never the value).
fn leaks(files: &[PathBuf], secrets: &[(&str, String)]) -> Vec<String> {
    let mut found = Vec::new();
    for file in files {
        let Ok(bytes) = std::fs::read(file) else {
            continue;
        };
        for (kind, secret) in secrets {
            if contains(&bytes, secret.as_bytes()) || contains(&bytes, &utf16le(secret)) {
                found.push(format!("{} holds {kind}", file.display()));
            }
        }
    }
    found
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Mode {
    Poll,
    Push,
}

async fn run_and_search(mode: Mode) {
    let started = SystemTime::now() - Duration::from_secs(1);
    let desktop = Desktop::start().expect("desktop session");
    let gateway = Gateway::start(&desktop, Duration::from_secs(2))
        .await
        .expect("simulated gateway");
    match mode {
        Mode::Poll => {
            gateway.write_settings(&desktop).expect("settings");
        }
        Mode::Push => {
            gateway
                .write_settings_push(&desktop)
                .expect("push settings");
        }
    }
    let control = gateway.sim.control();

    let app = App::launch_with(
        &desktop,
        &agentbar_e2e::built_binary("agentbar"),
        &[],
        &[("AGENTBAR_LOG", "debug")],
    )
    .await
    .expect("app launches");
    app.wait_displayed("#signin").await.expect("sign-in view");
    let remembered = app
        .client()
        .execute(
            "return document.querySelector('#remember-password').checked;",
            vec![],
        )
        .await
        .expect("checkbox");
    if remembered != serde_json::Value::Bool(true) {
        app.click("#remember-password")
            .await
            .expect("remember password");
    }
    app.sign_in(PASSWORD).await;
    let snapshot = control.agent_state(AGENT).expect("agent known");
    let wanted = match mode {
        Mode::Poll => "polling",
        Mode::Push => "push",
    };
    assert_eq!(snapshot.mode.as_deref(), Some(wanted), "{mode:?} sign-in");

    // A GUID rotation (every 2 s here): at least two GUIDs issued.
    let guid_count = || {
        control
            .issued_secrets(AGENT)
            .iter()
            .filter(|s| s.contains("AgentGateway"))
            .count()
    };
    // Polling gets a new GUID on a poll answer; push mode on the heartbeat,
    // which the app sends every 30 s.
    eventually("a GUID rotation", Duration::from_secs(45), || {
        (guid_count() >= 2).then_some(())
    })
    .await;

    // A call with calldata from the gateway, edited on the bar.
    let from_gateway = unique("crm-order");
    let edited = unique("callback-note");
    gateway.ring("13800138000", Some(&from_gateway));
    app.wait_for_text("#agent-state", "Ringing")
        .await
        .expect("ringing");
    app.click("#btn-answer").await.expect("answer");
    app.wait_for_text("#agent-state", "Talking")
        .await
        .expect("talking");
    app.wait_for_value("#calldata", &from_gateway)
        .await
        .expect("the gateway's calldata on the bar");
    app.type_into("#calldata", &edited).await;
    app.click("#btn-save-calldata")
        .await
        .expect("save calldata");
    eventually(
        "the gateway to hold the edit",
        Duration::from_secs(10),
        || control.calldata(AGENT).filter(|c| *c == edited),
    )
    .await;
    app.click("#btn-hangup").await.expect("hang up");
    app.wait_for_text("#agent-state", "Ready")
        .await
        .expect("ready after the call");

    // The diagnostics archive for the help desk, opened and searched below.
    app.click("#btn-settings").await.expect("open settings");
    app.wait_displayed("#btn-save-diagnostics")
        .await
        .expect("diagnostics button");
    let archive = app
        .save_diagnostics()
        .await
        .expect("the diagnostics archive");

    // agentbar-cli beside the app, as another agent, logging at debug level.
    let cli_secret = unique("cli-order");
    let cli_out = cli_session(&desktop, &gateway, mode, &cli_secret).await;

    // Quit (signs out: quitSignsOut is the default) and let the app finish writing.
    app.quit().await;
    tokio::time::sleep(Duration::from_secs(2)).await;

    let issued = control.issued_secrets(AGENT);
    let guids = issued.iter().filter(|s| s.contains("AgentGateway")).count();
    let tokens = issued.len() - guids;
    match mode {
        Mode::Poll => assert_eq!(tokens, 0, "no service token in polling mode"),
        Mode::Push => assert!(tokens >= 1, "the push sign-in sent a service token"),
    }
    let mut secrets: Vec<(&str, String)> = issued
        .into_iter()
        .map(|s| {
            let kind = if s.contains("AgentGateway") {
                "a GUID"
            } else {
                "the service token"
            };
            (kind, s)
        })
        .collect();
    secrets.push(("the password", PASSWORD.to_owned()));
    secrets.push(("the gateway's calldata", from_gateway));
    secrets.push(("the edited calldata", edited));

    // The archive's contents, unpacked where the search looks.
    let unpacked = desktop.xdg_root().join("diagnostics-unpacked");
    std::fs::create_dir_all(&unpacked).expect("folder");
    let tar = std::process::Command::new("tar")
        .arg("-xzf")
        .arg(&archive)
        .arg("-C")
        .arg(&unpacked)
        .status()
        .expect("tar");
    assert!(tar.success(), "the archive unpacks");
    let mut inside = Vec::new();
    files_under(&unpacked, None, &mut inside);
    assert!(
        inside.iter().any(|f| f.to_string_lossy().contains("logs/")),
        "the archive holds the logs: {inside:?}"
    );

    let mut files = Vec::new();
    files_under(desktop.xdg_root(), None, &mut files);
    let xdg_files = files.len();
    let app_logs = files
        .iter()
        .filter(|f| f.to_string_lossy().contains("com.agentbar.desktop/logs"))
        .count();
    files_under(&agentbar_e2e::artifacts_dir(), Some(started), &mut files);
    let bytes: u64 = files
        .iter()
        .filter_map(|f| std::fs::metadata(f).ok())
        .map(|m| m.len())
        .sum();
    println!(
        "{mode:?}: searched {} files ({xdg_files} in the desktop's folders, {app_logs} app logs, {} in artifacts), {} KiB, for {} secrets ({guids} GUIDs, {tokens} service tokens, the password, 2 calldata values)",
        files.len(),
        files.len() - xdg_files,
        bytes / 1024,
        secrets.len(),
    );
    assert!(app_logs >= 1, "the app wrote its log file");
    // The search does find what is there: the phone number is in the settings.
    let control_hits = leaks(&files, &[("the phone number", PHONE.to_owned())]);
    assert!(
        control_hits.iter().any(|h| h.contains("settings.json")),
        "the search reads the files: {control_hits:?}"
    );
    let found = leaks(&files, &secrets);
    assert!(found.is_empty(), "secrets written to disk: {found:#?}");

    // The CLI's stdout and stderr (debug log included).
    let mut cli_secrets: Vec<(&str, String)> = control
        .issued_secrets(CLI_AGENT)
        .into_iter()
        .map(|s| ("a secret the gateway issued to the CLI's session", s))
        .collect();
    assert!(!cli_secrets.is_empty());
    cli_secrets.push(("the CLI's password", format!("Agent#{CLI_AGENT}")));
    cli_secrets.push(("the CLI call's calldata", cli_secret));
    for (kind, secret) in &cli_secrets {
        assert!(
            !cli_out.contains(secret.as_str()),
            "agentbar-cli printed {kind}"
        );
    }
}

/// The agent `agentbar-cli` signs in as beside the app.
const CLI_AGENT: &str = "102";

/// Runs `agentbar-cli watch --verbose` for [`CLI_AGENT`] through a call with
/// `calldata`, signs it out, and returns all it printed.
async fn cli_session(desktop: &Desktop, gateway: &Gateway, mode: Mode, calldata: &str) -> String {
    use tokio::io::AsyncReadExt;
    let bin = agentbar_e2e::built_binary("agentbar-cli");
    let mut command = tokio::process::Command::from(desktop.command(&bin.to_string_lossy()));
    command
        .args([
            "--gateway",
            &gateway.sim.gateway_url(),
            "--agent",
            CLI_AGENT,
        ])
        .arg("--ca-file")
        .arg(&gateway.ca_file)
        .args(["watch", "--phone", "7102", "--verbose"])
        .env("AGENTBAR_PASSWORD", format!("Agent#{CLI_AGENT}"))
        .env("AGENTBAR_LOG", "debug")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true);
    if mode == Mode::Push {
        let dir = desktop.xdg_root().join("cli-push-cert");
        command
            .args([
                "--mode",
                "push",
                "--push-listen",
                "127.0.0.1:0",
                "--push-cert-dir",
            ])
            .arg(dir);
    }
    let mut child = command.spawn().expect("agentbar-cli starts");
    let control = gateway.sim.control();
    eventually("the CLI signed in", Duration::from_secs(20), || {
        control
            .agent_state(CLI_AGENT)
            .filter(|a| a.signed_in)
            .map(|_| ())
    })
    .await;
    control
        .ring(
            CLI_AGENT,
            Ring {
                calldata: Some(calldata.to_owned()),
                ..Ring::default()
            },
        )
        .expect("ring the CLI's agent");
    tokio::time::sleep(Duration::from_secs(2)).await;
    control.customer_hang_up(CLI_AGENT).expect("hang up");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let pid = child.id().expect("running");
    let _ = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status();
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut stdout) = child.stdout.take() {
        let _ = stdout.read_to_string(&mut out).await;
    }
    if let Some(mut stderr) = child.stderr.take() {
        let _ = stderr.read_to_string(&mut err).await;
    }
    let status = child.wait().await.expect("exit");
    assert!(
        status.success(),
        "agentbar-cli signed out and exited 0: {err}"
    );
    assert!(
        out.contains("AgentEvent_Ringing"),
        "the CLI saw the call: {out}"
    );
    assert!(err.contains("DEBUG"), "the CLI logged at debug level");
    format!("{out}\n{err}")
}

#[tokio::test]
async fn no_secret_reaches_any_file_in_polling_or_push_mode() {
    run_and_search(Mode::Poll).await;
    run_and_search(Mode::Push).await;
}
