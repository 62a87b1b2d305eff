//! Options of the call-control, skill and queue commands. Targets and skill
//! lists are parsed here, by the library's own rules, so a bad one is a
//! usage error (exit 2) before anything is sent.

use agentgateway::{CallTarget, SkillChoice};
use clap::{ArgGroup, Args, Subcommand};

use crate::fail::param_words;

pub const TARGET_HELP: &str = "\
Targets (TARGET):
  agent:WORKNO    another agent
  skill:ID        a skill queue
  ivr:ID          an IVR, by its access code (blind transfer only)
  access:CODE     a system access code
  number:NUMBER   an external number (digits, A-E, * and #)";

pub fn target(s: &str) -> Result<CallTarget, String> {
    s.parse().map_err(|e| param_words(&e))
}

pub fn skills(s: &str) -> Result<SkillChoice, String> {
    s.parse().map_err(|e| param_words(&e))
}

/// `call`.
#[derive(Debug, Args)]
pub struct CallArgs {
    /// The number to dial (1-24 of digits, * and #), or agent:WORKNO for an
    /// internal call to another agent.
    #[arg(value_name = "NUMBER")]
    pub number: String,
    /// The number shown to the called party (digits; default: the platform's).
    #[arg(long, value_name = "N")]
    pub caller: Option<String>,
    /// The skill the call is made for.
    #[arg(long, value_name = "ID")]
    pub skill: Option<String>,
}

/// `transfer`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("what").required(true).args(["to", "cancel"])))]
pub struct TransferArgs {
    /// Where the call goes.
    #[arg(long, value_name = "TARGET", value_parser = target)]
    pub to: Option<CallTarget>,
    /// Stay on the call until the target answers (and keep the customer if
    /// it does not) instead of leaving at once.
    #[arg(long, requires = "to")]
    pub wait: bool,
    /// Cancel a waiting transfer: take the customer back.
    #[arg(long, conflicts_with_all = ["to", "wait"])]
    pub cancel: bool,
}

/// `consult`.
#[derive(Debug, Args)]
pub struct ConsultArgs {
    /// Whom to consult: agent:WORKNO or skill:ID.
    #[arg(long, value_name = "TARGET", value_parser = target)]
    pub to: CallTarget,
    /// The customer hears the consult (three-party) instead of being held.
    #[arg(long)]
    pub three_way: bool,
}

/// A call ID found by the command when not given.
#[derive(Debug, Args)]
pub struct FoundCallId {
    /// The call's ID (default: found from the gateway's list of calls).
    #[arg(long, value_name = "ID")]
    pub callid: Option<String>,
}

/// `reject`.
#[derive(Debug, Args)]
pub struct RejectArgs {
    /// Put the call back in its queue (the agent goes busy) instead of
    /// releasing it (the agent stays idle).
    #[arg(long)]
    pub requeue: bool,
    /// The ringing call's ID (default: the one ringing).
    #[arg(long, value_name = "ID")]
    pub callid: Option<String>,
}

/// `skills`.
#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct SkillsArgs {
    #[command(subcommand)]
    pub action: Option<SkillsAction>,
}

#[derive(Debug, Subcommand)]
pub enum SkillsAction {
    /// Sign in to skill queues (resetskill): every configured one, or only
    /// these; the agent leaves the others.
    SignIn(SkillsSignIn),
}

#[derive(Debug, Args)]
#[command(group(ArgGroup::new("which").required(true).args(["all", "ids"])))]
pub struct SkillsSignIn {
    /// Every skill configured for the agent.
    #[arg(long)]
    pub all: bool,
    /// Skill IDs, comma-separated (e.g. 1,4,7); "none" leaves every queue.
    #[arg(value_name = "IDS", value_parser = skills)]
    pub ids: Option<SkillChoice>,
}
