//! The agents the simulated gateway knows, and their passwords.
//!
//! Roster file format: one agent per line, `agent,password`; the password is
//! everything after the first comma (so it may itself contain commas). Blank
//! lines and lines starting with `#` are ignored. Agent IDs are digits, as on
//! a real gateway (101–999999). Example:
//!
//! ```text
//! # agent,password
//! 101,Agent#101
//! 2001,s3cret,with,commas
//! ```

use std::{collections::BTreeMap, path::Path};

/// Why a roster could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RosterError {
    #[error("cannot read the roster file: {0}")]
    Read(#[from] std::io::Error),
    #[error("roster line {line}: {reason}")]
    Line { line: usize, reason: &'static str },
}

/// Agent ID to password.
#[derive(Clone, PartialEq, Eq)]
pub struct Roster {
    agents: BTreeMap<String, String>,
}

impl std::fmt::Debug for Roster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Passwords stay out of debug output.
        f.debug_struct("Roster")
            .field("agents", &self.agents.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl Roster {
    /// The documented demo roster: agents 101 to 105, each with password `Agent#<id>`.
    pub fn demo() -> Self {
        let agents = (101..=105)
            .map(|id| (id.to_string(), format!("Agent#{id}")))
            .collect();
        Self { agents }
    }

    /// A roster with no agent; add some with [`Roster::insert`].
    pub fn empty() -> Self {
        Self {
            agents: BTreeMap::new(),
        }
    }

    /// Add or replace an agent. Returns an error text when the ID is not digits
    /// or the password is empty or over 32 characters.
    pub fn insert(&mut self, agent: &str, password: &str) -> Result<(), &'static str> {
        if agent.is_empty() || !agent.bytes().all(|b| b.is_ascii_digit()) {
            return Err("agent ID must be digits");
        }
        if password.is_empty() || password.chars().count() > 32 {
            return Err("password must be 1 to 32 characters");
        }
        self.agents.insert(agent.to_owned(), password.to_owned());
        Ok(())
    }

    /// Parse the roster file format (see the module docs).
    pub fn parse(text: &str) -> Result<Self, RosterError> {
        let mut roster = Self::empty();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let line_no = index + 1;
            let (agent, password) = line.split_once(',').ok_or(RosterError::Line {
                line: line_no,
                reason: "expected `agent,password`",
            })?;
            roster
                .insert(agent.trim(), password)
                .map_err(|reason| RosterError::Line {
                    line: line_no,
                    reason,
                })?;
        }
        Ok(roster)
    }

    /// Read a roster file.
    pub fn from_file(path: &Path) -> Result<Self, RosterError> {
        Self::parse(&std::fs::read_to_string(path)?)
    }

    /// Whether `agent` exists and `password` is its password.
    pub fn check(&self, agent: &str, password: &str) -> bool {
        self.agents.get(agent).is_some_and(|p| p == password)
    }

    /// Whether `agent` is on the roster.
    pub fn contains(&self, agent: &str) -> bool {
        self.agents.contains_key(agent)
    }

    /// The agent IDs, in order.
    pub fn agents(&self) -> impl Iterator<Item = &str> {
        self.agents.keys().map(String::as_str)
    }

    /// `(agent, password)` pairs, for printing the demo roster at start.
    pub fn entries(&self) -> impl Iterator<Item = (&str, &str)> {
        self.agents.iter().map(|(a, p)| (a.as_str(), p.as_str()))
    }

    pub fn len(&self) -> usize {
        self.agents.len()
    }

    pub fn is_empty(&self) -> bool {
        self.agents.is_empty()
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
        assert_eq!(
            roster.agents().collect::<Vec<_>>(),
            ["101", "102", "103", "104", "105"]
        );
    }

    #[test]
    fn file_format_takes_comments_and_commas_in_passwords() {
        let roster = Roster::parse("# demo\n\n 201,pw1\n202,a,b,c\n").unwrap();
        assert!(roster.check("201", "pw1"));
        assert!(roster.check("202", "a,b,c"));
        assert_eq!(roster.len(), 2);
    }

    #[test]
    fn file_format_names_the_bad_line() {
        let err = Roster::parse("201,pw\nnot a line\n").unwrap_err();
        assert!(matches!(err, RosterError::Line { line: 2, .. }), "{err}");
        let err = Roster::parse("abc,pw\n").unwrap_err();
        assert!(matches!(err, RosterError::Line { line: 1, .. }), "{err}");
    }

    #[test]
    fn debug_output_has_no_passwords() {
        assert!(!format!("{:?}", Roster::demo()).contains("Agent#"));
    }
}
