//! The one-shot commands: one gateway call on the session whose GUID is in
//! the keyring (or in `AGENTBAR_GUID`). A new GUID in the answer (dynamic
//! auth mode) goes back to the keyring.

use std::io::Read;
use std::path::Path;

use agentgateway::{Client, ClientError, Guid};
use base64::Engine as _;
use serde_json::json;

use crate::args::{Calldata, Command, Global, SignInOpts};
use crate::connect::{self, Keyring};
use crate::fail::Failure;

/// Where the session GUID came from.
enum Source {
    Env,
    Keyring(Keyring),
}

pub async fn run(g: &Global, cmd: &Command) -> Result<(), Failure> {
    let cfg = connect::client_config(g)?;
    let agent = cfg.agent_id.clone();
    let client = Client::new(cfg).map_err(|e| Failure::client("setup", &e))?;
    if let Command::SignIn(o) = cmd {
        return sign_in(&client, &agent, o).await;
    }
    crate::calls::check(cmd)?;
    // Read stdin before anything is sent: a failure then changes nothing.
    let calldata = match cmd {
        Command::Calldata(Calldata::Set { file, base64, .. }) => {
            Some(calldata_value(file.as_deref(), *base64)?)
        }
        _ => None,
    };
    let (guid, source) = session_guid(&agent).await?;
    client.set_guid(guid.clone());
    let result = operate(&client, cmd, calldata).await;
    // Keep the keyring current whatever the answer was.
    if let (Source::Keyring(k), Some(now)) = (&source, client.guid())
        && now != guid
        && let Err(e) = k.store(&now).await
    {
        eprintln!("agentbar-cli: warning: cannot keep the new session GUID: {e}");
    }
    if result.is_ok()
        && let (Command::SignOut { .. }, Source::Keyring(k)) = (cmd, &source)
        && let Err(e) = k.delete().await
    {
        eprintln!("agentbar-cli: warning: cannot remove the session GUID: {e}");
    }
    result
}

async fn session_guid(agent: &str) -> Result<(Guid, Source), Failure> {
    if let Some(g) = connect::guid_from_env() {
        return Ok((g, Source::Env));
    }
    let k = Keyring::new(agent);
    match k.load().await {
        Ok(Some(g)) => Ok((g, Source::Keyring(k))),
        Ok(None) => Err(Failure::new(
            crate::fail::SIGNED_OUT,
            format!(
                "not signed in: the keyring holds no session for agent {agent} \
                 (run `agentbar-cli sign-in` or `agentbar-cli watch`)"
            ),
        )),
        Err(e) => Err(Failure::keyring("cannot read the session GUID", &e)),
    }
}

/// The call data to set: from `file`, else stdin; one trailing newline is
/// dropped unless `base64`.
fn calldata_value(file: Option<&Path>, base64: bool) -> Result<(String, bool), Failure> {
    let mut bytes = match file {
        Some(path) => std::fs::read(path).map_err(|e| {
            Failure::usage(format!(
                "cannot read the call data from {}: {e}",
                path.display()
            ))
        })?,
        None => {
            let mut buf = Vec::new();
            std::io::stdin().read_to_end(&mut buf).map_err(|e| {
                Failure::usage(format!("cannot read the call data from stdin: {e}"))
            })?;
            buf
        }
    };
    if !base64 {
        if bytes.ends_with(b"\n") {
            bytes.pop();
        }
        if bytes.ends_with(b"\r") {
            bytes.pop();
        }
    }
    if base64 {
        return Ok((
            base64::engine::general_purpose::STANDARD.encode(&bytes),
            true,
        ));
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| Failure::usage("the call data is not UTF-8 text: use --base64"))?;
    Ok((text, false))
}

async fn sign_in(client: &Client, agent: &str, o: &SignInOpts) -> Result<(), Failure> {
    let req = connect::sign_in_request(o, connect::password(o)?)?;
    // The GUID must have somewhere to go before the agent is signed in.
    let keyring = Keyring::new(agent);
    keyring
        .load()
        .await
        .map_err(|e| Failure::keyring("sign-in needs a keyring", &e))?;
    let info = if o.force {
        client.force_sign_in(&req).await
    } else {
        client.sign_in(&req).await
    }
    .map_err(|e| Failure::client("sign-in", &e))?;
    let guid = client
        .guid()
        .ok_or_else(|| Failure::client("sign-in", &ClientError::NoSession))?;
    if let Err(e) = keyring.store(&guid).await {
        let _ = client.sign_out().await;
        return Err(Failure::keyring(
            "cannot keep the session GUID (signed out again)",
            &e,
        ));
    }
    let mut line = format!("signed in: agent {agent} on {}", client.gateway_url());
    if let Some(server) = &info.server_name {
        line.push_str(&format!(" ({server})"));
    }
    if let Some(days) = info.time_remaining_days {
        line.push_str(&format!("; password expires in {days} days"));
    }
    if info.is_force_change {
        line.push_str("; the password must be changed");
    }
    println!("{line}");
    Ok(())
}

async fn operate(
    client: &Client,
    cmd: &Command,
    calldata: Option<(String, bool)>,
) -> Result<(), Failure> {
    if let Some(r) = crate::calls::run(client, cmd).await {
        println!("{}", r?);
        return Ok(());
    }
    let (what, r) = match cmd {
        Command::SignOut { force } => {
            let r = if *force {
                client.force_sign_out().await
            } else {
                client.sign_out().await
            };
            // Already signed out (100-008) is what was asked for.
            let r = match r {
                Err(e) if e.retcode() == Some("100-008") => Ok(()),
                other => other,
            };
            ("sign-out", r)
        }
        Command::Status => {
            let s = client
                .agent_status()
                .await
                .map_err(|e| Failure::client("status", &e))?;
            println!(
                "{}",
                json!({"kind": "status", "agent": client.agent_id(), "status": s})
            );
            return Ok(());
        }
        Command::Ready => ("ready", client.say_free().await),
        Command::Busy { reason } => ("busy", client.say_busy(*reason).await),
        Command::CancelBusy => ("cancel-busy", client.cancel_busy().await),
        Command::Rest { seconds, cause } => ("rest", client.rest(*seconds, *cause).await),
        Command::CancelRest => ("cancel-rest", client.cancel_rest().await),
        Command::Work => ("work", client.work().await),
        Command::CancelWork => ("cancel-work", client.cancel_work().await),
        Command::Answer => ("answer", client.answer().await),
        Command::HangUp => ("hang-up", client.release().await),
        Command::Hold => ("hold", client.hold().await),
        Command::Unhold(c) => ("unhold", client.get_hold(&c.callid).await),
        Command::Calldata(Calldata::Get(c)) => {
            let v = client
                .app_data(&c.callid)
                .await
                .map_err(|e| Failure::client("calldata get", &e))?;
            println!("{v}");
            return Ok(());
        }
        Command::Calldata(Calldata::Set { call, .. }) => {
            let (value, encoded) = calldata.unwrap_or_default();
            let r = client.set_calldata(&call.callid, &value, encoded).await;
            ("calldata set", r)
        }
        // Watch and sign-in are not one-shot; the call-control commands ran above.
        _ => return Ok(()),
    };
    r.map_err(|e| Failure::client(what, &e))
}
