//! The agents the simulated gateway knows, and their passwords.

use std::collections::BTreeMap;

/// Agent ID to password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Roster {
    agents: BTreeMap<String, String>,
}

impl Roster {
    /// The documented demo roster: agents 101 to 105, each with password `Agent#<id>`.
    pub fn demo() -> Self {
        let agents = (101..=105)
            .map(|id| (id.to_string(), format!("Agent#{id}")))
            .collect();
        Self { agents }
    }

    /// Whether `agent` exists and `password` is its password.
    pub fn check(&self, agent: &str, password: &str) -> bool {
        self.agents.get(agent).is_some_and(|p| p == password)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_roster_accepts_its_documented_passwords_only() {
        let roster = Roster::demo();
        assert!(roster.check("101", "Agent#101"));
        assert!(!roster.check("101", "Agent#102"));
        assert!(!roster.check("999", "Agent#999"));
    }
}
