//! Which passwords the keyring remembers, by agent and gateways, kept beside
//! the settings (`remembered-passwords.json`). It holds no secret: a page that
//! loads only needs to know *whether* a password is remembered, and reading
//! the keyring to find out would decrypt the password (and wait on the unlock
//! prompt of a locked keyring) for nothing. The password itself is read only
//! when a sign-in uses it.
//!
//! A password is remembered for one agent at one list of gateways and is only
//! ever sent to those: a form naming another gateway gets no password.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::files;

/// One save of the list at a time.
static SAVING: Mutex<()> = Mutex::new(());

/// An agent at the gateways it signs in to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Account {
    pub agent: String,
    pub gateways: Vec<String>,
}

impl Account {
    pub fn new(agent: &str, gateways: &[String]) -> Self {
        Self {
            agent: agent.to_owned(),
            gateways: gateways.to_vec(),
        }
    }

    /// The keyring user name the password is kept under: the agent and the
    /// gateways it was remembered for, so no other gateway finds it.
    pub fn keyring_user(&self) -> String {
        format!("{} {}", self.agent, self.gateways.join(" "))
    }
}

/// The list of accounts whose password the keyring remembers.
#[derive(Debug, Clone)]
pub struct RememberedPasswords {
    path: PathBuf,
}

impl RememberedPasswords {
    /// The list kept in `dir` (the settings folder).
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            path: dir.join("remembered-passwords.json"),
        }
    }

    fn read(&self) -> Vec<Account> {
        std::fs::read(&self.path)
            .ok()
            .and_then(|bytes| serde_json::from_slice(&bytes).ok())
            .unwrap_or_default()
    }

    /// Whether a password is remembered for `account`.
    pub fn contains(&self, account: &Account) -> bool {
        self.read().contains(account)
    }

    /// Records that the password of `account` is remembered, or not.
    pub fn set(&self, account: &Account, remembered: bool) -> std::io::Result<()> {
        let _one_at_a_time = SAVING.lock().unwrap_or_else(|p| p.into_inner());
        let mut accounts = self.read();
        let had = accounts.contains(account);
        if had == remembered {
            return Ok(());
        }
        accounts.retain(|a| a != account);
        if remembered {
            accounts.push(account.clone());
        }
        let body = serde_json::to_vec_pretty(&accounts).map_err(std::io::Error::other)?;
        files::write_atomic(&self.path, &body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gateway(name: &str) -> Vec<String> {
        vec![format!("https://{name}:8043/agentgateway/resource")]
    }

    #[test]
    fn a_password_remembered_at_one_gateway_is_not_offered_at_another() {
        let dir = tempfile::tempdir().unwrap();
        let list = RememberedPasswords::in_dir(dir.path());
        let at_a = Account::new("101", &gateway("a"));
        let at_b = Account::new("101", &gateway("b"));
        assert!(!list.contains(&at_a));
        list.set(&at_a, true).unwrap();
        assert!(list.contains(&at_a));
        assert!(!list.contains(&at_b), "gateway B does not get A's password");
        assert!(!list.contains(&Account::new("102", &gateway("a"))));
        assert_ne!(at_a.keyring_user(), at_b.keyring_user());
        list.set(&at_a, false).unwrap();
        assert!(!list.contains(&at_a));
    }

    #[test]
    fn the_list_holds_no_secret_and_is_owner_only() {
        let dir = tempfile::tempdir().unwrap();
        let list = RememberedPasswords::in_dir(dir.path());
        list.set(&Account::new("101", &gateway("a")), true).unwrap();
        let path = dir.path().join("remembered-passwords.json");
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("101") && text.contains("https://a:8043"));
        assert_eq!(files::mode_of(&path), files::FILE_MODE);
    }
}
