//! The scripted day: same seed, same calls and events.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use agentgateway_sim::scenario::{DayConfig, Step, plan, run_day};
use common::*;
use serde_json::{Value, json};
use tokio_util::sync::CancellationToken;

/// Event types and the seed-determined parts of call contents.
fn fingerprint(events: &[Value]) -> Vec<Value> {
    events
        .iter()
        .map(|e| {
            let c = &e["content"];
            json!([
                e["eventType"],
                c.get("caller"),
                c.get("called"),
                c.get("transfrom")
            ])
        })
        .collect()
}

async fn one_run(seed: u64) -> Vec<Value> {
    let sim = start(quick_config()).await;
    let gw = Gw::new(&sim);
    let control = sim.control();
    let stop = CancellationToken::new();
    let cfg = DayConfig {
        agent: "101".into(),
        seed,
        speed: 4000.0,
        calls: Some(8),
    };
    // The runner waits until the agent signs in.
    let run = tokio::spawn(run_day(control.clone(), cfg, stop.clone()));
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    assert!(control.emitted_events("101").is_empty());
    gw.sign_in_with("101", json!({"password":"Agent#101","phonenum":"1"}))
        .await;
    let report = run.await.unwrap();
    assert_eq!(report.calls, 8);
    assert_eq!(report.answered, 8, "autoanswer answers every call");
    fingerprint(&control.emitted_events("101"))
}

#[tokio::test]
async fn the_same_seed_plays_the_same_day() {
    bounded(async {
        let first = one_run(11).await;
        let second = one_run(11).await;
        assert_eq!(first, second);
        let other = one_run(12).await;
        assert_ne!(first, other);

        // The events follow the plan: callers in order, breaks as rests.
        let planned: Vec<Step> = plan(11, 12);
        let callers: Vec<String> = planned
            .iter()
            .filter_map(|s| match s {
                Step::Call(c) => Some(c.caller.clone()),
                _ => None,
            })
            .take(8)
            .collect();
        let rung: Vec<String> = first
            .iter()
            .filter(|f| f[0] == "AgentEvent_Auto_Answer")
            .map(|f| f[1].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(rung, callers);
        let rests = first
            .iter()
            .filter(|f| f[0] == "AgentState_SetRest_Success")
            .count();
        let breaks_before_the_8th_call = planned
            .iter()
            .scan(0, |calls, s| {
                if matches!(s, Step::Call(_)) {
                    *calls += 1;
                }
                (*calls < 8).then_some(s)
            })
            .filter(|s| matches!(s, Step::Break { .. }))
            .count();
        assert_eq!(rests, breaks_before_the_8th_call);
        // Every call ends with the customer hanging up and the agent back to idle.
        let releases = first
            .iter()
            .filter(|f| f[0] == "AgentEvent_Customer_Release")
            .count();
        assert_eq!(releases, 8);
    })
    .await;
}

#[tokio::test]
async fn the_demo_staffs_colleagues_around_the_agent() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        gw.sign_in("103").await;
        let control = sim.control();
        let staff = agentgateway_sim::scenario::staff_colleagues(&control, "101", 1000.0);
        assert_eq!(
            staff,
            ["102", "104", "105"],
            "not the agent, not a client's agent"
        );
        let state = |a: &str| control.agent_state(a).unwrap();
        assert_eq!((state("102").status, state("102").colleague), (4, true));
        assert_eq!(state("104").status, 3);
        assert!(!state("103").colleague);
        assert!(!state("101").signed_in);
        assert_eq!(state("102").skills, [1, 2]);
    })
    .await;
}
