//! The agent's own setup (§8, §12): which skill queues it takes calls from,
//! auto-answer, and the state after a call. Without `resetskill` after
//! sign-in an agent can be signed in yet in no queue, so the session engine
//! calls it after every sign-in with the [`SkillChoice`] it was given.

use std::fmt;
use std::str::FromStr;

use reqwest::Method;
use serde::Serialize;
use serde_json::Value;

use super::decode::{items, text_of};
use super::validate::{self, InvalidParam, MAX_SKILL_LIST_CHARS, Param, Rule};
use super::{Client, ClientError};

/// Which skill queues to sign in to.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(tag = "type", content = "ids", rename_all = "camelCase")]
pub enum SkillChoice {
    /// Every skill configured for the agent.
    #[default]
    All,
    /// These skills, where configured for the agent; empty: none.
    Only(Vec<String>),
}

impl SkillChoice {
    /// `resetskill`'s `autoflag` and `skillid` (IDs joined by `;`).
    pub(crate) fn params(&self) -> Result<(&'static str, String), InvalidParam> {
        match self {
            SkillChoice::All => Ok(("true", String::new())),
            SkillChoice::Only(ids) => {
                for id in ids {
                    validate::digits_id(Param::SkillId, id)?;
                }
                let list = ids.join(";");
                if list.len() > MAX_SKILL_LIST_CHARS {
                    return Err(InvalidParam::new(
                        Param::Skills,
                        Rule::TooLong {
                            max: MAX_SKILL_LIST_CHARS,
                        },
                    ));
                }
                Ok(("false", list))
            }
        }
    }
}

impl fmt::Display for SkillChoice {
    /// `all`, `none`, or the IDs comma-separated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SkillChoice::All => f.write_str("all"),
            SkillChoice::Only(ids) if ids.is_empty() => f.write_str("none"),
            SkillChoice::Only(ids) => f.write_str(&ids.join(",")),
        }
    }
}

impl FromStr for SkillChoice {
    type Err = InvalidParam;

    /// `all`, `none`, or skill IDs separated by commas.
    fn from_str(s: &str) -> Result<SkillChoice, InvalidParam> {
        match s.trim().to_ascii_lowercase().as_str() {
            "all" => return Ok(SkillChoice::All),
            "none" => return Ok(SkillChoice::Only(Vec::new())),
            _ => {}
        }
        let ids: Vec<String> = s.split(',').map(|p| p.trim().to_owned()).collect();
        let c = SkillChoice::Only(ids);
        c.params()?;
        Ok(c)
    }
}

/// A skill queue (`agentskills`, `agentskill/{workno}`, `agentvdnskill`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Skill {
    pub id: String,
    pub name: Option<String>,
    pub media_type: Option<String>,
}

impl Skill {
    /// One entry; `None` without an ID.
    pub(crate) fn from_json(v: &Value) -> Option<Skill> {
        Some(Skill {
            id: text_of(v, &["id", "skillId", "skillid", "skillID", "deviceNo"])?,
            name: text_of(v, &["name", "skillName", "skillDescrip", "description"]),
            media_type: text_of(v, &["mediatype", "mediaType"]),
        })
    }

    pub(crate) fn list(result: &Value, what: &str) -> Result<Vec<Skill>, ClientError> {
        Ok(items(result, what)?
            .iter()
            .filter_map(Skill::from_json)
            .collect())
    }
}

impl Client {
    /// `POST /onlineagent/{agentid}/resetskill/{autoflag}?skillid=&phonelinkage=0`:
    /// signs the agent in to the chosen skill queues (and out of the others).
    pub async fn reset_skills(&self, choice: &SkillChoice) -> Result<(), ClientError> {
        let (auto, ids) = choice.params()?;
        let path = self.agent_path("onlineagent", &format!("resetskill/{auto}"));
        self.fetch(
            Method::POST,
            path,
            &[("skillid", &ids), ("phonelinkage", "0")],
            None,
        )
        .await
        .map(|_| ())
    }

    /// `GET /onlineagent/{agentid}/agentskills`: the skills configured for the agent.
    pub async fn configured_skills(&self) -> Result<Vec<Skill>, ClientError> {
        let r = self
            .fetch(
                Method::GET,
                self.agent_path("onlineagent", "agentskills"),
                &[],
                None,
            )
            .await?;
        Skill::list(&r, "agentskills")
    }

    /// `GET /queuedevice/{agentid}/agentskill/{workno}`: the skills `work_no`
    /// is signed in to (this agent's own ID for "mine").
    pub async fn signed_in_skills(&self, work_no: &str) -> Result<Vec<Skill>, ClientError> {
        validate::digits_id(Param::WorkNo, work_no)?;
        let path = self.agent_path("queuedevice", &format!("agentskill/{work_no}"));
        let r = self.fetch(Method::GET, path, &[], None).await?;
        Skill::list(&r, "agentskill")
    }

    /// `POST /onlineagent/{agentid}/autoanswer/{true|false}`.
    pub async fn set_auto_answer(&self, on: bool) -> Result<(), ClientError> {
        let path = self.agent_path("onlineagent", &format!("autoanswer/{on}"));
        self.op(Method::POST, path).await
    }

    /// `POST /onlineagent/{agentid}/autoenteridle/{true|false}`: idle after
    /// each call (`true`) or wrap-up (`false`).
    pub async fn set_auto_enter_idle(&self, idle: bool) -> Result<(), ClientError> {
        let path = self.agent_path("onlineagent", &format!("autoenteridle/{idle}"));
        self.op(Method::POST, path).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn skill_choices_parse_print_and_encode() {
        assert_eq!("all".parse(), Ok(SkillChoice::All));
        assert_eq!("none".parse(), Ok(SkillChoice::Only(vec![])));
        let c: SkillChoice = "1, 2,30".parse().expect("ids");
        assert_eq!(
            c,
            SkillChoice::Only(vec!["1".into(), "2".into(), "30".into()])
        );
        assert_eq!(c.to_string(), "1,2,30");
        assert_eq!(c.params(), Ok(("false", "1;2;30".to_owned())));
        assert_eq!(SkillChoice::All.params(), Ok(("true", String::new())));
        assert_eq!(
            SkillChoice::Only(vec![]).params(),
            Ok(("false", String::new()))
        );
        for bad in ["1;2", "a", "1,,2", ""] {
            assert!(bad.parse::<SkillChoice>().is_err(), "{bad}");
        }
        let many = SkillChoice::Only(vec!["1234567".into(); 600]);
        assert_eq!(many.params().map_err(|e| e.param), Err(Param::Skills));
    }

    #[test]
    fn skills_decode_tolerantly() {
        let r = json!([
            {"id": 1, "name": "Sales", "mediatype": "5"},
            {"skillId": "2", "skillName": "Support"},
            {"name": "no id"},
            "junk"
        ]);
        let s = Skill::list(&r, "x").expect("list");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].id, "1");
        assert_eq!(s[0].media_type.as_deref(), Some("5"));
        assert_eq!(s[1].name.as_deref(), Some("Support"));
        assert!(Skill::list(&json!(null), "x").expect("none").is_empty());
    }
}
