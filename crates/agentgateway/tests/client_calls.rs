//! Call control, skill queues and queries against the simulator over HTTPS:
//! each operation's effect is checked on the gateway's side (its calls,
//! DTMF record, queues, statistics) and in the events the agent gets.

mod common;

use std::time::Duration;

use agentgateway::client::{CallOut, Consult, SkillChoice, TransferHow};
use agentgateway::{CallTarget, Client, ClientError, Event, EventKind};
use agentgateway_sim::{CallTimings, Colleague, QueueCall, Ring, SimConfig, Simulator};
use common::*;

fn config() -> SimConfig {
    SimConfig {
        calls: CallTimings {
            answer_after: Duration::from_millis(150),
            fail_after: Duration::from_millis(100),
            no_answer_after: Duration::from_millis(1500),
            colleague_answer_after: Duration::from_millis(150),
            ivr_return_after: Duration::from_millis(400),
        },
        ..quick_config()
    }
}

/// Signs `agent` in (manual answer) and drains the sign-in events.
async fn signed_in(sim: &Simulator, agent: &str) -> Client {
    let c = client(sim, agent);
    let mut req = sign_in_req(agent);
    req.auto_answer = Some(false);
    c.sign_in(&req).await.expect("sign in");
    c.reset_skills(&SkillChoice::All).await.expect("resetskill");
    while c.poll_event(None).await.expect("poll").is_some() {}
    c
}

/// Polls until an event for which `pick` holds; the events before it too.
async fn until(c: &Client, what: &str, pick: impl Fn(&Event) -> bool) -> Vec<Event> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let mut seen = Vec::new();
    loop {
        assert!(
            tokio::time::Instant::now() < deadline,
            "no {what}; seen {:?}",
            seen.iter()
                .map(|e: &Event| e.event_type.clone())
                .collect::<Vec<_>>()
        );
        if let Some(e) = c.poll_event(None).await.expect("poll") {
            let done = pick(&e);
            seen.push(e);
            if done {
                return seen;
            }
        }
    }
}

fn talking(id: &str) -> impl Fn(&Event) -> bool + '_ {
    move |e| matches!(&e.kind, EventKind::Talking(t) if t.callid.as_deref() == Some(id))
}

fn ids(skills: &[agentgateway::Skill]) -> Vec<&str> {
    skills.iter().map(|s| s.id.as_str()).collect()
}

fn target(s: &str) -> CallTarget {
    s.parse().expect(s)
}

#[tokio::test]
async fn skill_queues_and_the_queries_for_pickers() {
    let sim = start(config()).await;
    let c = signed_in(&sim, "101").await;
    assert_eq!(
        ids(&c.configured_skills().await.expect("configured")),
        ["1", "2", "3"]
    );
    assert_eq!(
        ids(&c.signed_in_skills("101").await.expect("mine")),
        ["1", "2", "3"]
    );
    c.reset_skills(&SkillChoice::Only(vec!["2".into()]))
        .await
        .expect("only 2");
    assert_eq!(ids(&c.signed_in_skills("101").await.expect("mine")), ["2"]);
    c.reset_skills(&SkillChoice::Only(vec![]))
        .await
        .expect("none");
    assert!(c.signed_in_skills("101").await.expect("mine").is_empty());
    c.reset_skills(&SkillChoice::All).await.expect("all");

    // A caller waits in skill 3 while the agent is busy.
    c.say_busy(None).await.expect("busy");
    let ctl = sim.control();
    ctl.queue_call(
        3,
        QueueCall {
            caller: "5550001".into(),
            called: "4002".into(),
            ..QueueCall::default()
        },
    )
    .expect("queue call");
    assert_eq!(c.waiting_for_me().await.expect("waitnum").total, Some(1));
    let figures = c
        .queue_figures(&["1".into(), "2".into(), "3".into()])
        .await
        .expect("queryacdstat");
    assert_eq!(figures.len(), 3);
    let tech = figures.iter().find(|f| f.skill_id == "3").expect("skill 3");
    assert_eq!(tech.name.as_deref(), Some("Technical"));
    assert_eq!(tech.waiting, Some(1));
    assert_eq!(tech.logged_on, Some(1));
    assert_eq!(tech.available, Some(0));
    assert!(tech.longest_wait_s.is_some());
    assert_eq!(
        figures
            .iter()
            .find(|f| f.skill_id == "1")
            .and_then(|f| f.waiting),
        Some(0)
    );

    // Pickers.
    assert_eq!(
        ids(&c.vdn_skills().await.expect("vdn")),
        ["1", "2", "3", "4"]
    );
    let ivrs = c.ivrs().await.expect("ivrs");
    assert_eq!(ivrs[0].access_code.as_deref(), Some("5001"));
    let codes = c.access_codes().await.expect("inno");
    assert_eq!(codes.len(), 3);
    assert_eq!(codes[0].code.as_deref(), Some("4001"));
    let reasons = c.rest_reasons().await.expect("rest reasons");
    assert!(reasons.iter().any(|r| r.reason.as_deref() == Some("Lunch")));
    ctl.set_colleague("102", Colleague::default())
        .expect("colleague");
    let idle = c.idle_agents().await.expect("idle");
    assert_eq!(
        idle.iter().map(|a| a.work_no.as_str()).collect::<Vec<_>>(),
        ["102"]
    );
    let all = c.all_agents().await.expect("all agents");
    let me = all.iter().find(|a| a.work_no == "101").expect("me");
    assert_eq!(me.status, Some(3), "busy");
    assert_eq!(me.name.as_deref(), Some("Anna Berg"));

    c.set_auto_answer(true).await.expect("autoanswer");
    c.set_auto_enter_idle(false).await.expect("autoenteridle");
    let s = c.statistics().await.expect("statistics");
    assert_eq!(
        (s.answered, s.outbound, s.talk_time_s),
        (Some(0), Some(0), Some(0))
    );
}

#[tokio::test]
async fn outbound_calls_dtmf_mute_and_failing_numbers() {
    let sim = start(config()).await;
    let c = signed_in(&sim, "101").await;
    let id = c
        .call_out(&CallOut::to("5551234"))
        .await
        .expect("callout")
        .expect("a call ID");
    let seen = until(&c, "talking", talking(&id)).await;
    assert!(
        seen.iter()
            .any(|e| matches!(e.kind, EventKind::CustomerAlerting(_))),
        "{seen:?}"
    );
    let info = c.call_info().await.expect("callinfo").expect("a call");
    assert_eq!(info.callid.as_deref(), Some(id.as_str()));
    assert_eq!(info.feature.as_deref(), Some("7"));
    assert_eq!(c.all_call_ids().await.expect("allcallid"), [id.as_str()]);
    assert!(c.hold_list().await.expect("empty hold list").is_empty());

    c.send_dtmf("12*#").await.expect("dtmf");
    assert_eq!(sim.control().dtmf("101"), ["12*#"]);
    c.begin_mute().await.expect("mute");
    assert!(sim.control().calls("101")[0].muted);
    c.end_mute().await.expect("unmute");
    assert!(!sim.control().calls("101")[0].muted);
    // Refused on the gateway's side: a retcode, typed.
    let e = c.end_mute().await.expect_err("not muted");
    assert!(matches!(e, ClientError::Gateway { .. }), "{e:?}");
    c.release().await.expect("release");
    until(&c, "release", |e| {
        matches!(e.kind, EventKind::CallRelease { .. })
    })
    .await;
    assert_eq!(c.statistics().await.expect("statistics").outbound, Some(1));

    // An invalid number: the call starts, then fails.
    let bad = c
        .call_out(&CallOut::to("000123"))
        .await
        .expect("callout")
        .expect("a call ID");
    until(&c, "call out fail", |e| {
        matches!(&e.kind, EventKind::CallOutFail { callid } if callid.as_deref() == Some(bad.as_str()))
    })
    .await;
    assert!(sim.control().calls("101").is_empty());
}

#[tokio::test]
async fn consult_take_back_conference_and_internal_calls() {
    let sim = start(config()).await;
    let ctl = sim.control();
    ctl.set_colleague("102", Colleague::default())
        .expect("colleague 102");
    ctl.set_colleague("103", Colleague::default())
        .expect("colleague 103");
    let c = signed_in(&sim, "101").await;
    let customer = ctl
        .ring(
            "101",
            Ring {
                caller: "5550002".into(),
                called: "4001".into(),
                ..Ring::default()
            },
        )
        .expect("ring");
    until(&c, "ringing", |e| matches!(e.kind, EventKind::Ringing(_))).await;
    c.answer().await.expect("answer");
    until(&c, "talking", talking(&customer)).await;

    // Two-party consult: the customer is held, the colleague answers.
    let consult = Consult {
        target: target("agent:102"),
        three_party: false,
    };
    let help = c
        .consult(&consult)
        .await
        .expect("consult")
        .expect("help call ID");
    assert_ne!(help, customer);
    let seen = until(&c, "helper talking", talking(&help)).await;
    assert!(seen.iter().any(|e| matches!(&e.kind,
        EventKind::Hold { callid } if callid.as_deref() == Some(customer.as_str()))));
    let mut all = c.all_call_ids().await.expect("allcallid");
    all.sort();
    let mut both = vec![customer.clone(), help.clone()];
    both.sort();
    assert_eq!(all, both);
    let held = c.hold_list().await.expect("holdlist");
    assert_eq!(
        held.iter().map(|h| h.callid.as_str()).collect::<Vec<_>>(),
        [customer.as_str()]
    );
    // Take the customer back.
    c.drop_call(&help).await.expect("dropcall");
    until(&c, "customer back", talking(&customer)).await;
    assert_eq!(
        c.all_call_ids().await.expect("allcallid"),
        [customer.as_str()]
    );

    // Consult again, then join all three.
    let help = c
        .consult(&consult)
        .await
        .expect("consult")
        .expect("help call ID");
    until(&c, "helper talking", talking(&help)).await;
    c.conf_join(&customer).await.expect("confjoin");
    let seen = until(&c, "conference", |e| {
        matches!(e.kind, EventKind::Conference { .. })
    })
    .await;
    let Some(EventKind::Conference { callid, partners }) = seen.last().map(|e| e.kind.clone())
    else {
        panic!("{seen:?}")
    };
    assert_eq!(callid.as_deref(), Some(customer.as_str()));
    assert!(partners.contains(&"102".to_owned()), "{partners:?}");
    assert!(partners.contains(&"5550002".to_owned()), "{partners:?}");
    c.disconnect("102").await.expect("disconnect");
    let parties = &ctl.calls("101")[0].parties;
    assert_eq!(parties, &["5550002".to_owned()]);

    // Hold the customer, call a colleague inside, switch between the two.
    c.hold().await.expect("hold");
    let inner = c
        .call_inner("103")
        .await
        .expect("callinner")
        .expect("call ID");
    until(&c, "internal call talking", talking(&inner)).await;
    assert_eq!(
        ctl.calls("101")
            .iter()
            .find(|k| k.callid == inner)
            .map(|k| k.feature.as_str()),
        Some("6")
    );
    c.connect_hold(&customer).await.expect("connecthold");
    until(&c, "customer talking again", talking(&customer)).await;
    let phases: Vec<(String, String)> = ctl
        .calls("101")
        .into_iter()
        .map(|k| (k.callid, k.phase))
        .collect();
    assert!(
        phases.contains(&(inner.clone(), "held".into())),
        "{phases:?}"
    );
    assert!(
        phases.contains(&(customer.clone(), "talking".into())),
        "{phases:?}"
    );
}

#[tokio::test]
async fn transfers_by_target_and_reject() {
    let sim = start(config()).await;
    let ctl = sim.control();
    ctl.set_colleague("103", Colleague::default())
        .expect("colleague 103");
    let c = signed_in(&sim, "101").await;
    let ring = |caller: &str| {
        ctl.ring(
            "101",
            Ring {
                caller: caller.into(),
                called: "4001".into(),
                ..Ring::default()
            },
        )
        .expect("ring")
    };
    let answered = |id: String| {
        let c = c.clone();
        async move {
            until(&c, "ringing", |e| matches!(e.kind, EventKind::Ringing(_))).await;
            c.answer().await.expect("answer");
            until(&c, "talking", talking(&id)).await;
            id
        }
    };

    // Wait-for-answer to an agent: the outcome arrives, then the release.
    let id = answered(ring("5550003")).await;
    c.transfer_to(&target("agent:103"), TransferHow::WaitForAnswer)
        .await
        .expect("transfer");
    let seen = until(&c, "transfer result", |e| {
        matches!(e.kind, EventKind::SuccTransResult { .. })
    })
    .await;
    assert_eq!(
        seen.last().map(|e| e.kind.clone()),
        Some(EventKind::SuccTransResult {
            callid: Some(id.clone()),
            result: Some(0)
        })
    );
    until(&c, "released", |e| {
        matches!(e.kind, EventKind::CallRelease { .. })
    })
    .await;
    assert_eq!(ctl.calls("103").len(), 1, "the colleague has the customer");

    // Blind to a skill: released at once.
    let id = answered(ring("5550004")).await;
    c.transfer_to(&target("skill:2"), TransferHow::Blind)
        .await
        .expect("blind transfer");
    until(&c, "released", |e| {
        matches!(&e.kind, EventKind::CallRelease { callid } if callid.as_deref() == Some(id.as_str()))
    })
    .await;

    // Waiting on a number that never answers, then cancelled: the customer stays.
    let id = answered(ring("5550005")).await;
    c.transfer_to(&target("number:0199555"), TransferHow::WaitForAnswer)
        .await
        .expect("transfer out");
    c.cancel_transfer().await.expect("cancel transfer");
    let mine = ctl.calls("101");
    assert_eq!(mine.len(), 1);
    assert_eq!(
        (mine[0].callid.as_str(), mine[0].phase.as_str()),
        (id.as_str(), "talking")
    );

    // Blind to an IVR.
    c.transfer_to(&target("ivr:5001"), TransferHow::Blind)
        .await
        .expect("ivr transfer");
    until(&c, "released", |e| {
        matches!(e.kind, EventKind::CallRelease { .. })
    })
    .await;
    assert!(ctl.calls("101").is_empty());

    // Reject: released (idle), or back to the queue (busy).
    let id = ring("5550006");
    until(&c, "ringing", |e| matches!(e.kind, EventKind::Ringing(_))).await;
    c.reject(Some(&id), false).await.expect("reject");
    until(&c, "ready", |e| matches!(e.kind, EventKind::Ready)).await;
    assert!(ctl.calls("101").is_empty());
    let id = ring("5550007");
    until(&c, "ringing", |e| matches!(e.kind, EventKind::Ringing(_))).await;
    c.reject(None, true).await.expect("reject to queue");
    until(&c, "no answer", |e| {
        matches!(&e.kind, EventKind::NoAnswer { callid } if callid.as_deref() == Some(id.as_str()))
    })
    .await;
    assert_eq!(
        c.agent_status().await.expect("status"),
        agentgateway::AgentStatus::Busy
    );
    let e = c.reject(None, true).await.expect_err("nothing rings");
    assert_eq!(e.retcode(), Some("200-002"));
}
