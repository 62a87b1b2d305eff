//! Skill queues after sign-in, against the simulator: `resetskill` right
//! after every sign-in (and every sign-in again after a switchover), before
//! the first event poll; a refusal leaves the agent signed in and is kept
//! for the bar.

mod common;

use std::time::Duration;

use agentgateway::client::SkillChoice;
use agentgateway::engine::Update;
use agentgateway::{Health, SkillQueues};
use agentgateway_sim::{Fault, FaultAction, FaultTarget, LoggedRequest};
use common::*;
use serde_json::json;

fn resetskill_fault(agent: &str, retcode: &str) -> Fault {
    let mut f = Fault::new(
        FaultTarget::PathPrefix(format!("/onlineagent/{agent}/resetskill")),
        1,
        FaultAction::Retcode {
            retcode: retcode.into(),
        },
    );
    f.agent = Some(agent.into());
    f
}

/// Index of the first request after `from` for which `pick` holds.
fn find(
    log: &[LoggedRequest],
    from: usize,
    pick: impl Fn(&LoggedRequest) -> bool,
) -> Option<usize> {
    let rest = log.get(from..)?;
    rest.iter().position(pick).map(|i| i + from)
}

fn is_sign_in(r: &LoggedRequest, agent: &str) -> bool {
    r.method == "PUT"
        && (r.path.ends_with(&format!("/onlineagent/{agent}"))
            || r.path
                .ends_with(&format!("/onlineagent/{agent}/forcelogin")))
        && r.retcode.as_deref() == Some("0")
}

fn is_resetskill(r: &LoggedRequest, agent: &str) -> bool {
    r.method == "POST"
        && r.path
            .contains(&format!("/onlineagent/{agent}/resetskill/"))
}

fn is_poll(r: &LoggedRequest, agent: &str) -> bool {
    r.path.ends_with(&format!("/agentevent/{agent}"))
}

/// Every successful sign-in in `log` is followed by a resetskill before the
/// next event poll; returns how many sign-ins there were.
fn resetskill_follows_every_sign_in(log: &[LoggedRequest], agent: &str) -> usize {
    let mut at = 0;
    let mut sign_ins = 0;
    while let Some(s) = find(log, at, |r| is_sign_in(r, agent)) {
        sign_ins += 1;
        let reset = find(log, s, |r| is_resetskill(r, agent))
            .unwrap_or_else(|| panic!("no resetskill after the sign-in at {s}: {log:#?}"));
        if let Some(poll) = find(log, s, |r| is_poll(r, agent)) {
            assert!(reset < poll, "resetskill before the first poll: {log:#?}");
        }
        at = s + 1;
    }
    sign_ins
}

#[tokio::test]
async fn a_refused_resetskill_leaves_the_agent_signed_in_and_is_kept_for_the_bar() {
    let sim = start(quick_config()).await;
    sim.control().fault(resetskill_fault("101", "100-007"));
    let s = session(&sim, "101");
    let mut sub = s.subscribe();
    assert_eq!(s.skills(), SkillQueues::Unknown);
    s.sign_in(sign_in_req("101"), false)
        .await
        .expect("the sign-in stands");
    assert_eq!(
        s.skills(),
        SkillQueues::Failed {
            choice: SkillChoice::All,
            kind: "gateway",
            retcode: Some("100-007".into()),
        }
    );
    let log = sim.control().request_log();
    assert_eq!(resetskill_follows_every_sign_in(&log, "101"), 1);
    let reset = log
        .iter()
        .find(|r| is_resetskill(r, "101"))
        .expect("resetskill");
    assert!(reset.path.ends_with("/resetskill/true"), "{reset:?}");
    assert_eq!(reset.retcode.as_deref(), Some("100-007"));

    // Events still flow.
    let mut seen = Vec::new();
    sim.control()
        .inject(
            "101",
            json!({"eventType": "AgentTest_Marker", "workNo": "101", "content": null}),
        )
        .expect("inject");
    wait_for(&mut sub, &mut seen, Duration::from_secs(5), |u| match u {
        Update::Event(e) if e.event_type == "AgentTest_Marker" => Some(()),
        _ => None,
    })
    .await;
    assert!(matches!(s.state().health, Health::Connected { .. }));
    s.sign_out(false).await.expect("sign out");
    assert_eq!(s.skills(), SkillQueues::Unknown);
}

#[tokio::test]
async fn a_sign_in_again_after_a_switchover_joins_the_queues_again() {
    let sim = start(quick_config()).await;
    let s = session(&sim, "104");
    let mut sub = s.subscribe();
    let mut seen = Vec::new();
    s.sign_in(sign_in_req("104"), false).await.expect("sign in");
    // Out of every queue meanwhile: the sign-in again must join them again.
    s.client()
        .reset_skills(&SkillChoice::Only(vec![]))
        .await
        .expect("leave the queues");
    sim.control().fault({
        let mut f = Fault::new(
            FaultTarget::Poll,
            1,
            FaultAction::Retcode {
                retcode: "105-006".into(),
            },
        );
        f.agent = Some("104".into());
        f
    });
    wait_for(&mut sub, &mut seen, Duration::from_secs(5), |u| match u {
        Update::Health(Health::Reconnecting { .. }) => Some(()),
        _ => None,
    })
    .await;
    wait_for(&mut sub, &mut seen, Duration::from_secs(10), |u| match u {
        Update::Health(Health::Connected { .. }) => Some(()),
        _ => None,
    })
    .await;
    let ctl = sim.control();
    eventually(
        "two sign-ins, each followed by resetskill",
        Duration::from_secs(5),
        || {
            let log = ctl.request_log();
            log.iter().filter(|r| is_sign_in(r, "104")).count() >= 2
                && log.iter().filter(|r| is_resetskill(r, "104")).count() >= 2
        },
    )
    .await;
    let log = sim.control().request_log();
    assert!(resetskill_follows_every_sign_in(&log, "104") >= 2);
    assert_eq!(joined(&s.skills()), Some(vec!["2", "3"]));
}

/// The skill IDs of a `Joined` outcome.
fn joined(q: &SkillQueues) -> Option<Vec<&str>> {
    match q {
        SkillQueues::Joined {
            skills: Some(skills),
            ..
        } => Some(skills.iter().map(|s| s.id.as_str()).collect()),
        _ => None,
    }
}

#[tokio::test]
async fn the_bar_sees_the_skills_joined_and_can_change_them() {
    let sim = start(quick_config()).await;
    let s = session(&sim, "101");
    let mut changes = s.watch_skills();
    s.sign_in(sign_in_req("101"), false).await.expect("sign in");
    assert_eq!(joined(&s.skills()), Some(vec!["1", "2", "3"]));
    assert!(changes.has_changed().expect("watch"));
    assert_eq!(
        joined(&changes.borrow_and_update()),
        Some(vec!["1", "2", "3"])
    );

    let q = s
        .sign_in_to_skills("3".parse().expect("ids"))
        .await
        .expect("resetskill");
    assert_eq!(joined(&q), Some(vec!["3"]));
    assert_eq!(s.skill_choice(), SkillChoice::Only(vec!["3".into()]));
    // The gateway agrees.
    let mine = s
        .client()
        .signed_in_skills("101")
        .await
        .expect("agentskill");
    assert_eq!(
        mine.iter().map(|k| k.id.as_str()).collect::<Vec<_>>(),
        ["3"]
    );
    assert_eq!(
        joined(&s.refresh_skills().await.expect("refresh")),
        Some(vec!["3"])
    );

    // A refusal is the error and is kept.
    sim.control().fault(resetskill_fault("101", "100-007"));
    let e = s
        .sign_in_to_skills(SkillChoice::All)
        .await
        .expect_err("refused");
    assert_eq!(e.retcode(), Some("100-007"));
    assert!(matches!(s.skills(), SkillQueues::Failed { .. }));
    s.sign_out(false).await.expect("sign out");
    assert!(matches!(
        s.sign_in_to_skills(SkillChoice::All).await,
        Err(agentgateway::SessionError::NotSignedIn)
    ));
}

#[tokio::test]
async fn the_skill_choice_is_what_resetskill_is_asked_for() {
    let sim = start(quick_config()).await;
    let mut cfg = agentgateway::SessionConfig::new(client_config(
        "104",
        vec![sim.gateway_url()],
        trust(&sim),
    ));
    cfg.timing = fast_timing();
    cfg.skills = "2,3".parse().expect("ids");
    let s = agentgateway::Session::new(cfg).expect("session");
    s.sign_in(sign_in_req("104"), false).await.expect("sign in");
    let log = sim.control().request_log();
    let reset = log
        .iter()
        .find(|r| is_resetskill(r, "104"))
        .expect("resetskill");
    assert!(reset.path.ends_with("/resetskill/false"), "{reset:?}");
    let query: Vec<(String, String)> =
        url::form_urlencoded::parse(reset.query.as_deref().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    assert_eq!(
        query,
        [
            ("skillid".to_owned(), "2;3".to_owned()),
            ("phonelinkage".to_owned(), "0".to_owned())
        ]
    );
    assert_eq!(s.skill_choice(), "2,3".parse().expect("ids"));
    assert_eq!(joined(&s.skills()), Some(vec!["2", "3"]));
    s.sign_out(false).await.expect("sign out");
}
