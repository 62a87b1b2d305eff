//! The shift's recent calls, for one-click redial: in and out, the other
//! party's number, when, answered or missed.
//!
//! They are phone numbers, so they live in memory and in one owner-only file
//! in the app's data folder (for a restart mid-shift), never in a log; a
//! sign-out clears them unless the agent keeps them (`keepRecentCalls`).

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use crate::files;
use crate::view::{CallView, RecentCall};

/// How many calls the list keeps.
pub const RECENT_CALLS: usize = 50;

/// The list and where it is kept.
#[derive(Debug, Default)]
pub struct RecentCalls {
    calls: VecDeque<RecentCall>,
    path: Option<PathBuf>,
}

impl RecentCalls {
    /// The list kept in `dir` (empty when there is none or it is unreadable).
    pub fn in_dir(dir: &Path) -> RecentCalls {
        let path = dir.join("recent-calls.json");
        let calls = std::fs::read(&path)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<VecDeque<RecentCall>>(&bytes).ok())
            .unwrap_or_default();
        RecentCalls {
            calls,
            path: Some(path),
        }
    }

    /// Newest first.
    pub fn list(&self) -> Vec<RecentCall> {
        self.calls.iter().cloned().collect()
    }

    /// Adds the calls that were on `before` and are gone from `after`.
    /// Returns whether the list changed.
    pub fn follow(&mut self, before: &[CallView], after: &[CallView]) -> bool {
        let mut changed = false;
        for call in before {
            let gone = !after.iter().any(|c| c.call_id == call.call_id);
            if gone && let Some(recent) = RecentCall::of(call) {
                self.calls.push_front(recent);
                self.calls.truncate(RECENT_CALLS);
                changed = true;
            }
        }
        if changed {
            self.save();
        }
        changed
    }

    /// Empties the list and its file.
    pub fn clear(&mut self) {
        self.calls.clear();
        if let Some(path) = &self.path
            && let Err(error) = std::fs::remove_file(path)
            && error.kind() != std::io::ErrorKind::NotFound
        {
            tracing::warn!(kind = %error.kind(), "the recent calls could not be removed");
        }
    }

    fn save(&self) {
        let Some(path) = &self.path else { return };
        let saved = path
            .parent()
            .map_or(Ok(()), files::private_dir)
            .and_then(|()| {
                let bytes = serde_json::to_vec(&self.calls).unwrap_or_default();
                files::write_atomic(path, &bytes)
            });
        if let Err(error) = saved {
            tracing::warn!(kind = %error.kind(), "the recent calls could not be saved");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::{CallKind, CallPhase, Direction, Media};

    fn call(id: &str, direction: Direction, answered: bool) -> CallView {
        CallView {
            call_id: id.into(),
            caller: "13800138000".into(),
            called: "4001".into(),
            direction,
            media: Media::Voice,
            phase: CallPhase::Talking,
            kind: CallKind::Customer,
            held: false,
            muted: false,
            parties: Vec::new(),
            since: 1_000,
            answered_at: answered.then_some(2_000),
            calldata: Some("order 42".into()),
        }
    }

    #[test]
    fn finished_calls_are_kept_newest_first_owner_only_and_without_calldata() {
        let dir = tempfile::tempdir().unwrap();
        let mut recent = RecentCalls::in_dir(dir.path());
        let a = call("a", Direction::Inbound, true);
        let b = call("b", Direction::Outbound, false);
        assert!(!recent.follow(&[], std::slice::from_ref(&a)));
        assert!(recent.follow(&[a, b.clone()], std::slice::from_ref(&b)));
        assert!(recent.follow(&[b], &[]));
        let list = recent.list();
        assert_eq!(
            list.iter()
                .map(|c| (c.number.as_str(), c.answered))
                .collect::<Vec<_>>(),
            [("4001", false), ("13800138000", true)]
        );
        let file = dir.path().join("recent-calls.json");
        assert_eq!(files::mode_of(&file) & 0o777, files::FILE_MODE);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(!text.contains("order 42"), "no call data on disk");
        assert_eq!(
            RecentCalls::in_dir(dir.path()).list(),
            list,
            "kept for a restart"
        );
        recent.clear();
        assert!(!file.exists());
        assert!(RecentCalls::in_dir(dir.path()).list().is_empty());
    }

    #[test]
    fn consult_legs_are_not_calls_of_the_shift_and_the_list_is_capped() {
        let mut help = call("h", Direction::Internal, true);
        help.kind = CallKind::Consult;
        assert_eq!(RecentCall::of(&help), None);
        let mut recent = RecentCalls::default();
        for i in 0..RECENT_CALLS + 3 {
            let c = call(&i.to_string(), Direction::Inbound, true);
            recent.follow(&[c], &[]);
        }
        assert_eq!(recent.list().len(), RECENT_CALLS);
    }
}
