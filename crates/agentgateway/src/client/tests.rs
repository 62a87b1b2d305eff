//! Unit tests of the client: bodies, answers and errors, no network.

use super::*;
use crate::secret::Secret;

#[test]
fn retcodes_map_to_typed_errors() {
    assert!(matches!(
        ClientError::from_retcode("000-003"),
        ClientError::GuidExpired
    ));
    assert!(matches!(
        ClientError::from_retcode("100-006"),
        ClientError::SignedOut { .. }
    ));
    assert!(matches!(
        ClientError::from_retcode("000-001"),
        ClientError::SignedOut { .. }
    ));
    assert!(matches!(
        ClientError::from_retcode("105-006"),
        ClientError::DisasterRecovery { .. }
    ));
    let e = ClientError::from_retcode("100-009");
    assert_eq!(e.retcode(), Some("100-009"));
    assert!(e.to_string().contains("does not allow"));
    let v = serde_json::to_value(&e).expect("serializes");
    assert_eq!(v["kind"], "gateway");
    assert_eq!(v["retcode"], "100-009");
}

#[test]
fn sign_in_body_checks_and_never_shows_the_password() {
    let mut s = SignIn::new(Secret::new("Agent#101"), "7001");
    s.status = Some(3);
    let b = s.body().expect("valid");
    assert_eq!(b["password"], "Agent#101");
    assert_eq!(b["phonenum"], "7001");
    assert_eq!(b["status"], 3);
    assert!(b.get("callBackUri").is_none());
    assert!(!format!("{s:?}").contains("Agent#101"));
    s.push = Some(PushRegistration {
        callback_uri: "https://127.0.0.1:9/p".into(),
        service_token: Secret::new("bad token!"),
    });
    assert!(matches!(s.body(), Err(ClientError::InvalidArgument(_))));
    let long = SignIn::new(Secret::new("x".repeat(33)), "1");
    assert!(matches!(long.body(), Err(ClientError::InvalidArgument(_))));
}

#[test]
fn agent_status_reads_numbers_strings_and_objects() {
    assert_eq!(AgentStatus::from_result(&json!(4)), AgentStatus::Idle);
    assert_eq!(AgentStatus::from_result(&json!("7")), AgentStatus::Talking);
    assert_eq!(
        AgentStatus::from_result(&json!({"status": 8})),
        AgentStatus::Rest
    );
    assert_eq!(AgentStatus::from_result(&json!(null)), AgentStatus::Unknown);
    assert_eq!(AgentStatus::from_code(6), AgentStatus::Idle);
}

#[test]
fn sign_in_info_reads_the_sample_answer() {
    let r = json!({"vdnid":1,"workno":"291","mediatype":"TTF","loginTime":"1471585949806",
        "isForceChange":"false","serverName":"AgentGateway","timeRemaining":"9"});
    let i = SignInInfo::from_result(&r);
    assert_eq!(i.vdn_id.as_deref(), Some("1"));
    assert_eq!(i.time_remaining_days, Some(9));
    assert!(!i.is_force_change);
}

#[tokio::test]
async fn local_checks_send_nothing() {
    let c = Client::new(ClientConfig::new(
        "101",
        vec!["https://127.0.0.1:9/agentgateway/resource".into()],
        Trust::Pinned([0; 32]),
    ))
    .expect("client");
    assert!(matches!(c.say_free().await, Err(ClientError::NoSession)));
    c.set_guid(Guid::new("g"));
    let big = "x".repeat(MAX_CALLDATA_BYTES + 1);
    assert!(matches!(
        c.set_calldata("c", &big, false).await,
        Err(ClientError::InvalidArgument(_))
    ));
    assert!(matches!(
        c.rest(0, 1).await,
        Err(ClientError::InvalidArgument(_))
    ));
    assert!(matches!(
        c.say_busy(Some(12)).await,
        Err(ClientError::InvalidArgument(_))
    ));
    assert!(
        Client::new(ClientConfig::new(
            "abc",
            vec!["x".into()],
            Trust::Pinned([0; 32])
        ))
        .is_err()
    );
}
