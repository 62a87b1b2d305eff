//! Where the session GUID survives an app restart: the desktop keyring
//! (Secret Service on Linux), service name `agentbar`, one entry per agent.
//!
//! `load` of a missing entry is `Ok(None)`; deleting twice is fine. The
//! keyring calls block, so they run on tokio's blocking pool.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use keyring::Entry;

use crate::secret::{Guid, Secret};

/// The keyring service name.
pub const SERVICE: &str = "agentbar";

/// Why the keyring could not be used.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    /// No keyring service answers (no Secret Service daemon or no D-Bus session).
    #[error("no keyring is available (Secret Service not running?): {detail}")]
    Unavailable { detail: String },
    /// The keyring is locked or access was refused.
    #[error("the keyring is locked or access was refused: {detail}")]
    Locked { detail: String },
    /// Any other keyring failure.
    #[error("keyring failure: {detail}")]
    Failed { detail: String },
}

impl StoreError {
    /// A stable name for the UI to branch on.
    pub fn kind(&self) -> &'static str {
        match self {
            StoreError::Unavailable { .. } => "keyringUnavailable",
            StoreError::Locked { .. } => "keyringLocked",
            StoreError::Failed { .. } => "keyringFailed",
        }
    }

    fn from_keyring(e: keyring::Error) -> StoreError {
        match e {
            keyring::Error::PlatformFailure(d) => StoreError::Unavailable {
                detail: d.to_string(),
            },
            keyring::Error::NoStorageAccess(d) => StoreError::Locked {
                detail: d.to_string(),
            },
            // Other variants may quote the stored value: keep only the kind.
            keyring::Error::BadEncoding(_) => StoreError::Failed {
                detail: "the stored value is not text".into(),
            },
            other => StoreError::Failed {
                detail: match other {
                    keyring::Error::TooLong(attr, _) => format!("{attr} is too long"),
                    keyring::Error::Invalid(attr, why) => format!("{attr}: {why}"),
                    keyring::Error::Ambiguous(_) => "more than one entry matches".into(),
                    _ => "unexpected keyring error".into(),
                },
            },
        }
    }
}

/// GUIDs in the keyring, one entry per agent.
#[derive(Debug)]
pub struct GuidStore {
    service: String,
    // One Entry per agent, reused: cheaper, and the mock store in tests only
    // keeps a value inside the entry it was written through.
    entries: Mutex<HashMap<String, Arc<Entry>>>,
}

impl Default for GuidStore {
    fn default() -> Self {
        GuidStore::with_service(SERVICE)
    }
}

impl GuidStore {
    /// A store under another service name (tests, side-by-side installs).
    pub fn with_service(service: impl Into<String>) -> Self {
        GuidStore {
            service: service.into(),
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn entry(&self, agent: &str) -> Result<Arc<Entry>, StoreError> {
        let mut map = self.entries.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(e) = map.get(agent) {
            return Ok(e.clone());
        }
        let e = Arc::new(Entry::new(&self.service, agent).map_err(StoreError::from_keyring)?);
        map.insert(agent.to_owned(), e.clone());
        Ok(e)
    }

    async fn blocking<T: Send + 'static>(
        &self,
        agent: &str,
        f: impl FnOnce(&Entry) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let entry = self.entry(agent)?;
        tokio::task::spawn_blocking(move || f(&entry))
            .await
            .map_err(|e| StoreError::Failed {
                detail: format!("keyring task failed: {e}"),
            })?
    }

    async fn put(&self, agent: &str, value: String) -> Result<(), StoreError> {
        self.blocking(agent, move |e| {
            e.set_password(&value).map_err(StoreError::from_keyring)
        })
        .await
    }

    async fn get(&self, agent: &str) -> Result<Option<String>, StoreError> {
        self.blocking(agent, |e| match e.get_password() {
            Ok(v) if v.is_empty() => Ok(None),
            Ok(v) => Ok(Some(v)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(err) => Err(StoreError::from_keyring(err)),
        })
        .await
    }

    /// Stores (or replaces) the agent's GUID.
    pub async fn store(&self, agent: &str, guid: &Guid) -> Result<(), StoreError> {
        self.put(agent, guid.expose().to_owned()).await
    }

    /// The agent's stored GUID; `Ok(None)` when there is none.
    pub async fn load(&self, agent: &str) -> Result<Option<Guid>, StoreError> {
        Ok(self.get(agent).await?.map(Guid::new))
    }

    /// Stores (or replaces) another secret of the agent's under this store's
    /// service, such as a password the agent asked to remember.
    pub async fn store_secret(&self, agent: &str, secret: &Secret) -> Result<(), StoreError> {
        self.put(agent, secret.expose().to_owned()).await
    }

    /// The secret stored with [`GuidStore::store_secret`]; `Ok(None)` when there is none.
    pub async fn load_secret(&self, agent: &str) -> Result<Option<Secret>, StoreError> {
        Ok(self.get(agent).await?.map(Secret::new))
    }

    /// Removes the agent's GUID; a missing entry is fine.
    pub async fn delete(&self, agent: &str) -> Result<(), StoreError> {
        self.blocking(agent, |e| match e.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(err) => Err(StoreError::from_keyring(err)),
        })
        .await
    }
}

fn default_store() -> &'static GuidStore {
    static STORE: OnceLock<GuidStore> = OnceLock::new();
    STORE.get_or_init(GuidStore::default)
}

/// Stores the agent's GUID under service `agentbar`.
pub async fn store(agent: &str, guid: &Guid) -> Result<(), StoreError> {
    default_store().store(agent, guid).await
}

/// The agent's stored GUID, `Ok(None)` when there is none.
pub async fn load(agent: &str) -> Result<Option<Guid>, StoreError> {
    default_store().load(agent).await
}

/// Removes the agent's GUID; missing is fine, twice is fine.
pub async fn delete(agent: &str) -> Result<(), StoreError> {
    default_store().delete(agent).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use keyring::mock::MockCredential;

    fn mock() {
        keyring::set_default_credential_builder(keyring::mock::default_credential_builder());
    }

    #[tokio::test]
    async fn store_load_delete_round_trip() {
        mock();
        let s = GuidStore::with_service("agentbar-test");
        assert!(s.load("101").await.expect("load").is_none());
        s.store("101", &Guid::new("g-1")).await.expect("store");
        assert_eq!(s.load("101").await.expect("load"), Some(Guid::new("g-1")));
        s.store("101", &Guid::new("g-2")).await.expect("replace");
        assert_eq!(s.load("101").await.expect("load"), Some(Guid::new("g-2")));
        s.delete("101").await.expect("delete");
        assert!(s.load("101").await.expect("load").is_none());
        s.delete("101").await.expect("delete twice");
        s.delete("999").await.expect("delete missing");
    }

    #[tokio::test]
    async fn keyring_failures_are_clear() {
        mock();
        let s = GuidStore::with_service("agentbar-test");
        let entry = s.entry("102").expect("entry");
        let cred: &MockCredential = entry.get_credential().downcast_ref().expect("mock");
        cred.set_error(keyring::Error::NoStorageAccess("locked".into()));
        let err = s.load("102").await.expect_err("locked");
        assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
        assert_eq!(err.kind(), "keyringLocked");
        cred.set_error(keyring::Error::PlatformFailure("no dbus".into()));
        let err = s
            .store("102", &Guid::new("g"))
            .await
            .expect_err("unavailable");
        assert!(matches!(err, StoreError::Unavailable { .. }), "{err:?}");
        assert!(err.to_string().contains("Secret Service"));
        // The error cleared: the store works again.
        s.store("102", &Guid::new("g")).await.expect("store");
    }
}
