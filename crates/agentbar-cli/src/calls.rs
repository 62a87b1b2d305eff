//! The call-control, skill and queue one-shot commands: one operation (or a
//! short query and an operation) on the kept session, and one JSON object on
//! stdout when done. A call ID not given is found from the gateway's own
//! lists (`allcallid`, `holdlist`), never guessed: when the lists do not
//! tell, the command refuses instead of acting on the wrong call.

use agentgateway::{CallOut, CallTarget, Client, ClientError, Consult, SkillChoice, TransferHow};
use serde_json::{Value, json};

use crate::args::{CallArgs, Command, FoundCallId, SkillsAction, SkillsArgs, TransferArgs};
use crate::fail::{self, Failure};

/// Checks what can be checked without the gateway, before the session is
/// looked up: a bad parameter is a usage error (exit 2), and nothing is sent.
pub fn check(cmd: &Command) -> Result<(), Failure> {
    use agentgateway::client::validate;
    let usage = |what: &str, e: agentgateway::InvalidParam| {
        Failure::usage(format!("{what}: {}", fail::param_words(&e)))
    };
    let id = |what: &str, c: &Option<String>| match c {
        Some(c) => validate::path_id(validate::Param::CallId, c).map_err(|e| usage(what, e)),
        None => Ok(()),
    };
    match cmd {
        Command::Call(a) => call_request(a).map(|_| ()),
        Command::Transfer(TransferArgs {
            to: Some(to), wait, ..
        }) => agentgateway::client::transfer_request(to, how(*wait))
            .map(|_| ())
            .map_err(|e| usage("transfer", e)),
        Command::Consult(a) => consult_request(a)
            .validate()
            .map_err(|e| usage("consult", e)),
        Command::TakeBack(c) => id("take-back", &c.callid),
        Command::Conference(c) => id("conference", &c.callid),
        Command::Reject(a) => id("reject", &a.callid),
        Command::Dtmf { digits } => validate::dtmf(digits).map_err(|e| usage("dtmf", e)),
        _ => Ok(()),
    }
}

fn how(wait: bool) -> TransferHow {
    if wait {
        TransferHow::WaitForAnswer
    } else {
        TransferHow::Blind
    }
}

fn consult_request(a: &crate::args::ConsultArgs) -> Consult {
    Consult {
        target: a.to.clone(),
        three_party: a.three_way,
    }
}

/// `NUMBER` or `kind:address`.
fn call_target(a: &CallArgs) -> Result<CallTarget, Failure> {
    if a.number.contains(':') {
        a.number
            .parse::<CallTarget>()
            .map_err(|e| Failure::usage(format!("call: {}", fail::param_words(&e))))
    } else {
        Ok(CallTarget::Number(a.number.clone()))
    }
}

/// What `call` sends.
enum Dial {
    /// `callinner` to this work number.
    Inner(String),
    /// A checked `callout`.
    Out(CallOut),
}

fn call_request(a: &CallArgs) -> Result<Dial, Failure> {
    match call_target(a)? {
        CallTarget::Agent(work_no) => {
            if a.caller.is_some() || a.skill.is_some() {
                return Err(Failure::usage(
                    "call: --caller and --skill are for outbound calls, not agent:WORKNO",
                ));
            }
            Ok(Dial::Inner(work_no))
        }
        CallTarget::Number(called) => {
            let req = CallOut {
                called,
                caller: a.caller.clone(),
                skill_id: a.skill.clone(),
            };
            req.validate()
                .map_err(|e| Failure::usage(format!("call: {}", fail::param_words(&e))))?;
            Ok(Dial::Out(req))
        }
        _ => Err(Failure::usage("call: dial a NUMBER or agent:WORKNO")),
    }
}

/// Runs `cmd` when it is one of these commands; `None` otherwise.
pub async fn run(client: &Client, cmd: &Command) -> Option<Result<Value, Failure>> {
    let r = match cmd {
        Command::Call(a) => call(client, a).await,
        Command::Transfer(a) => transfer(client, a).await,
        Command::Consult(a) => {
            let req = Consult {
                target: a.to.clone(),
                three_party: a.three_way,
            };
            client.consult(&req).await.map_err(f("consult")).map(
                |id| json!({"kind": "consult", "to": a.to, "threeWay": a.three_way, "callid": id}),
            )
        }
        Command::TakeBack(c) => take_back(client, c).await,
        Command::Conference(c) => conference(client, c).await,
        Command::Mute => client
            .begin_mute()
            .await
            .map_err(f("mute"))
            .map(|()| json!({"kind": "mute", "muted": true})),
        Command::Unmute => client
            .end_mute()
            .await
            .map_err(f("unmute"))
            .map(|()| json!({"kind": "mute", "muted": false})),
        Command::Dtmf { digits } => client
            .send_dtmf(digits)
            .await
            .map_err(f("dtmf"))
            .map(|()| json!({"kind": "dtmf", "sent": digits.chars().count()})),
        Command::Reject(a) => client
            .reject(a.callid.as_deref(), a.requeue)
            .await
            .map_err(f("reject"))
            .map(|()| json!({"kind": "reject", "requeue": a.requeue})),
        Command::Skills(a) => skills(client, a).await,
        Command::Queue => queue(client).await,
        Command::Stats => client
            .statistics()
            .await
            .map_err(f("stats"))
            .map(|s| with_kind("stats", json!(s))),
        _ => return None,
    };
    Some(r)
}

fn f(what: &'static str) -> impl Fn(ClientError) -> Failure {
    move |e| Failure::client(what, &e)
}

fn with_kind(kind: &str, mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert("kind".into(), kind.into());
    }
    v
}

async fn call(client: &Client, a: &CallArgs) -> Result<Value, Failure> {
    match call_request(a)? {
        Dial::Inner(work_no) => {
            let id = client.call_inner(&work_no).await.map_err(f("call"))?;
            Ok(json!({"kind": "call", "internal": true, "callid": id}))
        }
        Dial::Out(req) => {
            let id = client.call_out(&req).await.map_err(f("call"))?;
            Ok(json!({"kind": "call", "internal": false, "callid": id}))
        }
    }
}

async fn transfer(client: &Client, a: &TransferArgs) -> Result<Value, Failure> {
    if a.cancel {
        client.cancel_transfer().await.map_err(f("transfer"))?;
        return Ok(json!({"kind": "transferCancelled"}));
    }
    let Some(to) = &a.to else {
        return Err(Failure::usage("transfer: --to TARGET or --cancel"));
    };
    client
        .transfer_to(to, how(a.wait))
        .await
        .map_err(f("transfer"))?;
    Ok(json!({"kind": "transfer", "to": to, "wait": a.wait}))
}

/// Refused because the gateway's lists do not name one call.
fn not_found(what: &str, why: &str) -> Failure {
    Failure::new(fail::REFUSED, format!("{what}: {why} (give --callid)"))
}

/// The help call of a two-party consult: with a held call, the one call
/// that is not held.
async fn help_call(client: &Client) -> Result<String, Failure> {
    let all = client.all_call_ids().await.map_err(f("take-back"))?;
    let held: Vec<String> = client
        .hold_list()
        .await
        .map_err(f("take-back"))?
        .into_iter()
        .map(|h| h.callid)
        .collect();
    if held.is_empty() {
        return Err(not_found("take-back", "no held call, so no consult to end"));
    }
    let mut others: Vec<String> = all.into_iter().filter(|c| !held.contains(c)).collect();
    if others.is_empty()
        && let Some(id) = client
            .call_info()
            .await
            .map_err(f("take-back"))?
            .and_then(|i| i.callid)
            .filter(|c| !held.contains(c))
    {
        others.push(id);
    }
    match others.as_slice() {
        [one] => Ok(one.clone()),
        [] => Err(not_found("take-back", "no help call")),
        _ => Err(not_found(
            "take-back",
            "more than one call besides the held one",
        )),
    }
}

async fn take_back(client: &Client, c: &FoundCallId) -> Result<Value, Failure> {
    let id = match &c.callid {
        Some(id) => id.clone(),
        None => help_call(client).await?,
    };
    client.drop_call(&id).await.map_err(f("take-back"))?;
    Ok(json!({"kind": "takeBack", "callid": id}))
}

async fn conference(client: &Client, c: &FoundCallId) -> Result<Value, Failure> {
    let id = match &c.callid {
        Some(id) => id.clone(),
        None => {
            let held = client.hold_list().await.map_err(f("conference"))?;
            match held.as_slice() {
                [one] => one.callid.clone(),
                [] => return Err(not_found("conference", "no held call")),
                _ => return Err(not_found("conference", "more than one held call")),
            }
        }
    };
    client.conf_join(&id).await.map_err(f("conference"))?;
    Ok(json!({"kind": "conference", "callid": id}))
}

async fn skills(client: &Client, a: &SkillsArgs) -> Result<Value, Failure> {
    let me = client.agent_id().to_owned();
    if let Some(SkillsAction::SignIn(s)) = &a.action {
        let choice = match (&s.ids, s.all) {
            (Some(c), false) => c.clone(),
            _ => SkillChoice::All,
        };
        client
            .reset_skills(&choice)
            .await
            .map_err(f("skills sign-in"))?;
        let now = client
            .signed_in_skills(&me)
            .await
            .map_err(f("skills sign-in"))?;
        return Ok(json!({
            "kind": "skillsSignedIn",
            "choice": choice.to_string(),
            "skills": now,
        }));
    }
    let configured = client.configured_skills().await.map_err(f("skills"))?;
    let signed_in = client.signed_in_skills(&me).await.map_err(f("skills"))?;
    let list: Vec<Value> = configured
        .iter()
        .map(|s| {
            let on = signed_in.iter().any(|i| i.id == s.id);
            marked(json!(s), on)
        })
        .collect();
    Ok(json!({"kind": "skills", "skills": list}))
}

fn marked(mut v: Value, signed_in: bool) -> Value {
    if let Value::Object(m) = &mut v {
        m.insert("signedIn".into(), signed_in.into());
    }
    v
}

async fn queue(client: &Client) -> Result<Value, Failure> {
    let me = client.agent_id().to_owned();
    let mine = client.signed_in_skills(&me).await.map_err(f("queue"))?;
    let ids: Vec<String> = mine.iter().map(|s| s.id.clone()).collect();
    let figures = if ids.is_empty() {
        Vec::new()
    } else {
        client.queue_figures(&ids).await.map_err(f("queue"))?
    };
    let total: u64 = figures.iter().filter_map(|q| q.waiting).sum();
    Ok(json!({"kind": "queue", "waiting": total, "skills": figures}))
}
