//! One sign-in policy for both modes and both faces: sign in (trying the
//! gateways in order), resume a stored GUID (in push mode with the kept
//! service token, or by signing in anew), sign out, and sign in again after a
//! switchover or failover. Every sign-in joins the skill queues before the
//! loop asks for events (`skills`).

use crate::bar::SignOutReason;
use crate::client::{AgentStatus, ClientError, PushRegistration, SignIn};
use crate::push::{PushReceiver, ServiceToken};
use crate::secret::Guid;

use super::{Engine, PushResume, PushSide, Resumed, Session, SessionError, Shared, Start};

impl Session {
    /// Signs in (forcibly only when `force`) and starts the event loop.
    /// Tries the gateways in order until one answers.
    pub async fn sign_in(&self, req: SignIn, force: bool) -> Result<(), SessionError> {
        let _sign = self.shared.sign_lock.lock().await;
        self.stop_loop().await;
        self.sign_in_locked(req, force).await?;
        self.start_loop(Start::default()).await;
        Ok(())
    }

    async fn sign_in_locked(&self, mut req: SignIn, force: bool) -> Result<(), SessionError> {
        let shared = &self.shared;
        let client = &shared.client;
        if let Some(push) = &shared.push {
            let callback_uri = push.start_receiver(client.agent_id(), &self.root).await?;
            let token = ServiceToken::generate();
            push.creds.begin(client.agent_id(), token.clone());
            req.push = Some(PushRegistration {
                callback_uri: callback_uri.clone(),
                service_token: token.as_secret().clone(),
            });
            push.set_current(Some(PushResume {
                token,
                callback_uri,
            }));
        }
        let mut last = None;
        for _ in 0..client.config().gateways.len() {
            let r = if force {
                client.force_sign_in(&req).await
            } else {
                client.sign_in(&req).await
            };
            match r {
                Ok(info) => {
                    shared.signed_in();
                    tracing::info!(
                        agent = client.agent_id(),
                        gateway = client.gateway_index(),
                        force_change = info.is_force_change,
                        "signed in"
                    );
                    shared.skills.apply(client).await;
                    shared.keep_credentials(Some(req));
                    shared.set_health(shared.connected());
                    return Ok(());
                }
                Err(e) if e.is_transport() || matches!(e, ClientError::DisasterRecovery { .. }) => {
                    shared.set_error(&e);
                    last = Some(e);
                    client.switch_gateway();
                }
                Err(e) => {
                    shared.set_error(&e);
                    shared.sign_in_refused();
                    return Err(e.into());
                }
            }
        }
        shared.sign_in_refused();
        Err(last.map_or(SessionError::NotSignedIn, SessionError::Client))
    }

    /// Resumes a session from a stored GUID (e.g. after the app restarted).
    /// `again` is kept for signing in again after a switchover; without it a
    /// switchover ends the session. `calldata` is what the bar showed, handed
    /// back on the first poll.
    ///
    /// In push mode the receiver starts with `push` (the kept token), so the
    /// gateway's next push is accepted; without it, or when the receiver's
    /// address is no longer the one the gateway posts to, the agent is signed
    /// in anew with `again` (forcibly: the gateway still holds the session),
    /// or the resume fails with [`SessionError::PushNeedsSignIn`]. A session
    /// the gateway no longer knows is [`SessionError::SignedOut`].
    pub async fn resume(
        &self,
        guid: Guid,
        again: Option<SignIn>,
        calldata: Option<String>,
        push: Option<PushResume>,
    ) -> Result<Resumed, SessionError> {
        let _sign = self.shared.sign_lock.lock().await;
        self.stop_loop().await;
        let shared = &self.shared;
        let client = &shared.client;
        if let Some(side) = &shared.push {
            let callback_uri = side.start_receiver(client.agent_id(), &self.root).await?;
            match push.filter(|p| p.callback_uri == callback_uri) {
                Some(kept) => {
                    side.creds.begin(client.agent_id(), kept.token.clone());
                    side.creds.set_guid(guid.clone());
                    side.set_current(Some(kept));
                }
                None => {
                    let Some(req) = again else {
                        return Err(SessionError::PushNeedsSignIn);
                    };
                    tracing::info!(
                        agent = client.agent_id(),
                        "push session without its token: signing in anew"
                    );
                    self.sign_in_locked(req, true).await?;
                    self.start_loop(Start::default()).await;
                    return Ok(Resumed::SignedInAnew);
                }
            }
        }
        client.set_guid(guid);
        if let Err(e) = self.check_resumable().await {
            client.clear_guid();
            if let Some(side) = &shared.push {
                side.creds.end();
                side.set_current(None);
            }
            return Err(e);
        }
        shared.keep_credentials(again);
        shared.set_health(shared.connected());
        self.start_loop(Start {
            reconcile: true,
            calldata,
        })
        .await;
        Ok(Resumed::Resumed)
    }

    /// Whether the gateway still knows the GUID just set.
    async fn check_resumable(&self) -> Result<(), SessionError> {
        let shared = &self.shared;
        let client = &shared.client;
        let status = client.agent_status().await.inspect_err(|e| {
            shared.set_error(e);
        })?;
        if status == AgentStatus::SignedOut {
            return Err(SessionError::SignedOut { retcode: None });
        }
        // agentstatus may not check the GUID; the heartbeat does. Other
        // failures of it are left to the first request to tell.
        match client.handshake().await {
            Err(e) if e.is_signed_out() => {
                shared.set_error(&e);
                Err(SessionError::SignedOut {
                    retcode: e.retcode().map(str::to_owned),
                })
            }
            _ => Ok(()),
        }
    }

    /// Signs out (forcibly, releasing a call, when `force`), then stops the
    /// loop. A refused sign-out (e.g. `100-009` while talking) leaves the
    /// session running.
    pub async fn sign_out(&self, force: bool) -> Result<(), SessionError> {
        let _sign = self.shared.sign_lock.lock().await;
        let was_running = self.stop_loop().await;
        let shared = &self.shared;
        let client = &shared.client;
        if client.guid().is_none() {
            return Err(SessionError::NotSignedIn);
        }
        let r = if force {
            client.force_sign_out().await
        } else {
            client.sign_out().await
        };
        match r {
            Ok(()) => {}
            Err(e) if e.is_signed_out() || e.retcode() == Some("100-008") => {}
            Err(e) => {
                shared.set_error(&e);
                if was_running {
                    self.start_loop(Start {
                        reconcile: true,
                        calldata: None,
                    })
                    .await;
                }
                return Err(e.into());
            }
        }
        shared.keep_credentials(None);
        if let Some(side) = &shared.push {
            side.set_current(None);
        }
        shared.skills.clear();
        shared.ended(SignOutReason::ByAgent);
        tracing::info!(agent = client.agent_id(), "signed out");
        Ok(())
    }
}

impl SessionError {
    /// Whether a resume failed because the stored session is gone (so the
    /// stored GUID should be forgotten).
    pub fn is_session_gone(&self) -> bool {
        match self {
            SessionError::SignedOut { .. } => true,
            SessionError::Client(e) => e.is_signed_out(),
            _ => false,
        }
    }
}

impl Shared {
    /// The sign-in answer arrived: pushes are judged against its GUID.
    fn signed_in(&self) {
        if let (Some(g), Some(p)) = (self.client.guid(), &self.push) {
            p.creds.set_guid(g);
        }
    }

    /// No sign-in is on its way any more: pushes held for it are refused.
    fn sign_in_refused(&self) {
        if let Some(p) = &self.push {
            p.creds.end();
            p.set_current(None);
        }
    }
}

impl PushSide {
    /// Starts the receiver (or, via the relay, the relay subscriber) once;
    /// returns the callback URI for sign-in.
    async fn start_receiver(
        &self,
        agent: &str,
        root: &tokio_util::sync::CancellationToken,
    ) -> Result<String, SessionError> {
        if let Some(relay) = &self.mode.relay {
            let mut batches = self.batches.lock().await;
            if batches.is_none() {
                let (tx, rx) = tokio::sync::mpsc::channel(256);
                crate::relay::spawn(
                    relay.clone(),
                    agent.to_owned(),
                    self.relay_token.subscribe(),
                    self.relay_open.clone(),
                    tx,
                    root.child_token(),
                )
                .map_err(|e| SessionError::PushReceiver {
                    detail: e.to_string(),
                })?;
                *batches = Some(rx);
            }
            return Ok(relay.push_url.clone());
        }
        let mut slot = self.receiver.lock().await;
        if slot.is_none() {
            let (tx, rx) = tokio::sync::mpsc::channel(256);
            let r = PushReceiver::start(self.mode.receiver.clone(), self.creds.clone(), tx)
                .await
                .map_err(|e| SessionError::PushReceiver {
                    detail: e.to_string(),
                })?;
            *self.batches.lock().await = Some(rx);
            *slot = Some(r);
        }
        Ok(match (&self.mode.callback_uri, slot.as_ref()) {
            (Some(uri), _) => uri.clone(),
            (None, Some(r)) => format!("https://{}{}", r.local_addr(), self.mode.receiver.path),
            (None, None) => String::new(),
        })
    }

    fn set_current(&self, resume: Option<PushResume>) {
        self.relay_token
            .send_replace(resume.as_ref().map(|r| r.token.clone()));
        *self.current.lock().unwrap_or_else(|p| p.into_inner()) = resume;
    }
}

impl Engine {
    /// Signs in again on the gateway in use, with the kept credentials. The
    /// session is ours, so a gateway that still holds it (`100-002`) gets a
    /// forcible sign-in. The push token stays the same.
    pub(super) async fn sign_in_again(&self) -> Result<(), ClientError> {
        let shared = &self.shared;
        let Some(req) = shared.credentials() else {
            return Err(ClientError::NoSession);
        };
        let _sign = tokio::select! {
            _ = self.cancel.cancelled() => return Ok(()),
            g = shared.sign_lock.lock() => g,
        };
        let client = &shared.client;
        if let (Some(p), Some(side)) = (&req.push, &shared.push)
            && let Ok(token) = ServiceToken::new(p.service_token.expose())
        {
            side.creds.begin(client.agent_id(), token);
        }
        let r = match client.sign_in(&req).await {
            Err(ClientError::Gateway { retcode }) if retcode == "100-002" => {
                client.force_sign_in(&req).await
            }
            other => other,
        };
        match r {
            Ok(_) => {
                shared.signed_in();
                shared.skills.apply(client).await;
                Ok(())
            }
            Err(e) => {
                shared.set_error(&e);
                Err(e)
            }
        }
    }
}
