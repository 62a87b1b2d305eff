//! The session engine against the simulator: delivery, GUID rotation, the
//! timing rules (from the simulator's request log), stop retcodes,
//! switchover, backup gateways and resume.

mod common;

use std::time::Duration;

use agentgateway::bar::{AgentState, Health, ReconnectCause, SignOutReason};
use agentgateway::engine::{SessionError, Update};
use agentgateway::{Guid, Trust};
use agentgateway_sim::{AuthMode, Fault, FaultAction, FaultTarget, Ring, SimConfig};
use common::*;
use serde_json::{Value, json};

fn poll_fault(agent: &str, action: FaultAction) -> Fault {
    let mut f = Fault::new(FaultTarget::Poll, 1, action);
    f.agent = Some(agent.into());
    f
}

fn marker(n: usize) -> Value {
    json!({"eventType": "AgentTest_Marker", "workNo": "101", "content": {"n": n}})
}

#[tokio::test]
async fn every_event_once_in_order_across_faults_and_the_timing_rules_hold() {
    let sim = start(quick_config()).await;
    let s = session(&sim, "101");
    let mut sub = s.subscribe();
    let mut seen = Vec::new();
    s.sign_in(sign_in_req("101"), false).await.expect("sign in");
    wait_event(&mut sub, &mut seen, "AgentState_Ready").await;
    assert_eq!(s.state().agent, AgentState::Idle);

    let ctl = sim.control();
    let faults = [
        FaultAction::Status { status: 503 },
        FaultAction::Drop,
        FaultAction::MalformedBody,
        FaultAction::TruncatedBody,
        FaultAction::WrongContentType,
        FaultAction::Delay { ms: 300 },
    ];
    for (i, f) in faults.iter().enumerate() {
        ctl.inject("101", marker(2 * i)).expect("inject");
        ctl.fault(poll_fault("101", f.clone()));
        ctl.inject("101", marker(2 * i + 1)).expect("inject");
    }
    let last = 2 * faults.len() - 1;
    wait_for(&mut sub, &mut seen, Duration::from_secs(30), |u| match u {
        Update::Event(e) if e.raw["content"]["n"] == json!(last) => Some(()),
        _ => None,
    })
    .await;

    // Exactly what the gateway emitted, in order, once.
    let emitted = ctl.emitted_events("101");
    let got: Vec<Value> = seen.iter().map(|e| e.raw.clone()).collect();
    assert_eq!(got, emitted);
    assert!(s.state().last_error.is_some(), "faults are reported");
    assert!(matches!(s.state().health, Health::Connected { .. }));

    // Timing rules, from the request log: 200-500 ms after an answer, more
    // than 1 s after a non-200 status, a back-off after a dropped connection.
    let polls: Vec<_> = ctl
        .request_log()
        .into_iter()
        .filter(|r| r.path.ends_with("/agentevent/101"))
        .collect();
    assert!(polls.len() >= 12, "{} polls", polls.len());
    let mut saw = (false, false);
    for w in polls.windows(2) {
        let gap = w[1]
            .offset_ms
            .saturating_sub(w[0].offset_ms + w[0].duration_ms);
        match w[0].status {
            Some(200) if w[0].fault.is_none() => {
                assert!(gap >= 190, "{gap} ms after an answer");
                assert!(gap <= 1500, "{gap} ms after an answer");
            }
            Some(200) => {}
            Some(_) => {
                saw.0 = true;
                assert!(gap >= 1000, "{gap} ms after a non-200 status");
            }
            None => {
                saw.1 = true;
                assert!(gap >= 90, "{gap} ms after a dropped connection");
            }
        }
    }
    assert_eq!(saw, (true, true), "the log shows the 503 and the drop");
}

#[tokio::test]
async fn guid_rotation_in_dynamic_mode_without_a_gap() {
    let cfg = SimConfig {
        auth: AuthMode::Dynamic {
            interval: Duration::from_millis(300),
            timeout: Duration::from_millis(900),
        },
        ..quick_config()
    };
    let sim = start(cfg).await;
    let s = session(&sim, "102");
    let mut sub = s.subscribe();
    let mut seen = Vec::new();
    s.sign_in(sign_in_req("102"), false).await.expect("sign in");
    let mut guids: Vec<Guid> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_millis(2500);
    while tokio::time::Instant::now() < deadline {
        if let Ok(Some(u)) = tokio::time::timeout_at(deadline, sub.recv()).await {
            match u {
                Update::Guid(Some(g)) => guids.push(g),
                Update::Health(h) => assert!(!matches!(h, Health::SignedOut { .. }), "{h:?}"),
                _ => {}
            }
        }
    }
    assert!(guids.len() >= 4, "sign-in plus rotations: {}", guids.len());
    for w in guids.windows(2) {
        assert_ne!(w[0], w[1]);
    }
    assert_eq!(s.client().guid().as_ref(), guids.last());
    // Still served: a call arrives.
    sim.control().ring("102", Ring::default()).expect("ring");
    wait_event(&mut sub, &mut seen, "AgentEvent_Auto_Answer").await;
    let refused = sim
        .control()
        .request_log()
        .iter()
        .filter(|r| r.retcode.as_deref() == Some("000-003"))
        .count();
    assert_eq!(refused, 0, "no request used an expired GUID");
}

#[tokio::test]
async fn stop_retcodes_end_the_session() {
    for code in ["000-001", "000-003", "100-006"] {
        let sim = start(quick_config()).await;
        let s = session(&sim, "103");
        let mut sub = s.subscribe();
        let mut seen = Vec::new();
        s.sign_in(sign_in_req("103"), false).await.expect("sign in");
        wait_event(&mut sub, &mut seen, "AgentState_Ready").await;
        sim.control().fault(poll_fault(
            "103",
            FaultAction::Retcode {
                retcode: code.into(),
            },
        ));
        let reason = wait_for(&mut sub, &mut seen, Duration::from_secs(5), |u| match u {
            Update::Health(Health::SignedOut { reason }) => Some(reason.clone()),
            _ => None,
        })
        .await;
        assert_eq!(
            reason,
            SignOutReason::ByGateway {
                retcode: code.into()
            },
            "{code}"
        );
        assert_eq!(s.state().agent, AgentState::SignedOut);
        assert!(s.client().guid().is_none());
        eventually("loop stops", Duration::from_secs(2), || true).await;
        let count = || {
            sim.control()
                .request_log()
                .iter()
                .filter(|r| r.path.contains("/agentevent/"))
                .count()
        };
        let before = count();
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert_eq!(count(), before, "{code}: no poll after the stop retcode");
        assert!(!s.is_running().await);
    }
}

#[tokio::test]
async fn switchover_retcode_signs_in_again_and_events_keep_flowing() {
    let sim = start(quick_config()).await;
    let s = session(&sim, "104");
    let mut sub = s.subscribe();
    let mut seen = Vec::new();
    s.sign_in(sign_in_req("104"), false).await.expect("sign in");
    wait_event(&mut sub, &mut seen, "AgentState_Ready").await;
    let first = s.client().guid();
    sim.control().clear_request_log();
    sim.control().fault(poll_fault(
        "104",
        FaultAction::Retcode {
            retcode: "105-006".into(),
        },
    ));
    wait_for(&mut sub, &mut seen, Duration::from_secs(5), |u| match u {
        Update::Health(Health::Reconnecting { cause, .. }) => {
            assert!(
                matches!(cause, ReconnectCause::Switchover { to: 0, .. }),
                "{cause:?}"
            );
            Some(())
        }
        _ => None,
    })
    .await;
    wait_for(&mut sub, &mut seen, Duration::from_secs(5), |u| match u {
        Update::Health(Health::Connected { .. }) => Some(()),
        _ => None,
    })
    .await;
    let log = sim.control().request_log();
    assert!(
        log.iter().any(|r| r.method == "PUT"
            && r.path.contains("/onlineagent/104")
            && r.retcode.as_deref() == Some("0")),
        "signed in again"
    );
    let ctl = sim.control();
    eventually("reconciled after the gap", Duration::from_secs(5), || {
        ctl.request_log()
            .iter()
            .any(|r| r.path.ends_with("/agentstatus"))
    })
    .await;
    assert_ne!(s.client().guid(), first);
    sim.control().inject("104", marker(1)).expect("inject");
    wait_event(&mut sub, &mut seen, "AgentTest_Marker").await;
}

#[tokio::test]
async fn an_unreachable_gateway_is_left_for_the_backup() {
    let primary = start(quick_config()).await;
    let backup = start(quick_config()).await;
    let pem = format!(
        "{}\n{}",
        primary.ca_pem().expect("ca"),
        backup.ca_pem().expect("ca")
    );
    let s = session_on(
        vec![primary.gateway_url(), backup.gateway_url()],
        Trust::only_ca(pem),
        "105",
    );
    let mut sub = s.subscribe();
    let mut seen = Vec::new();
    s.sign_in(sign_in_req("105"), false).await.expect("sign in");
    wait_event(&mut sub, &mut seen, "AgentState_Ready").await;
    primary.control().stop_gateway().await;
    let reason = wait_for(&mut sub, &mut seen, Duration::from_secs(15), |u| match u {
        Update::Health(Health::Reconnecting {
            cause: cause @ ReconnectCause::Failover { .. },
            ..
        }) => Some(cause.clone()),
        _ => None,
    })
    .await;
    assert_eq!(reason, ReconnectCause::Failover { from: 0, to: 1 });
    let idx = wait_for(&mut sub, &mut seen, Duration::from_secs(15), |u| match u {
        Update::Health(Health::Connected { gateway_index, .. }) => Some(*gateway_index),
        _ => None,
    })
    .await;
    assert_eq!(idx, 1);
    assert!(
        backup
            .control()
            .agent_state("105")
            .is_some_and(|a| a.signed_in)
    );
    backup
        .control()
        .ring("105", Ring::default())
        .expect("ring on the backup");
    wait_event(&mut sub, &mut seen, "AgentEvent_Auto_Answer").await;
}

#[tokio::test]
async fn resume_from_a_stored_guid_and_refusal_when_unknown() {
    let sim = start(quick_config()).await;
    let a = session(&sim, "101");
    a.sign_in(sign_in_req("101"), false).await.expect("sign in");
    let guid = a.client().guid().expect("guid");
    a.stop().await;
    drop(a);

    let b = session(&sim, "101");
    let mut sub = b.subscribe();
    let mut seen = Vec::new();
    b.resume(guid, None, None, None).await.expect("resume");
    assert!(matches!(b.state().health, Health::Connected { .. }));
    sim.control().ring("101", Ring::default()).expect("ring");
    wait_event(&mut sub, &mut seen, "AgentEvent_Auto_Answer").await;
    // The bar was reconciled from agentstatus and then follows events.
    eventually("talking", Duration::from_secs(5), || {
        b.state().agent == AgentState::Talking
    })
    .await;

    let c = session(&sim, "101");
    let err = c
        .resume(Guid::new("not-a-session"), None, None, None)
        .await
        .expect_err("unknown guid");
    assert!(matches!(err, SessionError::SignedOut { .. }), "{err:?}");
    assert!(c.client().guid().is_none());

    // Sign-out is refused while talking, then works after the call.
    let err = b.sign_out(false).await.expect_err("talking");
    assert_eq!(err.kind(), "gateway");
    assert!(b.is_running().await, "a refused sign-out keeps the session");
    b.sign_out(true).await.expect("forcible sign-out");
    assert!(matches!(
        b.state().health,
        Health::SignedOut {
            reason: SignOutReason::ByAgent
        }
    ));
    assert!(!b.is_running().await);
}

#[tokio::test]
async fn a_poll_answer_that_cannot_be_read_is_followed_by_a_reconcile() {
    // The gateway may have dequeued the event such an answer carried: only
    // agentstatus can repair the bar.
    for (agent, action, retcode) in [
        ("102", FaultAction::MalformedBody, None),
        ("103", FaultAction::WrongContentType, None),
        (
            "104",
            FaultAction::Retcode {
                retcode: "100-007".into(),
            },
            Some("100-007"),
        ),
    ] {
        let sim = start(quick_config()).await;
        let s = session(&sim, agent);
        let mut sub = s.subscribe();
        let mut seen = Vec::new();
        s.sign_in(sign_in_req(agent), false).await.expect("sign in");
        wait_event(&mut sub, &mut seen, "AgentState_Ready").await;
        let ctl = sim.control();
        ctl.clear_request_log();
        ctl.fault(poll_fault(agent, action.clone()));
        eventually(
            "a reconcile after the bad answer",
            Duration::from_secs(10),
            || {
                let log = ctl.request_log();
                let bad = log.iter().position(|r| {
                    r.path.contains("/agentevent/")
                        && (retcode.is_none() || r.retcode.as_deref() == retcode)
                });
                bad.and_then(|i| log.get(i + 1))
                    .is_some_and(|next| next.path.ends_with("/agentstatus"))
            },
        )
        .await;
        assert!(s.is_running().await, "{action:?}: the session goes on");
    }
}
