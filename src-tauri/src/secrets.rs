//! The OS keyring (Secret Service on Linux): the session GUID and, when the
//! agent asks for it, the password. Nothing secret is ever written elsewhere.
//!
//! `secret-tool lookup service agentbar username <agent>` shows the GUID;
//! the push-mode service token lives under `agentbar-push`, the password
//! under `agentbar-password` with user name `<agent> <gateway URLs>`: it is
//! kept for the gateways it was typed for and only ever sent to them.

use std::sync::OnceLock;

use agentgateway::Secret;
use agentgateway::engine::face::KeptSession;
use agentgateway::guid_store::{GuidStore, StoreError};

use crate::remembered::Account;

/// Keyring service of a remembered password.
pub const PASSWORD_SERVICE: &str = "agentbar-password";
/// Keyring service of the call on the bar (its IDs and numbers, never its call
/// data), so a restarted bar can show the call again.
pub const CALL_SERVICE: &str = "agentbar-call";

fn calls() -> &'static GuidStore {
    static STORE: OnceLock<GuidStore> = OnceLock::new();
    STORE.get_or_init(|| GuidStore::with_service(CALL_SERVICE))
}

fn passwords() -> &'static GuidStore {
    static STORE: OnceLock<GuidStore> = OnceLock::new();
    STORE.get_or_init(|| GuidStore::with_service(PASSWORD_SERVICE))
}

/// The session of `agent` in the keyring: the GUID under service `agentbar`,
/// in push mode the service token under `agentbar-push`.
pub fn kept_session(agent: &str) -> KeptSession {
    KeptSession::new(agentgateway::guid_store::SERVICE, agent)
}

/// Remembers the password of `account` (an agent at its gateways).
pub async fn store_password(account: &Account, password: &Secret) -> Result<(), StoreError> {
    passwords()
        .store_secret(&account.keyring_user(), password)
        .await
}

/// The password remembered for `account`, if any. This decrypts it: only
/// call it to send it (see [`crate::remembered`] for whether there is one).
pub async fn load_password(account: &Account) -> Result<Option<Secret>, StoreError> {
    passwords().load_secret(&account.keyring_user()).await
}

/// Forgets the password of `account` (missing is fine), and the one an
/// earlier version kept for the agent alone, whatever the gateway.
pub async fn delete_password(account: &Account) -> Result<(), StoreError> {
    passwords().delete(&account.agent).await?;
    passwords().delete(&account.keyring_user()).await
}

/// The call on the bar, as kept across a restart.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LastCall {
    pub callid: String,
    pub caller: String,
    pub called: String,
    pub outbound: bool,
    pub media: String,
    pub since_ms: u64,
}

/// Keeps (or, with `None`, forgets) the call on the bar of `agent`.
pub async fn store_call(agent: &str, call: Option<&LastCall>) -> Result<(), StoreError> {
    match call {
        Some(call) => {
            let json = serde_json::to_string(call).unwrap_or_default();
            calls().store_secret(agent, &Secret::new(json)).await
        }
        None => calls().delete(agent).await,
    }
}

/// The call that was on the bar of `agent`, if any.
pub async fn load_call(agent: &str) -> Result<Option<LastCall>, StoreError> {
    Ok(calls()
        .load_secret(agent)
        .await?
        .and_then(|json| serde_json::from_str(json.expose()).ok()))
}
