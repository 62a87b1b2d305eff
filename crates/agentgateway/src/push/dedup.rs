//! Exactly-once delivery of pushed batches.
//!
//! The gateway repeats a POST it believes failed (our answer was lost, or
//! timed out on its side). The protocol carries no event or batch IDs, so a
//! repeat is recognised by its content: a SHA-256 fingerprint of the batch's
//! canonical `eventList` (object keys sorted, so formatting and key order do
//! not matter), keyed by the session so a batch from an earlier sign-in never
//! hides one from a later sign-in. Fingerprints of delivered batches are kept
//! in a small bounded set for a time window; a repeat is answered with
//! success and not delivered again.
//!
//! The trade-off: two genuinely identical batches are indistinguishable from
//! a repeat. Newer gateway releases put `eventGenTime` (epoch ms) in every
//! event, which makes genuine twins practically impossible, so such a batch
//! is remembered for the whole window. A batch without any `eventGenTime`
//! (older releases) can genuinely recur: `AgentState_Ready`, then
//! `AgentState_Busy`, then `AgentState_Ready` again a minute later. Such a
//! batch is therefore only treated as a repeat while it is still the latest
//! batch delivered: a gateway repeats a batch before sending the next one
//! (otherwise it would break its own ordering), so the repeat of a lost
//! answer always matches the latest batch. What remains undetectable is the
//! same timestamp-less batch delivered twice in a row for real, within the
//! window, which the agent states in the catalogue do not produce.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Default time a delivered batch is remembered.
pub const DEFAULT_DUPLICATE_WINDOW: Duration = Duration::from_secs(300);

/// Default number of delivered batches remembered.
pub const DEFAULT_DUPLICATE_CAPACITY: usize = 256;

/// SHA-256 of a batch: the session it was accepted for, the agent, and the
/// canonical form of its events.
pub(crate) type Fingerprint = [u8; 32];

/// Fingerprint of `events` accepted for `work_no` in session `session_id`.
pub(crate) fn fingerprint(session_id: u64, work_no: &str, events: &[Value]) -> Fingerprint {
    let mut hash = Sha256::new();
    hash.update(b"agentbar-push-batch-v1\0");
    hash.update(session_id.to_be_bytes());
    write_str(&mut hash, work_no);
    hash.update((events.len() as u64).to_be_bytes());
    for event in events {
        write_canonical(&mut hash, event);
    }
    hash.finalize().into()
}

/// True when any event carries the gateway's generation time.
pub(crate) fn has_generation_time(events: &[Value]) -> bool {
    events
        .iter()
        .any(|e| e.get("eventGenTime").is_some_and(|t| !t.is_null()))
}

fn write_str(hash: &mut Sha256, s: &str) {
    hash.update((s.len() as u64).to_be_bytes());
    hash.update(s.as_bytes());
}

/// An unambiguous, key-order independent encoding of a JSON value. Every
/// value is tagged and every string and container is length-prefixed, so no
/// two different values feed the hash the same bytes.
fn write_canonical(hash: &mut Sha256, value: &Value) {
    match value {
        Value::Null => hash.update(b"n"),
        Value::Bool(true) => hash.update(b"t"),
        Value::Bool(false) => hash.update(b"f"),
        Value::Number(n) => {
            hash.update(b"#");
            write_str(hash, &n.to_string());
        }
        Value::String(s) => {
            hash.update(b"s");
            write_str(hash, s);
        }
        Value::Array(items) => {
            hash.update(b"[");
            hash.update((items.len() as u64).to_be_bytes());
            for item in items {
                write_canonical(hash, item);
            }
        }
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_unstable_by(|a, b| a.0.cmp(b.0));
            hash.update(b"{");
            hash.update((entries.len() as u64).to_be_bytes());
            for (key, item) in entries {
                write_str(hash, key);
                write_canonical(hash, item);
            }
        }
    }
}

/// The recently delivered batches, oldest first.
#[derive(Debug)]
pub(crate) struct RecentBatches {
    window: Duration,
    capacity: usize,
    entries: VecDeque<Entry>,
}

#[derive(Debug)]
struct Entry {
    fingerprint: Fingerprint,
    delivered_at: Instant,
    timestamped: bool,
}

impl RecentBatches {
    pub(crate) fn new(window: Duration, capacity: usize) -> Self {
        Self {
            window,
            capacity: capacity.max(1),
            entries: VecDeque::new(),
        }
    }

    /// True when a batch with this fingerprint was delivered within the
    /// window (and, for a batch without timestamps, is still the latest).
    pub(crate) fn is_repeat(&mut self, fingerprint: &Fingerprint, now: Instant) -> bool {
        self.expire(now);
        self.entries.iter().any(|e| e.fingerprint == *fingerprint)
    }

    /// Records a delivered batch.
    pub(crate) fn remember(&mut self, fingerprint: Fingerprint, timestamped: bool, now: Instant) {
        self.expire(now);
        // A timestamp-less batch is a repeat only while it is the latest.
        self.entries.retain(|e| e.timestamped);
        self.entries.push_back(Entry {
            fingerprint,
            delivered_at: now,
            timestamped,
        });
        while self.entries.len() > self.capacity {
            self.entries.pop_front();
        }
    }

    fn expire(&mut self, now: Instant) {
        while self
            .entries
            .front()
            .is_some_and(|e| now.saturating_duration_since(e.delivered_at) >= self.window)
        {
            self.entries.pop_front();
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.entries.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn events(v: Value) -> Vec<Value> {
        match v {
            Value::Array(items) => items,
            other => vec![other],
        }
    }

    #[test]
    fn fingerprint_ignores_key_order_and_formatting() {
        let a: Vec<Value> = serde_json::from_str(
            r#"[{"eventType":"AgentEvent_Ringing","workNo":"291","content":{"callid":"1","caller":"555"}}]"#,
        )
        .expect("json");
        let b: Vec<Value> = serde_json::from_str(
            r#"[ { "content" : { "caller":"555", "callid":"1" }, "workNo":"291", "eventType":"AgentEvent_Ringing" } ]"#,
        )
        .expect("json");
        assert_eq!(fingerprint(1, "291", &a), fingerprint(1, "291", &b));
    }

    #[test]
    fn fingerprint_separates_what_matters() {
        let base = events(json!([{"eventType":"AgentState_Ready","workNo":"291","content":null}]));
        let fp = fingerprint(1, "291", &base);
        assert_ne!(fp, fingerprint(2, "291", &base), "other session");
        assert_ne!(fp, fingerprint(1, "292", &base), "other agent");
        let other = events(json!([{"eventType":"AgentState_Busy","workNo":"291","content":null}]));
        assert_ne!(fp, fingerprint(1, "291", &other));
        let twice = [base[0].clone(), base[0].clone()];
        assert_ne!(fp, fingerprint(1, "291", &twice), "count matters");
        // Tagging keeps a string "1" apart from the number 1, and "ab"+"c" from "a"+"bc".
        assert_ne!(
            fingerprint(1, "291", &[json!({"eventType":"x","content":"1"})]),
            fingerprint(1, "291", &[json!({"eventType":"x","content":1})])
        );
        assert_ne!(
            fingerprint(1, "291", &[json!({"eventType":"x","content":["ab","c"]})]),
            fingerprint(1, "291", &[json!({"eventType":"x","content":["a","bc"]})])
        );
    }

    #[test]
    fn a_repeat_within_the_window_is_recognised() {
        let mut recent = RecentBatches::new(Duration::from_secs(60), 8);
        let t0 = Instant::now();
        let fp = [1u8; 32];
        assert!(!recent.is_repeat(&fp, t0));
        recent.remember(fp, true, t0);
        assert!(recent.is_repeat(&fp, t0 + Duration::from_secs(59)));
        assert!(!recent.is_repeat(&fp, t0 + Duration::from_secs(60)));
        assert_eq!(recent.len(), 0);
    }

    #[test]
    fn timestamped_batches_are_remembered_across_later_batches() {
        let mut recent = RecentBatches::new(Duration::from_secs(60), 8);
        let t0 = Instant::now();
        recent.remember([1; 32], true, t0);
        recent.remember([2; 32], true, t0);
        recent.remember([3; 32], false, t0);
        assert!(recent.is_repeat(&[1; 32], t0));
        assert!(recent.is_repeat(&[2; 32], t0));
        assert!(recent.is_repeat(&[3; 32], t0));
    }

    #[test]
    fn a_timestamp_less_batch_is_a_repeat_only_while_latest() {
        // Ready, Busy, Ready: the second Ready is genuine and must be delivered.
        let mut recent = RecentBatches::new(Duration::from_secs(60), 8);
        let t0 = Instant::now();
        let (ready, busy) = ([7u8; 32], [8u8; 32]);
        recent.remember(ready, false, t0);
        assert!(
            recent.is_repeat(&ready, t0),
            "lost answer, repeated at once"
        );
        recent.remember(busy, false, t0);
        assert!(!recent.is_repeat(&ready, t0));
        assert!(recent.is_repeat(&busy, t0));
    }

    #[test]
    fn the_set_is_bounded() {
        let mut recent = RecentBatches::new(Duration::from_secs(60), 3);
        let t0 = Instant::now();
        for i in 0..10u8 {
            recent.remember([i; 32], true, t0);
        }
        assert_eq!(recent.len(), 3);
        assert!(recent.is_repeat(&[9; 32], t0));
        assert!(recent.is_repeat(&[7; 32], t0));
        assert!(!recent.is_repeat(&[6; 32], t0));
    }

    #[test]
    fn generation_time_is_detected() {
        assert!(has_generation_time(&events(json!([
            {"eventType":"a"},
            {"eventType":"b","eventGenTime":1_700_000_000_000u64}
        ]))));
        assert!(!has_generation_time(&events(json!([
            {"eventType":"a","eventGenTime":null}
        ]))));
    }
}
