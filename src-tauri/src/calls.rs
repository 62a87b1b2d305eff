//! Call control from the page, and what the gateway lists for it: transfer
//! and consult targets, skill queues, callers waiting, the agent's day.
//!
//! A [`CallRequest`] is one tagged value, so the page reaches every call
//! action through one command and [`actions::perform`]; the lists are read
//! on demand (the pickers) or at a modest rate (queue figures, statistics),
//! on their own requests, never on the event path.

use agentgateway::client::{AgentInfo, QueueFigure, Skill, Statistics};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::errors::AppError;

/// A call action the page asks for.
// Its name in the log (`<&'static str>::from(&request)`) is its `kind` on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, TS, strum::IntoStaticStr)]
#[serde(
    tag = "kind",
    rename_all = "camelCase",
    rename_all_fields = "camelCase"
)]
#[strum(serialize_all = "camelCase")]
pub enum CallRequest {
    Reject {
        requeue: bool,
    },
    Mute,
    Unmute,
    Dtmf {
        digits: String,
    },
    Dial {
        number: String,
    },
    CallColleague {
        work_no: String,
    },
    /// `target`: `agent:…`, `skill:…`, `ivr:…`, `access:…` or `number:…`.
    Transfer {
        target: String,
        wait: bool,
    },
    CancelTransfer,
    DismissTransfer,
    /// `target`: `agent:…` or `skill:…`.
    Consult {
        target: String,
        three_way: bool,
    },
    TakeBack,
    Conference,
    SwitchCall {
        call_id: String,
    },
}

/// One entry of a picker: what to send (`target`) and what to show.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TargetView {
    /// `kind:address`, as [`CallRequest::Transfer`] takes it.
    pub target: String,
    /// The number or ID itself.
    pub address: String,
    pub name: String,
    /// For agents: idle now.
    pub idle: bool,
}

/// The transfer and consult pickers' lists. A list the gateway would not
/// give is empty and named in `unavailable`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TargetsView {
    pub agents: Vec<TargetView>,
    pub skills: Vec<TargetView>,
    pub ivrs: Vec<TargetView>,
    pub access_codes: Vec<TargetView>,
    pub unavailable: Vec<String>,
}

/// Skill queues: configured for the agent, and signed in to now.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SkillsView {
    pub configured: Vec<SkillView>,
    pub signed_in: Vec<SkillView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SkillView {
    pub id: String,
    pub name: String,
}

impl From<&Skill> for SkillView {
    fn from(s: &Skill) -> Self {
        SkillView {
            id: s.id.clone(),
            name: s.name.clone().unwrap_or_else(|| s.id.clone()),
        }
    }
}

/// Callers waiting in the agent's skills.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct QueueView {
    pub waiting: u32,
    /// The longest current wait over those skills, in seconds.
    pub longest_wait_s: u32,
    pub skills: Vec<SkillQueueView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SkillQueueView {
    pub id: String,
    pub name: String,
    pub waiting: u32,
    pub longest_wait_s: u32,
}

/// The agent's figures for today.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct DayView {
    pub answered: u32,
    pub missed: u32,
    pub outbound: u32,
    pub talk_time_s: u32,
}

fn small(n: Option<u64>) -> u32 {
    n.map_or(0, |n| u32::try_from(n).unwrap_or(u32::MAX))
}

impl QueueView {
    pub fn of(figures: &[QueueFigure]) -> QueueView {
        let skills: Vec<SkillQueueView> = figures
            .iter()
            .map(|f| SkillQueueView {
                id: f.skill_id.clone(),
                name: f.name.clone().unwrap_or_else(|| f.skill_id.clone()),
                waiting: small(f.waiting),
                longest_wait_s: small(f.longest_wait_s),
            })
            .collect();
        QueueView {
            waiting: skills.iter().map(|s| s.waiting).sum(),
            longest_wait_s: skills.iter().map(|s| s.longest_wait_s).max().unwrap_or(0),
            skills,
        }
    }
}

impl From<&Statistics> for DayView {
    fn from(s: &Statistics) -> Self {
        DayView {
            answered: small(s.answered),
            missed: small(s.missed),
            outbound: small(s.outbound),
            talk_time_s: small(s.talk_time_s),
        }
    }
}

fn agent_target(a: &AgentInfo, idle: bool) -> TargetView {
    TargetView {
        target: format!("agent:{}", a.work_no),
        address: a.work_no.clone(),
        name: a.name.clone().unwrap_or_default(),
        idle,
    }
}

/// The pickers' lists from the gateway, one request each.
pub async fn targets(session: &agentgateway::Session) -> TargetsView {
    let client = session.client();
    let me = client.agent_id().to_owned();
    let (idle, all, skills, ivrs, codes) = tokio::join!(
        client.idle_agents(),
        client.all_agents(),
        client.vdn_skills(),
        client.ivrs(),
        client.access_codes()
    );
    let mut view = TargetsView::default();
    let mut unavailable = Vec::new();
    let mut missing = |what: &str, e: &agentgateway::ClientError| {
        tracing::debug!(
            list = what,
            kind = e.kind(),
            retcode = e.retcode(),
            "a picker list is not available"
        );
        unavailable.push(what.to_owned());
    };
    let idle: Vec<String> = match &idle {
        Ok(list) => list.iter().map(|a| a.work_no.clone()).collect(),
        Err(e) => {
            missing("idleAgents", e);
            Vec::new()
        }
    };
    match &all {
        Ok(list) => {
            view.agents = list
                .iter()
                .filter(|a| a.work_no != me)
                .map(|a| agent_target(a, idle.contains(&a.work_no)))
                .collect();
        }
        Err(e) => missing("agents", e),
    }
    match &skills {
        Ok(list) => {
            view.skills = list
                .iter()
                .map(|s| TargetView {
                    target: format!("skill:{}", s.id),
                    address: s.id.clone(),
                    name: s.name.clone().unwrap_or_default(),
                    idle: false,
                })
                .collect();
        }
        Err(e) => missing("skills", e),
    }
    match &ivrs {
        Ok(list) => {
            view.ivrs = list
                .iter()
                .filter_map(|i| {
                    let code = i.access_code.clone().or_else(|| i.id.clone())?;
                    Some(TargetView {
                        target: format!("ivr:{code}"),
                        address: code,
                        name: i.description.clone().unwrap_or_default(),
                        idle: false,
                    })
                })
                .collect();
        }
        Err(e) => missing("ivrs", e),
    }
    match &codes {
        Ok(list) => {
            view.access_codes = list
                .iter()
                .filter_map(|c| {
                    let code = c.code.clone()?;
                    Some(TargetView {
                        target: format!("access:{code}"),
                        address: code,
                        name: c.description.clone().unwrap_or_default(),
                        idle: false,
                    })
                })
                .collect();
        }
        Err(e) => missing("accessCodes", e),
    }
    view.unavailable = unavailable;
    view
}

/// The skills configured for the agent and those signed in to now.
pub async fn skills(session: &agentgateway::Session) -> Result<SkillsView, AppError> {
    let client = session.client();
    let me = client.agent_id().to_owned();
    let (configured, signed_in) =
        tokio::join!(client.configured_skills(), client.signed_in_skills(&me));
    Ok(SkillsView {
        configured: configured?.iter().map(SkillView::from).collect(),
        signed_in: signed_in?.iter().map(SkillView::from).collect(),
    })
}

/// Callers waiting in the skills the agent is signed in to. The engine
/// keeps those skills from its last `resetskill`; the gateway is asked for
/// them only when it does not know them yet (a resumed session).
pub async fn queue(session: &agentgateway::Session) -> Result<QueueView, AppError> {
    use agentgateway::SkillQueues;
    let known = match session.skills() {
        SkillQueues::Joined {
            skills: Some(skills),
            ..
        } => skills,
        _ => match session.refresh_skills().await.map_err(AppError::from)? {
            SkillQueues::Joined {
                skills: Some(skills),
                ..
            } => skills,
            _ => Vec::new(),
        },
    };
    let ids: Vec<String> = known.into_iter().map(|s| s.id).collect();
    if ids.is_empty() {
        return Ok(QueueView::default());
    }
    Ok(QueueView::of(&session.client().queue_figures(&ids).await?))
}

/// The agent's figures for today.
pub async fn day(session: &agentgateway::Session) -> Result<DayView, AppError> {
    Ok(DayView::from(&session.client().statistics().await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_requests_are_tagged_and_camel_case() {
        let r: CallRequest =
            serde_json::from_str(r#"{"kind":"transfer","target":"agent:102","wait":true}"#)
                .expect("a transfer");
        assert_eq!(
            r,
            CallRequest::Transfer {
                target: "agent:102".into(),
                wait: true
            }
        );
        let r: CallRequest =
            serde_json::from_str(r#"{"kind":"consult","target":"skill:2","threeWay":false}"#)
                .expect("a consult");
        assert!(matches!(
            r,
            CallRequest::Consult {
                three_way: false,
                ..
            }
        ));
        assert!(serde_json::from_str::<CallRequest>(r#"{"kind":"explode"}"#).is_err());
    }

    #[test]
    fn the_log_names_a_request_by_its_kind_on_the_wire() {
        for wire in [
            r#"{"kind":"callColleague","workNo":"102"}"#,
            r#"{"kind":"cancelTransfer"}"#,
            r#"{"kind":"switchCall","callId":"1-2"}"#,
            r#"{"kind":"reject","requeue":true}"#,
        ] {
            let r: CallRequest = serde_json::from_str(wire).expect("a request");
            let kind: serde_json::Value = serde_json::from_str(wire).expect("json");
            assert_eq!(<&'static str>::from(&r), kind["kind"], "{wire}");
        }
    }

    #[test]
    fn queue_figures_add_up_over_skills() {
        let f = |id: &str, waiting, longest| QueueFigure {
            skill_id: id.into(),
            name: None,
            access_code: None,
            waiting: Some(waiting),
            longest_wait_s: Some(longest),
            logged_on: None,
            available: None,
        };
        let q = QueueView::of(&[f("1", 3, 40), f("2", 2, 95)]);
        assert_eq!((q.waiting, q.longest_wait_s), (5, 95));
        assert_eq!(q.skills[0].name, "1", "a skill without a name shows its ID");
    }
}
