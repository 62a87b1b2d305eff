//! `agentbar-cli`'s call-control, skill and queue commands, the built
//! binary against the simulator over HTTPS: each command's one JSON object,
//! its effect on the gateway's side, its refusals (exit 1 with the retcode,
//! exit 2 with nothing sent), and `watch --skills`.
//!
//! The session is signed in by the library and handed over in
//! `AGENTBAR_GUID`; the D-Bus address leads nowhere, so no keyring is touched.

#[path = "../../agentgateway/tests/common/mod.rs"]
mod common;

use std::path::PathBuf;
use std::process::Stdio;
use std::time::Duration;

use agentgateway::{Secret, SignIn};
use agentgateway_sim::{
    CallTimings, Colleague, Fault, FaultAction, FaultTarget, QueueCall, Ring, SimConfig, Simulator,
};
use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use serde_json::{Value, json};
use tokio::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_agentbar-cli");
const WAIT: Duration = Duration::from_secs(20);

struct Gateway {
    sim: Simulator,
    ca_file: PathBuf,
    dir: tempfile::TempDir,
}

#[derive(Debug)]
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Gateway {
    async fn start() -> Gateway {
        let cfg = SimConfig {
            calls: CallTimings {
                answer_after: Duration::from_millis(150),
                fail_after: Duration::from_millis(100),
                no_answer_after: Duration::from_secs(5),
                colleague_answer_after: Duration::from_millis(150),
                ivr_return_after: Duration::from_secs(5),
            },
            ..common::quick_config()
        };
        let sim = common::start(cfg).await;
        let dir = tempfile::tempdir().expect("temp dir");
        let ca_file = dir.path().join("ca.pem");
        std::fs::write(&ca_file, sim.ca_pem().expect("generated CA")).expect("write CA");
        Gateway { sim, ca_file, dir }
    }

    fn command(&self, agent: &str, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        for (k, _) in std::env::vars() {
            if k.starts_with("AGENTBAR_") {
                c.env_remove(k);
            }
        }
        let bus = format!("unix:path={}", self.dir.path().join("no-bus").display());
        c.env("DBUS_SESSION_BUS_ADDRESS", bus)
            .env("XDG_RUNTIME_DIR", self.dir.path())
            .args(["--gateway", &self.sim.gateway_url(), "--agent", agent])
            .arg("--ca-file")
            .arg(&self.ca_file)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        c
    }

    /// Signs `agent` in (manual answer) with the library; the GUID.
    async fn session(&self, agent: &str) -> String {
        let client = common::client(&self.sim, agent);
        let mut req = SignIn::new(Secret::new(format!("Agent#{agent}")), "7003");
        req.auto_answer = Some(false);
        client.sign_in(&req).await.expect("library sign-in");
        client.guid().expect("guid").expose().to_owned()
    }

    async fn run(&self, agent: &str, guid: &str, args: &[&str]) -> Run {
        let mut c = self.command(agent, args);
        c.env("AGENTBAR_GUID", guid);
        let out = tokio::time::timeout(WAIT, c.output())
            .await
            .expect("ends in time")
            .expect("output");
        Run {
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs a command that must succeed; its one JSON object.
    async fn json(&self, agent: &str, guid: &str, args: &[&str]) -> Value {
        let r = self.run(agent, guid, args).await;
        assert_eq!(r.code, Some(0), "{args:?}: {r:?}");
        let lines: Vec<&str> = r.stdout.lines().collect();
        assert_eq!(lines.len(), 1, "one line: {r:?}");
        serde_json::from_str(lines[0]).unwrap_or_else(|e| panic!("not JSON ({e}): {r:?}"))
    }

    /// Phases of the agent's calls by call ID.
    fn phases(&self, agent: &str) -> Vec<(String, String)> {
        self.sim
            .control()
            .calls(agent)
            .into_iter()
            .map(|c| (c.callid, c.phase))
            .collect()
    }

    fn ring(&self, agent: &str, caller: &str) -> String {
        self.sim
            .control()
            .ring(
                agent,
                Ring {
                    caller: caller.into(),
                    called: "4001".into(),
                    ..Ring::default()
                },
            )
            .expect("ring")
    }

    /// Rings, and answers with the CLI; the call ID once talking.
    async fn answered(&self, agent: &str, guid: &str, caller: &str) -> String {
        let id = self.ring(agent, caller);
        let r = self.run(agent, guid, &["answer"]).await;
        assert_eq!(r.code, Some(0), "{r:?}");
        self.talking(agent, &id).await;
        id
    }

    async fn talking(&self, agent: &str, id: &str) {
        let want = (id.to_owned(), "talking".to_owned());
        common::eventually(&format!("{id} talking"), WAIT, || {
            self.phases(agent).contains(&want)
        })
        .await;
    }

    fn sent(&self, path_part: &str) -> usize {
        self.sim
            .control()
            .request_log()
            .iter()
            .filter(|r| r.path.contains(path_part))
            .count()
    }
}

#[tokio::test]
async fn help_for_every_call_control_command() {
    let gw = Gateway::start().await;
    for cmd in [
        "call",
        "transfer",
        "consult",
        "take-back",
        "conference",
        "mute",
        "unmute",
        "dtmf",
        "reject",
        "skills",
        "queue",
        "stats",
    ] {
        let mut c = gw.command("101", &[cmd, "--help"]);
        c.env_remove("AGENTBAR_GUID");
        let out = c.output().await.expect("help");
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{cmd}: {text}");
        assert!(text.contains("Prints {\"kind\""), "{cmd}: {text}");
    }
    let out = gw
        .command("101", &["skills", "sign-in", "--help"])
        .output()
        .await
        .expect("help");
    assert!(String::from_utf8_lossy(&out.stdout).contains("--all"));
    let out = gw
        .command("101", &["watch", "--help"])
        .output()
        .await
        .expect("help");
    assert!(String::from_utf8_lossy(&out.stdout).contains("--skills <all|none|IDS>"));
}

#[tokio::test]
async fn call_dtmf_mute_stats_and_internal_calls() {
    let gw = Gateway::start().await;
    let ctl = gw.sim.control();
    ctl.set_colleague("102", Colleague::default())
        .expect("colleague");
    let guid = gw.session("101").await;

    let v = gw.json("101", &guid, &["call", "5551234"]).await;
    assert_eq!(
        (&v["kind"], &v["internal"]),
        (&json!("call"), &json!(false)),
        "{v}"
    );
    let id = v["callid"].as_str().expect("call ID").to_owned();
    gw.talking("101", &id).await;
    assert_eq!(ctl.calls("101")[0].feature, "7");

    let r = gw.run("101", &guid, &["dtmf", "12#"]).await;
    assert_eq!(r.code, Some(0), "{r:?}");
    assert_eq!(r.stdout.trim(), r#"{"kind":"dtmf","sent":3}"#);
    assert!(!r.stderr.contains("12#"), "{r:?}");
    assert_eq!(ctl.dtmf("101"), ["12#"]);
    assert_eq!(
        gw.json("101", &guid, &["mute"]).await,
        json!({"kind": "mute", "muted": true})
    );
    assert!(ctl.calls("101")[0].muted);
    assert_eq!(
        gw.json("101", &guid, &["unmute"]).await,
        json!({"kind": "mute", "muted": false})
    );
    assert!(!ctl.calls("101")[0].muted);
    // Refused by the gateway: exit 1 with the retcode.
    let r = gw.run("101", &guid, &["unmute"]).await;
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("200-004"), "{r:?}");

    let stats = gw.json("101", &guid, &["stats"]).await;
    assert_eq!(stats["kind"], "stats");
    assert_eq!(stats["outbound"], 1, "{stats}");
    assert!(stats["talkTimeS"].is_u64(), "{stats}");

    assert_eq!(gw.run("101", &guid, &["hang-up"]).await.code, Some(0));
    common::eventually("no call", WAIT, || ctl.calls("101").is_empty()).await;
    let v = gw.json("101", &guid, &["call", "agent:102"]).await;
    assert_eq!(v["internal"], true, "{v}");
    let inner = v["callid"].as_str().expect("call ID").to_owned();
    gw.talking("101", &inner).await;
    assert_eq!(ctl.calls("101")[0].feature, "6");
    assert_eq!(gw.run("101", &guid, &["hang-up"]).await.code, Some(0));

    // Usage errors: exit 2, nothing sent.
    let before = gw.sent("/callout") + gw.sent("/callinner") + gw.sent("/seconddialex");
    for args in [
        &["call", "555-1234"][..],
        &["call", "skill:1"],
        &["call", "agent:102", "--caller", "4001"],
        &["call", "5551", "--caller", "+49"],
        &["dtmf", "12A"],
        &["dtmf", "1234567890123456789012345"],
    ] {
        let r = gw.run("101", &guid, args).await;
        assert_eq!(r.code, Some(2), "{args:?}: {r:?}");
        assert!(r.stdout.is_empty(), "{r:?}");
    }
    let after = gw.sent("/callout") + gw.sent("/callinner") + gw.sent("/seconddialex");
    assert_eq!(before, after, "nothing sent");
}

#[tokio::test]
async fn consult_take_back_and_conference() {
    let gw = Gateway::start().await;
    gw.sim
        .control()
        .set_colleague("102", Colleague::default())
        .expect("colleague");
    let guid = gw.session("104").await;
    let customer = gw.answered("104", &guid, "5550002").await;

    // Nothing held yet: no consult to end, refused without a request.
    let r = gw.run("104", &guid, &["take-back"]).await;
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("--callid"), "{r:?}");
    assert_eq!(gw.sent("/dropcall"), 0);

    let v = gw
        .json("104", &guid, &["consult", "--to", "agent:102"])
        .await;
    assert_eq!(
        (&v["to"], &v["threeWay"]),
        (&json!("agent:102"), &json!(false)),
        "{v}"
    );
    let help = v["callid"].as_str().expect("help call").to_owned();
    gw.talking("104", &help).await;
    assert!(
        gw.phases("104")
            .contains(&(customer.clone(), "held".into()))
    );
    let v = gw.json("104", &guid, &["take-back"]).await;
    assert_eq!(v, json!({"kind": "takeBack", "callid": help}));
    gw.talking("104", &customer).await;
    assert_eq!(gw.phases("104").len(), 1);

    let v = gw
        .json("104", &guid, &["consult", "--to", "agent:102"])
        .await;
    let help = v["callid"].as_str().expect("help call").to_owned();
    gw.talking("104", &help).await;
    let v = gw.json("104", &guid, &["conference"]).await;
    assert_eq!(v, json!({"kind": "conference", "callid": customer}));
    let calls = gw.sim.control().calls("104");
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].feature, "53");
    assert!(calls[0].parties.contains(&"102".to_owned()), "{calls:?}");

    // No held call left to join.
    let r = gw.run("104", &guid, &["conference"]).await;
    assert_eq!(r.code, Some(1), "{r:?}");
    let r = gw.run("104", &guid, &["consult", "--to", "ivr:5001"]).await;
    assert_eq!(r.code, Some(2), "{r:?}");
    let r = gw
        .run("104", &guid, &["take-back", "--callid", "a/b"])
        .await;
    assert_eq!(r.code, Some(2), "{r:?}");
}

#[tokio::test]
async fn transfer_cancel_and_reject() {
    let gw = Gateway::start().await;
    let ctl = gw.sim.control();
    ctl.set_colleague("103", Colleague::default())
        .expect("colleague");
    let guid = gw.session("101").await;

    gw.answered("101", &guid, "5550003").await;
    let v = gw
        .json("101", &guid, &["transfer", "--to", "agent:103", "--wait"])
        .await;
    assert_eq!(
        v,
        json!({"kind": "transfer", "to": "agent:103", "wait": true})
    );
    common::eventually("the colleague has the call", WAIT, || {
        ctl.calls("101").is_empty() && ctl.calls("103").len() == 1
    })
    .await;
    let log = ctl.request_log();
    let t = log
        .iter()
        .rfind(|r| r.path.ends_with("/transfer"))
        .expect("transfer");
    assert_eq!(t.retcode.as_deref(), Some("0"));

    let id = gw.answered("101", &guid, "5550004").await;
    gw.json(
        "101",
        &guid,
        &["transfer", "--to", "number:0199555", "--wait"],
    )
    .await;
    let v = gw.json("101", &guid, &["transfer", "--cancel"]).await;
    assert_eq!(v, json!({"kind": "transferCancelled"}));
    assert_eq!(gw.phases("101"), [(id, "talking".to_owned())]);
    let r = gw
        .run("101", &guid, &["transfer", "--to", "ivr:5001", "--wait"])
        .await;
    assert_eq!(r.code, Some(2), "{r:?}");
    assert!(r.stderr.contains("IVR"), "{r:?}");
    let r = gw
        .run("101", &guid, &["transfer", "--cancel", "--wait"])
        .await;
    assert_eq!(r.code, Some(2), "{r:?}");
    let v = gw
        .json("101", &guid, &["transfer", "--to", "ivr:5001"])
        .await;
    assert_eq!(v["wait"], false);
    common::eventually("handed to the IVR", WAIT, || ctl.calls("101").is_empty()).await;

    // Reject: released and idle, or back to the queue and busy.
    gw.ring("101", "5550005");
    let v = gw.json("101", &guid, &["reject"]).await;
    assert_eq!(v, json!({"kind": "reject", "requeue": false}));
    assert_eq!(ctl.agent_state("101").expect("agent").status, 4);
    gw.ring("101", "5550006");
    let v = gw.json("101", &guid, &["reject", "--requeue"]).await;
    assert_eq!(v["requeue"], true);
    assert_eq!(ctl.agent_state("101").expect("agent").status, 3);
    let r = gw.run("101", &guid, &["reject"]).await;
    assert_eq!(r.code, Some(1), "{r:?}");
    assert!(r.stderr.contains("200-002"), "{r:?}");
}

#[tokio::test]
async fn skills_sign_in_and_the_queue() {
    let gw = Gateway::start().await;
    let ctl = gw.sim.control();
    let guid = gw.session("101").await;

    let v = gw.json("101", &guid, &["skills", "sign-in", "2"]).await;
    assert_eq!(v["kind"], "skillsSignedIn");
    assert_eq!(v["choice"], "2");
    assert_eq!(v["skills"][0]["id"], "2", "{v}");
    assert_eq!(ctl.agent_state("101").expect("agent").skills, [2]);
    let v = gw.json("101", &guid, &["skills"]).await;
    let marks: Vec<(String, bool)> = v["skills"]
        .as_array()
        .expect("skills")
        .iter()
        .map(|s| {
            let id = s["id"].as_str().unwrap_or_default().to_owned();
            (id, s["signedIn"].as_bool().unwrap_or_default())
        })
        .collect();
    assert_eq!(
        marks,
        [("1".into(), false), ("2".into(), true), ("3".into(), false)]
    );
    assert_eq!(v["skills"][0]["name"], "General");

    let v = gw.json("101", &guid, &["skills", "sign-in", "--all"]).await;
    assert_eq!(v["choice"], "all");
    assert_eq!(ctl.agent_state("101").expect("agent").skills, [1, 2, 3]);
    for args in [
        &["skills", "sign-in", "1;2"][..],
        &["skills", "sign-in", "--all", "2"],
        &["skills", "sign-in"],
    ] {
        let r = gw.run("101", &guid, args).await;
        assert_eq!(r.code, Some(2), "{args:?}: {r:?}");
    }

    // One caller waits in skill 3 while the agent is busy.
    assert_eq!(gw.run("101", &guid, &["busy"]).await.code, Some(0));
    ctl.queue_call(
        3,
        QueueCall {
            caller: "5550009".into(),
            called: "4002".into(),
            ..QueueCall::default()
        },
    )
    .expect("queue");
    let v = gw.json("101", &guid, &["queue"]).await;
    assert_eq!(v["kind"], "queue");
    assert_eq!(v["waiting"], 1, "{v}");
    let skills = v["skills"].as_array().expect("skills");
    assert_eq!(skills.len(), 3, "{v}");
    let tech = skills
        .iter()
        .find(|s| s["skillId"] == "3")
        .expect("skill 3");
    assert_eq!(
        (&tech["waiting"], &tech["loggedOn"]),
        (&json!(1), &json!(1))
    );
    assert_eq!(tech["name"], "Technical");
}

#[tokio::test]
async fn watch_joins_the_chosen_skills_and_reports_a_refusal() {
    let gw = Gateway::start().await;
    let ctl = gw.sim.control();
    let watch = |agent: &str, skills: &str| {
        let mut c = gw.command(agent, &["watch", "--phone", "7000", "--skills", skills]);
        c.env("AGENTBAR_PASSWORD", format!("Agent#{agent}"));
        c.spawn().expect("watch starts")
    };
    let stop = |child: tokio::process::Child| async move {
        let pid = child.id().expect("running");
        kill(Pid::from_raw(pid as i32), Signal::SIGTERM).expect("signal");
        let out = tokio::time::timeout(WAIT, child.wait_with_output())
            .await
            .expect("exits")
            .expect("output");
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };

    let child = watch("101", "3,2");
    common::eventually("skills 2 and 3 joined", WAIT, || {
        ctl.agent_state("101")
            .is_some_and(|a| a.signed_in && a.skills == [2, 3])
    })
    .await;
    let (code, stderr) = stop(child).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("skill queues"), "{stderr}");

    let child = watch("102", "none");
    common::eventually("signed in, no skill", WAIT, || {
        gw.sent("/onlineagent/102/resetskill/false") == 1
            && ctl
                .agent_state("102")
                .is_some_and(|a| a.signed_in && a.skills.is_empty())
    })
    .await;
    stop(child).await;

    let mut f = Fault::new(
        FaultTarget::PathPrefix("/onlineagent/103/resetskill".into()),
        1,
        FaultAction::Retcode {
            retcode: "100-007".into(),
        },
    );
    f.agent = Some("103".into());
    ctl.fault(f);
    let child = watch("103", "all");
    common::eventually("signed in despite the refusal", WAIT, || {
        gw.sent("/onlineagent/103/resetskill/true") == 1
            && gw.sent("/agentevent/103") > 0
            && ctl.agent_state("103").is_some_and(|a| a.signed_in)
    })
    .await;
    let (code, stderr) = stop(child).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("could not join the skill queues (100-007"),
        "{stderr}"
    );

    let r = gw
        .command("101", &["watch", "--skills", "1;2"])
        .output()
        .await
        .expect("run");
    assert_eq!(r.status.code(), Some(2));
}
