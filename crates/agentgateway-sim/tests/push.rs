//! Push delivery to a small HTTPS receiver with a self-signed certificate:
//! headers, body, batching, retry with back-off, the GUID on handshakes.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

mod common;

use std::{
    collections::VecDeque,
    sync::{Arc, Mutex},
    time::Duration,
};

use agentgateway_sim::{AuthMode, PushConfig, Ring, SimConfig};
use bytes::Bytes;
use common::*;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use reqwest::Method;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
struct Received {
    headers: Vec<(String, String)>,
    body: String,
}

impl Received {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }
    fn types(&self) -> Vec<String> {
        self.json()["eventList"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["eventType"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// Scripted answers (status, body); when the script is empty: 200 success.
struct Receiver {
    url: String,
    script: Arc<Mutex<VecDeque<(u16, String)>>>,
    received: Arc<Mutex<Vec<Received>>>,
    _stop: tokio_util::sync::DropGuard,
}

impl Receiver {
    /// A receiver whose certificate is signed by `ca` (or self-signed).
    async fn start(ca: Option<(&rcgen::Certificate, &rcgen::KeyPair)>) -> Self {
        let key = rcgen::KeyPair::generate().unwrap();
        let params =
            rcgen::CertificateParams::new(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
                .unwrap();
        let cert = match ca {
            Some((ca_cert, ca_key)) => params.signed_by(&key, ca_cert, ca_key).unwrap(),
            None => params.self_signed(&key).unwrap(),
        };
        let config = rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![cert.der().clone()],
            rustls_pki_types::PrivateKeyDer::Pkcs8(key.serialize_der().into()),
        )
        .unwrap();
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!(
            "https://{}/service-cloud/rest/cc-ai/v1/agentevent/pushresult",
            listener.local_addr().unwrap()
        );
        let script: Arc<Mutex<VecDeque<(u16, String)>>> = Arc::default();
        let received: Arc<Mutex<Vec<Received>>> = Arc::default();
        let stop = tokio_util::sync::CancellationToken::new();
        let (s, r, st) = (script.clone(), received.clone(), stop.clone());
        tokio::spawn(async move {
            loop {
                let (tcp, _) = tokio::select! {
                    _ = st.cancelled() => return,
                    a = listener.accept() => a.unwrap(),
                };
                let (acceptor, s, r) = (acceptor.clone(), s.clone(), r.clone());
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let (s, r) = (s.clone(), r.clone());
                            async move {
                                let headers = req
                                    .headers()
                                    .iter()
                                    .map(|(k, v)| {
                                        (k.to_string(), v.to_str().unwrap_or("").to_owned())
                                    })
                                    .collect();
                                let body = req.into_body().collect().await.unwrap().to_bytes();
                                r.lock().unwrap().push(Received {
                                    headers,
                                    body: String::from_utf8_lossy(&body).into_owned(),
                                });
                                let (status, text) = s.lock().unwrap().pop_front().unwrap_or((
                                    200,
                                    r#"{"message":"success","retcode":"0"}"#.to_owned(),
                                ));
                                let mut resp = hyper::Response::new(Full::new(Bytes::from(text)));
                                *resp.status_mut() = hyper::StatusCode::from_u16(status).unwrap();
                                Ok::<_, std::convert::Infallible>(resp)
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        Self {
            url,
            script,
            received,
            _stop: stop.drop_guard(),
        }
    }

    fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    async fn wait_for(&self, n: usize) -> Vec<Received> {
        for _ in 0..400 {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("receiver got {} of {n} posts", self.received().len());
    }
}

fn push_config() -> SimConfig {
    SimConfig {
        push: PushConfig {
            retry_initial: Duration::from_millis(50),
            retry_max: Duration::from_millis(200),
            ..PushConfig::default()
        },
        ..quick_config()
    }
}

fn push_sign_in(url: &str) -> Value {
    json!({"password":"Agent#101","phonenum":"70001","autoanswer":false,"callBackUri":url,"serviceToken":"Token123"})
}

#[tokio::test]
async fn events_are_posted_as_the_push_seed_says() {
    bounded(async {
        let receiver = Receiver::start(None).await;
        let sim = start(push_config()).await;
        let gw = Gw::new(&sim);
        let raw = gw.sign_in_with("101", push_sign_in(&receiver.url)).await;
        let guid = raw.set_guid().unwrap();
        let first = receiver.wait_for(1).await.remove(0);
        assert_eq!(first.header("content-type"), Some(JSON_UTF8));
        assert_eq!(first.header("guid"), Some(guid.as_str()));
        assert_eq!(first.header("service_token"), Some("Token123"));
        let body = first.json();
        assert_eq!(body["workNo"], "101");
        assert!(first.body.starts_with(r#"{"workNo":"101","eventList":[{"eventType":"AgentOther_InService","workNo":"101","content":null,"eventGenTime":"#));
        assert_eq!(first.types(), ["AgentOther_InService", "AgentState_Ready"]);

        // Polling a push-mode agent is the wrong method.
        assert_eq!(gw.poll("101", &guid).await.json()["retcode"], "000-001");
        assert_eq!(sim.control().agent_state("101").unwrap().mode.as_deref(), Some("push"));

        sim.control().ring("101", Ring { caller: "1".into(), called: "2".into(), ..Ring::default() }).unwrap();
        let second = receiver.wait_for(2).await.remove(1);
        assert_eq!(second.types(), ["AgentEvent_Ringing"]);
        // The gateway counts a batch delivered once it has read the receiver's
        // answer, a moment after the receiver got the POST.
        let control = sim.control();
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while control.emitted_events("101") != control.delivered_events("101")
            && std::time::Instant::now() < deadline
        {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        assert_eq!(control.emitted_events("101"), control.delivered_events("101"));
    })
    .await;
}

#[tokio::test]
async fn failed_posts_are_retried_with_back_off_and_batch_what_is_queued() {
    bounded(async {
        let receiver = Receiver::start(None).await;
        {
            let mut script = receiver.script.lock().unwrap();
            script.push_back((503, "busy".into()));
            script.push_back((200, r#"{"message":"bad token","retcode":"100-001"}"#.into()));
            script.push_back((200, "not json".into()));
            script.push_back((500, String::new()));
        }
        let sim = start(push_config()).await;
        let gw = Gw::new(&sim);
        gw.sign_in_with("101", push_sign_in(&receiver.url)).await;
        receiver.wait_for(1).await;
        // More events while the receiver keeps failing.
        sim.control()
            .ring(
                "101",
                Ring {
                    caller: "1".into(),
                    called: "2".into(),
                    ..Ring::default()
                },
            )
            .unwrap();
        sim.control().customer_hang_up("101").unwrap();
        let got = receiver.wait_for(5).await;
        let delivered = got.last().unwrap();
        assert_eq!(
            delivered.types(),
            [
                "AgentOther_InService",
                "AgentState_Ready",
                "AgentEvent_Ringing",
                "AgentEvent_Customer_Release",
                "AgentEvent_Call_Release",
                "AgentOther_PhoneRelease",
                "AgentState_Ready",
            ]
        );
        // Every try carried the oldest events first, nothing acknowledged twice.
        for post in &got {
            assert_eq!(post.types()[0], "AgentOther_InService");
        }
        let control = sim.control();
        for _ in 0..100 {
            if control.push_log().iter().any(|a| a.outcome == "ok") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let log = control.push_log();
        let outcomes: Vec<_> = log
            .iter()
            .map(|a| (a.outcome.as_str(), a.retry_in_ms))
            .collect();
        assert_eq!(
            outcomes,
            [
                ("http 503", Some(50)),
                ("retcode 100-001", Some(100)),
                ("bad answer", Some(200)),
                ("http 500", Some(200)),
                ("ok", None),
            ]
        );
        assert_eq!(
            control.emitted_events("101"),
            control.delivered_events("101")
        );
        // The gaps between tries grew.
        let offsets: Vec<u64> = log.iter().map(|a| a.offset_ms).collect();
        assert!(offsets[2] - offsets[1] >= 100, "{offsets:?}");
    })
    .await;
}

#[tokio::test]
async fn an_unreachable_receiver_keeps_events_queued() {
    bounded(async {
        let sim = start(push_config()).await;
        let gw = Gw::new(&sim);
        let raw = gw
            .sign_in_with("101", push_sign_in("https://127.0.0.1:9/nowhere"))
            .await;
        assert_eq!(raw.retcode(), "0");
        let control = sim.control();
        for _ in 0..200 {
            if control.push_log().len() >= 2 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let log = control.push_log();
        assert!(
            log.iter().all(|a| a.outcome == "transport error"),
            "{log:?}"
        );
        assert_eq!(control.agent_state("101").unwrap().queued_events, 2);
        assert!(control.delivered_events("101").is_empty());
    })
    .await;
}

#[tokio::test]
async fn in_dynamic_mode_the_handshake_hands_out_the_new_guid_and_pushes_carry_it() {
    bounded(async {
        let receiver = Receiver::start(None).await;
        let sim = start(SimConfig {
            auth: AuthMode::Dynamic {
                interval: Duration::from_millis(200),
                timeout: Duration::from_millis(2000),
            },
            ..push_config()
        })
        .await;
        let gw = Gw::new(&sim);
        let guid = gw
            .sign_in_with("101", push_sign_in(&receiver.url))
            .await
            .set_guid()
            .unwrap();
        receiver.wait_for(1).await;
        let hs = gw
            .op(Method::POST, "/onlineagent/101/handshake", &guid)
            .await;
        assert!(hs.set_guid().is_none());
        tokio::time::sleep(Duration::from_millis(250)).await;
        let hs = gw
            .op(Method::POST, "/onlineagent/101/handshake", &guid)
            .await;
        assert_eq!(hs.json(), json!({"message":"","retcode":"0","result":null}));
        let new = hs.set_guid().expect("new GUID on the handshake");
        assert_ne!(new, guid);
        sim.control()
            .inject(
                "101",
                json!({"eventType":"AgentOther_Note","workNo":"101","content":null}),
            )
            .unwrap();
        let post = receiver.wait_for(2).await.remove(1);
        assert_eq!(post.header("guid"), Some(new.as_str()));
    })
    .await;
}

#[tokio::test]
async fn with_a_ca_file_only_receivers_signed_by_it_are_trusted() {
    bounded(async {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let ca_file = dir.path().join("receiver-ca.pem");
        std::fs::write(&ca_file, ca.pem()).unwrap();

        let trusted = Receiver::start(Some((&ca, &ca_key))).await;
        let stranger = Receiver::start(None).await;
        let mut cfg = push_config();
        cfg.push.ca_file = Some(ca_file);
        let sim = start(cfg).await;
        let gw = Gw::new(&sim);
        gw.sign_in_with("101", push_sign_in(&trusted.url)).await;
        assert_eq!(trusted.wait_for(1).await[0].types().len(), 2);

        let mut body = push_sign_in(&stranger.url);
        body["password"] = json!("Agent#102");
        gw.sign_in_with("102", body).await;
        let control = sim.control();
        for _ in 0..200 {
            if control.push_log().iter().any(|a| a.agent == "102") {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let attempt = control
            .push_log()
            .into_iter()
            .find(|a| a.agent == "102")
            .unwrap();
        assert_eq!(attempt.outcome, "transport error");
        assert!(stranger.received().is_empty());
    })
    .await;
}

#[tokio::test]
async fn sign_out_makes_one_last_push_with_the_shutdown_event() {
    bounded(async {
        let receiver = Receiver::start(None).await;
        let sim = start(push_config()).await;
        let gw = Gw::new(&sim);
        let guid = gw
            .sign_in_with("101", push_sign_in(&receiver.url))
            .await
            .set_guid()
            .unwrap();
        receiver.wait_for(1).await;
        assert_eq!(
            gw.op(Method::DELETE, "/onlineagent/101/logout", &guid)
                .await
                .retcode(),
            "0"
        );
        let last = receiver.wait_for(2).await.remove(1);
        assert_eq!(last.types(), ["AgentOther_ShutdownService"]);
    })
    .await;
}
