//! Skill queues (protocol.md §8, §11): calls waiting for an agent of a skill.
//!
//! A queued call is offered to an idle agent signed in to its skill (one
//! with no call, in roster order); while there is none it waits here and is
//! counted by the queue figures. An agent is in no skill queue until
//! `resetskill`.

use std::collections::{BTreeMap, VecDeque};

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// A customer call waiting in a skill queue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedCall {
    pub callid: String,
    pub skill: u32,
    pub caller: String,
    pub called: String,
    pub calldata: Option<String>,
    pub media_ability: String,
    pub transfer_from: Option<String>,
    /// Not offered to this agent again (it rejected or transferred the call).
    pub exclude: Option<String>,
    pub requeued: u32,
    pub since: Instant,
}

/// A call for a skill queue (control side).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct QueueCall {
    pub caller: String,
    pub called: String,
    pub calldata: Option<String>,
    /// `mediaAbility`: 1 voice (default), 2 video, 3 both.
    pub media_ability: Option<String>,
}

/// Every skill's waiting calls, oldest first.
#[derive(Debug, Default)]
pub struct SkillQueues {
    waiting: BTreeMap<u32, VecDeque<QueuedCall>>,
}

impl SkillQueues {
    /// Queue at the back (a new call) or the front (one coming back).
    pub fn push(&mut self, call: QueuedCall) {
        let queue = self.waiting.entry(call.skill).or_default();
        if call.requeued > 0 {
            queue.push_front(call);
        } else {
            queue.push_back(call);
        }
    }

    pub fn waiting(&self, skill: u32) -> usize {
        self.waiting.get(&skill).map_or(0, VecDeque::len)
    }

    /// The longest current wait in the skill, in whole seconds.
    pub fn longest_wait(&self, skill: u32, now: Instant) -> u64 {
        self.waiting
            .get(&skill)
            .and_then(|q| q.iter().map(|c| now.duration_since(c.since)).max())
            .map_or(0, |d| d.as_secs())
    }

    /// The calls waiting, skill by skill, oldest first (for dispatch).
    pub fn all(&self) -> Vec<QueuedCall> {
        self.waiting.values().flatten().cloned().collect()
    }

    /// Take a waiting call out (offered, or the customer gave up).
    pub fn take(&mut self, callid: &str) -> Option<QueuedCall> {
        for queue in self.waiting.values_mut() {
            if let Some(pos) = queue.iter().position(|c| c.callid == callid) {
                return queue.remove(pos);
            }
        }
        None
    }
}

/// The skills `resetskill` signs the agent in to: every configured one with
/// `autoflag` "true", else those of `ids` that are configured.
pub fn reset_selection(configured: &[u32], autoflag: &str, ids: &[u32]) -> Vec<u32> {
    if autoflag == "true" {
        return configured.to_vec();
    }
    configured
        .iter()
        .copied()
        .filter(|id| ids.contains(id))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queued(id: &str, skill: u32, requeued: u32) -> QueuedCall {
        QueuedCall {
            callid: id.into(),
            skill,
            caller: "1".into(),
            called: "2".into(),
            calldata: None,
            media_ability: "1".into(),
            transfer_from: None,
            exclude: None,
            requeued,
            since: Instant::now(),
        }
    }

    #[test]
    fn a_call_coming_back_goes_first() {
        let mut q = SkillQueues::default();
        q.push(queued("a", 1, 0));
        q.push(queued("b", 1, 0));
        q.push(queued("c", 1, 1));
        q.push(queued("d", 2, 0));
        let order: Vec<String> = q.all().into_iter().map(|c| c.callid).collect();
        assert_eq!(order, ["c", "a", "b", "d"]);
        assert_eq!((q.waiting(1), q.waiting(2), q.waiting(3)), (3, 1, 0));
        assert_eq!(q.take("a").map(|c| c.callid).as_deref(), Some("a"));
        assert_eq!(q.take("a"), None);
        assert_eq!(q.waiting(1), 2);
    }

    #[test]
    fn resetskill_selects_configured_skills_only() {
        assert_eq!(reset_selection(&[1, 2, 3], "true", &[]), [1, 2, 3]);
        assert_eq!(reset_selection(&[1, 2, 3], "false", &[2, 9]), [2]);
        assert_eq!(reset_selection(&[1, 2, 3], "yes", &[]), Vec::<u32>::new());
    }
}
