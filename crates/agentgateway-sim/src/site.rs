//! The call center the simulated gateway serves: skills (with their access
//! codes), which agents are configured for which skills, agent names and
//! groups, IVRs, access codes, rest reasons and how dialled numbers behave.
//!
//! It is configuration, not state: the queries of protocol.md §8 and §11
//! read it, and skill queues, transfers and callouts follow it. An agent of
//! the roster that the site does not describe is configured for skill 1 only.

use std::collections::BTreeMap;

use serde::Serialize;

/// A skill (queue).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skill {
    pub id: u32,
    pub name: String,
    /// The skill's access code (`pilotNbr`).
    pub access: String,
}

/// An agent's site data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentProfile {
    pub name: String,
    pub group: String,
    /// Configured skill IDs.
    pub skills: Vec<u32>,
}

/// An IVR flow a call can be transferred to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Ivr {
    pub id: u32,
    /// The IVR's access code (transfer `address` with device type 3).
    pub access: String,
    pub description: String,
}

/// A system access code (transfer device type 4); it leads to a skill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AccessCode {
    pub id: u32,
    pub code: String,
    pub description: String,
    pub skill: u32,
}

/// How a dialled external number behaves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberFate {
    /// Rings, then answers.
    Answer,
    /// Not a number: the call fails at once.
    Invalid,
    /// The line is busy: the call fails after a moment.
    Busy,
    /// Rings until the caller gives up.
    NoAnswer,
}

/// The site: see the module docs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Site {
    pub skills: Vec<Skill>,
    pub agents: BTreeMap<String, AgentProfile>,
    pub ivrs: Vec<Ivr>,
    pub access_codes: Vec<AccessCode>,
    /// `(id, label)` for `rest/{seconds}/{cause}`.
    pub rest_reasons: Vec<(u32, String)>,
    /// Number prefixes and their fate; the longest matching prefix wins,
    /// numbers matching none answer.
    pub number_prefixes: Vec<(String, NumberFate)>,
}

impl Default for Site {
    fn default() -> Self {
        Self::demo()
    }
}

impl Site {
    /// The demo site: skills 1 General, 2 Billing, 3 Technical, 4 Premium
    /// (no agent configured), agents 101-105, two IVRs, three access codes;
    /// numbers starting `000` are invalid, `0111` busy, `0199` never answer.
    pub fn demo() -> Self {
        let skill = |id, name: &str, access: &str| Skill {
            id,
            name: name.to_owned(),
            access: access.to_owned(),
        };
        let agent = |id: &str, name: &str, group: &str, skills: &[u32]| {
            (
                id.to_owned(),
                AgentProfile {
                    name: name.to_owned(),
                    group: group.to_owned(),
                    skills: skills.to_vec(),
                },
            )
        };
        Self {
            skills: vec![
                skill(1, "General", "4001"),
                skill(2, "Billing", "4003"),
                skill(3, "Technical", "4002"),
                skill(4, "Premium", "4009"),
            ],
            agents: [
                agent("101", "Anna Berg", "Service", &[1, 2, 3]),
                agent("102", "Ben Keller", "Service", &[1, 2]),
                agent("103", "Clara Wolf", "Service", &[1, 3]),
                agent("104", "David Roth", "Billing", &[2, 3]),
                agent("105", "Eva Lang", "Billing", &[1]),
            ]
            .into_iter()
            .collect(),
            ivrs: vec![
                Ivr {
                    id: 1,
                    access: "5001".to_owned(),
                    description: "Satisfaction survey".to_owned(),
                },
                Ivr {
                    id: 2,
                    access: "5002".to_owned(),
                    description: "Payment by phone".to_owned(),
                },
            ],
            access_codes: vec![
                AccessCode {
                    id: 1,
                    code: "4001".to_owned(),
                    description: "Service hotline".to_owned(),
                    skill: 1,
                },
                AccessCode {
                    id: 2,
                    code: "4002".to_owned(),
                    description: "Technical hotline".to_owned(),
                    skill: 3,
                },
                AccessCode {
                    id: 3,
                    code: "4003".to_owned(),
                    description: "Billing hotline".to_owned(),
                    skill: 2,
                },
            ],
            rest_reasons: vec![
                (0, "Break".to_owned()),
                (1, "Lunch".to_owned()),
                (2, "Training".to_owned()),
                (3, "Meeting".to_owned()),
            ],
            number_prefixes: vec![
                ("000".to_owned(), NumberFate::Invalid),
                ("0111".to_owned(), NumberFate::Busy),
                ("0199".to_owned(), NumberFate::NoAnswer),
            ],
        }
    }

    pub fn skill(&self, id: u32) -> Option<&Skill> {
        self.skills.iter().find(|s| s.id == id)
    }

    /// The agent's profile; an agent the site does not describe gets skill 1.
    pub fn profile(&self, agent: &str) -> AgentProfile {
        self.agents
            .get(agent)
            .cloned()
            .unwrap_or_else(|| AgentProfile {
                name: format!("Agent {agent}"),
                group: "Default".to_owned(),
                skills: vec![1],
            })
    }

    /// Configured skills of the agent that exist on the site.
    pub fn configured(&self, agent: &str) -> Vec<u32> {
        let mut ids = self.profile(agent).skills;
        ids.retain(|id| self.skill(*id).is_some());
        ids
    }

    pub fn ivr(&self, access: &str) -> Option<&Ivr> {
        self.ivrs.iter().find(|i| i.access == access)
    }

    pub fn access_code(&self, code: &str) -> Option<&AccessCode> {
        self.access_codes.iter().find(|a| a.code == code)
    }

    /// The fate of a number by its prefix (see [`Site::number_prefixes`]).
    pub fn fate_by_prefix(&self, number: &str) -> NumberFate {
        self.number_prefixes
            .iter()
            .filter(|(p, _)| number.starts_with(p.as_str()))
            .max_by_key(|(p, _)| p.len())
            .map_or(NumberFate::Answer, |(_, f)| *f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_site_configures_agents_and_numbers() {
        let site = Site::demo();
        assert_eq!(site.configured("101"), [1, 2, 3]);
        assert_eq!(site.configured("999"), [1], "an unknown agent gets skill 1");
        assert_eq!(site.fate_by_prefix("000123"), NumberFate::Invalid);
        assert_eq!(site.fate_by_prefix("0111555"), NumberFate::Busy);
        assert_eq!(site.fate_by_prefix("01995"), NumberFate::NoAnswer);
        assert_eq!(site.fate_by_prefix("+4930123"), NumberFate::Answer);
        assert_eq!(site.access_code("4003").map(|a| a.skill), Some(2));
        assert_eq!(site.ivr("5001").map(|i| i.id), Some(1));
    }
}
