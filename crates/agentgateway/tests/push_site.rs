//! The push receiver for a whole site over real HTTPS: any agent's pushes
//! reach the sink with the agent and token they came with and a fingerprint
//! per event (the same for a repeat), the answer waits for the store, a
//! store refusal is the answer, and the bar receiver's checks still apply.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentgateway::push::{
    DEFAULT_PATH, PushConfig, PushReceiver, Refusal, SitePush, SiteSink, StoreFuture,
};
use serde_json::{Value, json};

/// One stored push: agent, token, event types, which were timestamped.
type Stored = (String, String, Vec<String>, Vec<bool>);

#[derive(Default)]
struct Recorder {
    pushes: Mutex<Vec<Stored>>,
    prints: Mutex<Vec<Vec<String>>>,
    refuse: Mutex<Option<Refusal>>,
    delay: Mutex<Duration>,
}

impl SiteSink for Recorder {
    fn store(&self, push: SitePush) -> StoreFuture<'_> {
        Box::pin(async move {
            let delay = *self.delay.lock().expect("delay");
            tokio::time::sleep(delay).await;
            if let Some(refusal) = *self.refuse.lock().expect("refuse") {
                return Err(refusal);
            }
            let types = push
                .events
                .iter()
                .map(|e| e.event.event_type.clone())
                .collect();
            let stamped = push.events.iter().map(|e| e.timestamped).collect();
            let prints = push.events.iter().map(|e| e.fingerprint.clone()).collect();
            self.prints.lock().expect("prints").push(prints);
            self.pushes.lock().expect("pushes").push((
                push.work_no,
                push.token.expose().to_owned(),
                types,
                stamped,
            ));
            Ok(())
        })
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

async fn post(
    client: &reqwest::Client,
    receiver: &PushReceiver,
    token: Option<&str>,
    guid: Option<&str>,
    body: &Value,
) -> (u16, String) {
    let mut req = client
        .post(receiver.callback_uri("localhost"))
        .header("Content-Type", "application/json; charset=UTF-8")
        .body(body.to_string());
    if let Some(t) = token {
        req = req.header("service_token", t);
    }
    if let Some(g) = guid {
        req = req.header("Guid", g);
    }
    let answer = req.send().await.expect("answer");
    let status = answer.status().as_u16();
    let v: Value = serde_json::from_str(&answer.text().await.expect("body")).expect("JSON");
    (status, v["retcode"].as_str().expect("retcode").to_owned())
}

fn push(agent: &str, types: &[&str]) -> Value {
    let events: Vec<Value> = types
        .iter()
        .map(|t| json!({"eventType": t, "workNo": agent, "content": null}))
        .collect();
    json!({"workNo": agent, "eventList": events})
}

#[tokio::test]
async fn a_site_receiver_stores_any_agents_pushes_before_it_answers() {
    let sink = Arc::new(Recorder::default());
    let receiver = PushReceiver::start_site(PushConfig::default(), sink.clone())
        .await
        .expect("starts");
    assert!(receiver.callback_uri("localhost").ends_with(DEFAULT_PATH));
    let client = client_for(receiver.cert_pem());
    let ok = (200, "0".to_owned());
    let send = |token: &'static str, guid: &'static str, body: Value| {
        let (client, receiver) = (&client, &receiver);
        async move { post(client, receiver, Some(token), Some(guid), &body).await }
    };

    assert_eq!(send("tokA1", "g1", push("291", &["A", "B"])).await, ok);
    assert_eq!(send("tokB2", "g2", push("292", &["C"])).await, ok);
    // A repeat goes to the store whole: it recognises the old part by the
    // fingerprints, which are the same for the same event and sign-in...
    assert_eq!(send("tokA1", "g1", push("291", &["A", "B", "D"])).await, ok);
    // ...and differ for another sign-in's token.
    assert_eq!(send("tokA9", "g9", push("291", &["A"])).await, ok);
    {
        let pushes = sink.pushes.lock().expect("pushes");
        let seen: Vec<(&str, &str, Vec<&str>)> = pushes
            .iter()
            .map(|(a, t, e, _)| {
                (
                    a.as_str(),
                    t.as_str(),
                    e.iter().map(String::as_str).collect(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("291", "tokA1", vec!["A", "B"]),
                ("292", "tokB2", vec!["C"]),
                ("291", "tokA1", vec!["A", "B", "D"]),
                ("291", "tokA9", vec!["A"]),
            ]
        );
        let prints = sink.prints.lock().expect("prints");
        assert_eq!(prints[0][..], prints[2][..2], "same event, same sign-in");
        assert_ne!(prints[0][0], prints[3][0], "another sign-in");
        assert_ne!(prints[0][0], prints[0][1]);
        assert!(prints.iter().flatten().all(|p| p.len() == 64));
    }

    // The receiver's checks still apply, before the sink is asked.
    assert_eq!(
        post(&client, &receiver, None, Some("g1"), &push("291", &["E"])).await,
        (401, "100-001".to_owned())
    );
    assert_eq!(
        post(
            &client,
            &receiver,
            Some("bad-token"),
            Some("g1"),
            &push("291", &["E"])
        )
        .await,
        (400, "100-001".to_owned())
    );
    assert_eq!(
        post(
            &client,
            &receiver,
            Some("tokA1"),
            None,
            &push("291", &["E"])
        )
        .await,
        (401, "000-003".to_owned())
    );
    assert_eq!(
        post(
            &client,
            &receiver,
            Some("tokA1"),
            Some("g1"),
            &json!({"eventList": []})
        )
        .await,
        (400, "000-006".to_owned())
    );

    // A store that refuses: that is the answer, and nothing counts as stored.
    *sink.refuse.lock().expect("refuse") = Some(Refusal::Busy);
    assert_eq!(
        post(
            &client,
            &receiver,
            Some("tokA1"),
            Some("g1"),
            &push("291", &["F"])
        )
        .await,
        (503, "100-007".to_owned())
    );
    *sink.refuse.lock().expect("refuse") = None;
    // Its repeat is stored then, and answered only once it is.
    *sink.delay.lock().expect("delay") = Duration::from_millis(300);
    let started = std::time::Instant::now();
    assert_eq!(
        post(
            &client,
            &receiver,
            Some("tokA1"),
            Some("g1"),
            &push("291", &["F"])
        )
        .await,
        ok
    );
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "answered before the store"
    );
    assert_eq!(sink.pushes.lock().expect("pushes").len(), 5);
    let stats = receiver.stats();
    assert_eq!((stats.delivered_batches, stats.refused), (5, 5));
    receiver.shutdown().await;
}
