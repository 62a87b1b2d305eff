//! The command line: global options, the sign-in options, one subcommand per
//! bar operation. Every option with an `AGENTBAR_*` variable reads it when
//! the option is not given; secrets (password, GUID) are read from the
//! environment by hand so that `--help` never shows their values.

use std::net::SocketAddr;
use std::path::PathBuf;

use agentgateway::SkillChoice;
use clap::{Args, Parser, Subcommand, ValueEnum};

mod calls;

pub use calls::{
    CallArgs, ConsultArgs, FoundCallId, RejectArgs, SkillsAction, SkillsArgs, TransferArgs,
};

const AFTER_HELP: &str = "\
Exit codes:
  0  done (watch: signed out after SIGINT or SIGTERM)
  1  the gateway refused (its retcode and meaning are on stderr)
  2  usage: a bad or missing option, no password, an unreadable CA file
  3  the gateway is unreachable, its certificate is not trusted, it did not
     answer in time or answered something malformed
  4  not signed in, or the gateway ended the session
  5  no keyring (Secret Service) to keep or read the session GUID

Environment:
  AGENTBAR_GATEWAY     gateway URL(s), comma-separated, primary first
  AGENTBAR_AGENT       agent ID
  AGENTBAR_CA_FILE     CA certificate (PEM) trusted besides the system roots
  AGENTBAR_PIN_SHA256  SHA-256 of the gateway's certificate (hex), instead of a CA
  AGENTBAR_PASSWORD    the agent's password, for watch and sign-in
  AGENTBAR_PHONE       the softphone number, for watch and sign-in
  AGENTBAR_GUID        session GUID for the one-shot commands instead of the
                       keyring (for scripts and tests; it is a secret)
  AGENTBAR_CALLID      call ID for unhold and calldata
  AGENTBAR_LOG         tracing filter for logs on stderr (e.g. debug)

The one-shot commands act on the session whose GUID is kept in the OS keyring
(service agentbar-cli, user = agent ID) by sign-in and by a running watch.
call, transfer, consult, take-back, conference, mute, unmute, dtmf, reject,
skills, queue and stats print one JSON object on stdout when done.";

/// Headless AgentBar: watch a CC-Gateway agent session as JSON lines and run
/// the connection bar's operations from scripts.
#[derive(Debug, Parser)]
#[command(name = "agentbar-cli", version, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// Options every command takes, before or after the command name.
#[derive(Debug, Args)]
pub struct Global {
    /// Gateway base URL, e.g. https://gw:8043 (the path /agentgateway/resource
    /// is added when missing). Repeat for backup gateways, primary first.
    #[arg(
        long = "gateway",
        value_name = "URL",
        global = true,
        env = "AGENTBAR_GATEWAY",
        value_delimiter = ','
    )]
    pub gateways: Vec<String>,
    /// Agent ID (digits).
    #[arg(long, value_name = "ID", global = true, env = "AGENTBAR_AGENT")]
    pub agent: Option<String>,
    /// Also trust this CA certificate (PEM) for the gateway.
    #[arg(long, value_name = "PEM", global = true, env = "AGENTBAR_CA_FILE")]
    pub ca_file: Option<PathBuf>,
    /// Trust exactly the gateway certificate with this SHA-256 (hex, colons allowed).
    #[arg(
        long,
        value_name = "HEX",
        global = true,
        env = "AGENTBAR_PIN_SHA256",
        conflicts_with = "ca_file"
    )]
    pub pin_sha256: Option<String>,
    /// Log to stderr (AGENTBAR_LOG sets the filter).
    #[arg(long, short, global = true)]
    pub verbose: bool,
    /// Allow a plain http:// gateway, for a test gateway only: the password
    /// and the session GUID then cross the network unencrypted.
    #[arg(long, global = true)]
    pub insecure_plain_http: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Sign in and print every event and every bar-state change as one JSON
    /// line on stdout, until SIGINT or SIGTERM (then sign out).
    #[command(after_help = WATCH_HELP)]
    Watch(Box<Watch>),
    /// Sign in, keep the GUID in the keyring and print a summary. Something
    /// must poll within 2 minutes (e.g. `watch`, which resumes this session),
    /// or the gateway signs the agent out.
    SignIn(SignInOpts),
    /// Sign out the session in the keyring.
    SignOut {
        /// Forcible sign-out: also releases the current call.
        #[arg(long)]
        force: bool,
    },
    /// Print the agent's status (agentstatus) as JSON.
    Status,
    /// Say idle (sayfree).
    Ready,
    /// Say busy.
    Busy {
        /// Busy reason, 200 to 250 (site-defined).
        #[arg(long, value_name = "N")]
        reason: Option<u16>,
    },
    /// Cancel busy.
    CancelBusy,
    /// Take a rest.
    Rest {
        /// Length in seconds, 1 to 86399.
        #[arg(long, value_name = "N")]
        seconds: u32,
        /// Rest cause, 0 to 255.
        #[arg(long, value_name = "N")]
        cause: u8,
    },
    /// End the rest.
    CancelRest,
    /// Enter wrap-up.
    Work,
    /// Leave wrap-up.
    CancelWork,
    /// Answer the ringing call.
    Answer,
    /// Hang up the current call.
    HangUp,
    /// Hold the current call.
    Hold,
    /// Take the held call back (gethold needs its call ID).
    #[command(after_help = CALLID_HELP)]
    Unhold(CallId),
    /// Read or write the current call's data.
    #[command(subcommand)]
    Calldata(Calldata),
    /// Dial a number (callout), or call another agent with agent:WORKNO
    /// (callinner).
    ///
    /// Prints {"kind":"call","internal":BOOL,"callid":ID}.
    Call(CallArgs),
    /// Transfer the current call, blind unless --wait; or cancel a waiting
    /// transfer.
    ///
    /// Prints {"kind":"transfer","to":TARGET,"wait":BOOL} or
    /// {"kind":"transferCancelled"}.
    #[command(after_help = calls::TARGET_HELP)]
    Transfer(TransferArgs),
    /// Consult another agent or a skill (inner help), the customer held
    /// unless --three-way.
    ///
    /// Prints {"kind":"consult","to":TARGET,
    /// "threeWay":BOOL,"callid":HELP_CALL_ID}.
    #[command(after_help = calls::TARGET_HELP)]
    Consult(ConsultArgs),
    /// End a two-party consult and take the customer back: drops the help
    /// call (without --callid: the one call that is not held).
    ///
    /// Prints {"kind":"takeBack","callid":ID}.
    TakeBack(FoundCallId),
    /// Join the held call and the current one into a three-party call
    /// (without --callid: the one held call).
    ///
    /// Prints {"kind":"conference","callid":HELD_CALL_ID}.
    Conference(FoundCallId),
    /// Mute the current call.
    ///
    /// Prints {"kind":"mute","muted":true}.
    Mute,
    /// Unmute the current call.
    ///
    /// Prints {"kind":"mute","muted":false}.
    Unmute,
    /// Send DTMF tones on the current call (1-24 of digits, * and #; the
    /// digits are never printed).
    ///
    /// Prints {"kind":"dtmf","sent":COUNT}.
    Dtmf {
        #[arg(value_name = "DIGITS")]
        digits: String,
    },
    /// Turn down the ringing call: released (the agent stays idle) unless
    /// --requeue.
    ///
    /// Prints {"kind":"reject","requeue":BOOL}.
    Reject(RejectArgs),
    /// List the skills configured for the agent, the signed-in ones marked,
    /// or sign in to skill queues (`skills sign-in`).
    ///
    /// Prints {"kind":"skills","skills":[{"id","name","mediaType","signedIn"}]};
    /// `skills sign-in` prints {"kind":"skillsSignedIn","choice":...,"skills":[...]}
    /// with the skills the agent is then signed in to.
    Skills(SkillsArgs),
    /// Callers waiting in each skill the agent is signed in to.
    ///
    /// Prints {"kind":"queue","waiting":TOTAL,"skills":[{"skillId","name",
    /// "accessCode","waiting","longestWaitS","loggedOn","available"}]}.
    Queue,
    /// Today's figures for the agent (calls answered, missed, talk time...).
    ///
    /// Prints {"kind":"stats","answered","missed",
    /// "outbound","internal","talkTimeS",...} (fields the gateway does not
    /// give are null).
    Stats,
}

const WATCH_HELP: &str = "\
Output, one JSON object per line, flushed at once:
  {\"kind\":\"event\", \"eventType\":..., \"workNo\":..., \"content\":..., ...}
      every gateway event, its fields exactly as received
  {\"kind\":\"state\", \"agent\":..., \"call\":..., \"health\":..., ...}
      the connection-bar state, whenever it changes

When the keyring holds a GUID for the agent (from sign-in, or a watch that
was killed), watch resumes that session instead of signing in (polling mode;
--fresh signs in anyway). It keeps the keyring current while it runs (the
GUID rotates every minute in the gateway's dynamic auth mode) and deletes the
entry at sign-out. Without a keyring it warns once and keeps the GUID in
memory only. Falling behind is reported on stderr, never hidden.

SIGINT or SIGTERM: sign out, exit 0. The gateway refuses a plain sign-out
during a call: then watch exits 1 and the agent stays signed in until
`sign-out --force` (or --force-sign-out, which releases the call). The
gateway ending the session: the reason on stderr, exit 4.";

const CALLID_HELP: &str = "\
The interface has no query for the current call ID (agentstatus tells only
the state), so it comes from --callid or AGENTBAR_CALLID: take it from
`watch` (content.callid of AgentEvent_Ringing or AgentEvent_Talking, or
call.callid of the state line).";

/// Sign-in options (watch and sign-in).
#[derive(Debug, Args)]
pub struct SignInOpts {
    /// Read the password from the first line of stdin (else AGENTBAR_PASSWORD).
    #[arg(long)]
    pub password_stdin: bool,
    /// Softphone number.
    #[arg(long, value_name = "NUM", env = "AGENTBAR_PHONE")]
    pub phone: Option<String>,
    /// State after sign-in.
    #[arg(long, value_enum, default_value = "idle")]
    pub status: StartStatus,
    /// Forcible sign-in: take over a session held elsewhere (retcode 100-002).
    #[arg(long)]
    pub force: bool,
    /// Let the gateway answer calls by itself (AgentEvent_Auto_Answer
    /// instead of AgentEvent_Ringing).
    #[arg(long)]
    pub auto_answer: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum StartStatus {
    Idle,
    Busy,
    Work,
}

impl StartStatus {
    /// The sign-in body's `status` code.
    pub fn code(self) -> u8 {
        match self {
            StartStatus::Busy => 3,
            StartStatus::Idle => 4,
            StartStatus::Work => 5,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Mode {
    /// Long polling (the default).
    Poll,
    /// The gateway posts events to an HTTPS endpoint this command runs.
    Push,
    /// Via the site relay (--relay-url): the gateway posts to the relay and
    /// this command subscribes to its agent's events there.
    Relay,
}

#[derive(Debug, Args)]
pub struct Watch {
    #[command(flatten)]
    pub sign_in: SignInOpts,
    /// Print the call's data in the state lines (left out by default: stdout
    /// is often a log file); event lines are always printed as received.
    #[arg(long)]
    pub show_calldata: bool,
    /// How events arrive.
    #[arg(long, value_enum, default_value = "poll")]
    pub mode: Mode,
    /// Push mode: where the event endpoint listens.
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:0")]
    pub push_listen: SocketAddr,
    /// Push mode: where a generated receiver certificate is kept (default:
    /// the user's data folder, agentbar-cli/push).
    #[arg(long, value_name = "DIR")]
    pub push_cert_dir: Option<PathBuf>,
    /// Push mode: the URL the gateway posts to (callBackUri); default
    /// https://{listen address}/service-cloud/rest/cc-ai/v1/agentevent/pushresult.
    #[arg(long, value_name = "URL")]
    pub push_url: Option<String>,
    /// Push mode: the endpoint's certificate chain (PEM); default self-signed.
    #[arg(long, value_name = "PEM", requires = "push_key")]
    pub push_cert: Option<PathBuf>,
    /// Push mode: the private key (PEM) for --push-cert.
    #[arg(long, value_name = "PEM", requires = "push_cert")]
    pub push_key: Option<PathBuf>,
    /// Relay mode: the relay's subscription URL, e.g. https://relay:9443.
    #[arg(long, value_name = "URL", required_if_eq("mode", "relay"))]
    pub relay_url: Option<String>,
    /// Relay mode: the relay's push URL given to the gateway (callBackUri);
    /// default https://{relay host}:8443/service-cloud/rest/cc-ai/v1/agentevent/pushresult.
    #[arg(long, value_name = "URL")]
    pub relay_push_url: Option<String>,
    /// Relay mode: trust only the relay certificate with this SHA-256.
    #[arg(long, value_name = "HEX")]
    pub relay_pin_sha256: Option<String>,
    /// Relay mode: trust this CA (PEM) for the relay besides the system roots.
    #[arg(long, value_name = "PEM", conflicts_with = "relay_pin_sha256")]
    pub relay_ca_file: Option<PathBuf>,
    /// Sign in even when the keyring holds a session to resume.
    #[arg(long)]
    pub fresh: bool,
    /// On SIGINT or SIGTERM sign out forcibly, which also releases a call
    /// in progress (a plain sign-out is refused during a call).
    #[arg(long)]
    pub force_sign_out: bool,
    /// The skill queues to join after every sign-in: all configured ones,
    /// none, or skill IDs comma-separated. A refusal does not stop watch:
    /// it is reported on stderr (not in any skill queue).
    #[arg(long, value_name = "all|none|IDS", default_value = "all", value_parser = calls::skills)]
    pub skills: SkillChoice,
}

#[derive(Debug, Args)]
pub struct CallId {
    /// The call's ID.
    #[arg(long, value_name = "ID", env = "AGENTBAR_CALLID")]
    pub callid: String,
}

#[derive(Debug, Subcommand)]
pub enum Calldata {
    /// Print the call's data on stdout.
    #[command(after_help = CALLID_HELP)]
    Get(CallId),
    /// Set the call's data (at most 16 KB), from VALUE or else stdin.
    #[command(after_help = CALLID_HELP)]
    Set {
        #[command(flatten)]
        call: CallId,
        /// Read the value from this file instead of stdin. The value is never
        /// an argument: arguments are visible to every user in `ps`.
        #[arg(long, value_name = "PATH")]
        file: Option<PathBuf>,
        /// Send the value Base64-encoded (isDataEncoded): for binary data.
        #[arg(long)]
        base64: bool,
    },
}
