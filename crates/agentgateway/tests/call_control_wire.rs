//! The call-control, skill and query operations on the wire: a scripted
//! HTTPS gateway records every request (method, path, query, Guid header,
//! body) and answers each path with a canned `result`, so these tests check
//! exactly what the client sends (paths, device types, modes, bodies,
//! batches) and how it reads odd but legal answers. A parameter the gateway
//! would refuse is refused before anything is sent.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentgateway::client::validate::{Param, Rule};
use agentgateway::client::{CallOut, Consult, SkillChoice, TransferHow};
use agentgateway::push::TlsIdentity;
use agentgateway::{CallTarget, Client, ClientConfig, ClientError, Guid, Trust};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

#[derive(Debug, Clone)]
struct Seen {
    method: String,
    /// Path below `/agentgateway/resource`, with the query as sent.
    target: String,
    guid: Option<String>,
    body: Option<Value>,
}

type Script = Arc<dyn Fn(&str, &str) -> Value + Send + Sync>;

/// Reads one HTTP/1.1 request (head and Content-Length body).
async fn read_request<S: AsyncReadExt + Unpin>(s: &mut S) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + len {
        let n = s.read(&mut chunk).await.ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some((head, buf[head_end..].to_vec()))
}

/// A gateway that answers `{"retcode":"0","result": script(method, path)}`.
async fn gateway(script: Script) -> (Client, Arc<Mutex<Vec<Seen>>>) {
    let identity = TlsIdentity::self_signed(&["127.0.0.1".to_owned()]).expect("identity");
    let acceptor = TlsAcceptor::from(identity.server_config());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let (acceptor, script, log) = (acceptor.clone(), script.clone(), log.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                while let Some((head, body)) = read_request(&mut tls).await {
                    let mut words = head.split_whitespace();
                    let method = words.next().unwrap_or_default().to_owned();
                    let full = words.next().unwrap_or_default();
                    let target = full
                        .strip_prefix("/agentgateway/resource")
                        .unwrap_or(full)
                        .to_owned();
                    let guid = head.lines().find_map(|l| {
                        let (k, v) = l.split_once(':')?;
                        k.eq_ignore_ascii_case("guid").then(|| v.trim().to_owned())
                    });
                    let path = target.split('?').next().unwrap_or_default().to_owned();
                    let result = script(&method, &path);
                    log.lock().expect("log").push(Seen {
                        method: method.clone(),
                        target,
                        guid,
                        body: serde_json::from_slice(&body).ok(),
                    });
                    let answer =
                        json!({"retcode": "0", "message": "", "result": result}).to_string();
                    let resp = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}",
                        answer.len()
                    );
                    if tls.write_all(resp.as_bytes()).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    let trust = Trust::pinned_hex(identity.cert_sha256()).expect("pin");
    let mut cfg = ClientConfig::new(
        "101",
        vec![format!("https://127.0.0.1:{port}/agentgateway/resource")],
        trust,
    );
    cfg.request_timeout = Duration::from_secs(5);
    let client = Client::new(cfg).expect("client");
    client.set_guid(Guid::new("guid-1"));
    (client, seen)
}

fn take(seen: &Arc<Mutex<Vec<Seen>>>) -> Vec<Seen> {
    std::mem::take(&mut *seen.lock().expect("log"))
}

/// The one request an operation made.
fn one(seen: &Arc<Mutex<Vec<Seen>>>) -> Seen {
    let mut all = take(seen);
    assert_eq!(all.len(), 1, "{all:?}");
    let s = all.remove(0);
    assert_eq!(s.guid.as_deref(), Some("guid-1"), "{s:?}");
    s
}

fn req(s: &Seen) -> (&str, &str, Option<&Value>) {
    (s.method.as_str(), s.target.as_str(), s.body.as_ref())
}

#[tokio::test]
async fn dialling_transfer_and_consult_send_what_the_gateway_expects() {
    let (c, seen) = gateway(Arc::new(|_, path| match path {
        "/voicecall/101/callout" => json!("c-out"),
        "/voicecall/101/callinner" => json!(1234),
        "/voicecall/101/innerhelp" => json!({"callId": "c-help"}),
        _ => Value::Null,
    }))
    .await;

    let mut out = CallOut::to("5551*#");
    out.caller = Some("4001".into());
    out.skill_id = Some("7".into());
    assert_eq!(
        c.call_out(&out).await.expect("callout").as_deref(),
        Some("c-out")
    );
    let body = json!({"called": "5551*#", "caller": "4001", "skillid": 7});
    assert_eq!(
        req(&one(&seen)),
        ("PUT", "/voicecall/101/callout", Some(&body))
    );

    assert_eq!(
        c.call_inner("102").await.expect("callinner").as_deref(),
        Some("1234")
    );
    let body = json!({"called": "102"});
    assert_eq!(
        req(&one(&seen)),
        ("PUT", "/voicecall/101/callinner", Some(&body))
    );

    // Every device type, blind and waiting, with the mode §9.3 gives it.
    for (target, how, devicetype, mode) in [
        ("skill:3", TransferHow::Blind, 1, 0),
        ("skill:3", TransferHow::WaitForAnswer, 1, 2),
        ("agent:102", TransferHow::Blind, 2, 0),
        ("agent:102", TransferHow::WaitForAnswer, 2, 2),
        ("ivr:5001", TransferHow::Blind, 3, 0),
        ("access:17", TransferHow::Blind, 4, 0),
        ("access:17", TransferHow::WaitForAnswer, 4, 2),
        ("number:0049301", TransferHow::Blind, 5, 1),
        ("number:0049301", TransferHow::WaitForAnswer, 5, 2),
    ] {
        let t: CallTarget = target.parse().expect(target);
        c.transfer_to(&t, how).await.expect(target);
        let body = json!({"devicetype": devicetype, "address": t.address(), "mode": mode});
        assert_eq!(
            req(&one(&seen)),
            ("POST", "/voicecall/101/transfer", Some(&body)),
            "{target} {how:?}"
        );
    }
    c.cancel_transfer().await.expect("canceltransfer");
    assert_eq!(
        req(&one(&seen)),
        ("POST", "/voicecall/101/canceltransfer", None)
    );

    let consult = Consult {
        target: "skill:3".parse().expect("skill"),
        three_party: true,
    };
    assert_eq!(
        c.consult(&consult).await.expect("consult").as_deref(),
        Some("c-help")
    );
    let body = json!({"dstaddress": "3", "devicetype": 1, "mode": 2});
    assert_eq!(
        req(&one(&seen)),
        ("POST", "/voicecall/101/innerhelp", Some(&body))
    );
}

#[tokio::test]
async fn in_call_controls_send_what_the_gateway_expects() {
    let (c, seen) = gateway(Arc::new(|_, _| Value::Null)).await;
    c.drop_call("c-help").await.expect("dropcall");
    assert_eq!(
        req(&one(&seen)),
        ("POST", "/voicecall/101/dropcall/c-help", None)
    );
    c.disconnect("7102").await.expect("disconnect");
    assert_eq!(
        req(&one(&seen)),
        ("POST", "/voicecall/101/disconnect/7102", None)
    );
    c.conf_join("c-1").await.expect("confjoin");
    let body = json!({"callid": "c-1"});
    assert_eq!(
        req(&one(&seen)),
        ("POST", "/voicecall/101/confjoin", Some(&body))
    );
    c.connect_hold("c-1").await.expect("connecthold");
    assert_eq!(
        req(&one(&seen)),
        ("POST", "/voicecall/101/connecthold/c-1", None)
    );
    c.begin_mute().await.expect("beginmute");
    assert_eq!(req(&one(&seen)), ("POST", "/voicecall/101/beginmute", None));
    c.end_mute().await.expect("endmute");
    assert_eq!(req(&one(&seen)), ("POST", "/voicecall/101/endmute", None));
    c.send_dtmf("12*#").await.expect("seconddialex");
    assert_eq!(
        req(&one(&seen)),
        ("POST", "/voicecall/101/seconddialex?number=12*%23", None)
    );
    c.reject(None, true).await.expect("reject requeue");
    let body = json!({"mode": 1});
    assert_eq!(
        req(&one(&seen)),
        ("POST", "/voicecall/101/reject", Some(&body))
    );
    c.reject(Some("c-2"), false).await.expect("reject release");
    let body = json!({"callid": "c-2", "mode": 2});
    assert_eq!(
        req(&one(&seen)),
        ("POST", "/voicecall/101/reject", Some(&body))
    );
    c.set_auto_answer(false).await.expect("autoanswer");
    assert_eq!(
        req(&one(&seen)),
        ("POST", "/onlineagent/101/autoanswer/false", None)
    );
    c.set_auto_enter_idle(true).await.expect("autoenteridle");
    assert_eq!(
        req(&one(&seen)),
        ("POST", "/onlineagent/101/autoenteridle/true", None)
    );
}

#[tokio::test]
async fn skill_queues_on_the_wire() {
    let (c, seen) = gateway(Arc::new(|_, path| match path {
        "/onlineagent/101/agentskills" => {
            json!([{"id": 1, "name": "Sales", "mediatype": 5}, {"id": "2", "name": "Support"}])
        }
        "/queuedevice/101/agentskill/101" => json!([{"skillId": "2", "skillName": "Support"}]),
        _ => Value::Null,
    }))
    .await;
    c.reset_skills(&SkillChoice::All).await.expect("all");
    assert_eq!(
        req(&one(&seen)),
        (
            "POST",
            "/onlineagent/101/resetskill/true?skillid=&phonelinkage=0",
            None
        )
    );
    c.reset_skills(&"1,2".parse().expect("ids"))
        .await
        .expect("some");
    assert_eq!(
        req(&one(&seen)),
        (
            "POST",
            "/onlineagent/101/resetskill/false?skillid=1%3B2&phonelinkage=0",
            None
        )
    );
    let all = c.configured_skills().await.expect("agentskills");
    assert_eq!(
        req(&one(&seen)),
        ("GET", "/onlineagent/101/agentskills", None)
    );
    assert_eq!(all.len(), 2);
    assert_eq!(
        (all[0].id.as_str(), all[0].media_type.as_deref()),
        ("1", Some("5"))
    );
    let mine = c.signed_in_skills("101").await.expect("agentskill");
    assert_eq!(
        req(&one(&seen)),
        ("GET", "/queuedevice/101/agentskill/101", None)
    );
    assert_eq!(mine[0].id, "2");
    assert_eq!(mine[0].name.as_deref(), Some("Support"));
}

#[tokio::test]
async fn queries_decode_odd_but_legal_answers() {
    let (c, seen) = gateway(Arc::new(|method, path| match (method, path) {
        (_, "/calldata/101/callinfo") => {
            json!({"callid": "c-1", "callfeature": "7", "caller": "4001", "calldata": "x=1"})
        }
        (_, "/calldata/101/allcallid") => json!(["c-1", 1700]),
        (_, "/calldata/101/holdlist") => {
            json!([{"callid": "c-1", "caller": "5551", "callfeature": 0}])
        }
        (_, "/calldata/101/statistics") => json!({"answernums": "4", "talktime": 95, "extra": 1}),
        ("POST", "/queuedevice/101/queryacdstat") => {
            json!([{"deviceNo": 1, "queueSize": "2", "queueTime": 30, "availAgents": 0}])
        }
        (_, "/queuedevice/101/waitnumbyagent") => json!("3"),
        (_, "/queuedevice/101/agentvdnskill") => json!([{"id": 9, "name": "VIP"}]),
        (_, "/queuedevice/101/ivrinfo") => {
            json!([{"id": 1, "access": "5001", "description": "Menu"}])
        }
        (_, "/queuedevice/101/innoinfo") => json!([{"id": 2, "inno": "17", "vdnid": 1}]),
        (_, "/agentgroup/101/idleagent") => json!(["102", {"workno": 103}]),
        (_, "/agentgroup/101/allagentstatus") => {
            json!([{"workno": "102", "name": "Bo", "status": 4, "groupName": "A"}])
        }
        (_, "/agentgroup/101/restreason") => json!([{"restReasonId": 1, "restReason": "Lunch"}]),
        _ => Value::Null,
    }))
    .await;
    let info = c.call_info().await.expect("callinfo").expect("a call");
    assert_eq!(
        req(&one(&seen)),
        (
            "GET",
            "/calldata/101/callinfo?isNoContainLastCall=true",
            None
        )
    );
    assert_eq!(
        (info.callid.as_deref(), info.feature.as_deref()),
        (Some("c-1"), Some("7"))
    );
    assert_eq!(c.all_call_ids().await.expect("allcallid"), ["c-1", "1700"]);
    one(&seen);
    let held = c.hold_list().await.expect("holdlist");
    one(&seen);
    assert_eq!(
        (held[0].callid.as_str(), held[0].feature.as_deref()),
        ("c-1", Some("0"))
    );
    let s = c.statistics().await.expect("statistics");
    one(&seen);
    assert_eq!(
        (s.answered, s.talk_time_s, s.missed),
        (Some(4), Some(95), None)
    );
    assert_eq!(c.waiting_for_me().await.expect("waitnum").total, Some(3));
    one(&seen);
    assert_eq!(c.vdn_skills().await.expect("vdnskill")[0].id, "9");
    one(&seen);
    assert_eq!(
        c.ivrs().await.expect("ivrs")[0].access_code.as_deref(),
        Some("5001")
    );
    one(&seen);
    assert_eq!(
        c.access_codes().await.expect("inno")[0].code.as_deref(),
        Some("17")
    );
    one(&seen);
    let idle = c.idle_agents().await.expect("idle");
    one(&seen);
    assert_eq!(
        idle.iter().map(|a| a.work_no.as_str()).collect::<Vec<_>>(),
        ["102", "103"]
    );
    let all = c.all_agents().await.expect("all agents");
    one(&seen);
    assert_eq!(
        (all[0].status, all[0].group_name.as_deref()),
        (Some(4), Some("A"))
    );
    let r = c.rest_reasons().await.expect("rest reasons");
    one(&seen);
    assert_eq!(
        (r[0].id.as_str(), r[0].reason.as_deref()),
        ("1", Some("Lunch"))
    );

    // 95 skills: two requests, 90 and 5 IDs, sent as integers.
    let ids: Vec<String> = (1..=95).map(|i| i.to_string()).collect();
    let figures = c.queue_figures(&ids).await.expect("queryacdstat");
    let sent = take(&seen);
    assert_eq!(sent.len(), 2, "{sent:?}");
    let batch = |s: &Seen| {
        s.body.as_ref().expect("body")["skills"]
            .as_array()
            .expect("list")
            .clone()
    };
    assert_eq!(batch(&sent[0]).len(), 90);
    assert_eq!(
        batch(&sent[1]),
        (91..=95).map(|i| json!(i)).collect::<Vec<_>>()
    );
    assert!(
        sent.iter()
            .all(|s| s.target == "/queuedevice/101/queryacdstat")
    );
    assert_eq!(figures.len(), 2, "one figure per answer");
    assert_eq!(
        (figures[0].waiting, figures[0].longest_wait_s),
        (Some(2), Some(30))
    );
}

#[tokio::test]
async fn bad_parameters_are_refused_before_anything_is_sent() {
    let (c, seen) = gateway(Arc::new(|_, _| Value::Null)).await;
    let param = |e: ClientError| match e {
        ClientError::InvalidParam(p) => (p.param, p.rule),
        other => panic!("not a parameter error: {other:?}"),
    };
    let long = "1".repeat(25);
    assert_eq!(
        param(c.call_out(&CallOut::to("555 12")).await.expect_err("space")).0,
        Param::Called
    );
    assert_eq!(
        param(c.call_out(&CallOut::to(&long)).await.expect_err("long")),
        (Param::Called, Rule::TooLong { max: 24 })
    );
    let mut bad_caller = CallOut::to("5551");
    bad_caller.caller = Some("+49".into());
    assert_eq!(
        param(c.call_out(&bad_caller).await.expect_err("caller")).0,
        Param::Caller
    );
    assert_eq!(
        param(c.call_inner("10a").await.expect_err("workno")).0,
        Param::WorkNo
    );
    let ivr: CallTarget = "ivr:5001".parse().expect("ivr");
    assert_eq!(
        param(
            c.transfer_to(&ivr, TransferHow::WaitForAnswer)
                .await
                .expect_err("ivr wait")
        ),
        (Param::Target, Rule::NoWaitMode)
    );
    let to_ivr = Consult {
        target: ivr,
        three_party: false,
    };
    assert_eq!(
        param(c.consult(&to_ivr).await.expect_err("consult ivr")).1,
        Rule::NotAllowedHere
    );
    assert_eq!(
        param(c.send_dtmf("").await.expect_err("empty")).1,
        Rule::Empty
    );
    assert_eq!(
        param(c.send_dtmf("12A").await.expect_err("letters")).0,
        Param::Digits
    );
    assert_eq!(
        param(c.send_dtmf(&long).await.expect_err("long")).0,
        Param::Digits
    );
    assert_eq!(
        param(c.drop_call("../x").await.expect_err("path")).0,
        Param::CallId
    );
    assert_eq!(
        param(c.reject(Some("a b"), true).await.expect_err("id")).0,
        Param::CallId
    );
    let bad_skills = SkillChoice::Only(vec!["1;2".into()]);
    assert_eq!(
        param(c.reset_skills(&bad_skills).await.expect_err("skills")).0,
        Param::SkillId
    );
    assert_eq!(
        param(c.queue_figures(&["x".into()]).await.expect_err("acd")).0,
        Param::SkillId
    );
    assert!(take(&seen).is_empty(), "nothing was sent");
}
