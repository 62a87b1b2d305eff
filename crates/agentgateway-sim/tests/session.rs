//! Sign-in, sign-out, GUIDs, status and the raw shape of their answers.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use std::{sync::Arc, time::Duration};

use agentgateway_sim::{AuthMode, Ring, SimConfig, TlsMode};
use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn sign_in_answers_like_the_vendor_example() {
    bounded(async {
        let sim = start(quick_config()).await;
        assert!(sim.gateway_url().starts_with("https://127.0.0.1:"));
        assert!(sim.gateway_url().ends_with("/agentgateway/resource"));
        let gw = Gw::new(&sim);
        let raw = gw.sign_in_with("101", sign_in_body("101")).await;
        assert_eq!(raw.status, StatusCode::OK);
        assert_eq!(raw.content_type(), JSON_UTF8);
        let guid = raw.set_guid().unwrap();
        let (uuid, node) = guid.split_once('.').unwrap();
        assert_eq!(node, "AgentGateway0");
        assert_eq!(uuid.split('-').map(str::len).collect::<Vec<_>>(), [8, 4, 4, 4, 12]);

        let body = raw.json();
        let login_time = body["result"]["loginTime"].as_str().unwrap().to_owned();
        assert!(login_time.parse::<u64>().unwrap() > 1_600_000_000_000);
        assert_eq!(
            body,
            json!({"message":"","retcode":"0","result":{"vdnid":1,"workno":"101","mediatype":"TTF",
                "loginTime": login_time,"isForceChange":"false","serverName":"AgentGateway","timeRemaining":"9"}})
        );
        // Key order as in the vendor example.
        assert!(raw.text.starts_with(r#"{"message":"","retcode":"0","result":{"vdnid":1,"workno":"101","mediatype":"TTF","loginTime":""#), "{}", raw.text);

        let first = gw.poll("101", &guid).await;
        assert_eq!(first.content_type(), JSON_UTF8);
        let ev = first.json();
        assert_eq!(ev["message"], "");
        assert_eq!(ev["retcode"], "0");
        assert_eq!(ev["event"]["eventType"], "AgentOther_InService");
        assert_eq!(ev["event"]["workNo"], "101");
        assert_eq!(ev["event"]["content"], json!(null));
        assert!(ev["event"]["eventGenTime"].as_u64().unwrap() > 1_600_000_000_000);
        assert_eq!(gw.drain("101", &guid).await, ["AgentState_Ready"]);
    })
    .await;
}

#[tokio::test]
async fn sign_in_status_picks_the_state_event() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        for (agent, status, event) in [
            ("101", 3, "AgentState_SetNotReady_Success"),
            ("102", 4, "AgentState_Ready"),
            ("103", 5, "AgentState_Work"),
        ] {
            let mut body = sign_in_body(agent);
            body["status"] = json!(status);
            let raw = gw.sign_in_with(agent, body).await;
            let guid = raw.set_guid().unwrap();
            assert_eq!(
                gw.drain(agent, &guid).await,
                ["AgentOther_InService", event]
            );
            let st = gw
                .op(
                    Method::GET,
                    &format!("/onlineagent/{agent}/agentstatus"),
                    &guid,
                )
                .await;
            assert_eq!(
                st.json(),
                json!({"message":"","retcode":"0","result":status})
            );
        }
    })
    .await;
}

#[tokio::test]
async fn sign_in_refusals() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        let wrong = gw.sign_in_with("101", json!({"password":"nope","phonenum":"1"})).await;
        assert_eq!(wrong.json(), json!({"message":"wrong agent ID or password","retcode":"100-004"}));
        assert!(wrong.set_guid().is_none());
        let unknown = gw.sign_in_with("999", json!({"password":"Agent#999","phonenum":"1"})).await;
        assert_eq!(unknown.retcode(), "100-004");
        for bad in [
            json!({"phonenum":"1"}),
            json!({"password":"Agent#101"}),
            json!({"password":"Agent#101","phonenum":"1","status":7}),
            json!({"password":"Agent#101","phonenum":"1","serviceToken":"bad token!","callBackUri":"https://127.0.0.1:1/x"}),
            json!({"password":"Agent#101","phonenum":"1","serviceToken":"a".repeat(51),"callBackUri":"https://127.0.0.1:1/x"}),
        ] {
            assert_eq!(gw.sign_in_with("101", bad).await.retcode(), "100-001");
        }
        let not_json = gw.call(Method::PUT, "/onlineagent/101", None, None).await;
        assert_eq!(not_json.retcode(), "100-001");

        let guid = gw.sign_in("101").await;
        let again = gw.sign_in_with("101", sign_in_body("101")).await;
        assert_eq!(again.json(), json!({"message":"agent already signed in","retcode":"100-002"}));
        // The first session is untouched.
        assert_eq!(gw.drain("101", &guid).await, ["AgentOther_InService", "AgentState_Ready"]);
    })
    .await;
}

#[tokio::test]
async fn forcible_sign_in_replaces_the_session() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        let old = gw.sign_in("101").await;
        sim.control()
            .ring(
                "101",
                Ring {
                    caller: "555".into(),
                    called: "4001".into(),
                    ..Ring::default()
                },
            )
            .unwrap();
        let raw = gw
            .call(
                Method::PUT,
                "/onlineagent/101/forcelogin",
                None,
                Some(sign_in_body("101")),
            )
            .await;
        assert_eq!(raw.retcode(), "0");
        let new = raw.set_guid().unwrap();
        assert_ne!(new, old);
        assert_eq!(gw.poll("101", &old).await.retcode(), "000-003");
        assert_eq!(
            gw.drain("101", &new).await,
            ["AgentOther_InService", "AgentState_Ready"]
        );
        let emitted: Vec<String> = sim
            .control()
            .emitted_events("101")
            .iter()
            .map(|e| e["eventType"].as_str().unwrap().to_owned())
            .collect();
        assert_eq!(
            emitted,
            [
                "AgentOther_InService",
                "AgentState_Ready",
                "AgentEvent_Ringing",
                "AgentEvent_Call_Release",
                "AgentOther_PhoneRelease",
                "AgentOther_ShutdownService",
                "AgentOther_InService",
                "AgentState_Ready",
            ]
        );
    })
    .await;
}

#[tokio::test]
async fn sign_out_is_refused_during_a_call_and_forcible_sign_out_releases_it() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.sign_in("101").await;
        gw.drain("101", &guid).await;
        sim.control()
            .ring(
                "101",
                Ring {
                    caller: "555".into(),
                    called: "4001".into(),
                    ..Ring::default()
                },
            )
            .unwrap();
        let refused = gw
            .op(Method::DELETE, "/onlineagent/101/logout", &guid)
            .await;
        assert_eq!(
            refused.json(),
            json!({"message":"agent state does not allow this","retcode":"100-009"})
        );
        let forced = gw
            .op(Method::DELETE, "/onlineagent/101/forcelogout", &guid)
            .await;
        assert_eq!(
            forced.json(),
            json!({"message":"","retcode":"0","result":null})
        );
        assert_eq!(
            gw.poll("101", &guid).await.json(),
            json!({"message":"agent not signed in","retcode":"100-006"})
        );
        let last = sim.control().emitted_events("101").pop().unwrap();
        assert_eq!(last["eventType"], "AgentOther_ShutdownService");
        assert!(
            last["content"]["loginTime"]
                .as_str()
                .unwrap()
                .parse::<u64>()
                .is_ok()
        );
        assert_eq!(sim.control().agent_state("101").unwrap().status, 2);
    })
    .await;
}

#[tokio::test]
async fn sign_out_then_every_call_is_not_signed_in() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.sign_in("101").await;
        assert_eq!(
            gw.op(Method::DELETE, "/onlineagent/101/logout", &guid)
                .await
                .retcode(),
            "0"
        );
        for (m, p) in [
            (Method::GET, "/agentevent/101"),
            (Method::POST, "/onlineagent/101/sayfree"),
            (Method::POST, "/onlineagent/101/handshake"),
            (Method::PUT, "/onlineagent/101/updateGuid"),
            (Method::DELETE, "/onlineagent/101/logout"),
            (Method::PUT, "/voicecall/101/answer"),
        ] {
            assert_eq!(gw.op(m, p, &guid).await.retcode(), "100-006", "{p}");
        }
        let st = gw
            .op(Method::GET, "/onlineagent/101/agentstatus", &guid)
            .await;
        assert_eq!(st.json()["result"], 2);
        let st = gw
            .op(Method::GET, "/onlineagent/999/agentstatus", &guid)
            .await;
        assert_eq!(st.json()["result"], 0);
    })
    .await;
}

#[tokio::test]
async fn a_wrong_or_missing_guid_is_no_permission() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        gw.sign_in("101").await;
        let raw = gw.poll("101", "279fe21d-2caa-4437-84c3-ab9e9dae20f5.AgentGateway0").await;
        assert_eq!(raw.json(), json!({"message":"no permission: the GUID is missing, unknown or expired","retcode":"000-003"}));
        let raw = gw.call(Method::POST, "/onlineagent/101/sayfree", None, None).await;
        assert_eq!(raw.retcode(), "000-003");
    })
    .await;
}

#[tokio::test]
async fn handshake_and_update_guid() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw.sign_in("101").await;
        let hs = gw
            .op(Method::POST, "/onlineagent/101/handshake", &guid)
            .await;
        assert_eq!(hs.json(), json!({"message":"","retcode":"0","result":null}));
        assert!(hs.set_guid().is_none());
        let up = gw
            .op(Method::PUT, "/onlineagent/101/updateGuid", &guid)
            .await;
        assert_eq!(up.retcode(), "0");
        let new = up.set_guid().unwrap();
        assert_ne!(new, guid);
        // Static mode: the replaced GUID ends at once.
        assert_eq!(gw.poll("101", &guid).await.retcode(), "000-003");
        assert_eq!(gw.poll("101", &new).await.retcode(), "0");
    })
    .await;
}

#[tokio::test]
async fn a_second_sign_in_while_one_runs_is_refused() {
    bounded(async {
        let sim = start(SimConfig {
            signin_delay: Duration::from_millis(300),
            ..quick_config()
        })
        .await;
        let gw = Arc::new(Gw::new(&sim));
        let first = {
            let gw = gw.clone();
            tokio::spawn(async move { gw.sign_in_with("101", sign_in_body("101")).await })
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(sim.control().agent_state("101").unwrap().status, 1);
        let st = gw
            .call(Method::GET, "/onlineagent/101/agentstatus", None, None)
            .await;
        assert_eq!(st.json()["result"], 1);
        let second = gw
            .call(
                Method::PUT,
                "/onlineagent/101/forcelogin",
                None,
                Some(sign_in_body("101")),
            )
            .await;
        assert_eq!(
            second.json(),
            json!({"message":"sign-in already in progress","retcode":"100-021"})
        );
        let first = first.await.unwrap();
        assert_eq!(first.retcode(), "0");
        assert_eq!(sim.control().agent_state("101").unwrap().status, 4);
    })
    .await;
}

#[tokio::test]
async fn silent_agents_are_signed_out() {
    bounded(async {
        let sim = start(SimConfig {
            inactivity_timeout: Duration::from_millis(300),
            ..quick_config()
        })
        .await;
        let gw = Gw::new(&sim);
        let guid = gw.sign_in("101").await;
        // Polling keeps the session (each poll is held 100 ms).
        for _ in 0..6 {
            assert_eq!(gw.poll("101", &guid).await.retcode(), "0");
        }
        assert!(sim.control().agent_state("101").unwrap().signed_in);
        tokio::time::sleep(Duration::from_millis(700)).await;
        assert!(!sim.control().agent_state("101").unwrap().signed_in);
        assert_eq!(gw.poll("101", &guid).await.retcode(), "100-006");
        let last = sim.control().emitted_events("101").pop().unwrap();
        assert_eq!(last["eventType"], "AgentOther_ShutdownService");
    })
    .await;
}

#[tokio::test]
async fn unknown_paths_and_wrong_methods() {
    bounded(async {
        let sim = start(quick_config()).await;
        let gw = Gw::new(&sim);
        let raw = gw.call(Method::GET, "/nothing/101", None, None).await;
        assert_eq!(raw.status, StatusCode::NOT_FOUND);
        assert_eq!(raw.retcode(), "000-002");
        let raw = gw.call(Method::POST, "/agentevent/101", None, None).await;
        assert_eq!(raw.status, StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(raw.content_type(), JSON_UTF8);
    })
    .await;
}

#[tokio::test]
async fn dynamic_guids_rotate_on_poll_answers_and_expire() {
    bounded(async {
        let cfg = SimConfig {
            auth: AuthMode::Dynamic {
                interval: Duration::from_millis(300),
                timeout: Duration::from_millis(800),
            },
            ..quick_config()
        };
        let sim = start(cfg).await;
        let gw = Gw::new(&sim);
        let first = gw.sign_in("101").await;
        let early = gw.poll("101", &first).await;
        assert!(
            early.set_guid().is_none(),
            "no rotation before the interval"
        );
        gw.drain("101", &first).await;
        tokio::time::sleep(Duration::from_millis(300)).await;
        let rotated = gw.poll("101", &first).await;
        let second = rotated
            .set_guid()
            .expect("new GUID on a poll answer after the interval");
        assert_ne!(second, first);
        assert!(second.ends_with(".AgentGateway0"));
        // The old GUID still works (and keeps being told the new one) until its timeout.
        let again = gw.poll("101", &first).await;
        assert_eq!(again.retcode(), "0");
        assert_eq!(again.set_guid().as_deref(), Some(second.as_str()));
        assert!(gw.poll("101", &second).await.set_guid().is_none());
        tokio::time::sleep(Duration::from_millis(500)).await;
        assert_eq!(gw.poll("101", &first).await.retcode(), "000-003");
        // Control-side rotation hands out a new one on the next answer.
        let mut current = second;
        for _ in 0..3 {
            let raw = gw.poll("101", &current).await;
            if let Some(g) = raw.set_guid() {
                current = g;
            }
        }
        sim.control().rotate_guid("101").unwrap();
        let raw = gw.poll("101", &current).await;
        assert_eq!(raw.retcode(), "0");
        let third = raw.set_guid().expect("rotated GUID handed out");
        assert_ne!(third, current);
    })
    .await;
}

#[tokio::test]
async fn plain_http_only_when_asked() {
    bounded(async {
        let sim = start(SimConfig {
            tls: TlsMode::PlainHttp,
            ..quick_config()
        })
        .await;
        assert!(sim.gateway_url().starts_with("http://127.0.0.1:"));
        assert!(sim.ca_pem().is_none());
        let gw = Gw::new(&sim);
        let guid = gw.sign_in("101").await;
        assert_eq!(gw.drain("101", &guid).await.len(), 2);
    })
    .await;
}

#[tokio::test]
async fn ca_file_is_written_and_the_leaf_fingerprint_matches() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let ca_out = dir.path().join("ca.pem");
        let sim = start(SimConfig {
            tls: TlsMode::Generated {
                ca_out: Some(ca_out.clone()),
            },
            ..quick_config()
        })
        .await;
        let written = std::fs::read_to_string(&ca_out).unwrap();
        assert_eq!(Some(written.clone()), sim.ca_pem());
        assert!(written.starts_with("-----BEGIN CERTIFICATE-----"));

        // Connect with rustls directly and hash the leaf the server sent.
        let mut roots = rustls::RootCertStore::empty();
        for cert in rustls_pemfile::certs(&mut written.as_bytes()) {
            roots.add(cert.unwrap()).unwrap();
        }
        let config = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_root_certificates(roots)
        .with_no_client_auth();
        let addr = sim
            .gateway_url()
            .trim_start_matches("https://")
            .split('/')
            .next()
            .unwrap()
            .to_owned();
        let tcp = tokio::net::TcpStream::connect(&addr).await.unwrap();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
        let name = rustls_pki_types::ServerName::try_from("localhost").unwrap();
        let tls = connector
            .connect(name, tcp)
            .await
            .expect("localhost SAN accepted");
        let leaf = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
        use sha2::Digest;
        assert_eq!(
            hex::encode(sha2::Sha256::digest(leaf.as_ref())),
            sim.server_cert_sha256()
        );
        assert_eq!(sim.server_cert_sha256().len(), 64);
    })
    .await;
}

#[tokio::test]
async fn certificate_and_key_from_files() {
    bounded(async {
        let dir = tempfile::tempdir().unwrap();
        let key = rcgen::KeyPair::generate().unwrap();
        let params =
            rcgen::CertificateParams::new(vec!["localhost".to_owned(), "127.0.0.1".to_owned()])
                .unwrap();
        let cert = params.self_signed(&key).unwrap();
        let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
        std::fs::write(&cert_path, cert.pem()).unwrap();
        std::fs::write(&key_path, key.serialize_pem()).unwrap();
        let sim = start(SimConfig {
            tls: TlsMode::Files {
                cert: cert_path,
                key: key_path,
            },
            ..quick_config()
        })
        .await;
        assert!(sim.ca_pem().is_none());
        let http = reqwest::Client::builder()
            .use_rustls_tls()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(cert.pem().as_bytes()).unwrap())
            .build()
            .unwrap();
        let gw = Gw {
            base: sim.gateway_url(),
            http,
        };
        gw.sign_in("101").await;
        use sha2::Digest;
        assert_eq!(
            sim.server_cert_sha256(),
            hex::encode(sha2::Sha256::digest(cert.der().as_ref()))
        );
    })
    .await;
}
