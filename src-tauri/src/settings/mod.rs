//! What an agent chose at sign-in and in the settings panel, kept in the
//! platform's config folder (`$XDG_CONFIG_HOME/agentbar/settings.json` on Linux).
//!
//! Secrets never live here: the password (when remembered) and the GUID are in
//! the OS keyring. An administrator can preset and lock settings in a
//! system-wide file (`/etc/agentbar/defaults.json`, root's to write): its values
//! fill in what the user has not set, and its `locked` names always win.
//!
//! `AGENTBAR_SYSTEM_DEFAULTS` names a candidate administrator file to try on
//! one desktop. Any user can set it, so it only ever adds to the system file:
//! it fills in and locks what the system file leaves open, and can neither
//! change nor unlock what the system file locks. A missing candidate adds
//! nothing; the system file still applies.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::limits::DEFAULT_PUSH_LISTEN;

mod store;

pub use store::{SettingsError, SettingsStore};

/// Where the system-wide administrator defaults live.
pub const SYSTEM_DEFAULTS: &str = "/etc/agentbar/defaults.json";

/// The variable naming a candidate administrator file, layered under the system one.
pub const CANDIDATE_DEFAULTS_VAR: &str = "AGENTBAR_SYSTEM_DEFAULTS";

/// How the gateway's certificate is trusted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(rename = "Trust")]
pub enum TrustSetting {
    /// The operating system's roots.
    System,
    /// The system roots plus this CA file (PEM).
    CaFile { path: String },
    /// Only the certificate with this SHA-256 fingerprint (hex).
    Pin { sha256: String },
}

/// Event delivery mode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum Mode {
    Poll,
    Push,
    /// Via the site relay: the gateway pushes to the relay and the bar
    /// connects out to it (no listener on this desktop).
    Relay,
}

/// The push receiver's settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct PushSettings {
    /// Local address the receiver listens on, such as 0.0.0.0:8443.
    pub listen: String,
    /// The URL the gateway posts to (reaches the listener).
    pub public_url: String,
    /// Certificate and key PEM files; both empty to generate one at start.
    pub cert_file: String,
    pub key_file: String,
}

impl Default for PushSettings {
    fn default() -> Self {
        Self {
            listen: DEFAULT_PUSH_LISTEN.to_owned(),
            public_url: String::new(),
            cert_file: String::new(),
            key_file: String::new(),
        }
    }
}

/// Events via the site relay (`agentbar-relay`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct RelaySettings {
    /// The relay's subscription addresses (`https://relay.example:9443`),
    /// tried in turn.
    pub urls: Vec<String>,
    /// The relay's push URL the gateway posts to (`callBackUri`); empty for
    /// the first relay's host on port 8443 with the reference path.
    pub push_url: String,
    /// How the relay's certificate is trusted.
    pub trust: TrustSetting,
}

impl Default for RelaySettings {
    fn default() -> Self {
        Self {
            urls: Vec::new(),
            push_url: String::new(),
            trust: TrustSetting::System,
        }
    }
}

/// Which desktop notifications fire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct NotificationSettings {
    pub ringing: bool,
    pub signed_out: bool,
    pub connection: bool,
    pub rest_over: bool,
}

impl Default for NotificationSettings {
    fn default() -> Self {
        Self {
            ringing: true,
            signed_out: true,
            connection: true,
            rest_over: true,
        }
    }
}

/// The agent's state right after sign-in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub enum StatusAfterSignIn {
    Idle,
    Busy,
    Work,
}

/// The language of the bar, the tray and notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default, TS)]
pub enum LanguageSetting {
    /// Follow the OS locale.
    #[default]
    #[serde(rename = "auto")]
    Auto,
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl LanguageSetting {
    /// The setting as written in the settings file ("auto", "en", "zh-CN").
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::En => "en",
            Self::ZhCn => "zh-CN",
        }
    }
}

/// Global keyboard shortcuts, such as "Ctrl+Alt+A"; empty turns one off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct ShortcutSettings {
    pub answer: String,
    pub hang_up: String,
    pub ready: String,
    pub busy: String,
    /// Mute or unmute the call.
    pub mute: String,
}

impl Default for ShortcutSettings {
    fn default() -> Self {
        Self {
            answer: "Ctrl+Alt+A".into(),
            hang_up: "Ctrl+Alt+H".into(),
            ready: "Ctrl+Alt+R".into(),
            busy: "Ctrl+Alt+B".into(),
            mute: "Ctrl+Alt+M".into(),
        }
    }
}

/// Which skill queues the agent signs in to right after every sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(tag = "kind", rename_all = "camelCase")]
#[ts(rename = "Skills")]
pub enum SkillsSetting {
    /// Every skill configured for the agent on the gateway.
    #[default]
    All,
    /// Only these skill IDs (where configured for the agent).
    Only { ids: Vec<String> },
}

impl SkillsSetting {
    /// What the engine signs in to after every sign-in.
    pub fn choice(&self) -> agentgateway::client::SkillChoice {
        match self {
            SkillsSetting::All => agentgateway::client::SkillChoice::All,
            SkillsSetting::Only { ids } => agentgateway::client::SkillChoice::Only(ids.clone()),
        }
    }
}

/// A busy or rest reason code with the name a site gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct NamedReason {
    pub code: u16,
    pub name: String,
}

/// Names for busy reasons (200-250) and rest causes (0-255), for sites
/// whose gateway offers none: an administrator's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS, Default)]
#[serde(rename_all = "camelCase", default)]
pub struct ReasonNames {
    pub busy: Vec<NamedReason>,
    pub rest: Vec<NamedReason>,
}

/// Everything but secrets; the page gets its type generated (`ui/src/bindings/`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase", default)]
pub struct Settings {
    pub gateways: Vec<String>,
    pub agent_id: String,
    pub phone: String,
    pub mode: Mode,
    pub push: PushSettings,
    pub relay: RelaySettings,
    pub trust: TrustSetting,
    pub status_after_sign_in: StatusAfterSignIn,
    pub remember_password: bool,
    pub take_over: bool,
    pub notifications: NotificationSettings,
    pub always_on_top: bool,
    pub quit_signs_out: bool,
    /// Start AgentBar at login (off by default).
    pub autostart: bool,
    pub language: LanguageSetting,
    pub shortcuts: ShortcutSettings,
    pub skills: SkillsSetting,
    /// Keep the list of recent calls across sign-outs (off: cleared at sign-out).
    pub keep_recent_calls: bool,
    pub reason_names: ReasonNames,
    /// Names of the settings an administrator locked (read-only for the user).
    pub locked: Vec<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            gateways: Vec::new(),
            agent_id: String::new(),
            phone: String::new(),
            mode: Mode::Poll,
            push: PushSettings::default(),
            relay: RelaySettings::default(),
            trust: TrustSetting::System,
            status_after_sign_in: StatusAfterSignIn::Idle,
            remember_password: false,
            take_over: false,
            notifications: NotificationSettings::default(),
            always_on_top: false,
            quit_signs_out: true,
            autostart: false,
            language: LanguageSetting::Auto,
            shortcuts: ShortcutSettings::default(),
            skills: SkillsSetting::All,
            keep_recent_calls: false,
            reason_names: ReasonNames::default(),
            locked: Vec::new(),
        }
    }
}

/// Every setting an administrator can lock, by its name in the settings file.
pub const LOCKABLE: &[&str] = &[
    "gateways",
    "agentId",
    "phone",
    "mode",
    "push",
    "relay",
    "trust",
    "statusAfterSignIn",
    "rememberPassword",
    "takeOver",
    "notifications",
    "alwaysOnTop",
    "quitSignsOut",
    "autostart",
    "language",
    "shortcuts",
    "skills",
    "keepRecentCalls",
    "reasonNames",
];

#[cfg(test)]
mod tests;
