//! Read-only queries (§10, §11): the agent's calls, its statistics for
//! today, how many callers wait in which queue, and the lists a transfer or
//! consult picker offers (skills, IVRs, access codes, agents). Everything
//! is decoded tolerantly (see `decode`); call data is never part of these
//! types (it has its own query and must not end up in logs).

use reqwest::Method;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::agent::Skill;
use super::calls::skill_number;
use super::decode::{count, count_of, int, items, text, text_of};
use super::validate::{self, Param};
use super::{Client, ClientError};

/// Largest number of skills asked for in one `queryacdstat` (the gateway
/// takes 100; Huawei's sample asks in batches of 90).
pub const ACD_BATCH: usize = 90;

/// A call as `callinfo` / `callinfobycallid` describe it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CallInfo {
    pub callid: Option<String>,
    /// The call `feature` code (§13).
    pub feature: Option<String>,
    pub caller: Option<String>,
    pub called: Option<String>,
    pub skill: Option<String>,
    pub skill_id: Option<String>,
    pub original_called: Option<String>,
    pub begin_time: Option<String>,
    pub end_time: Option<String>,
}

impl CallInfo {
    fn from_json(v: &Value) -> CallInfo {
        CallInfo {
            callid: text_of(v, &["callid", "callId"]),
            feature: text_of(v, &["callfeature", "callFeature", "feature"]),
            caller: text_of(v, &["caller"]),
            called: text_of(v, &["called"]),
            skill: text_of(v, &["callskill", "callSkill"]),
            skill_id: text_of(v, &["callskillid", "callSkillId"]),
            original_called: text_of(v, &["orgicallednum", "orgiCalledNum"]),
            begin_time: text_of(v, &["begintime", "beginTime"]),
            end_time: text_of(v, &["endtime", "endTime"]),
        }
    }

    /// `None` for a null or empty result (no call).
    fn from_result(r: &Value) -> Option<CallInfo> {
        let v = match r {
            Value::Array(a) => a.first()?,
            other => other,
        };
        let info = CallInfo::from_json(v);
        (info != CallInfo::default()).then_some(info)
    }
}

/// One held call (`holdlist`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HeldCall {
    pub callid: String,
    pub caller: Option<String>,
    pub called: Option<String>,
    pub skill: Option<String>,
    pub feature: Option<String>,
    pub begin_time: Option<String>,
}

/// The agent's figures for today (`statistics`, §10). Fields the gateway
/// leaves out are `None`; fields it adds are kept in `other`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Statistics {
    pub answered: Option<u64>,
    pub missed: Option<u64>,
    pub outbound: Option<u64>,
    pub internal: Option<u64>,
    pub internal_help: Option<u64>,
    pub transferred: Option<u64>,
    pub transferred_out: Option<u64>,
    pub transferred_to_ivr: Option<u64>,
    pub redirected: Option<u64>,
    pub held: Option<u64>,
    pub busy_count: Option<u64>,
    pub rest_count: Option<u64>,
    pub rest_overrun_count: Option<u64>,
    pub released_by_agent: Option<u64>,
    pub talk_time_s: Option<u64>,
    pub rest_time_s: Option<u64>,
    pub rest_overrun_time_s: Option<u64>,
    pub busy_time_s: Option<u64>,
    #[serde(skip_serializing_if = "Map::is_empty")]
    pub other: Map<String, Value>,
}

const STAT_FIELDS: [&str; 18] = [
    "answernums",
    "noanswernums",
    "calloutnums",
    "intercallnums",
    "interhelpnums",
    "transfernums",
    "transferoutnums",
    "transferivrnums",
    "redirectnums",
    "keepnums",
    "busynums",
    "restnums",
    "restoutnums",
    "agentrelease",
    "talktime",
    "resttime",
    "restouttime",
    "busytime",
];

impl Statistics {
    pub(crate) fn from_result(r: &Value) -> Result<Statistics, ClientError> {
        let v = match r {
            Value::Array(a) => a.first().unwrap_or(&Value::Null),
            other => other,
        };
        let obj = match v {
            Value::Object(m) => m,
            Value::Null => return Ok(Statistics::default()),
            _ => {
                return Err(ClientError::Malformed {
                    detail: "the statistics result is not an object".into(),
                });
            }
        };
        // Field names differ in case between releases.
        let get = |name: &str| {
            obj.iter()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .and_then(|(_, v)| count(v))
        };
        let [
            a,
            m,
            o,
            i,
            ih,
            t,
            to,
            ti,
            rd,
            h,
            b,
            r,
            ro,
            ar,
            tt,
            rt,
            rot,
            bt,
        ] = STAT_FIELDS.map(get);
        let other = obj
            .iter()
            .filter(|(k, _)| !STAT_FIELDS.iter().any(|f| k.eq_ignore_ascii_case(f)))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Ok(Statistics {
            answered: a,
            missed: m,
            outbound: o,
            internal: i,
            internal_help: ih,
            transferred: t,
            transferred_out: to,
            transferred_to_ivr: ti,
            redirected: rd,
            held: h,
            busy_count: b,
            rest_count: r,
            rest_overrun_count: ro,
            released_by_agent: ar,
            talk_time_s: tt,
            rest_time_s: rt,
            rest_overrun_time_s: rot,
            busy_time_s: bt,
            other,
        })
    }
}

/// One skill queue's figures now (`queryacdstat`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct QueueFigure {
    pub skill_id: String,
    pub name: Option<String>,
    /// The skill's access code (`pilotNbr`).
    pub access_code: Option<String>,
    /// Callers waiting (`queueSize`).
    pub waiting: Option<u64>,
    /// The longest current wait, in seconds (`queueTime`).
    pub longest_wait_s: Option<u64>,
    pub logged_on: Option<u64>,
    pub available: Option<u64>,
}

impl QueueFigure {
    fn from_json(v: &Value) -> Option<QueueFigure> {
        Some(QueueFigure {
            skill_id: text_of(v, &["deviceNo", "skillId", "id"])?,
            name: text_of(v, &["skillDescrip", "skillName", "name"]),
            access_code: text_of(v, &["pilotNbr"]),
            waiting: count_of(v, &["queueSize", "waitNum"]),
            longest_wait_s: count_of(v, &["queueTime"]),
            logged_on: count_of(v, &["loggedOnAgents"]),
            available: count_of(v, &["availAgents"]),
        })
    }
}

/// Callers waiting in the agent's signed-in skills (`waitnumbyagent`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Waiting {
    /// All of them (given, or the sum of `per_skill`).
    pub total: Option<u64>,
    pub per_skill: Vec<SkillWaiting>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SkillWaiting {
    pub skill_id: String,
    pub waiting: Option<u64>,
}

const WAIT_COUNT: [&str; 5] = ["waitNum", "waitnum", "queueSize", "num", "count"];

impl Waiting {
    /// A bare count, a list of per-skill entries, or an object of either.
    pub(crate) fn from_result(r: &Value) -> Waiting {
        if let Some(n) = count(r) {
            return Waiting {
                total: Some(n),
                per_skill: Vec::new(),
            };
        }
        let entry = |v: &Value| {
            Some(SkillWaiting {
                skill_id: text_of(v, &["skillId", "skillid", "id", "deviceNo"])?,
                waiting: count_of(v, &WAIT_COUNT),
            })
        };
        let per_skill: Vec<SkillWaiting> = match r {
            Value::Array(a) => a.iter().filter_map(entry).collect(),
            Value::Object(m) if m.keys().all(|k| k.chars().all(|c| c.is_ascii_digit())) => m
                .iter()
                .map(|(k, v)| SkillWaiting {
                    skill_id: k.clone(),
                    waiting: count(v),
                })
                .collect(),
            Value::Object(_) => entry(r).into_iter().collect(),
            _ => Vec::new(),
        };
        let given = match r {
            Value::Object(_) if per_skill.is_empty() => count_of(r, &WAIT_COUNT),
            _ => None,
        };
        let sum = (!per_skill.is_empty())
            .then(|| per_skill.iter().filter_map(|s| s.waiting).sum::<u64>());
        Waiting {
            total: given.or(sum),
            per_skill,
        }
    }
}

/// An IVR of the agent's VDN (`ivrinfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Ivr {
    pub id: Option<String>,
    /// What a transfer to it uses (`access`).
    pub access_code: Option<String>,
    pub description: Option<String>,
    pub service_no: Option<String>,
}

/// A system access code (`innoinfo`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AccessCode {
    pub id: Option<String>,
    pub code: Option<String>,
    pub description: Option<String>,
    pub media_type: Option<String>,
    pub vdn_id: Option<String>,
}

/// An agent as `idleagent` / `allagentstatus` list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AgentInfo {
    pub work_no: String,
    pub name: Option<String>,
    /// The `agentstatus` code (§2).
    pub status: Option<i64>,
    pub group_name: Option<String>,
    pub cti_status: Option<String>,
}

/// A rest reason (`restreason`): its ID is the `cause` of `rest`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RestReason {
    pub id: String,
    pub reason: Option<String>,
}

fn list<T>(r: &Value, what: &str, f: impl Fn(&Value) -> Option<T>) -> Result<Vec<T>, ClientError> {
    Ok(items(r, what)?.iter().filter_map(f).collect())
}

fn agent_info(v: &Value) -> Option<AgentInfo> {
    let work_no = match v {
        Value::Object(_) => text_of(v, &["workno", "workNo", "agentId", "agentid"])?,
        other => text(other)?,
    };
    Some(AgentInfo {
        work_no,
        name: text_of(v, &["name", "agentName"]),
        status: ["status", "agentStatus", "state"]
            .iter()
            .find_map(|k| v.get(*k).and_then(int)),
        group_name: text_of(v, &["groupName", "groupname"]),
        cti_status: text_of(v, &["ctiStatus", "ctistatus"]),
    })
}

impl Client {
    async fn get(
        &self,
        family: &str,
        action: &str,
        q: &[(&str, &str)],
    ) -> Result<Value, ClientError> {
        self.fetch(Method::GET, self.agent_path(family, action), q, None)
            .await
    }

    /// `GET /calldata/{agentid}/callinfo?isNoContainLastCall=true`: the
    /// current call, `None` when there is none.
    pub async fn call_info(&self) -> Result<Option<CallInfo>, ClientError> {
        let r = self
            .get("calldata", "callinfo", &[("isNoContainLastCall", "true")])
            .await?;
        Ok(CallInfo::from_result(&r))
    }

    /// `GET /calldata/{agentid}/callinfobycallid/{callid}`.
    pub async fn call_info_by_id(&self, callid: &str) -> Result<Option<CallInfo>, ClientError> {
        validate::path_id(Param::CallId, callid)?;
        let r = self
            .get("calldata", &format!("callinfobycallid/{callid}"), &[])
            .await?;
        Ok(CallInfo::from_result(&r))
    }

    /// `GET /calldata/{agentid}/allcallid`: the IDs of all the agent's calls.
    pub async fn all_call_ids(&self) -> Result<Vec<String>, ClientError> {
        let r = self.get("calldata", "allcallid", &[]).await?;
        list(&r, "allcallid", crate::client::decode::callid)
    }

    /// `GET /calldata/{agentid}/holdlist`: the agent's held calls (`400-003`,
    /// "hold list empty", is an empty list).
    pub async fn hold_list(&self) -> Result<Vec<HeldCall>, ClientError> {
        let r = match self.get("calldata", "holdlist", &[]).await {
            Err(ClientError::Gateway { retcode }) if retcode == "400-003" => return Ok(Vec::new()),
            other => other?,
        };
        list(&r, "holdlist", |v| {
            let i = CallInfo::from_json(v);
            Some(HeldCall {
                callid: i.callid.or_else(|| text(v))?,
                caller: i.caller,
                called: i.called,
                skill: i.skill,
                feature: i.feature,
                begin_time: i.begin_time,
            })
        })
    }

    /// `GET /calldata/{agentid}/statistics`: today's figures (costly for the
    /// gateway: ask on demand, not on a timer).
    pub async fn statistics(&self) -> Result<Statistics, ClientError> {
        let r = self.get("calldata", "statistics", &[]).await?;
        Statistics::from_result(&r)
    }

    /// `POST /queuedevice/{agentid}/queryacdstat` for `skill_ids`, asked in
    /// batches of [`ACD_BATCH`].
    pub async fn queue_figures(
        &self,
        skill_ids: &[String],
    ) -> Result<Vec<QueueFigure>, ClientError> {
        let ids = skill_ids
            .iter()
            .map(|s| skill_number(s))
            .collect::<Result<Vec<u64>, _>>()?;
        let mut out = Vec::new();
        for batch in ids.chunks(ACD_BATCH) {
            let body = json!({ "skills": batch });
            let path = self.agent_path("queuedevice", "queryacdstat");
            let r = self.fetch(Method::POST, path, &[], Some(body)).await?;
            out.extend(list(&r, "queryacdstat", QueueFigure::from_json)?);
        }
        Ok(out)
    }

    /// `GET /queuedevice/{agentid}/waitnumbyagent`: callers waiting in the
    /// skills the agent is signed in to.
    pub async fn waiting_for_me(&self) -> Result<Waiting, ClientError> {
        let r = self.get("queuedevice", "waitnumbyagent", &[]).await?;
        Ok(Waiting::from_result(&r))
    }

    /// `GET /queuedevice/{agentid}/agentvdnskill`: the skills of the agent's VDN.
    pub async fn vdn_skills(&self) -> Result<Vec<Skill>, ClientError> {
        let r = self.get("queuedevice", "agentvdnskill", &[]).await?;
        Skill::list(&r, "agentvdnskill")
    }

    /// `GET /queuedevice/{agentid}/ivrinfo`: the IVRs of the agent's VDN.
    pub async fn ivrs(&self) -> Result<Vec<Ivr>, ClientError> {
        let r = self.get("queuedevice", "ivrinfo", &[]).await?;
        list(&r, "ivrinfo", |v| {
            v.is_object().then(|| Ivr {
                id: text_of(v, &["id"]),
                access_code: text_of(v, &["access", "accessCode"]),
                description: text_of(v, &["description"]),
                service_no: text_of(v, &["serviceNo"]),
            })
        })
    }

    /// `GET /queuedevice/{agentid}/innoinfo`: the system access codes.
    pub async fn access_codes(&self) -> Result<Vec<AccessCode>, ClientError> {
        let r = self.get("queuedevice", "innoinfo", &[]).await?;
        list(&r, "innoinfo", |v| {
            v.is_object().then(|| AccessCode {
                id: text_of(v, &["id"]),
                code: text_of(v, &["inno", "accessCode"]),
                description: text_of(v, &["description"]),
                media_type: text_of(v, &["mediatype", "mediaType"]),
                vdn_id: text_of(v, &["vdnid", "vdnId"]),
            })
        })
    }

    /// `GET /agentgroup/{agentid}/idleagent`: agents idle now.
    pub async fn idle_agents(&self) -> Result<Vec<AgentInfo>, ClientError> {
        let r = self.get("agentgroup", "idleagent", &[]).await?;
        list(&r, "idleagent", agent_info)
    }

    /// `GET /agentgroup/{agentid}/allagentstatus`: every agent of the VDN.
    pub async fn all_agents(&self) -> Result<Vec<AgentInfo>, ClientError> {
        let r = self.get("agentgroup", "allagentstatus", &[]).await?;
        list(&r, "allagentstatus", agent_info)
    }

    /// `GET /agentgroup/{agentid}/restreason`: the site's rest reasons.
    pub async fn rest_reasons(&self) -> Result<Vec<RestReason>, ClientError> {
        let r = self.get("agentgroup", "restreason", &[]).await?;
        list(&r, "restreason", |v| {
            Some(RestReason {
                id: text_of(v, &["restReasonId", "reasonId", "id", "causeId"])?,
                reason: text_of(v, &["restReason", "reason", "name", "description"]),
            })
        })
    }
}

#[cfg(test)]
mod tests;
