//! Skill queues after every sign-in (§8): a signed-in agent is in no queue
//! until `resetskill` puts it there, so the engine calls it right after each
//! sign-in, forcible sign-in and sign-in again (switchover, failover), before
//! the first event is asked for, with the session's [`SkillChoice`].
//!
//! A refused `resetskill` does not fail the sign-in: the agent can still
//! make calls and take direct ones. It is logged by kind and retcode and kept
//! as [`SkillQueues::Failed`], so the bar can say "not in any skill queue".

use std::sync::Mutex as StdMutex;

use serde::Serialize;
use tokio::sync::watch;

use crate::client::{Client, ClientError, Skill, SkillChoice};

use super::{Session, SessionError};

/// What the last attempt to join the skill queues gave.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(
    tag = "type",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
pub enum SkillQueues {
    /// Not signed in, or not asked yet (a resumed session: see
    /// [`Session::refresh_skills`]).
    Unknown,
    /// `resetskill` succeeded with `choice`; `skills` is what the gateway
    /// then said the agent is signed in to (`None` when that query failed).
    Joined {
        choice: SkillChoice,
        skills: Option<Vec<Skill>>,
    },
    /// `resetskill` was refused or did not get through: the agent may be in
    /// no skill queue, and get no queue calls.
    Failed {
        choice: SkillChoice,
        kind: &'static str,
        retcode: Option<String>,
    },
}

/// The session's skill choice and the last outcome.
pub(super) struct SkillSlot {
    choice: StdMutex<SkillChoice>,
    status: watch::Sender<SkillQueues>,
}

impl SkillSlot {
    pub(super) fn new(choice: SkillChoice) -> SkillSlot {
        SkillSlot {
            choice: StdMutex::new(choice),
            status: watch::channel(SkillQueues::Unknown).0,
        }
    }

    fn choice(&self) -> SkillChoice {
        self.choice
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn set(&self, q: SkillQueues) -> SkillQueues {
        self.status.send_replace(q.clone());
        q
    }

    pub(super) fn clear(&self) {
        self.set(SkillQueues::Unknown);
    }

    /// `resetskill` with the session's choice, then the signed-in skills.
    /// Never fails: the outcome is kept (see [`SkillQueues`]).
    pub(super) async fn apply(&self, client: &Client) {
        let _ = self.try_apply(client).await;
    }

    async fn try_apply(&self, client: &Client) -> Result<SkillQueues, ClientError> {
        let choice = self.choice();
        match client.reset_skills(&choice).await {
            Ok(()) => {
                let skills = signed_in(client).await;
                tracing::info!(
                    agent = client.agent_id(),
                    skills = skills.as_ref().map(Vec::len),
                    "joined the skill queues"
                );
                Ok(self.set(SkillQueues::Joined { choice, skills }))
            }
            Err(e) => {
                self.set(failed(client, choice, &e));
                Err(e)
            }
        }
    }
}

async fn signed_in(client: &Client) -> Option<Vec<Skill>> {
    match client.signed_in_skills(client.agent_id()).await {
        Ok(s) => Some(s),
        Err(e) => {
            tracing::debug!(kind = e.kind(), retcode = e.retcode(), "skill query failed");
            None
        }
    }
}

fn failed(client: &Client, choice: SkillChoice, e: &ClientError) -> SkillQueues {
    tracing::warn!(
        agent = client.agent_id(),
        kind = e.kind(),
        retcode = e.retcode(),
        "could not join the skill queues"
    );
    SkillQueues::Failed {
        choice,
        kind: e.kind(),
        retcode: e.retcode().map(str::to_owned),
    }
}

impl Session {
    /// What the last `resetskill` (or skill query) said; `Unknown` when not
    /// signed in.
    pub fn skills(&self) -> SkillQueues {
        if self.shared.client.guid().is_none() {
            return SkillQueues::Unknown;
        }
        self.shared.skills.status.borrow().clone()
    }

    /// Watches the outcome of every `resetskill` and skill query.
    pub fn watch_skills(&self) -> watch::Receiver<SkillQueues> {
        self.shared.skills.status.subscribe()
    }

    /// The skill choice used at every sign-in.
    pub fn skill_choice(&self) -> SkillChoice {
        self.shared.skills.choice()
    }

    /// Uses `choice` from now on, and at once when signed in. A refusal is
    /// kept as [`SkillQueues::Failed`] and returned as the error; not signed
    /// in, the choice is kept for the next sign-in.
    pub async fn sign_in_to_skills(
        &self,
        choice: SkillChoice,
    ) -> Result<SkillQueues, SessionError> {
        choice.params().map_err(ClientError::from)?;
        let _sign = self.shared.sign_lock.lock().await;
        *self
            .shared
            .skills
            .choice
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = choice;
        let client = &self.shared.client;
        if client.guid().is_none() {
            return Err(SessionError::NotSignedIn);
        }
        Ok(self.shared.skills.try_apply(client).await?)
    }

    /// Asks the gateway which skills the agent is signed in to (e.g. after
    /// a resume, which does not call `resetskill`).
    pub async fn refresh_skills(&self) -> Result<SkillQueues, SessionError> {
        let client = &self.shared.client;
        let skills = client.signed_in_skills(client.agent_id()).await?;
        let choice = self.shared.skills.choice();
        Ok(self.shared.skills.set(SkillQueues::Joined {
            choice,
            skills: Some(skills),
        }))
    }
}
