//! What every face (the desktop app, `agentbar-cli`) does around a session,
//! written once: where the session's secrets live in the keyring, resuming a
//! kept session (push mode included) or signing in, and following the GUID
//! into the keyring in order.
//!
//! Keyring layout, per service name `S` (one per face) and agent: the GUID
//! under `S`, and in push mode the service token with the callback URI under
//! `S-push`. Both are deleted when the session ends.

use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::client::SignIn;
use crate::guid_store::{GuidStore, StoreError};
use crate::push::ServiceToken;
use crate::secret::{Guid, Secret};

use super::{PushResume, Resumed, Session, SessionError};

/// A session's secrets in the keyring.
#[derive(Debug)]
pub struct KeptSession {
    agent: String,
    guids: GuidStore,
    push: GuidStore,
}

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct StoredPush {
    token: String,
    callback_uri: String,
}

impl KeptSession {
    /// The entries of `agent` under keyring service `service`.
    pub fn new(service: &str, agent: &str) -> KeptSession {
        KeptSession {
            agent: agent.to_owned(),
            guids: GuidStore::with_service(service),
            push: GuidStore::with_service(format!("{service}-push")),
        }
    }

    /// The agent this is for.
    pub fn agent(&self) -> &str {
        &self.agent
    }

    /// The kept GUID, if any.
    pub async fn guid(&self) -> Result<Option<Guid>, StoreError> {
        self.guids.load(&self.agent).await
    }

    /// The kept push-mode token and callback, if any (an unreadable entry is none).
    pub async fn push(&self) -> Result<Option<PushResume>, StoreError> {
        let Some(json) = self.push.load_secret(&self.agent).await? else {
            return Ok(None);
        };
        let Ok(stored) = serde_json::from_str::<StoredPush>(json.expose()) else {
            return Ok(None);
        };
        Ok(ServiceToken::new(stored.token)
            .ok()
            .map(|token| PushResume {
                token,
                callback_uri: stored.callback_uri,
            }))
    }

    /// Keeps (or, with `None`, forgets) the GUID.
    pub async fn keep_guid(&self, guid: Option<&Guid>) -> Result<(), StoreError> {
        match guid {
            Some(g) => self.guids.store(&self.agent, g).await,
            None => self.guids.delete(&self.agent).await,
        }
    }

    /// Keeps (or, with `None`, forgets) the push-mode token and callback.
    pub async fn keep_push(&self, push: Option<&PushResume>) -> Result<(), StoreError> {
        match push {
            Some(p) => {
                let json = serde_json::to_string(&StoredPush {
                    token: p.token.expose().to_owned(),
                    callback_uri: p.callback_uri.clone(),
                })
                .unwrap_or_default();
                self.push
                    .store_secret(&self.agent, &Secret::new(json))
                    .await
            }
            None => self.push.delete(&self.agent).await,
        }
    }

    /// Forgets the whole session.
    pub async fn forget(&self) -> Result<(), StoreError> {
        let guid = self.keep_guid(None).await;
        self.keep_push(None).await?;
        guid
    }
}

/// Resumes the session kept for `session`'s agent, if there is one: `Ok(None)`
/// when nothing is kept. `again` signs in again after a switchover, and signs
/// in anew a push session that cannot be taken over. A session the gateway no
/// longer knows is forgotten. A keyring that cannot be read is an error.
pub async fn resume_kept(
    session: &Session,
    kept: &KeptSession,
    again: Option<SignIn>,
    calldata: Option<String>,
) -> Result<Option<Resumed>, ResumeError> {
    let Some(guid) = kept.guid().await.map_err(ResumeError::Keyring)? else {
        return Ok(None);
    };
    let push = if session.is_push() {
        kept.push().await.map_err(ResumeError::Keyring)?
    } else {
        None
    };
    match session.resume(guid, again, calldata, push).await {
        Ok(how) => {
            keep_push_token(session, kept).await;
            Ok(Some(how))
        }
        Err(e) => {
            if (e.is_session_gone() || matches!(e, SessionError::PushNeedsSignIn))
                && let Err(k) = kept.forget().await
            {
                tracing::warn!(
                    kind = k.kind(),
                    "the stale session could not be deleted from the keyring"
                );
            }
            Err(ResumeError::Session(e))
        }
    }
}

/// Signs in and keeps what a later resume needs (the push token; the GUID
/// follows through [`GuidFollower`]).
pub async fn sign_in_kept(
    session: &Session,
    kept: &KeptSession,
    req: SignIn,
    force: bool,
) -> Result<(), SessionError> {
    session.sign_in(req, force).await?;
    keep_push_token(session, kept).await;
    Ok(())
}

/// Keeps what a later resume of this push session needs (nothing in polling
/// mode). A failure is logged by its kind only: the token never is.
async fn keep_push_token(session: &Session, kept: &KeptSession) {
    if let Err(e) = kept.keep_push(session.push_resume().as_ref()).await {
        tracing::warn!(
            kind = e.kind(),
            "the push token could not be kept in the keyring"
        );
    }
}

/// Why a kept session could not be resumed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ResumeError {
    #[error(transparent)]
    Keyring(StoreError),
    #[error(transparent)]
    Session(SessionError),
}

/// Follows a session's GUID into the keyring, one write at a time and in
/// order, the latest value winning; a GUID the gateway ended is deleted.
/// [`GuidFollower::forget`] goes through the same queue, so no write
/// pending before it can land after it. It ends with the session.
pub struct GuidFollower {
    forget: mpsc::Sender<oneshot::Sender<Result<(), StoreError>>>,
    task: JoinHandle<()>,
}

impl GuidFollower {
    /// Starts following; `on_error` hears of keyring failures (e.g. to warn once).
    pub fn start(
        session: &Session,
        kept: Arc<KeptSession>,
        on_error: impl Fn(&StoreError) + Send + 'static,
    ) -> GuidFollower {
        let mut guid = session.client().watch_guid();
        guid.mark_changed();
        let (forget, mut forget_rx) = mpsc::channel::<oneshot::Sender<Result<(), StoreError>>>(1);
        let task = tokio::spawn(async move {
            // Without its handle the follower goes on until the session is
            // gone: the end of a session still deletes the kept GUID.
            let mut handle = true;
            loop {
                tokio::select! {
                    biased;
                    done = forget_rx.recv(), if handle => {
                        let Some(done) = done else {
                            handle = false;
                            continue;
                        };
                        let _ = done.send(kept.forget().await);
                        return;
                    }
                    changed = guid.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        let latest = guid.borrow_and_update().clone();
                        if let Err(e) = kept.keep_guid(latest.as_ref()).await {
                            on_error(&e);
                        }
                        if latest.is_none() && let Err(e) = kept.keep_push(None).await {
                            on_error(&e);
                        }
                    }
                }
            }
        });
        GuidFollower { forget, task }
    }

    /// Stops following and forgets the kept session, after any write already
    /// under way.
    pub async fn forget(self) -> Result<(), StoreError> {
        let (tx, rx) = oneshot::channel();
        if self.forget.send(tx).await.is_err() {
            return Ok(());
        }
        let result = rx.await.unwrap_or(Ok(()));
        let _ = self.task.await;
        result
    }
}
