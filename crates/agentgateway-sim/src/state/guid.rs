//! GUIDs: the session credential the gateway hands out in `Set-GUID`.
//!
//! Format: a UUID v4 plus `.` and the node name, e.g.
//! `279fe21d-2caa-4437-84c3-ab9e9dae20f5.AgentGateway0`. A session keeps its
//! current GUID and the ones it replaced until they expire (dynamic auth).
//! GUIDs are secrets: they never reach a log unmasked (see [`mask`]).

use rand::Rng;
use tokio::time::Instant;

use crate::config::AuthMode;

/// A fresh GUID for the node `node` (e.g. `AgentGateway0`).
pub fn generate(node: &str) -> String {
    let mut rng = rand::rng();
    let a: u32 = rng.random();
    let b: u16 = rng.random();
    let c: u16 = rng.random::<u16>() & 0x0fff;
    let d: u16 = (rng.random::<u16>() & 0x3fff) | 0x8000;
    let e: u64 = rng.random::<u64>() & 0xffff_ffff_ffff;
    format!("{a:08x}-{b:04x}-4{c:03x}-{d:04x}-{e:012x}.{node}")
}

/// A GUID as logs may show it: `****` and the last four characters of its
/// random part (the node suffix is the same for every GUID, so it is left out).
pub fn mask(guid: &str) -> String {
    let random = guid.split('.').next().unwrap_or(guid);
    let chars: Vec<char> = random.chars().collect();
    if chars.len() < 8 {
        return "<redacted>".to_owned();
    }
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("****{tail}")
}

/// The GUIDs of one session.
#[derive(Debug)]
pub struct GuidBook {
    current: String,
    issued: Instant,
    /// Replaced GUIDs and when they stop being accepted.
    old: Vec<(String, Instant)>,
}

impl GuidBook {
    pub fn new(guid: String, now: Instant) -> Self {
        Self {
            current: guid,
            issued: now,
            old: Vec::new(),
        }
    }

    pub fn current(&self) -> &str {
        &self.current
    }

    /// Whether `presented` is accepted at `now`: the current GUID always is; a
    /// replaced one until its expiry.
    pub fn accepts(&mut self, presented: &str, now: Instant) -> bool {
        self.old.retain(|(_, expires)| *expires > now);
        presented == self.current || self.old.iter().any(|(g, _)| g == presented)
    }

    /// In dynamic mode, replace the current GUID when it is older than the
    /// interval. Returns whether it was replaced.
    pub fn rotate_if_due(&mut self, auth: AuthMode, now: Instant, node: &str) -> bool {
        match auth {
            AuthMode::Dynamic { interval, .. } if now.duration_since(self.issued) >= interval => {
                self.replace(generate(node), auth, now);
                true
            }
            _ => false,
        }
    }

    /// Make `new` the current GUID. The replaced one stays valid until
    /// `issued + GUIDTIMEOUT` in dynamic mode; in static mode it ends now.
    pub fn replace(&mut self, new: String, auth: AuthMode, now: Instant) {
        let old = std::mem::replace(&mut self.current, new);
        if let AuthMode::Dynamic { timeout, .. } = auth {
            let expires = self.issued + timeout;
            if expires > now {
                self.old.push((old, expires));
            }
        }
        self.issued = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn generated_guids_have_the_gateway_format() {
        let g = generate("AgentGateway0");
        let (uuid, node) = g.split_once('.').unwrap();
        assert_eq!(node, "AgentGateway0");
        let parts: Vec<&str> = uuid.split('-').collect();
        assert_eq!(
            parts.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [8, 4, 4, 4, 12]
        );
        assert!(uuid.chars().all(|c| c == '-' || c.is_ascii_hexdigit()));
        assert_ne!(generate("AgentGateway0"), g);
    }

    #[test]
    fn mask_keeps_only_four_characters_of_the_random_part() {
        assert_eq!(
            mask("279fe21d-2caa-4437-84c3-ab9e9dae20f5.AgentGateway0"),
            "****20f5"
        );
        assert_eq!(mask("short"), "<redacted>");
    }

    #[test]
    fn dynamic_rotation_keeps_the_old_guid_until_its_timeout() {
        let auth = AuthMode::Dynamic {
            interval: Duration::from_secs(60),
            timeout: Duration::from_secs(120),
        };
        let t0 = Instant::now();
        let mut book = GuidBook::new("a".repeat(8), t0);
        assert!(!book.rotate_if_due(auth, t0 + Duration::from_secs(59), "N0"));
        assert!(book.rotate_if_due(auth, t0 + Duration::from_secs(60), "N0"));
        let new = book.current().to_owned();
        assert!(book.accepts(&"a".repeat(8), t0 + Duration::from_secs(119)));
        assert!(!book.accepts(&"a".repeat(8), t0 + Duration::from_secs(120)));
        assert!(book.accepts(&new, t0 + Duration::from_secs(500)));
    }

    #[test]
    fn static_mode_never_rotates_and_replacing_ends_the_old_guid() {
        let t0 = Instant::now();
        let mut book = GuidBook::new("b".repeat(8), t0);
        let later = t0 + Duration::from_secs(10_000);
        assert!(!book.rotate_if_due(AuthMode::Static, later, "N0"));
        assert!(book.accepts(&"b".repeat(8), later));
        book.replace("c".repeat(8), AuthMode::Static, later);
        assert!(!book.accepts(&"b".repeat(8), later));
    }
}
