//! `agentbar-cli`, the built binary, against the simulator over HTTPS: help
//! for every command, the JSON lines of `watch` compared with what the
//! gateway emitted, sign-out on SIGTERM and SIGINT, the gateway ending the
//! session, refusals with their retcode, every one-shot command, pinned and
//! untrusted certificates, the no-keyring fallback, and the real keyring
//! path in a private D-Bus session with gnome-keyring.
//!
//! Every run gets a D-Bus address that leads nowhere unless a test starts
//! its own bus, so no test ever touches the keyring of the person running it.

#[path = "../../agentgateway/tests/common/mod.rs"]
mod common;

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentgateway::{Secret, SignIn};
use agentgateway_sim::{AuthMode, Ring, SimConfig, Simulator};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::Value;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::process::{Child, Command};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

const BIN: &str = env!("CARGO_BIN_EXE_agentbar-cli");
const WAIT: Duration = Duration::from_secs(20);

/// A simulator, its CA in a file, and a scratch directory for the runs.
struct Gateway {
    sim: Simulator,
    ca_file: PathBuf,
    dir: tempfile::TempDir,
    /// `DBUS_SESSION_BUS_ADDRESS` for the runs: nowhere, unless a keyring runs.
    bus: String,
}

impl Gateway {
    async fn start(cfg: SimConfig) -> Gateway {
        let sim = common::start(cfg).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, sim.ca_pem().expect("generated CA")).expect("write CA");
        let bus = format!("unix:path={}", dir.path().join("no-bus").display());
        Gateway {
            sim,
            ca_file,
            dir,
            bus,
        }
    }

    /// `agentbar-cli --gateway URL --agent ID --ca-file PEM ARGS...`, with
    /// a clean environment as far as the CLI's variables go.
    fn cli(&self, agent: &str, args: &[&str]) -> Command {
        let mut c = self.bare();
        c.args(["--gateway", &self.sim.gateway_url(), "--agent", agent]);
        c.arg("--ca-file").arg(&self.ca_file);
        c.args(args);
        c
    }

    /// The binary with no options at all.
    fn bare(&self) -> Command {
        let mut c = Command::new(BIN);
        for (k, _) in std::env::vars() {
            if k.starts_with("AGENTBAR_") {
                c.env_remove(k);
            }
        }
        c.env("DBUS_SESSION_BUS_ADDRESS", &self.bus)
            .env("XDG_RUNTIME_DIR", self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        c
    }

    fn watch(&self, agent: &str, extra: &[&str]) -> Watch {
        let mut args = vec!["watch", "--phone", "7000"];
        args.extend_from_slice(extra);
        let mut c = self.cli(agent, &args);
        c.env("AGENTBAR_PASSWORD", format!("Agent#{agent}"));
        Watch::spawn(c)
    }
}

/// What a finished run left.
#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

async fn run(mut c: Command, stdin: Option<&str>) -> Run {
    if stdin.is_some() {
        c.stdin(Stdio::piped());
    }
    let mut child = c.spawn().expect("agentbar-cli starts");
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes()).await.expect("stdin");
    }
    let out = tokio::time::timeout(WAIT, child.wait_with_output())
        .await
        .expect("agentbar-cli ends in time")
        .expect("agentbar-cli output");
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// Runs a one-shot command and expects exit 0.
async fn ok(c: Command) -> String {
    let r = run(c, None).await;
    assert_eq!(r.code, Some(0), "{r:?}");
    r.stdout
}

/// A running `watch`: its stdout lines as JSON, its stderr collected.
struct Watch {
    child: Child,
    lines: mpsc::UnboundedReceiver<String>,
    stderr: Arc<Mutex<String>>,
    stderr_task: JoinHandle<()>,
    seen: Vec<Value>,
}

impl Watch {
    fn spawn(mut c: Command) -> Watch {
        let mut child = c.spawn().expect("watch starts");
        let out = child.stdout.take().expect("stdout");
        let mut err = child.stderr.take().expect("stderr");
        let (tx, lines) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut r = BufReader::new(out).lines();
            while let Ok(Some(l)) = r.next_line().await {
                if tx.send(l).is_err() {
                    return;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let stderr_task = tokio::spawn(async move {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf).await {
                if n == 0 {
                    return;
                }
                let text = String::from_utf8_lossy(&buf[..n]).into_owned();
                sink.lock().expect("stderr").push_str(&text);
            }
        });
        Watch {
            child,
            lines,
            stderr,
            stderr_task,
            seen: Vec::new(),
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().expect("stderr").clone()
    }

    /// The next line for which `pick` holds; every line must be JSON.
    async fn next(&mut self, what: &str, pick: impl Fn(&Value) -> bool) -> Value {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let line = match tokio::time::timeout_at(deadline, self.lines.recv()).await {
                Ok(Some(l)) => l,
                Ok(None) => panic!("watch ended before {what}; stderr: {}", self.stderr()),
                Err(_) => panic!("no {what} in time; stderr: {}", self.stderr()),
            };
            let v: Value = serde_json::from_str(&line)
                .unwrap_or_else(|e| panic!("not a JSON line ({e}): {line}"));
            self.seen.push(v.clone());
            if pick(&v) {
                return v;
            }
        }
    }

    /// The next event line of `event_type`: the event as printed.
    async fn event(&mut self, event_type: &str) -> Value {
        let line = self
            .next(event_type, |v| {
                v["kind"] == "event" && v["event"]["eventType"] == event_type
            })
            .await;
        line["event"].clone()
    }

    async fn state(&mut self, agent_state: &str) -> Value {
        self.next(&format!("state {agent_state}"), |v| {
            v["kind"] == "state" && v["agent"] == agent_state
        })
        .await
    }

    fn signal(&self, sig: Signal) {
        let pid = self.child.id().expect("watch still running");
        kill(Pid::from_raw(pid as i32), sig).expect("signal");
    }

    /// Waits for the exit; returns the code and all of stderr.
    async fn exit(mut self) -> (Option<i32>, String) {
        let status = tokio::time::timeout(WAIT, self.child.wait())
            .await
            .expect("watch exits in time")
            .expect("exit status");
        let _ = tokio::time::timeout(WAIT, &mut self.stderr_task).await;
        (status.code(), self.stderr())
    }
}

/// The event of an event line, which must be exactly what the gateway emitted.
fn as_emitted(line: &Value) -> Value {
    line.get("event").cloned().unwrap_or_else(|| line.clone())
}

async fn eventually(what: &str, cond: impl FnMut() -> bool) {
    common::eventually(what, WAIT, cond).await;
}

/// A library session for one-shot tests: signed in with auto-answer off.
async fn signed_in_client(sim: &Simulator, agent: &str) -> agentgateway::Client {
    let client = common::client(sim, agent);
    let mut req = SignIn::new(Secret::new(format!("Agent#{agent}")), "7003");
    req.auto_answer = Some(false);
    client.sign_in(&req).await.expect("library sign-in");
    client
}

#[tokio::test]
async fn help_for_every_command_exits_0() {
    let gw = Gateway::start(common::quick_config()).await;
    let commands: &[&[&str]] = &[
        &[],
        &["watch"],
        &["sign-in"],
        &["sign-out"],
        &["status"],
        &["ready"],
        &["busy"],
        &["cancel-busy"],
        &["rest"],
        &["cancel-rest"],
        &["work"],
        &["cancel-work"],
        &["answer"],
        &["hang-up"],
        &["hold"],
        &["unhold"],
        &["calldata"],
        &["calldata", "get"],
        &["calldata", "set"],
    ];
    for cmd in commands {
        let mut c = gw.bare();
        c.args(*cmd).arg("--help");
        let r = run(c, None).await;
        assert_eq!(r.code, Some(0), "{cmd:?}: {r:?}");
        assert!(r.stdout.contains("Usage: agentbar-cli"), "{cmd:?}: {r:?}");
    }
    let mut c = gw.bare();
    c.arg("--help");
    let top = run(c, None).await.stdout;
    for needle in [
        "Exit codes:",
        "AGENTBAR_GUID",
        "AGENTBAR_PASSWORD",
        "keyring",
    ] {
        assert!(top.contains(needle), "{needle} missing from --help");
    }
    // A usage error is exit 2, with one line.
    let mut c = gw.bare();
    c.arg("status");
    let r = run(c, None).await;
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("--agent"), "{r:?}");
}

#[tokio::test]
async fn watch_prints_events_as_emitted_and_the_state_and_signs_out_on_sigterm() {
    let gw = Gateway::start(common::quick_config()).await;
    let ctl = gw.sim.control();
    let mut w = gw.watch("101", &[]);

    w.event("AgentOther_InService").await;
    let state = w.next("a state line", |v| v["kind"] == "state").await;
    assert!(state.get("health").is_some(), "{state}");
    w.state("idle").await;

    let callid = ctl
        .ring(
            "101",
            Ring {
                caller: "+4930123456".into(),
                called: "4001".into(),
                ..Ring::default()
            },
        )
        .expect("ring");
    let ringing = w.event("AgentEvent_Ringing").await;
    assert_eq!(ringing["content"]["callid"], callid.as_str());
    let emitted = ctl.emitted_events("101");
    let sent = emitted
        .iter()
        .rev()
        .find(|e| e["eventType"] == "AgentEvent_Ringing")
        .expect("the simulator emitted the ringing");
    assert_eq!(&as_emitted(&ringing), sent, "fields exactly as received");
    let state = w.state("ringing").await;
    assert_eq!(state["calls"][0]["callid"], callid.as_str());

    // Every event line so far is exactly an emitted event, in order.
    let lines: Vec<Value> = w
        .seen
        .iter()
        .filter(|v| v["kind"] == "event")
        .map(as_emitted)
        .collect();
    assert_eq!(lines, emitted[..lines.len()].to_vec());

    // The customer gives up; the agent is idle again; SIGTERM signs out.
    ctl.customer_hang_up("101").expect("customer hangs up");
    w.state("idle").await;
    w.signal(Signal::SIGTERM);
    let (code, stderr) = w.exit().await;
    assert_eq!(code, Some(0), "stderr: {stderr}");
    let agent = ctl.agent_state("101").expect("agent");
    assert!(!agent.signed_in, "{agent:?}");

    // No keyring here: one warning, and nothing secret on stderr.
    assert_eq!(stderr.matches("keyring").count(), 1, "stderr: {stderr}");
    assert!(stderr.contains("memory"), "stderr: {stderr}");
    assert!(!stderr.contains("Agent#101"), "stderr: {stderr}");
}

#[tokio::test]
async fn watch_in_push_mode_prints_the_pushed_events() {
    let gw = Gateway::start(common::quick_config()).await;
    let ctl = gw.sim.control();
    let cert_dir = gw.dir.path().join("push-cert");
    let dir = cert_dir.to_string_lossy().into_owned();
    let mut fingerprints = Vec::new();
    for _ in 0..2 {
        let mut w = gw.watch(
            "103",
            &[
                "--mode",
                "push",
                "--push-listen",
                "127.0.0.1:0",
                "--push-cert-dir",
                &dir,
            ],
        );
        w.state("idle").await;
        assert_eq!(
            ctl.agent_state("103").and_then(|a| a.mode).as_deref(),
            Some("push")
        );
        let callid = ctl.ring("103", Ring::default()).expect("ring");
        let ringing = w.event("AgentEvent_Ringing").await;
        assert_eq!(ringing["content"]["callid"], callid.as_str());
        let sent = ctl
            .emitted_events("103")
            .into_iter()
            .rev()
            .find(|e| e["eventType"] == "AgentEvent_Ringing")
            .expect("emitted");
        assert_eq!(as_emitted(&ringing), sent);
        ctl.customer_hang_up("103").expect("hang up");
        w.state("idle").await;
        w.signal(Signal::SIGTERM);
        let (code, stderr) = w.exit().await;
        assert_eq!(code, Some(0), "stderr: {stderr}");
        assert!(!ctl.agent_state("103").expect("agent").signed_in);
        let fingerprint = stderr
            .split("certificate SHA-256 ")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_else(|| panic!("no fingerprint on stderr: {stderr}"))
            .to_owned();
        assert_eq!(fingerprint.len(), 64, "{fingerprint}");
        fingerprints.push(fingerprint);
    }
    // The generated certificate is kept: the gateway can pin it.
    assert_eq!(fingerprints[0], fingerprints[1]);
}

#[tokio::test]
async fn watch_exits_4_with_the_reason_when_the_gateway_ends_the_session() {
    let gw = Gateway::start(common::quick_config()).await;
    let ctl = gw.sim.control();
    // Global options after the command, from the environment this time.
    let mut c = gw.bare();
    c.args(["watch", "--phone", "7002", "--agent", "102"])
        .env("AGENTBAR_GATEWAY", gw.sim.gateway_url())
        .env("AGENTBAR_CA_FILE", &gw.ca_file)
        .env("AGENTBAR_PASSWORD", "Agent#102");
    let mut w = Watch::spawn(c);
    w.state("idle").await;
    ctl.force_sign_out("102").expect("force sign-out");
    let last = w.state("signedOut").await;
    assert_eq!(last["health"]["kind"], "signedOut", "{last}");
    let (code, stderr) = w.exit().await;
    assert_eq!(code, Some(4), "stderr: {stderr}");
    let line = stderr
        .lines()
        .find(|l| l.contains("ended the session"))
        .unwrap_or_else(|| panic!("no reason on stderr: {stderr}"));
    assert!(
        line.contains("100-006") || line.contains("000-003"),
        "{line}"
    );
}

#[tokio::test]
async fn a_wrong_password_exits_1_with_the_retcode_and_its_meaning() {
    let gw = Gateway::start(common::quick_config()).await;
    let mut c = gw.cli("103", &["watch", "--phone", "7003", "--password-stdin"]);
    c.env("AGENTBAR_PASSWORD", "ignored-with-stdin");
    let r = run(c, Some("Wrong#pass\n")).await;
    assert_eq!(r.code, Some(1), "{r:?}");
    let line = r
        .stderr
        .lines()
        .find(|l| l.contains("100-004"))
        .unwrap_or_else(|| panic!("no 100-004 line: {r:?}"));
    assert_eq!(
        line,
        "agentbar-cli: sign-in refused: 100-004 wrong agent ID or password"
    );
    assert!(!r.stderr.contains("Wrong#pass"), "{r:?}");
    assert!(r.stdout.lines().all(|l| !l.contains("Wrong#pass")));
}

#[tokio::test]
async fn one_shot_commands_act_on_the_session_in_agentbar_guid() {
    let gw = Gateway::start(common::quick_config()).await;
    let ctl = gw.sim.control();
    let agent = "104";
    let client = signed_in_client(&gw.sim, agent).await;
    let guid = client.guid().expect("guid").expose().to_owned();
    let cmd = |args: &[&str]| {
        let mut c = gw.cli(agent, args);
        c.env("AGENTBAR_GUID", &guid);
        c
    };
    let status = |code: u8| {
        let snap = ctl.agent_state(agent).expect("agent");
        assert_eq!(snap.status, code, "{snap:?}");
    };

    let out = ok(cmd(&["status"])).await;
    let v: Value = serde_json::from_str(out.trim()).expect("status JSON");
    assert_eq!(v["status"], "idle", "{out}");

    ok(cmd(&["busy", "--reason", "201"])).await;
    status(3);
    ok(cmd(&["cancel-busy"])).await;
    status(4);
    ok(cmd(&["busy"])).await;
    status(3);
    ok(cmd(&["ready"])).await;
    status(4);
    ok(cmd(&["rest", "--seconds", "60", "--cause", "2"])).await;
    status(8);
    ok(cmd(&["cancel-rest"])).await;
    status(4);
    ok(cmd(&["work"])).await;
    status(5);
    ok(cmd(&["cancel-work"])).await;
    status(4);

    // Checked before anything is sent: a usage error.
    let r = run(cmd(&["busy", "--reason", "12"]), None).await;
    assert_eq!(r.code, Some(2), "{r:?}");

    // A call: answer, call data three ways, hold, unhold, hang up.
    let callid = ctl
        .ring(
            agent,
            Ring {
                caller: "+4930999".into(),
                called: "4001".into(),
                ..Ring::default()
            },
        )
        .expect("ring");
    ok(cmd(&["answer"])).await;
    eventually("talking", || {
        ctl.agent_state(agent)
            .and_then(|s| s.call)
            .is_some_and(|c| c.phase == "talking")
    })
    .await;
    let mut c = cmd(&["calldata", "set", "--callid", &callid]);
    c.stdin(Stdio::piped());
    let r = run(c, Some("order 4711")).await;
    assert_eq!(r.code, Some(0), "{r:?}");
    assert_eq!(ctl.calldata(agent).as_deref(), Some("order 4711"));
    let out = ok(cmd(&["calldata", "get", "--callid", &callid])).await;
    assert_eq!(out, "order 4711\n");
    let mut c = cmd(&["calldata", "set"]);
    c.env("AGENTBAR_CALLID", &callid);
    let r = run(c, Some("from stdin\n")).await;
    assert_eq!(r.code, Some(0), "{r:?}");
    assert_eq!(ctl.calldata(agent).as_deref(), Some("from stdin"));
    let file = gw.dir.path().join("calldata.bin");
    std::fs::write(&file, "grüße").expect("write");
    ok(cmd(&[
        "calldata",
        "set",
        "--callid",
        &callid,
        "--base64",
        "--file",
        &file.to_string_lossy(),
    ]))
    .await;
    assert_eq!(ctl.calldata(agent).as_deref(), Some("grüße"));

    ok(cmd(&["hold"])).await;
    let phase = || ctl.agent_state(agent).and_then(|s| s.call).map(|c| c.phase);
    assert_eq!(phase().as_deref(), Some("held"));
    ok(cmd(&["unhold", "--callid", &callid])).await;
    assert_eq!(phase().as_deref(), Some("talking"));

    // Refused during a call: exit 1, the retcode and its meaning, no secrets.
    let r = run(cmd(&["sign-out"]), None).await;
    assert_eq!(r.code, Some(1), "{r:?}");
    assert_eq!(
        r.stderr.trim(),
        "agentbar-cli: sign-out refused: 100-009 the agent's state does not allow this"
    );
    assert!(!r.stderr.contains(&guid));

    ok(cmd(&["hang-up"])).await;
    assert_eq!(phase(), None);

    // Pinned certificate instead of the CA; a wrong pin is not trusted.
    let pinned = |pin: &str| {
        let mut c = gw.bare();
        c.args([
            "status",
            "--agent",
            agent,
            "--gateway",
            &gw.sim.gateway_url(),
        ])
        .args(["--pin-sha256", pin])
        .env("AGENTBAR_GUID", &guid);
        c
    };
    let out = ok(pinned(&gw.sim.server_cert_sha256())).await;
    assert!(out.contains("\"status\""), "{out}");
    let r = run(pinned(&"00".repeat(32)), None).await;
    assert_eq!(r.code, Some(3), "{r:?}");
    assert!(r.stderr.contains("not trusted"), "{r:?}");
    assert_eq!(r.stderr.lines().count(), 1, "{r:?}");

    ok(cmd(&["sign-out"])).await;
    assert!(!ctl.agent_state(agent).expect("agent").signed_in);
    // The GUID is dead now: not signed in, exit 4.
    let r = run(cmd(&["answer"]), None).await;
    assert_eq!(r.code, Some(4), "{r:?}");
    assert!(!r.stderr.contains(&guid));

    // No GUID at all and no keyring: exit 5.
    let r = run(gw.cli(agent, &["status"]), None).await;
    assert_eq!(r.code, Some(5), "{r:?}");
    assert!(r.stderr.contains("AGENTBAR_GUID"), "{r:?}");
}

/// A private session bus with an unlocked gnome-keyring, as on a desktop.
struct Keyring {
    bus: Child,
    daemon: Child,
    address: String,
    env_dir: PathBuf,
}

fn on_path(name: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
}

impl Keyring {
    async fn start(dir: &Path) -> Keyring {
        for tool in [
            "dbus-daemon",
            "dbus-send",
            "gnome-keyring-daemon",
            "secret-tool",
        ] {
            assert!(
                on_path(tool),
                "{tool} is missing: the keyring test needs the packages dbus, gnome-keyring \
                 and libsecret-tools, which `scripts/dev.sh test` installs"
            );
        }
        let env_dir = dir.join("keyring-home");
        std::fs::create_dir_all(env_dir.join("data")).expect("dir");
        std::fs::create_dir_all(env_dir.join("run")).expect("dir");
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("dbus-daemon starts");
        let mut first = String::new();
        let mut out = BufReader::new(bus.stdout.take().expect("stdout"));
        tokio::time::timeout(WAIT, out.read_line(&mut first))
            .await
            .expect("bus address in time")
            .expect("bus address");
        let address = first.trim().to_owned();
        let mut daemon = Command::new("gnome-keyring-daemon")
            .args(["--foreground", "--unlock", "--components=secrets"])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("XDG_DATA_HOME", env_dir.join("data"))
            .env("XDG_RUNTIME_DIR", env_dir.join("run"))
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .kill_on_drop(true)
            .spawn()
            .expect("gnome-keyring-daemon starts");
        let mut pipe = daemon.stdin.take().expect("stdin");
        pipe.write_all(b"test-keyring-password")
            .await
            .expect("unlock");
        drop(pipe);
        let k = Keyring {
            bus,
            daemon,
            address,
            env_dir,
        };
        // Ready once the daemon owns the Secret Service name. Asking for an
        // item earlier would have the bus start a second, locked daemon.
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let mut c = Command::new("dbus-send");
            c.args([
                "--session",
                "--print-reply",
                "--dest=org.freedesktop.DBus",
                "/org/freedesktop/DBus",
                "org.freedesktop.DBus.NameHasOwner",
                "string:org.freedesktop.secrets",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
            k.apply(&mut c);
            let out = c.output().await.expect("dbus-send runs");
            if String::from_utf8_lossy(&out.stdout).contains("boolean true") {
                return k;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "the keyring never took its bus name"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    fn apply(&self, c: &mut Command) {
        c.env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("XDG_DATA_HOME", self.env_dir.join("data"))
            .env("XDG_RUNTIME_DIR", self.env_dir.join("run"));
    }

    async fn secret_tool(&self, args: &[&str]) -> (Option<i32>, String) {
        let mut c = Command::new("secret-tool");
        c.args(args).stdout(Stdio::piped()).stderr(Stdio::null());
        self.apply(&mut c);
        let out = c.output().await.expect("secret-tool runs");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    }

    /// The GUID the CLI keeps for `agent`, if any.
    async fn stored(&self, agent: &str) -> Option<String> {
        let (code, out) = self
            .secret_tool(&["lookup", "service", "agentbar-cli", "username", agent])
            .await;
        (code == Some(0) && !out.is_empty()).then_some(out)
    }

    async fn stop(mut self) {
        let _ = self.daemon.kill().await;
        let _ = self.bus.kill().await;
    }
}

#[tokio::test]
async fn keyring_carries_the_session_from_sign_in_to_watch_and_the_one_shot_commands() {
    // Dynamic GUIDs that expire fast: the one-shot commands only work if
    // watch keeps the keyring current.
    let gw = Gateway::start(SimConfig {
        auth: AuthMode::Dynamic {
            interval: Duration::from_millis(500),
            timeout: Duration::from_millis(1500),
        },
        ..common::quick_config()
    })
    .await;
    let ctl = gw.sim.control();
    let keyring = Keyring::start(gw.dir.path()).await;
    let agent = "105";
    let cmd = |args: &[&str]| {
        let mut c = gw.cli(agent, args);
        keyring.apply(&mut c);
        c
    };

    let mut c = cmd(&["sign-in", "--phone", "7005", "--password-stdin"]);
    c.env("AGENTBAR_PASSWORD", "not-this-one");
    let r = run(c, Some("Agent#105\n")).await;
    assert_eq!(r.code, Some(0), "{r:?}");
    assert!(
        r.stdout.starts_with("signed in: agent 105 on https://"),
        "{r:?}"
    );
    let first = keyring.stored(agent).await.expect("GUID in the keyring");
    assert!(!r.stdout.contains(first.trim()) && !r.stderr.contains(first.trim()));
    let out = ok(cmd(&["status"])).await;
    assert!(out.contains("idle"), "{out}");

    // watch resumes that session (no password given) and keeps the keyring current.
    let mut w = Watch::spawn(cmd(&["watch"]));
    w.next("a state line", |v| v["kind"] == "state").await;
    assert!(w.stderr().contains("resumed"), "{}", w.stderr());
    let callid = ctl
        .ring(
            agent,
            Ring {
                caller: "+4930555".into(),
                called: "4001".into(),
                ..Ring::default()
            },
        )
        .expect("ring");
    w.event("AgentEvent_Ringing").await;
    // Past the GUID timeout: the sign-in GUID is long dead by now.
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_ne!(keyring.stored(agent).await.as_deref(), Some(first.as_str()));
    ok(cmd(&["answer"])).await;
    let talking = w.event("AgentEvent_Talking").await;
    assert_eq!(talking["content"]["callid"], callid.as_str());
    w.state("talking").await;
    tokio::time::sleep(Duration::from_millis(2000)).await;
    ok(cmd(&["hang-up"])).await;
    w.event("AgentEvent_Call_Release").await;

    // SIGINT: sign out, exit 0, the keyring entry gone.
    w.state("idle").await;
    w.signal(Signal::SIGINT);
    let (code, stderr) = w.exit().await;
    assert_eq!(code, Some(0), "stderr: {stderr}");
    assert!(!stderr.contains("warning"), "stderr: {stderr}");
    assert!(!ctl.agent_state(agent).expect("agent").signed_in);
    assert_eq!(keyring.stored(agent).await, None);
    let r = run(cmd(&["status"]), None).await;
    assert_eq!(r.code, Some(4), "{r:?}");
    keyring.stop().await;
}

#[tokio::test]
async fn closing_the_terminal_or_sigquit_signs_out() {
    let gw = Gateway::start(common::quick_config()).await;
    let ctl = gw.sim.control();
    for (agent, sig) in [("101", Signal::SIGHUP), ("102", Signal::SIGQUIT)] {
        let mut w = gw.watch(agent, &[]);
        w.state("idle").await;
        w.signal(sig);
        let (code, stderr) = w.exit().await;
        assert_eq!(code, Some(0), "{sig:?}: {stderr}");
        assert!(
            !ctl.agent_state(agent).expect("agent").signed_in,
            "{sig:?} signs out"
        );
    }
}

#[tokio::test]
async fn a_signal_during_sign_in_lets_the_answer_arrive_then_signs_out() {
    let gw = Gateway::start(SimConfig {
        signin_delay: Duration::from_secs(4),
        ..common::quick_config()
    })
    .await;
    let ctl = gw.sim.control();
    let w = gw.watch("103", &[]);
    // The sign-in is on its way: the gateway takes 4 s to answer it.
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        ctl.agent_state("103").is_none_or(|a| !a.signed_in),
        "still signing in"
    );
    w.signal(Signal::SIGTERM);
    let (code, stderr) = w.exit().await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("signing out once"), "{stderr}");
    let agent = ctl.agent_state("103").expect("agent");
    assert!(!agent.signed_in, "signed out after the answer: {agent:?}");
}

#[tokio::test]
async fn plain_http_is_refused_unless_asked_for_loudly() {
    let gw = Gateway::start(common::quick_config()).await;
    let mut c = gw.bare();
    c.args(["sign-in", "--phone", "7001", "--agent", "101"])
        .args(["--gateway", "http://127.0.0.1:9/"])
        .env("AGENTBAR_PASSWORD", "Agent#101");
    let r = run(c, None).await;
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("plain http://"), "{r:?}");

    let plain = common::start(SimConfig {
        tls: agentgateway_sim::TlsMode::PlainHttp,
        ..common::quick_config()
    })
    .await;
    let mut c = gw.bare();
    c.args(["watch", "--phone", "7001", "--agent", "101"])
        .args(["--gateway", &plain.gateway_url(), "--insecure-plain-http"])
        .env("AGENTBAR_PASSWORD", "Agent#101");
    let mut w = Watch::spawn(c);
    w.state("idle").await;
    w.signal(Signal::SIGTERM);
    let (code, stderr) = w.exit().await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("WARNING") && stderr.contains("unencrypted"),
        "{stderr}"
    );
}

#[tokio::test]
async fn lines_print_events_exactly_and_keep_calldata_off_stdout() {
    let gw = Gateway::start(common::quick_config()).await;
    let ctl = gw.sim.control();
    let mut w = gw.watch("104", &[]);
    w.state("idle").await;
    // A gateway field named like the CLI's own.
    let odd = serde_json::json!({
        "eventType": "AgentOther_Note",
        "workNo": "104",
        "kind": "gateway-kind",
        "event": "gateway-event",
        "content": {"note": "x"}
    });
    ctl.inject("104", odd.clone()).expect("inject");
    let seen = w.event("AgentOther_Note").await;
    assert_eq!(seen, odd, "printed exactly as received");

    let secret = "card 4111-1111-1111-1111";
    ctl.ring(
        "104",
        Ring {
            calldata: Some(secret.into()),
            ..Ring::default()
        },
    )
    .expect("ring");
    w.event("AgentEvent_Ringing").await;
    let state = w
        .next("a state line with the call data's length", |v| {
            v["kind"] == "state"
                && v["calls"][0]["calldataBytes"].as_u64() == Some(secret.len() as u64)
        })
        .await;
    assert!(!state.to_string().contains(secret), "{state}");
    assert!(
        w.seen
            .iter()
            .filter(|v| v["kind"] == "state")
            .all(|v| !v.to_string().contains(secret)),
        "no state line holds the call data"
    );
    ctl.customer_hang_up("104").expect("hang up");
    w.state("idle").await;
    w.signal(Signal::SIGTERM);
    let (code, _) = w.exit().await;
    assert_eq!(code, Some(0));
}
