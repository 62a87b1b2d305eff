//! What identifies an agent's sign-in and its events without keeping a
//! secret: the agent ID's rule, the salted token hash, the [`Grant`] kept per
//! agent, and the rule that recognises a repeated push by the fingerprints
//! of the last events stored.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::store::SUBJECT_PREFIX;

/// Longest agent ID (`workNo`) the relay takes.
const MAX_AGENT_LEN: usize = 64;

/// Whether `agent` can be a subject token and a KV key: 1 to 64 ASCII
/// letters, digits, `-` and `_`.
pub fn valid_agent(agent: &str) -> bool {
    (1..=MAX_AGENT_LEN).contains(&agent.len())
        && agent
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The subject of `agent`'s events.
pub fn subject(agent: &str) -> String {
    format!("{SUBJECT_PREFIX}.{agent}")
}

/// Salted SHA-256 (hex) of an agent's token: what the stream and the bucket
/// keep instead of the token.
pub fn token_hash(agent: &str, token: &str) -> String {
    let mut hash = Sha256::new();
    hash.update(b"agentbar-relay-token-v1\0");
    hash.update(agent.as_bytes());
    hash.update(b"\0");
    hash.update(token.as_bytes());
    hex::encode(hash.finalize())
}

/// Constant-time comparison of two token hashes.
pub fn same_hash(a: &str, b: &str) -> bool {
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

/// What a subscriber with the agent's current token may read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// [`token_hash`] of the sign-in's token.
    pub token_sha256: String,
    /// Stream sequence of the first event stored with this token.
    pub first_seq: u64,
    /// Fingerprints of the last events stored with this token, oldest
    /// first (at most [`TAIL_LEN`]): what a repeated push is recognised by.
    #[serde(default)]
    pub tail: Vec<String>,
}

/// Events remembered per agent to recognise a repeated push.
pub const TAIL_LEN: usize = 256;

/// How many of `batch` (fingerprint, timestamped) were stored before, by
/// the rule of the bar's receiver (`dedup.rs`): the gateway repeats from its
/// first unacknowledged event, so a repeat's old part is the end of what
/// was stored; an event with `eventGenTime` is also old anywhere in the
/// tail.
pub fn delivered_prefix(tail: &[String], batch: &[(&str, bool)]) -> usize {
    let overlap = (1..=batch.len().min(tail.len()))
        .rev()
        .find(|&k| {
            tail[tail.len() - k..]
                .iter()
                .zip(&batch[..k])
                .all(|(t, (b, _))| t == b)
        })
        .unwrap_or(0);
    let stamped = batch
        .iter()
        .take_while(|(b, timestamped)| *timestamped && tail.iter().any(|t| t == b))
        .count();
    overlap.max(stamped)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tail(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn a_repeat_is_the_end_of_what_was_stored() {
        let t = tail(&["a", "b", "c"]);
        assert_eq!(
            delivered_prefix(&t, &[("b", false), ("c", false), ("d", false)]),
            2
        );
        assert_eq!(delivered_prefix(&t, &[("c", false)]), 1);
        assert_eq!(delivered_prefix(&t, &[("d", false)]), 0);
        // "a" again after b and c is a genuine event, not a repeat.
        assert_eq!(delivered_prefix(&t, &[("a", false), ("d", false)]), 0);
        // With eventGenTime it is old anywhere in the tail.
        assert_eq!(delivered_prefix(&t, &[("a", true), ("d", true)]), 1);
        assert_eq!(delivered_prefix(&[], &[("a", false)]), 0);
    }

    #[test]
    fn agents_and_hashes() {
        assert!(valid_agent("291") && valid_agent("agent_7-b"));
        assert!(
            !valid_agent("")
                && !valid_agent("a.b")
                && !valid_agent("a*")
                && !valid_agent(&"1".repeat(65))
        );
        assert_ne!(token_hash("291", "tok"), token_hash("292", "tok"));
        assert!(same_hash(
            &token_hash("291", "tok"),
            &token_hash("291", "tok")
        ));
        assert!(!token_hash("291", "tok").contains("tok"));
    }
}
