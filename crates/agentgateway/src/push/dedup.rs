//! Exactly-once delivery of pushed events, whatever the batching of retries.
//!
//! The gateway repeats a POST it believes failed (our answer was lost, or
//! timed out on its side), and a repeat may carry more than the original:
//! `[E1]` accepted, its answer lost, then `[E1, E2]`. The protocol carries no
//! event IDs, so an event is recognised by its content: a SHA-256 fingerprint
//! of its canonical JSON (object keys sorted, so formatting and key order do
//! not matter), keyed by the session so an event of an earlier sign-in never
//! hides one of a later sign-in. The fingerprints of the events delivered
//! last are kept in order ([`DeliveredTail`], bounded in count and time). A
//! batch that starts with events already delivered has that part dropped and
//! only the rest delivered; a batch that is all old is answered with success
//! and not delivered again.
//!
//! Which overlaps count: the gateway sends in order and repeats from its
//! first unacknowledged event, so a repeat's old part is the tail of what was
//! delivered. That rule alone recognises a repeat of timestamp-less events
//! (`AgentState_Ready`, later `AgentState_Ready` again is genuine: it is not
//! the tail any more once something came between). Newer gateway releases
//! put `eventGenTime` (epoch ms) in every event, which makes genuine twins
//! practically impossible, so a batch of such events is also recognised as
//! old anywhere in the window (a retry split differently from the original).
//! What remains undetectable is the same timestamp-less event delivered twice
//! in a row for real, which the agent states in the catalogue do not produce.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde_json::Value;
use sha2::{Digest, Sha256};

/// Default time a delivered batch is remembered.
pub const DEFAULT_DUPLICATE_WINDOW: Duration = Duration::from_secs(300);

/// Default number of delivered events remembered.
pub const DEFAULT_DUPLICATE_CAPACITY: usize = 1024;

/// SHA-256 of one event of a session's agent.
pub(crate) type Fingerprint = [u8; 32];

/// Fingerprint of `event` accepted for `work_no` in session `session_id`.
pub(crate) fn fingerprint(session_id: u64, work_no: &str, event: &Value) -> Fingerprint {
    let mut hash = Sha256::new();
    hash.update(b"agentbar-push-event-v2\0");
    hash.update(session_id.to_be_bytes());
    write_str(&mut hash, work_no);
    write_canonical(&mut hash, event);
    hash.finalize().into()
}

/// Whether an event carries the gateway's generation time.
pub(crate) fn is_timestamped(event: &Value) -> bool {
    event.get("eventGenTime").is_some_and(|t| !t.is_null())
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

/// The events delivered last, oldest first.
#[derive(Debug)]
pub(crate) struct DeliveredTail {
    window: Duration,
    capacity: usize,
    entries: VecDeque<Entry>,
}

/// One event of a batch as the tail sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seen {
    pub fingerprint: Fingerprint,
    pub timestamped: bool,
}

#[derive(Debug)]
struct Entry {
    seen: Seen,
    delivered_at: Instant,
}

impl DeliveredTail {
    pub(crate) fn new(window: Duration, capacity: usize) -> Self {
        Self {
            window,
            capacity: capacity.max(1),
            entries: VecDeque::new(),
        }
    }

    /// How many events at the start of `batch` were delivered already (see
    /// the module docs for which overlaps count).
    pub(crate) fn delivered_prefix(&mut self, batch: &[Seen], now: Instant) -> usize {
        self.expire(now);
        let n = self.entries.len();
        let mut best = 0;
        for start in 0..n {
            let mut k = 0;
            while k < batch.len()
                && start + k < n
                && self.entries[start + k].seen.fingerprint == batch[k].fingerprint
            {
                k += 1;
            }
            if k == 0 {
                continue;
            }
            let is_tail = start + k == n;
            let stamped_and_all_old = k == batch.len() && batch[..k].iter().all(|s| s.timestamped);
            if is_tail || stamped_and_all_old {
                best = best.max(k);
            }
        }
        best
    }

    /// Records delivered events, in order.
    pub(crate) fn remember(&mut self, delivered: &[Seen], now: Instant) {
        self.expire(now);
        for seen in delivered {
            self.entries.push_back(Entry {
                seen: *seen,
                delivered_at: now,
            });
        }
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

    fn seen(events: &[Value]) -> Vec<Seen> {
        events
            .iter()
            .map(|e| Seen {
                fingerprint: fingerprint(1, "291", e),
                timestamped: is_timestamped(e),
            })
            .collect()
    }

    fn ev(kind: &str, at: Option<u64>) -> Value {
        match at {
            Some(t) => {
                json!({"eventType": kind, "workNo": "291", "content": null, "eventGenTime": t})
            }
            None => json!({"eventType": kind, "workNo": "291", "content": null}),
        }
    }

    #[test]
    fn fingerprint_ignores_key_order_and_formatting() {
        let a: Value = serde_json::from_str(
            r#"{"eventType":"AgentEvent_Ringing","workNo":"291","content":{"callid":"1","caller":"555"}}"#,
        )
        .expect("json");
        let b: Value = serde_json::from_str(
            r#" { "content" : { "caller":"555", "callid":"1" }, "workNo":"291", "eventType":"AgentEvent_Ringing" } "#,
        )
        .expect("json");
        assert_eq!(fingerprint(1, "291", &a), fingerprint(1, "291", &b));
    }

    #[test]
    fn fingerprint_separates_what_matters() {
        let base = json!({"eventType":"AgentState_Ready","workNo":"291","content":null});
        let fp = fingerprint(1, "291", &base);
        assert_ne!(fp, fingerprint(2, "291", &base), "other session");
        assert_ne!(fp, fingerprint(1, "292", &base), "other agent");
        let other = json!({"eventType":"AgentState_Busy","workNo":"291","content":null});
        assert_ne!(fp, fingerprint(1, "291", &other));
        // Tagging keeps a string "1" apart from the number 1, and "ab"+"c" from "a"+"bc".
        assert_ne!(
            fingerprint(1, "291", &json!({"eventType":"x","content":"1"})),
            fingerprint(1, "291", &json!({"eventType":"x","content":1}))
        );
        assert_ne!(
            fingerprint(1, "291", &json!({"eventType":"x","content":["ab","c"]})),
            fingerprint(1, "291", &json!({"eventType":"x","content":["a","bc"]}))
        );
    }

    #[test]
    fn a_retry_with_more_events_delivers_only_the_new_ones() {
        let mut tail = DeliveredTail::new(Duration::from_secs(60), 64);
        let t0 = Instant::now();
        for stamp in [None, Some(1)] {
            let e1 = ev("AgentEvent_Ringing", stamp);
            let e2 = ev("AgentEvent_Talking", stamp.map(|t| t + 1));
            let e3 = ev("AgentState_Busy", stamp.map(|t| t + 2));
            let first = seen(std::slice::from_ref(&e1));
            assert_eq!(tail.delivered_prefix(&first, t0), 0);
            tail.remember(&first, t0);
            // The answer was lost; the retry carries E1 and E2.
            let retry = seen(&[e1.clone(), e2.clone()]);
            assert_eq!(tail.delivered_prefix(&retry, t0), 1);
            tail.remember(&retry[1..], t0);
            // And once more with E3.
            let again = seen(&[e1, e2, e3]);
            assert_eq!(tail.delivered_prefix(&again, t0), 2);
            tail.remember(&again[2..], t0);
        }
    }

    #[test]
    fn a_repeat_within_the_window_is_recognised_and_then_forgotten() {
        let mut tail = DeliveredTail::new(Duration::from_secs(60), 8);
        let t0 = Instant::now();
        let batch = seen(&[ev("AgentEvent_Ringing", Some(5))]);
        tail.remember(&batch, t0);
        assert_eq!(
            tail.delivered_prefix(&batch, t0 + Duration::from_secs(59)),
            1
        );
        assert_eq!(
            tail.delivered_prefix(&batch, t0 + Duration::from_secs(60)),
            0
        );
        assert_eq!(tail.len(), 0);
    }

    #[test]
    fn timestamped_events_are_recognised_anywhere_in_the_window() {
        let mut tail = DeliveredTail::new(Duration::from_secs(60), 64);
        let t0 = Instant::now();
        let (a, b, c) = (ev("A_x", Some(1)), ev("B_x", Some(2)), ev("C_x", Some(3)));
        tail.remember(&seen(&[a.clone(), b.clone(), c]), t0);
        // Split differently from the original: all old.
        assert_eq!(
            tail.delivered_prefix(&seen(std::slice::from_ref(&a)), t0),
            1
        );
        assert_eq!(tail.delivered_prefix(&seen(&[a, b]), t0), 2);
    }

    #[test]
    fn a_timestamp_less_event_is_old_only_in_the_tail() {
        // Ready, Busy, Ready: the second Ready is genuine and must be delivered.
        let mut tail = DeliveredTail::new(Duration::from_secs(60), 64);
        let t0 = Instant::now();
        let ready = seen(&[ev("AgentState_Ready", None)]);
        let busy = seen(&[ev("AgentState_Busy", None)]);
        tail.remember(&ready, t0);
        assert_eq!(
            tail.delivered_prefix(&ready, t0),
            1,
            "lost answer, repeated at once"
        );
        tail.remember(&busy, t0);
        assert_eq!(tail.delivered_prefix(&ready, t0), 0);
        assert_eq!(tail.delivered_prefix(&busy, t0), 1);
    }

    #[test]
    fn the_tail_is_bounded() {
        let mut tail = DeliveredTail::new(Duration::from_secs(60), 3);
        let t0 = Instant::now();
        for i in 0..10u64 {
            tail.remember(&seen(&[ev("E_x", Some(i))]), t0);
        }
        assert_eq!(tail.len(), 3);
        assert_eq!(tail.delivered_prefix(&seen(&[ev("E_x", Some(9))]), t0), 1);
        assert_eq!(tail.delivered_prefix(&seen(&[ev("E_x", Some(7))]), t0), 1);
        assert_eq!(tail.delivered_prefix(&seen(&[ev("E_x", Some(6))]), t0), 0);
    }

    #[test]
    fn generation_time_is_detected() {
        assert!(is_timestamped(
            &json!({"eventType":"b","eventGenTime":1_700_000_000_000u64})
        ));
        assert!(!is_timestamped(
            &json!({"eventType":"a","eventGenTime":null})
        ));
        assert!(!is_timestamped(&json!({"eventType":"a"})));
    }
}
