//! Every interface operation against the simulator over HTTPS, plus the TLS
//! trust rules.

mod common;

use std::time::Duration;

use agentgateway::client::{AgentStatus, ClientError, Transfer};
use agentgateway::{Client, EventKind, Trust};
use agentgateway_sim::Ring;
use common::*;

/// Polls until the event queue is empty; returns the event types seen.
async fn drain(c: &Client) -> Vec<EventKind> {
    let mut kinds = Vec::new();
    while let Some(e) = c.poll_event(None).await.expect("poll") {
        kinds.push(e.kind);
    }
    kinds
}

async fn status(c: &Client) -> AgentStatus {
    c.agent_status().await.expect("agentstatus")
}

#[tokio::test]
async fn every_operation_against_the_simulator() {
    let sim = start(quick_config()).await;
    let c = client(&sim, "101");
    let mut req = sign_in_req("101");
    req.auto_answer = Some(false);

    // Sign-in: GUID taken from Set-GUID, answer decoded.
    assert!(c.guid().is_none());
    let info = c.sign_in(&req).await.expect("sign in");
    assert_eq!(info.server_name.as_deref(), Some("AgentGateway"));
    assert_eq!(info.work_no.as_deref(), Some("101"));
    let first = c.guid().expect("guid after sign-in");
    let kinds = drain(&c).await;
    assert!(kinds.contains(&EventKind::InService), "{kinds:?}");
    assert!(kinds.contains(&EventKind::Ready), "{kinds:?}");

    // Already signed in: typed retcode; forcible sign-in takes over with a new GUID.
    let err = c.sign_in(&req).await.expect_err("already signed in");
    assert_eq!(err.retcode(), Some("100-002"));
    assert!(matches!(err, ClientError::Gateway { .. }));
    c.force_sign_in(&req).await.expect("force sign in");
    assert_ne!(c.guid(), Some(first));
    drain(&c).await;
    assert_eq!(status(&c).await, AgentStatus::Idle);

    // Busy with a reason, cancel.
    c.say_busy(Some(201)).await.expect("say busy");
    assert_eq!(status(&c).await, AgentStatus::Busy);
    assert_eq!(
        drain(&c).await,
        vec![EventKind::SetNotReadySuccess {
            reason: Some("201".into())
        }]
    );
    c.cancel_busy().await.expect("cancel busy");
    assert_eq!(status(&c).await, AgentStatus::Idle);
    // Refused in this state: retcode and meaning kept.
    let err = c.cancel_busy().await.expect_err("not busy");
    assert_eq!(err.retcode(), Some("100-009"));
    assert!(err.to_string().contains("does not allow"), "{err}");
    c.say_busy(None).await.expect("say busy without reason");
    c.say_free().await.expect("say free");
    assert_eq!(status(&c).await, AgentStatus::Idle);

    // Rest and wrap-up.
    c.rest(600, 3).await.expect("rest");
    assert_eq!(status(&c).await, AgentStatus::Rest);
    c.cancel_rest().await.expect("cancel rest");
    c.work().await.expect("work");
    assert_eq!(status(&c).await, AgentStatus::WrapUp);
    c.cancel_work().await.expect("cancel work");
    assert_eq!(status(&c).await, AgentStatus::Idle);
    drain(&c).await;

    // A call: ring, answer, hold, take back, calldata, transfer attempt, release.
    let callid = sim
        .control()
        .ring(
            "101",
            Ring {
                caller: "+4930123456".into(),
                called: "4001".into(),
                calldata: Some("order=42".into()),
                ..Ring::default()
            },
        )
        .expect("ring");
    let kinds = drain(&c).await;
    let Some(EventKind::Ringing(offer)) = kinds.first() else {
        panic!("ringing first: {kinds:?}")
    };
    assert_eq!(offer.callid.as_deref(), Some(callid.as_str()));
    assert_eq!(offer.caller.as_deref(), Some("+4930123456"));
    assert_eq!(c.app_data(&callid).await.expect("appdata"), "order=42");
    c.answer().await.expect("answer");
    assert_eq!(status(&c).await, AgentStatus::Talking);
    c.hold().await.expect("hold");
    c.get_hold(&callid).await.expect("get hold");
    c.set_calldata(&callid, "note: VIP", false)
        .await
        .expect("set calldata");
    assert_eq!(c.app_data(&callid).await.expect("appdata"), "note: VIP");
    let too_big = "x".repeat(agentgateway::client::MAX_CALLDATA_BYTES + 1);
    assert!(matches!(
        c.set_calldata(&callid, &too_big, false).await,
        Err(ClientError::InvalidArgument(_))
    ));
    // Sign-out is refused during a call.
    let err = c.sign_out().await.expect_err("talking");
    assert_eq!(err.retcode(), Some("100-009"));
    let kinds = drain(&c).await;
    assert!(
        kinds.iter().any(|k| matches!(k, EventKind::Talking(_))),
        "{kinds:?}"
    );
    assert!(
        kinds.iter().any(|k| matches!(k, EventKind::Hold { .. })),
        "{kinds:?}"
    );
    let t = Transfer {
        device_type: 2,
        address: "102".into(),
        mode: 0,
        extra: Default::default(),
    };
    // The simulator answers a transfer with success or a typed refusal, never garbage.
    match c.transfer(&t).await {
        Ok(()) => {}
        Err(e) => assert!(e.retcode().is_some(), "{e}"),
    }
    if status(&c).await == AgentStatus::Talking {
        c.release().await.expect("release");
    }
    let kinds = drain(&c).await;
    assert!(
        kinds.iter().any(|k| matches!(
            k,
            EventKind::CallRelease { .. } | EventKind::SuccTransResult { .. }
        )),
        "{kinds:?}"
    );

    // A new GUID on request; the handshake answers in polling mode too.
    let before = c.guid();
    c.update_guid().await.expect("update guid");
    assert_ne!(c.guid(), before);
    c.handshake().await.expect("handshake");

    // Sign out; the gateway no longer knows the session.
    c.sign_out().await.expect("sign out");
    assert!(
        c.poll_event(None)
            .await
            .expect_err("signed out")
            .is_signed_out()
    );

    // Forcible sign-out releases a call.
    c.sign_in(&req).await.expect("sign in again");
    sim.control().ring("101", Ring::default()).expect("ring");
    c.answer().await.expect("answer");
    c.force_sign_out().await.expect("force sign out");
    assert_eq!(status(&c).await, AgentStatus::SignedOut);
}

#[tokio::test]
async fn wrong_password_is_a_typed_refusal() {
    let sim = start(quick_config()).await;
    let c = client(&sim, "102");
    let req = agentgateway::SignIn::new(agentgateway::Secret::new("wrong"), "7002");
    let err = c.sign_in(&req).await.expect_err("wrong password");
    assert_eq!(err.retcode(), Some("100-004"));
    assert!(!err.to_string().contains("wrong\""));
    assert!(c.guid().is_none());
}

#[tokio::test]
async fn pinned_certificate_is_trusted_and_a_wrong_pin_is_not() {
    let sim = start(quick_config()).await;
    let pin = Trust::pinned_hex(&sim.server_cert_sha256()).expect("pin");
    let c = Client::new(client_config("103", vec![sim.gateway_url()], pin)).expect("client");
    c.sign_in(&sign_in_req("103"))
        .await
        .expect("pinned sign in");

    let wrong = Trust::Pinned([7; 32]);
    let c = Client::new(client_config("104", vec![sim.gateway_url()], wrong)).expect("client");
    let err = c.sign_in(&sign_in_req("104")).await.expect_err("wrong pin");
    assert!(
        matches!(err, ClientError::CertificateNotTrusted { .. }),
        "{err:?}"
    );
    assert_eq!(err.kind(), "certificateNotTrusted");
}

#[tokio::test]
async fn an_unknown_ca_is_not_trusted_and_a_closed_port_is_unreachable() {
    let sim = start(quick_config()).await;
    let other = start(quick_config()).await;
    // Trusting another simulator's CA only.
    let c =
        Client::new(client_config("101", vec![sim.gateway_url()], trust(&other))).expect("client");
    let err = c
        .sign_in(&sign_in_req("101"))
        .await
        .expect_err("unknown CA");
    assert!(
        matches!(err, ClientError::CertificateNotTrusted { .. }),
        "{err:?}"
    );

    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    drop(listener);
    let url = format!("https://127.0.0.1:{port}/agentgateway/resource");
    let c = Client::new(client_config("101", vec![url], trust(&sim))).expect("client");
    let err = c
        .sign_in(&sign_in_req("101"))
        .await
        .expect_err("closed port");
    assert!(matches!(err, ClientError::Unreachable { .. }), "{err:?}");
    assert!(!err.to_string().contains("Agent#"));
}

#[tokio::test]
async fn errors_and_debug_output_never_show_secrets() {
    let sim = start(quick_config()).await;
    let c = client(&sim, "105");
    c.sign_in(&sign_in_req("105")).await.expect("sign in");
    let guid = c.guid().expect("guid");
    let shown = format!("{:?} {:?}", c, guid);
    assert!(!shown.contains(guid.expose()));
    sim.control().clear_request_log();
    // The request log shows the calldata query masked; our side never logs it.
    let _ = tokio::time::timeout(Duration::from_secs(5), c.poll_event(Some("secret-data"))).await;
    let log = sim.control().request_log();
    assert!(log.iter().any(|r| r.path.ends_with("/agentevent/105")));
}
