//! The push receiver over real HTTPS: what the gateway's POSTs get back, what
//! reaches the engine, and how hostile or broken input is handled.

use std::sync::Arc;
use std::time::Duration;

use agentgateway::Guid;
use agentgateway::push::{
    DEFAULT_PATH, PushBatch, PushConfig, PushCredentials, PushReceiver, ServiceToken, TlsSource,
};
use reqwest::StatusCode;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TryRecvError;
use tokio_rustls::TlsConnector;

const AGENT: &str = "291";
const TOKEN: &str = "Tok3nForTests0123456789abcdefABCDEF";
const GUID: &str = "279fe21d-2caa-4437-84c3-ab9e9dae20f5.AgentGateway0";
const SUCCESS: &str = r#"{"message":"success","retcode":"0"}"#;

struct Fixture {
    receiver: PushReceiver,
    creds: PushCredentials,
    events: mpsc::Receiver<PushBatch>,
    client: reqwest::Client,
}

struct Answer {
    status: StatusCode,
    content_type: String,
    body: String,
}

impl Answer {
    fn retcode(&self) -> String {
        let v: Value = serde_json::from_str(&self.body).expect("answer is JSON");
        v["retcode"].as_str().expect("retcode").to_owned()
    }
}

async fn fixture() -> Fixture {
    fixture_with(PushConfig::default(), PushCredentials::new(), 16).await
}

async fn fixture_with(cfg: PushConfig, creds: PushCredentials, queue: usize) -> Fixture {
    let (sink, events) = mpsc::channel(queue);
    creds.begin(AGENT, ServiceToken::new(TOKEN).expect("valid token"));
    creds.set_guid(Guid::new(GUID));
    let receiver = PushReceiver::start(cfg, creds.clone(), sink)
        .await
        .expect("receiver starts");
    let client = client_for(receiver.cert_pem());
    Fixture {
        receiver,
        creds,
        events,
        client,
    }
}

fn client_for(pem: &str) -> reqwest::Client {
    reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(pem.as_bytes()).expect("pem"))
        .timeout(Duration::from_secs(10))
        .build()
        .expect("client")
}

fn batch(types: &[&str]) -> String {
    let events: Vec<Value> = types
        .iter()
        .map(|t| json!({"eventType": t, "workNo": AGENT, "content": null}))
        .collect();
    json!({"workNo": AGENT, "eventList": events}).to_string()
}

impl Fixture {
    fn url(&self) -> String {
        format!("https://{}{}", self.receiver.local_addr(), DEFAULT_PATH)
    }

    fn request(&self, body: impl Into<reqwest::Body>) -> reqwest::RequestBuilder {
        self.client
            .post(self.url())
            .header("Content-Type", "application/json; charset=UTF-8")
            .header("Guid", GUID)
            .header("service_token", TOKEN)
            .body(body)
    }

    /// The usual request with one header replaced (or removed with `None`).
    fn request_with(
        &self,
        body: impl Into<reqwest::Body>,
        name: &str,
        value: Option<&str>,
    ) -> reqwest::Request {
        let mut request = self.request(body).build().expect("request");
        let name = reqwest::header::HeaderName::from_bytes(name.as_bytes()).expect("name");
        match value {
            Some(value) => {
                request
                    .headers_mut()
                    .insert(name, value.parse().expect("value"));
            }
            None => {
                request.headers_mut().remove(name);
            }
        }
        request
    }

    async fn push(&self, body: impl Into<reqwest::Body>) -> Answer {
        send(self.request(body)).await
    }

    async fn execute(&self, request: reqwest::Request) -> Answer {
        answer_of(self.client.execute(request).await.expect("answered")).await
    }

    /// Everything delivered so far, without waiting.
    fn delivered(&mut self) -> Vec<Vec<String>> {
        let mut batches = Vec::new();
        loop {
            match self.events.try_recv() {
                Ok(batch) => batches.push(batch.iter().map(|e| e.event_type.clone()).collect()),
                Err(TryRecvError::Empty | TryRecvError::Disconnected) => return batches,
            }
        }
    }

    fn assert_nothing_delivered(&mut self) {
        assert_eq!(self.delivered(), Vec::<Vec<String>>::new());
    }
}

async fn send(request: reqwest::RequestBuilder) -> Answer {
    answer_of(request.send().await.expect("request answered")).await
}

async fn answer_of(response: reqwest::Response) -> Answer {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().expect("ascii").to_owned())
        .unwrap_or_default();
    let body = response.text().await.expect("body");
    Answer {
        status,
        content_type,
        body,
    }
}

fn assert_refused(answer: &Answer, status: u16, retcode: &str) {
    assert_eq!(answer.status.as_u16(), status, "{}", answer.body);
    assert_eq!(answer.retcode(), retcode, "{}", answer.body);
    assert_eq!(answer.content_type, "application/json; charset=UTF-8");
    let v: Value = serde_json::from_str(&answer.body).expect("json");
    assert!(v["message"].as_str().is_some_and(|m| !m.is_empty()));
}

// ---------------------------------------------------------------- raw TLS

fn tls_connector(
    pem: &str,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> TlsConnector {
    let mut roots = rustls::RootCertStore::empty();
    for cert in rustls_pemfile::certs(&mut pem.as_bytes()) {
        roots.add(cert.expect("cert")).expect("root");
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_protocol_versions(versions)
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    TlsConnector::from(Arc::new(config))
}

async fn tls_stream(
    f: &Fixture,
    versions: &[&'static rustls::SupportedProtocolVersion],
) -> tokio_rustls::client::TlsStream<TcpStream> {
    let tcp = TcpStream::connect(f.receiver.local_addr())
        .await
        .expect("connect");
    let name = ServerName::try_from("127.0.0.1").expect("name");
    tls_connector(f.receiver.cert_pem(), versions)
        .connect(name, tcp)
        .await
        .expect("TLS handshake")
}

fn raw_head(extra: &str) -> String {
    format!(
        "POST {DEFAULT_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
         Guid: {GUID}\r\nservice_token: {TOKEN}\r\nConnection: close\r\n{extra}\r\n"
    )
}

/// Reads until the server closes (or 5 s pass) and returns what came.
async fn read_all<S: tokio::io::AsyncRead + Unpin>(stream: &mut S) -> String {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    // Read piecewise so what arrived before a reset is kept.
    while let Ok(Ok(n)) = tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
        if n == 0 {
            break;
        }
        out.extend_from_slice(&buf[..n]);
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn status_of(raw: &str) -> u16 {
    raw.split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {raw:?}"))
}

fn body_of(raw: &str) -> &str {
    raw.split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .unwrap_or_default()
}

// ---------------------------------------------------------------- tests

#[tokio::test]
async fn a_good_push_is_delivered_in_order_and_answered_as_the_seed_says() {
    let mut f = fixture().await;
    let body = json!({"workNo": AGENT, "eventList": [
        {"eventType": "AgentEvent_Ringing", "workNo": AGENT,
         "content": {"caller": "555", "called": "291", "callid": "1001", "feature": "0"}},
        {"eventType": "AgentEvent_Talking", "workNo": AGENT, "content": {"callid": "1001"}},
        {"eventType": "AgentChat_Something_New", "workNo": AGENT, "content": {"x": [1, 2]}},
    ]})
    .to_string();
    let answer = f.push(body).await;
    assert_eq!(answer.status, StatusCode::OK);
    assert_eq!(answer.body, SUCCESS);
    assert_eq!(answer.content_type, "application/json; charset=UTF-8");

    let delivered = f.events.try_recv().expect("one batch");
    let types: Vec<_> = delivered.iter().map(|e| e.event_type.as_str()).collect();
    assert_eq!(
        types,
        [
            "AgentEvent_Ringing",
            "AgentEvent_Talking",
            "AgentChat_Something_New"
        ]
    );
    assert_eq!(delivered[0].callid(), Some("1001"));
    assert_eq!(
        delivered[2].raw["content"]["x"],
        json!([1, 2]),
        "unknown events pass through"
    );
    f.assert_nothing_delivered();

    // Header spellings vary; an empty list is fine and delivers nothing.
    let request = f.request_with(
        batch(&["AgentState_Ready"]),
        "Content-Type",
        Some("Application/JSON;charset=utf-8"),
    );
    assert_eq!(f.execute(request).await.body, SUCCESS);
    assert_eq!(f.delivered(), [["AgentState_Ready"]]);
    assert_eq!(f.push(batch(&[])).await.body, SUCCESS);
    f.assert_nothing_delivered();
    let stats = f.receiver.stats();
    assert_eq!((stats.delivered_batches, stats.delivered_events), (2, 4));
}

#[tokio::test]
async fn a_missing_or_wrong_guid_is_refused() {
    let mut f = fixture().await;
    let body = batch(&["AgentState_Ready"]);
    let no_guid = f.request_with(body.clone(), "Guid", None);
    assert_refused(&f.execute(no_guid).await, 401, "000-003");
    let wrong = f.request_with(body.clone(), "Guid", Some("other.AgentGateway0"));
    assert_refused(&f.execute(wrong).await, 401, "000-003");
    // As long as the right one, one character off (first, middle, last).
    for at in [0, GUID.len() / 2, GUID.len() - 1] {
        let mut near: Vec<u8> = GUID.bytes().collect();
        near[at] = if near[at] == b'a' { b'b' } else { b'a' };
        let near = String::from_utf8(near).expect("ascii");
        assert_eq!(near.len(), GUID.len());
        let request = f.request_with(body.clone(), "Guid", Some(&near));
        assert_refused(&f.execute(request).await, 401, "000-003");
    }
    // Two Guid headers are ambiguous: refused too.
    let twice = f.request(body.clone()).header("Guid", GUID);
    assert_refused(&send(twice).await, 401, "000-003");
    f.assert_nothing_delivered();

    // Signed out: nothing is accepted any more.
    f.creds.end();
    assert_refused(&f.push(body).await, 401, "000-003");
    f.assert_nothing_delivered();
    assert_eq!(f.receiver.stats().refused, 7);
}

#[tokio::test]
async fn the_previous_guid_is_accepted_only_within_its_grace_period() {
    let grace = Duration::from_millis(1500);
    let creds = PushCredentials::with_guid_grace(grace);
    let mut f = fixture_with(PushConfig::default(), creds, 16).await;
    const NEW: &str = "new-guid.AgentGateway0";
    f.creds.set_guid(Guid::new(NEW));
    let rotated = tokio::time::Instant::now();
    assert_eq!(
        f.push(batch(&["AgentState_Ready"])).await.body,
        SUCCESS,
        "old GUID in grace"
    );
    let with_new = f.request_with(batch(&["AgentState_Busy"]), "Guid", Some(NEW));
    assert_eq!(f.execute(with_new).await.body, SUCCESS, "new GUID");
    assert_eq!(f.delivered(), [["AgentState_Ready"], ["AgentState_Busy"]]);

    tokio::time::sleep_until(rotated + grace + Duration::from_millis(100)).await;
    assert_refused(&f.push(batch(&["AgentState_Work"])).await, 401, "000-003");
    f.assert_nothing_delivered();
    let with_new = f.request_with(batch(&["AgentState_Work"]), "Guid", Some(NEW));
    assert_eq!(f.execute(with_new).await.body, SUCCESS);
    assert_eq!(f.delivered(), [["AgentState_Work"]]);
}

#[tokio::test]
async fn bad_service_tokens_get_100_001() {
    let mut f = fixture().await;
    let body = batch(&["AgentState_Ready"]);
    let with_token = |token: &str| f.request_with(body.clone(), "service_token", Some(token));

    let wrong = f
        .execute(with_token("Tok3nForTests0123456789abcdefABCDEX"))
        .await;
    assert_refused(&wrong, 401, "100-001");

    let too_long = "a".repeat(51);
    for bad in [
        too_long.as_str(),
        "abc-123",
        "abc%20def",
        "tok_en",
        "t.o.k",
        "abc def",
    ] {
        let refused = f.execute(with_token(bad)).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
        assert_eq!(
            refused.body,
            r#"{"message":"service_token invalid","retcode":"100-001"}"#
        );
    }
    let no_token = f.request_with(body.clone(), "service_token", None);
    assert_refused(&f.execute(no_token).await, 401, "100-001");
    f.assert_nothing_delivered();

    // A 50-character token of letters and digits is fine once it is the session's.
    let fifty = "Z".repeat(50);
    f.creds
        .set_token(ServiceToken::new(fifty.clone()).expect("valid"));
    let request = f.request_with(body.clone(), "service_token", Some(&fifty));
    assert_eq!(f.execute(request).await.body, SUCCESS);
    assert_eq!(f.delivered(), [["AgentState_Ready"]]);
}

#[tokio::test]
async fn bodies_that_are_not_a_push_are_refused_with_000_006() {
    let mut f = fixture().await;
    assert_refused(&f.push("this is not json").await, 400, "000-006");
    assert_refused(&f.push(vec![0xff, 0xfe, b'{']).await, 400, "000-006");
    assert_refused(&f.push("").await, 400, "000-006");
    for bad in [
        json!([]),
        json!({"workNo": AGENT}),
        json!({"workNo": AGENT, "eventList": {"eventType": "AgentState_Ready"}}),
        json!({"workNo": AGENT, "eventList": [{"eventType": "AgentState_Ready"}, "x"]}),
        json!({"workNo": AGENT, "eventList": [{"eventType": "AgentState_Ready"}, {"content": 1}]}),
    ] {
        assert_refused(&f.push(bad.to_string()).await, 400, "000-006");
    }
    let other_agent = json!({"workNo": "292", "eventList": [{"eventType": "AgentState_Ready"}]});
    assert_refused(&f.push(other_agent.to_string()).await, 403, "000-006");
    f.assert_nothing_delivered();
}

#[tokio::test]
async fn a_wrong_content_type_gets_000_002() {
    let mut f = fixture().await;
    for content_type in [
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin1",
    ] {
        let request = f.request_with(
            batch(&["AgentState_Ready"]),
            "Content-Type",
            Some(content_type),
        );
        assert_refused(&f.execute(request).await, 415, "000-002");
    }
    let request = f.request_with(batch(&["AgentState_Ready"]), "Content-Type", None);
    assert_refused(&f.execute(request).await, 415, "000-002");
    f.assert_nothing_delivered();
}

#[tokio::test]
async fn other_methods_and_paths_are_refused() {
    let mut f = fixture().await;
    let get = f
        .client
        .get(f.url())
        .header("Guid", GUID)
        .header("service_token", TOKEN);
    let response = get.send().await.expect("answered");
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()["allow"], "POST");
    assert_refused(&answer_of(response).await, 405, "000-002");
    let mut put = f
        .request(batch(&["AgentState_Ready"]))
        .build()
        .expect("request");
    *put.method_mut() = reqwest::Method::PUT;
    assert_refused(&f.execute(put).await, 405, "000-002");

    let mut elsewhere = f
        .request(batch(&["AgentState_Ready"]))
        .build()
        .expect("request");
    elsewhere.url_mut().set_path("/agentevent/pushresult");
    assert_refused(&f.execute(elsewhere).await, 404, "000-002");
    f.assert_nothing_delivered();
}

#[tokio::test]
async fn the_path_is_configurable() {
    let cfg = PushConfig {
        path: "/bar/events".to_owned(),
        ..PushConfig::default()
    };
    let mut f = fixture_with(cfg, PushCredentials::new(), 4).await;
    assert_refused(&f.push(batch(&["AgentState_Ready"])).await, 404, "000-002");
    let mut request = f
        .request(batch(&["AgentState_Ready"]))
        .build()
        .expect("request");
    request.url_mut().set_path("/bar/events");
    assert_eq!(f.execute(request).await.body, SUCCESS);
    assert_eq!(f.delivered(), [["AgentState_Ready"]]);

    let (sink, _events) = mpsc::channel(1);
    let relative = PushConfig {
        path: "bar".to_owned(),
        ..PushConfig::default()
    };
    assert!(
        PushReceiver::start(relative, PushCredentials::new(), sink)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_huge_body_gets_413_and_nothing_is_delivered() {
    let mut f = fixture().await;
    // Declared too large: refused before a byte of the body is read.
    let mut stream = tls_stream(&f, &[&rustls::version::TLS13]).await;
    let head = raw_head(&format!("Content-Length: {}\r\n", 2 * 1024 * 1024));
    stream.write_all(head.as_bytes()).await.expect("write");
    let raw = read_all(&mut stream).await;
    assert_eq!(status_of(&raw), 413, "{raw}");
    assert!(body_of(&raw).contains("000-006"));

    // Chunked, no declared length: refused once past the limit.
    let mut stream = tls_stream(&f, &[&rustls::version::TLS13]).await;
    let head = raw_head("Transfer-Encoding: chunked\r\n");
    stream.write_all(head.as_bytes()).await.expect("write");
    let start = format!("{{\"workNo\":\"{AGENT}\",\"eventList\":[],\"pad\":\"");
    let chunk = [start.as_bytes(), &[b'x'; 64 * 1024]].concat();
    for _ in 0..17 {
        let framed = [format!("{:x}\r\n", chunk.len()).as_bytes(), &chunk, b"\r\n"].concat();
        if stream.write_all(&framed).await.is_err() {
            break;
        }
    }
    let raw = read_all(&mut stream).await;
    assert_eq!(status_of(&raw), 413, "{raw}");

    // Through an ordinary client, with a small configured limit.
    let cfg = PushConfig {
        max_body_bytes: 1024,
        ..PushConfig::default()
    };
    let mut small = fixture_with(cfg, PushCredentials::new(), 4).await;
    let big = json!({"workNo": AGENT, "eventList": [
        {"eventType": "AgentState_Ready", "content": "x".repeat(2000)}
    ]});
    assert_refused(&small.push(big.to_string()).await, 413, "000-006");
    small.assert_nothing_delivered();
    assert_eq!(small.push(batch(&["AgentState_Ready"])).await.body, SUCCESS);
    assert_eq!(small.delivered(), [["AgentState_Ready"]]);
    f.assert_nothing_delivered();
    assert_eq!(f.push(batch(&["AgentState_Busy"])).await.body, SUCCESS);
}

#[tokio::test]
async fn deep_nesting_is_refused_cleanly() {
    let mut f = fixture().await;
    let answer = f.push("[".repeat(100_000)).await;
    assert_refused(&answer, 400, "000-006");
    assert!(answer.body.contains("nested too deeply"), "{}", answer.body);
    let deep_inside = format!(
        r#"{{"workNo":"{AGENT}","eventList":[{{"eventType":"x","content":{}1{}}}]}}"#,
        "{\"a\":".repeat(5000),
        "}".repeat(5000)
    );
    assert_refused(&f.push(deep_inside).await, 400, "000-006");
    f.assert_nothing_delivered();
    assert_eq!(
        f.push(batch(&["AgentState_Ready"])).await.body,
        SUCCESS,
        "still serving"
    );
}

#[tokio::test]
async fn slow_senders_are_cut_off() {
    let cfg = PushConfig {
        read_timeout: Duration::from_millis(300),
        ..PushConfig::default()
    };
    let mut f = fixture_with(cfg, PushCredentials::new(), 4).await;

    // Never starts the TLS handshake.
    let started = std::time::Instant::now();
    let mut tcp = TcpStream::connect(f.receiver.local_addr())
        .await
        .expect("connect");
    let mut buf = [0u8; 16];
    let read = tokio::time::timeout(Duration::from_secs(5), tcp.read(&mut buf)).await;
    assert!(matches!(read, Ok(Ok(0) | Err(_))), "closed: {read:?}");
    assert!(started.elapsed() < Duration::from_secs(3));

    // Sends half a request head and stops.
    let started = std::time::Instant::now();
    let mut stream = tls_stream(&f, &[&rustls::version::TLS13]).await;
    stream
        .write_all(format!("POST {DEFAULT_PATH} HTTP/1.1\r\nHost: x\r\n").as_bytes())
        .await
        .expect("write");
    let raw = read_all(&mut stream).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "cut off in time"
    );
    assert!(raw.is_empty() || status_of(&raw) == 408, "{raw}");

    // Sends the head and a little of the body, then stops.
    let started = std::time::Instant::now();
    let mut stream = tls_stream(&f, &[&rustls::version::TLS13]).await;
    let body = batch(&["AgentState_Ready"]);
    let head = raw_head(&format!("Content-Length: {}\r\n", body.len()));
    stream.write_all(head.as_bytes()).await.expect("write");
    stream
        .write_all(&body.as_bytes()[..10])
        .await
        .expect("write");
    let raw = read_all(&mut stream).await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "cut off in time"
    );
    assert_eq!(status_of(&raw), 408, "{raw}");
    assert!(body_of(&raw).contains("000-006"));

    // An idle keep-alive connection is closed too.
    let mut stream = tls_stream(&f, &[&rustls::version::TLS13]).await;
    let request = format!(
        "POST {DEFAULT_PATH} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n\
         Guid: {GUID}\r\nservice_token: {TOKEN}\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let started = std::time::Instant::now();
    let raw = read_all(&mut stream).await;
    assert_eq!(status_of(&raw), 200, "{raw}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "idle connection closed"
    );
    assert_eq!(f.delivered(), [["AgentState_Ready"]]);

    assert_eq!(
        f.push(batch(&["AgentState_Busy"])).await.body,
        SUCCESS,
        "still serving"
    );
    assert_eq!(f.delivered(), [["AgentState_Busy"]]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_connections_at_once_are_all_answered_or_refused_cleanly() {
    // One peer (a gateway pushing hard) beyond the cap of connections served at once.
    let cfg = PushConfig {
        max_connections: 16,
        max_connections_per_peer: 256,
        ..PushConfig::default()
    };
    let mut f = fixture_with(cfg, PushCredentials::new(), 512).await;
    let mut tasks = tokio::task::JoinSet::new();
    for i in 0..200 {
        // One client each: 200 separate connections.
        let client = client_for(f.receiver.cert_pem());
        let url = f.url();
        tasks.spawn(async move {
            let result = client
                .post(url)
                .header("Content-Type", "application/json")
                .header("Guid", GUID)
                .header("service_token", TOKEN)
                .body(batch(&[&format!("AgentOther_Note_{i}")]))
                .send()
                .await;
            match result {
                Ok(response) => {
                    let status = response.status();
                    let text = response.text().await.unwrap_or_default();
                    (status == StatusCode::OK && text == SUCCESS, true)
                }
                Err(_) => (false, false),
            }
        });
    }
    let (mut succeeded, mut answered) = (0, 0);
    while let Some(result) = tasks.join_next().await {
        let (ok, got_answer) = result.expect("task");
        succeeded += usize::from(ok);
        answered += usize::from(got_answer);
    }
    assert_eq!(
        answered, 200,
        "every connection got an answer, none was reset"
    );
    assert_eq!(succeeded, answered, "every answer was a success");
    let delivered = f.delivered();
    assert_eq!(
        delivered.len(),
        succeeded,
        "one batch per success, none twice"
    );
    let mut unique: Vec<_> = delivered.concat();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), succeeded);

    assert_eq!(
        f.push(batch(&["AgentState_Ready"])).await.body,
        SUCCESS,
        "still serving"
    );
    assert_eq!(f.delivered(), [["AgentState_Ready"]]);
}

#[tokio::test]
async fn connections_beyond_the_cap_wait_their_turn() {
    let cfg = PushConfig {
        max_connections: 2,
        read_timeout: Duration::from_millis(500),
        ..PushConfig::default()
    };
    let mut f = fixture_with(cfg, PushCredentials::new(), 4).await;
    // Two idle connections take both slots until their handshake times out.
    let _idle_a = TcpStream::connect(f.receiver.local_addr())
        .await
        .expect("connect");
    let _idle_b = TcpStream::connect(f.receiver.local_addr())
        .await
        .expect("connect");
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = std::time::Instant::now();
    assert_eq!(f.push(batch(&["AgentState_Ready"])).await.body, SUCCESS);
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "served only after a slot freed: {:?}",
        started.elapsed()
    );
    assert_eq!(f.delivered(), [["AgentState_Ready"]]);
}

#[tokio::test]
async fn a_repeated_push_is_delivered_once() {
    let mut f = fixture().await;
    let body = json!({"workNo": AGENT, "eventList": [
        {"eventType": "AgentEvent_Ringing", "workNo": AGENT, "content": {"callid": "7", "caller": "5"}},
        {"eventType": "AgentState_Busy", "workNo": AGENT, "content": null},
    ]})
    .to_string();
    assert_eq!(f.push(body.clone()).await.body, SUCCESS);
    assert_eq!(
        f.push(body).await.body,
        SUCCESS,
        "a repeat is answered with success"
    );
    // The same batch with other key order and spacing is the same batch.
    let reordered = r#"{ "eventList": [
        {"content": {"caller": "5", "callid": "7"}, "eventType": "AgentEvent_Ringing", "workNo": "291"},
        {"workNo": "291", "content": null, "eventType": "AgentState_Busy"} ], "workNo": "291" }"#;
    assert_eq!(f.push(reordered).await.body, SUCCESS);
    assert_eq!(f.delivered(), [["AgentEvent_Ringing", "AgentState_Busy"]]);
    assert_eq!(f.receiver.stats().repeats, 2);

    // Copies racing each other are delivered once too.
    let racing = batch(&["AgentEvent_Talking"]);
    let answers = futures::future::join_all((0..8).map(|_| f.push(racing.clone()))).await;
    assert!(answers.iter().all(|a| a.body == SUCCESS));
    assert_eq!(f.delivered(), [["AgentEvent_Talking"]]);
}

#[tokio::test]
async fn a_batch_that_genuinely_recurs_is_delivered_again() {
    let mut f = fixture().await;
    // Without eventGenTime, Ready / Busy / Ready is three real batches.
    for types in [
        ["AgentState_Ready"],
        ["AgentState_Busy"],
        ["AgentState_Ready"],
    ] {
        assert_eq!(f.push(batch(&types)).await.body, SUCCESS);
    }
    assert_eq!(
        f.delivered(),
        [
            ["AgentState_Ready"],
            ["AgentState_Busy"],
            ["AgentState_Ready"]
        ]
    );
    // With eventGenTime, a late repeat of an older batch is still recognised.
    let stamped = |t: &str, at: u64| {
        json!({"workNo": AGENT, "eventList": [{"eventType": t, "eventGenTime": at, "content": null}]})
            .to_string()
    };
    for (t, at) in [
        ("AgentState_Ready", 1),
        ("AgentState_Busy", 2),
        ("AgentState_Ready", 1),
    ] {
        assert_eq!(f.push(stamped(t, at)).await.body, SUCCESS);
    }
    assert_eq!(f.delivered(), [["AgentState_Ready"], ["AgentState_Busy"]]);

    // A new sign-in starts afresh: its batches are never taken for repeats.
    f.creds
        .begin(AGENT, ServiceToken::new(TOKEN).expect("valid"));
    f.creds.set_guid(Guid::new(GUID));
    assert_eq!(f.push(stamped("AgentState_Busy", 2)).await.body, SUCCESS);
    assert_eq!(f.delivered(), [["AgentState_Busy"]]);
}

#[tokio::test]
async fn a_full_queue_is_answered_503_and_the_repeat_is_delivered_whole() {
    let cfg = PushConfig {
        queue_wait: Duration::from_millis(100),
        ..PushConfig::default()
    };
    let mut f = fixture_with(cfg, PushCredentials::new(), 1).await;
    assert_eq!(f.push(batch(&["AgentState_Ready"])).await.body, SUCCESS);
    let second = batch(&["AgentEvent_Ringing", "AgentEvent_Talking"]);
    let answer = f.push(second.clone()).await;
    assert_refused(&answer, 503, "100-007");
    assert_eq!(f.delivered(), [["AgentState_Ready"]]);
    // The gateway repeats it; now there is room.
    assert_eq!(f.push(second).await.body, SUCCESS);
    assert_eq!(
        f.delivered(),
        [["AgentEvent_Ringing", "AgentEvent_Talking"]]
    );

    // The engine gone: refused, never a false success.
    f.events.close();
    assert_refused(&f.push(batch(&["AgentState_Busy"])).await, 503, "100-007");
}

#[tokio::test]
async fn tls_1_2_only_and_1_3_only_clients_both_connect() {
    let mut f = fixture().await;
    for version in [&rustls::version::TLS12, &rustls::version::TLS13] {
        let mut stream = tls_stream(&f, &[version]).await;
        assert_eq!(stream.get_ref().1.protocol_version(), Some(version.version));
        let body = batch(&["AgentState_Ready"]);
        let head = raw_head(&format!("Content-Length: {}\r\n", body.len()));
        stream.write_all(head.as_bytes()).await.expect("write");
        stream.write_all(body.as_bytes()).await.expect("write");
        let raw = read_all(&mut stream).await;
        assert_eq!(status_of(&raw), 200, "{raw}");
        assert!(
            raw.to_ascii_lowercase()
                .contains("content-type: application/json; charset=utf-8")
        );
        assert_eq!(body_of(&raw), SUCCESS);
    }
    // The same batch twice: the second is a repeat, not a new delivery.
    assert_eq!(f.delivered(), [["AgentState_Ready"]]);
    assert_eq!(f.receiver.stats().repeats, 1);
}

#[tokio::test]
async fn plain_http_on_the_tls_port_delivers_nothing() {
    let mut f = fixture().await;
    let body = batch(&["AgentState_Ready"]);
    let mut tcp = TcpStream::connect(f.receiver.local_addr())
        .await
        .expect("connect");
    let head = raw_head(&format!("Content-Length: {}\r\n", body.len()));
    let _ = tcp.write_all(head.as_bytes()).await;
    let _ = tcp.write_all(body.as_bytes()).await;
    let raw = read_all(&mut tcp).await;
    assert!(
        !raw.starts_with("HTTP/"),
        "no HTTP answer over plain TCP: {raw:?}"
    );
    f.assert_nothing_delivered();
    assert_eq!(f.push(body).await.body, SUCCESS, "still serving");
}

#[tokio::test]
async fn the_certificate_and_its_fingerprint_are_exposed() {
    let f = fixture().await;
    let der: Vec<CertificateDer<'static>> =
        rustls_pemfile::certs(&mut f.receiver.cert_pem().as_bytes())
            .collect::<Result<_, _>>()
            .expect("pem");
    assert_eq!(der.len(), 1);
    let expected = hex::encode(Sha256::digest(der[0].as_ref()));
    let port = f.receiver.local_addr().port();
    assert_eq!(
        f.receiver.callback_uri("10.1.2.3"),
        format!("https://10.1.2.3:{port}{DEFAULT_PATH}")
    );
    assert_eq!(
        f.receiver.callback_uri("fe80::1"),
        format!("https://[fe80::1]:{port}{DEFAULT_PATH}")
    );
    assert_eq!(f.receiver.cert_sha256(), expected);
    assert_eq!(expected.len(), 64);
    assert!(expected.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f')));
}

#[tokio::test]
async fn a_certificate_from_pem_files_is_served() {
    let dir = tempfile::tempdir().expect("tempdir");
    let made = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).expect("cert");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert, made.cert.pem()).expect("write");
    std::fs::write(&key, made.key_pair.serialize_pem()).expect("write");
    let cfg = PushConfig {
        tls: TlsSource::PemFiles {
            cert: cert.clone(),
            key: key.clone(),
        },
        ..PushConfig::default()
    };
    let mut f = fixture_with(cfg, PushCredentials::new(), 4).await;
    assert_eq!(f.receiver.cert_pem(), made.cert.pem());
    assert_eq!(
        f.receiver.cert_sha256(),
        hex::encode(Sha256::digest(made.cert.der().as_ref()))
    );
    assert_eq!(f.push(batch(&["AgentState_Ready"])).await.body, SUCCESS);
    assert_eq!(f.delivered(), [["AgentState_Ready"]]);

    // Missing or wrong files are reported, not served.
    let (sink, _events) = mpsc::channel(1);
    let swapped = PushConfig {
        tls: TlsSource::PemFiles {
            cert: key.clone(),
            key: cert.clone(),
        },
        ..PushConfig::default()
    };
    let error = PushReceiver::start(swapped, PushCredentials::new(), sink.clone())
        .await
        .expect_err("no certificate in the key file");
    assert!(error.to_string().contains("no certificate"), "{error}");
    let missing = PushConfig {
        tls: TlsSource::PemFiles {
            cert: dir.path().join("nope.pem"),
            key,
        },
        ..PushConfig::default()
    };
    assert!(
        PushReceiver::start(missing, PushCredentials::new(), sink)
            .await
            .is_err()
    );
}

#[tokio::test]
async fn dropping_the_receiver_stops_it() {
    let f = fixture().await;
    let addr = f.receiver.local_addr();
    assert_eq!(f.push(batch(&["AgentState_Ready"])).await.body, SUCCESS);
    drop(f);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(
        TcpStream::connect(addr).await.is_err(),
        "no longer listening"
    );

    let f = fixture().await;
    let addr = f.receiver.local_addr();
    f.receiver.shutdown().await;
    assert!(TcpStream::connect(addr).await.is_err());
}

// ---------------------------------------------------------------- old TLS, crowds

/// Runs `openssl s_client` with `flags` against the receiver, sending
/// `request` once the handshake is done (if it ever is); returns stdout
/// and stderr together. `None` when openssl is not installed.
async fn s_client(f: &Fixture, flags: &[&str], request: &str) -> Option<String> {
    use std::process::Stdio;
    let addr = f.receiver.local_addr().to_string();
    let mut child = match tokio::process::Command::new("openssl")
        .args(["s_client", "-connect", &addr, "-msg", "-ign_eof"])
        .args(flags)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
    {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return None,
        Err(e) => panic!("openssl s_client: {e}"),
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(request.as_bytes()).await;
    }
    let output = tokio::time::timeout(Duration::from_secs(15), child.wait_with_output())
        .await
        .expect("s_client ends (the server closes)")
        .expect("s_client output");
    Some(format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    ))
}

#[tokio::test]
async fn tls_1_0_and_1_1_clients_are_refused_and_deliver_nothing() {
    let mut f = fixture().await;
    let body = batch(&["AgentOther_Note"]);
    let request = format!(
        "{}{body}",
        raw_head(&format!("Content-Length: {}\r\n", body.len()))
    );
    // Debian's OpenSSL 3 turns TLS 1.0 and 1.1 off at its default security
    // level (2); SECLEVEL=0 lets s_client offer them again, as an old
    // gateway's TLS stack would.
    let old = ["-cipher", "DEFAULT@SECLEVEL=0"];
    // The test command installs openssl: without it this check cannot be made.
    let control = s_client(&f, &["-tls1_2"], &request)
        .await
        .expect("openssl is installed");
    // The same command over TLS 1.2 gets its answer: the check below is
    // about the version, not a broken command line.
    assert!(
        control.contains("HTTP/1.1 200") && control.contains(SUCCESS),
        "TLS 1.2 through s_client works: {control}"
    );
    assert_eq!(f.delivered(), [["AgentOther_Note"]]);

    for (flag, name) in [("-tls1", "TLS 1.0"), ("-tls1_1", "TLS 1.1")] {
        let mut flags = vec![flag];
        flags.extend(old);
        let out = s_client(&f, &flags, &request).await.expect("openssl");
        assert!(
            out.contains(&format!(">>> {name}, Handshake")) && out.contains("ClientHello"),
            "s_client offered {name}: {out}"
        );
        assert!(
            !out.contains("ServerHello"),
            "{name}: no ServerHello, the handshake never completes: {out}"
        );
        assert!(
            out.contains("protocol version") || out.contains("Cipher is (NONE)"),
            "{name}: refused: {out}"
        );
        assert!(!out.contains("HTTP/1.1"), "{name}: no HTTP answer: {out}");
        f.assert_nothing_delivered();
    }
    assert_eq!(f.receiver.stats().delivered_batches, 1);
    assert_eq!(
        f.push(batch(&["AgentState_Ready"])).await.body,
        SUCCESS,
        "still serving"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_senders_in_a_crowd_do_not_starve_good_pushes_and_deliver_nothing() {
    let cfg = PushConfig {
        max_connections: 8,
        read_timeout: Duration::from_millis(400),
        ..PushConfig::default()
    };
    let mut f = fixture_with(cfg, PushCredentials::new(), 512).await;
    let addr = f.receiver.local_addr();
    let pem = f.receiver.cert_pem().to_owned();
    let mut slow = tokio::task::JoinSet::new();
    for i in 0..24 {
        let pem = pem.clone();
        slow.spawn(async move {
            let mut tcp = TcpStream::connect(addr).await.expect("connect");
            match i % 3 {
                // Never starts TLS.
                0 => {
                    let _ = read_all(&mut tcp).await;
                }
                // Half a request head.
                1 => {
                    let name = ServerName::try_from("127.0.0.1").expect("name");
                    let Ok(mut s) = tls_connector(&pem, &[&rustls::version::TLS13])
                        .connect(name, tcp)
                        .await
                    else {
                        return;
                    };
                    let _ = s
                        .write_all(
                            format!("POST {DEFAULT_PATH} HTTP/1.1\r\nHost: x\r\n").as_bytes(),
                        )
                        .await;
                    let _ = read_all(&mut s).await;
                }
                // Good credentials, most of a body, then silence: the
                // events in it must never be delivered.
                _ => {
                    let name = ServerName::try_from("127.0.0.1").expect("name");
                    let Ok(mut s) = tls_connector(&pem, &[&rustls::version::TLS13])
                        .connect(name, tcp)
                        .await
                    else {
                        return;
                    };
                    let body = batch(&[&format!("AgentTest_Slow_{i}")]);
                    let head = raw_head(&format!("Content-Length: {}\r\n", body.len()));
                    let _ = s.write_all(head.as_bytes()).await;
                    let _ = s.write_all(&body.as_bytes()[..body.len() - 2]).await;
                    let _ = read_all(&mut s).await;
                }
            }
        });
    }
    let mut good = tokio::task::JoinSet::new();
    for i in 0..60 {
        let client = client_for(&pem);
        let url = f.url();
        good.spawn(async move {
            let response = client
                .post(url)
                .header("Content-Type", "application/json")
                .header("Guid", GUID)
                .header("service_token", TOKEN)
                .body(batch(&[&format!("AgentTest_Good_{i}")]))
                .send()
                .await
                .expect("a good push is answered");
            (response.status(), response.text().await.unwrap_or_default())
        });
    }
    while let Some(result) = good.join_next().await {
        let (status, body) = result.expect("task");
        assert_eq!((status, body.as_str()), (StatusCode::OK, SUCCESS));
    }
    while slow.join_next().await.is_some() {}
    let mut delivered: Vec<String> = f.delivered().concat();
    assert!(
        delivered.iter().all(|t| t.starts_with("AgentTest_Good_")),
        "nothing from a refused request: {delivered:?}"
    );
    delivered.sort();
    delivered.dedup();
    assert_eq!(delivered.len(), 60, "every good push once");
    assert_eq!(
        f.push(batch(&["AgentState_Ready"])).await.body,
        SUCCESS,
        "still serving"
    );
}

#[tokio::test]
async fn a_retry_that_carries_more_events_delivers_each_event_once() {
    let mut f = fixture().await;
    let body = |types: &[(&str, Option<u64>)]| {
        let list: Vec<Value> = types
            .iter()
            .map(|(t, at)| match at {
                Some(at) => {
                    json!({"eventType": t, "workNo": AGENT, "content": null, "eventGenTime": at})
                }
                None => json!({"eventType": t, "workNo": AGENT, "content": null}),
            })
            .collect();
        json!({"workNo": AGENT, "eventList": list}).to_string()
    };
    for stamp in [None, Some(10)] {
        let at = |n: u64| stamp.map(|s| s + n);
        // [E1] accepted, its answer lost; the gateway retries with [E1, E2],
        // then (lost again) with [E1, E2, E3].
        let e1 = ("AgentEvent_Ringing", at(0));
        let e2 = ("AgentEvent_Talking", at(1));
        let e3 = ("AgentState_Busy", at(2));
        assert_eq!(f.push(body(&[e1])).await.body, SUCCESS);
        assert_eq!(f.push(body(&[e1, e2])).await.body, SUCCESS);
        assert_eq!(f.push(body(&[e1, e2, e3])).await.body, SUCCESS);
        assert_eq!(
            f.delivered(),
            [
                vec!["AgentEvent_Ringing"],
                vec!["AgentEvent_Talking"],
                vec!["AgentState_Busy"]
            ],
            "eventGenTime: {stamp:?}"
        );
    }
}

/// A connection from `source` (another loopback address: another host as
/// far as the receiver can tell) that finished its TLS handshake.
async fn tls_from(
    f: &Fixture,
    source: std::net::IpAddr,
) -> Option<tokio_rustls::client::TlsStream<TcpStream>> {
    let socket = tokio::net::TcpSocket::new_v4().ok()?;
    socket.bind(std::net::SocketAddr::new(source, 0)).ok()?;
    let tcp = socket.connect(f.receiver.local_addr()).await.ok()?;
    let name = ServerName::try_from("127.0.0.1").expect("name");
    tls_connector(f.receiver.cert_pem(), &[&rustls::version::TLS13])
        .connect(name, tcp)
        .await
        .ok()
}

#[tokio::test]
async fn refused_requests_from_elsewhere_cannot_keep_pushes_out() {
    // The default limits: 64 connections in all.
    let mut f = fixture().await;
    let attacker: std::net::IpAddr = [127, 0, 0, 2].into();
    let stop = tokio_util::sync::CancellationToken::new();
    let mut attack = tokio::task::JoinSet::new();
    let mut connected = 0;
    for i in 0..128 {
        let stream = tls_from(&f, attacker).await;
        connected += usize::from(stream.is_some());
        let stop = stop.clone();
        attack.spawn(async move {
            let Some(mut s) = stream else { return 0u32 };
            let mut sent = 0;
            if i % 2 == 0 {
                // Idle after the handshake: holds a connection, sends nothing.
                stop.cancelled().await;
                return sent;
            }
            // A POST without service_token every 300 ms on a kept-alive connection.
            let head = format!(
                "POST {DEFAULT_PATH} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
                 Guid: {GUID}\r\nContent-Length: 2\r\n\r\n{{}}"
            );
            loop {
                if s.write_all(head.as_bytes()).await.is_err() {
                    return sent;
                }
                sent += 1;
                let mut buf = [0u8; 1024];
                let read = tokio::time::timeout(Duration::from_millis(300), s.read(&mut buf)).await;
                if let Ok(Ok(0) | Err(_)) = read {
                    return sent;
                }
                tokio::select! {
                    _ = stop.cancelled() => return sent,
                    _ = tokio::time::sleep(Duration::from_millis(300)) => {}
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The gateway's pushes still get through at once.
    let mut slowest = Duration::ZERO;
    for n in 0..5 {
        let started = std::time::Instant::now();
        let answer = tokio::time::timeout(
            Duration::from_secs(5),
            f.push(batch(&[&format!("AgentTest_Push{n}")])),
        )
        .await
        .expect("a push is answered during the attack");
        assert_eq!(answer.body, SUCCESS);
        slowest = slowest.max(started.elapsed());
    }
    eprintln!("slowest push during the attack: {slowest:?}");
    assert!(slowest < Duration::from_secs(1), "{slowest:?}");
    assert_eq!(f.delivered().len(), 5);
    stop.cancel();
    while attack.join_next().await.is_some() {}
    // A refused request closed its connection: each got one answer at most.
    let refused = f.receiver.stats().refused;
    assert!(refused > 0, "the attack was answered");
    assert!(
        refused as usize <= connected,
        "{refused} answers on {connected} connections"
    );
}
