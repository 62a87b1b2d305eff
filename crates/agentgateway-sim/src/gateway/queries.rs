//! Read-only queries (protocol.md §8, §10, §11): skills, the agent's calls,
//! today's figures, queue figures, transfer targets and rest reasons.
//! They change nothing (no event, no GUID rotation).

use std::collections::HashMap;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::Reply;
use crate::{
    state::{Gateway, Slot, call::Call, call::Phase, session::Session},
    sync::lock,
    wire::{BAD_PARAMETER, Refusal, retcode},
};

/// A query of the agent interface.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Query {
    /// `onlineagent/{id}/agentskills`
    ConfiguredSkills,
    /// `onlineagent/{id}/agentskillsbyworkno/{workno}`
    ConfiguredSkillsOf(String),
    /// `queuedevice/{id}/agentskill/{workno}`
    SignedInSkillsOf(String),
    CallInfo {
        without_last: bool,
    },
    CallInfoById(String),
    AllCallIds,
    HoldList,
    CallCount,
    Statistics,
    StatisticsEx,
    WaitBySignedIn,
    WaitByConfigured,
    SkillWait(u32),
    AcdStat(Vec<u32>),
    VdnSkills,
    Ivrs,
    AccessCodes,
    IdleAgents,
    AllAgentStatus,
    AgentsBySkill(u32),
    RestReasons,
}

const HOLD_LIST_EMPTY: Refusal = Refusal::new(retcode::HOLD_LIST_EMPTY, "hold list empty");

fn call_info(call: &Call, s: &Session, site_skill: &str, ended: bool) -> Value {
    json!({
        "callfeature": call.feature.parse::<u32>().unwrap_or(0),
        "callid": call.id,
        "caller": call.caller,
        "called": call.called,
        "callskill": site_skill,
        "callskillid": call.skill.map(|s| s.to_string()).unwrap_or_default(),
        "orgicallednum": call.called,
        "calldata": s.calldata.get(&call.id).cloned().unwrap_or_default(),
        "begintime": call.begin_ms,
        "endtime": if ended { crate::wire::now_ms() } else { 0 },
    })
}

impl Gateway {
    fn skill_list(&self, ids: &[u32]) -> Value {
        let site = &self.cfg.site;
        ids.iter()
            .filter_map(|id| site.skill(*id))
            .map(|s| json!({"id": s.id, "name": s.name, "mediatype": 5}))
            .collect()
    }

    fn skill_name(&self, call: &Call) -> String {
        call.skill
            .and_then(|id| self.cfg.site.skill(id))
            .map(|s| s.name.clone())
            .unwrap_or_default()
    }

    /// Answer a query of a signed-in agent.
    pub fn query(&self, agent: &str, guid: Option<&str>, query: Query) -> Reply {
        let mut slots = self.slots();
        if let Err(refusal) = Self::session_for(&mut slots, agent, guid) {
            return refusal.into();
        }
        match self.answer_query(&slots, agent, query) {
            Ok(result) => Reply::ok(&result),
            Err(refusal) => refusal.into(),
        }
    }

    fn answer_query(
        &self,
        slots: &HashMap<String, Slot>,
        agent: &str,
        query: Query,
    ) -> Result<Value, Refusal> {
        let site = &self.cfg.site;
        let session_of = |a: &str| slots.get(a).and_then(|s| s.session.as_ref());
        let me = session_of(agent).ok_or(crate::wire::NOT_SIGNED_IN)?;
        let stats = || lock(&me.records).stats.clone();
        let queues = || lock(&self.queues);
        Ok(match query {
            Query::ConfiguredSkills => self.skill_list(&site.configured(agent)),
            Query::ConfiguredSkillsOf(w) | Query::SignedInSkillsOf(w)
                if !self.cfg.roster.contains(&w) =>
            {
                return Err(BAD_PARAMETER);
            }
            Query::ConfiguredSkillsOf(w) => self.skill_list(&site.configured(&w)),
            Query::SignedInSkillsOf(w) => {
                self.skill_list(&session_of(&w).map(|s| s.skills.clone()).unwrap_or_default())
            }
            Query::CallInfo { without_last } => match me.main_call() {
                Some(call) => call_info(call, me, &self.skill_name(call), false),
                None => match (&me.last_call, without_last) {
                    (Some(call), false) => call_info(call, me, &self.skill_name(call), true),
                    _ => Value::Null,
                },
            },
            Query::CallInfoById(id) => {
                let call = me.call(&id).ok_or(BAD_PARAMETER)?;
                call_info(call, me, &self.skill_name(call), false)
            }
            Query::AllCallIds => me.calls.iter().map(|c| json!(c.id)).collect(),
            Query::HoldList => {
                let held: Vec<Value> = me
                    .calls
                    .iter()
                    .filter(|c| c.phase == Phase::Held)
                    .map(|c| {
                        json!({
                            "callid": c.id,
                            "caller": c.caller,
                            "called": c.called,
                            "callskill": self.skill_name(c),
                            "callfeature": c.feature.parse::<u32>().unwrap_or(0),
                            "begintime": c.begin_ms,
                        })
                    })
                    .collect();
                if held.is_empty() {
                    return Err(HOLD_LIST_EMPTY);
                }
                Value::Array(held)
            }
            Query::CallCount => json!(me.calls.len()),
            Query::Statistics => stats().full(),
            Query::StatisticsEx => stats().light(),
            Query::WaitBySignedIn => json!(me.skills.iter().map(|s| queues().waiting(*s)).sum::<usize>()),
            Query::WaitByConfigured => json!(
                site.configured(agent)
                    .iter()
                    .map(|s| queues().waiting(*s))
                    .sum::<usize>()
            ),
            Query::SkillWait(skill) => {
                site.skill(skill).ok_or(BAD_PARAMETER)?;
                json!(queues().waiting(skill))
            }
            Query::AcdStat(ids) => {
                if ids.is_empty() || ids.len() > 100 {
                    return Err(BAD_PARAMETER);
                }
                let now = Instant::now();
                ids.iter()
                    .filter_map(|id| site.skill(*id))
                    .map(|skill| {
                        let signed_in: Vec<&Session> = self
                            .cfg
                            .roster
                            .agents()
                            .filter_map(&session_of)
                            .filter(|s| s.skills.contains(&skill.id))
                            .collect();
                        let q = queues();
                        json!({
                            "deviceNo": skill.id,
                            "skillDescrip": skill.name,
                            "pilotNbr": skill.access,
                            "queueSize": q.waiting(skill.id),
                            "queueTime": q.longest_wait(skill.id, now),
                            "loggedOnAgents": signed_in.len(),
                            "availAgents": signed_in.iter().filter(|s| s.is_available()).count(),
                            "transferFlg": 0,
                            "transferDeviceType": 0,
                            "transferDeviceNo": "",
                        })
                    })
                    .collect()
            }
            Query::VdnSkills => {
                let ids: Vec<u32> = site.skills.iter().map(|s| s.id).collect();
                self.skill_list(&ids)
            }
            Query::Ivrs => site
                .ivrs
                .iter()
                .map(|i| json!({"id": i.id, "access": i.access, "description": i.description, "serviceNo": i.id.to_string()}))
                .collect(),
            Query::AccessCodes => site
                .access_codes
                .iter()
                .map(|a| json!({"id": a.id, "inno": a.code, "description": a.description, "mediatype": 5, "vdnid": 1}))
                .collect(),
            Query::IdleAgents => self
                .cfg
                .roster
                .agents()
                .filter(|a| session_of(a).is_some_and(Session::is_available))
                .map(|a| self.agent_entry(a, session_of(a)))
                .collect(),
            Query::AllAgentStatus => self
                .cfg
                .roster
                .agents()
                .map(|a| self.agent_entry(a, session_of(a)))
                .collect(),
            Query::AgentsBySkill(skill) => {
                site.skill(skill).ok_or(BAD_PARAMETER)?;
                self.cfg
                    .roster
                    .agents()
                    .filter(|a| session_of(a).is_some_and(|s| s.skills.contains(&skill)))
                    .map(|a| self.agent_entry(a, session_of(a)))
                    .collect()
            }
            Query::RestReasons => site
                .rest_reasons
                .iter()
                .map(|(id, label)| json!({"restReasonId": id, "restReason": label}))
                .collect(),
        })
    }

    /// `{workno, name, status, groupName, ctiStatus}` of one agent.
    fn agent_entry(&self, agent: &str, session: Option<&Session>) -> Value {
        let profile = self.cfg.site.profile(agent);
        let status = session.map_or(2, Session::status_code);
        json!({
            "workno": agent,
            "name": profile.name,
            "status": status,
            "groupName": profile.group,
            "ctiStatus": status,
        })
    }
}
