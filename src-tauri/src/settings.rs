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

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::files;
use crate::limits::DEFAULT_PUSH_LISTEN;

/// Where the system-wide administrator defaults live.
pub const SYSTEM_DEFAULTS: &str = "/etc/agentbar/defaults.json";

/// The variable naming a candidate administrator file, layered under the system one.
pub const CANDIDATE_DEFAULTS_VAR: &str = "AGENTBAR_SYSTEM_DEFAULTS";

/// One save of the settings at a time: the write, the rename and the
/// reading back of the effective settings do not interleave.
static SAVING: Mutex<()> = Mutex::new(());

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

/// Reading or writing the settings file failed.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    /// The file exists but is not valid settings JSON.
    #[error("the settings file {path} is not valid: {source}")]
    Invalid {
        path: PathBuf,
        #[source]
        source: serde_json::Error,
    },
    /// The file could not be read or written.
    #[error("could not access the settings file {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
}

/// The settings files of this user and this machine.
#[derive(Debug, Clone)]
pub struct SettingsStore {
    user: PathBuf,
    system: PathBuf,
    /// A candidate administrator file (`AGENTBAR_SYSTEM_DEFAULTS`), under the system one.
    candidate: Option<PathBuf>,
}

impl SettingsStore {
    /// The platform's locations: the system file is always
    /// [`SYSTEM_DEFAULTS`]; `AGENTBAR_SYSTEM_DEFAULTS` only adds a candidate.
    pub fn platform() -> Self {
        let user = dirs::config_dir()
            .unwrap_or_else(std::env::temp_dir)
            .join("agentbar")
            .join("settings.json");
        Self {
            user,
            system: PathBuf::from(SYSTEM_DEFAULTS),
            candidate: std::env::var_os(CANDIDATE_DEFAULTS_VAR).map(PathBuf::from),
        }
    }

    /// Files at explicit paths (tests).
    #[cfg(test)]
    pub fn at(user: impl Into<PathBuf>, system: impl Into<PathBuf>) -> Self {
        Self {
            user: user.into(),
            system: system.into(),
            candidate: None,
        }
    }

    /// The same store with a candidate administrator file (tests).
    #[cfg(test)]
    pub fn with_candidate(mut self, candidate: impl Into<PathBuf>) -> Self {
        self.candidate = Some(candidate.into());
        self
    }

    /// The folder of the user's settings, where other per-user state is kept.
    pub fn user_dir(&self) -> PathBuf {
        self.user
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default()
    }

    /// The user's settings file.
    #[cfg(test)]
    pub fn user_path(&self) -> &Path {
        &self.user
    }

    /// The effective settings: the system defaults, overlaid by the user's
    /// file, with locked settings taken from the system defaults again.
    pub fn load(&self) -> Result<Settings, SettingsError> {
        // The administrator's files first, so a fault in them is named as such.
        let system = self.administrator_json()?;
        let defaults: Option<Settings> = system
            .clone()
            .map(serde_json::from_value)
            .transpose()
            .map_err(|source| SettingsError::Invalid {
                path: self.system.clone(),
                source,
            })?;
        let user = read_json(&self.user)?;
        let mut merged = system.unwrap_or(serde_json::Value::Object(Default::default()));
        if let (Some(target), Some(serde_json::Value::Object(user))) =
            (merged.as_object_mut(), user)
        {
            for (key, value) in user {
                if key != "locked" {
                    target.insert(key, value);
                }
            }
        }
        let mut settings: Settings =
            serde_json::from_value(merged).map_err(|source| SettingsError::Invalid {
                path: self.user.clone(),
                source,
            })?;
        if let Some(defaults) = defaults {
            settings = apply_locks(settings, &defaults);
        }
        Ok(settings)
    }

    /// What to run with when [`SettingsStore::load`] fails. A broken
    /// administrator file locks every setting (fail closed: the administrator's
    /// locks must never silently vanish); a broken user file gives way to the
    /// administrator's defaults.
    pub fn fallback(&self, error: &SettingsError) -> Settings {
        let path = match error {
            SettingsError::Invalid { path, .. } | SettingsError::Io { path, .. } => path,
        };
        if *path == self.system || self.candidate.as_ref() == Some(path) {
            return Settings {
                locked: LOCKABLE.iter().map(|name| (*name).to_owned()).collect(),
                ..Settings::default()
            };
        }
        let system_only = Self {
            user: PathBuf::new(),
            ..self.clone()
        };
        system_only.load().unwrap_or_default()
    }

    /// Saves `settings` for this user (locked ones are kept as the administrator
    /// set them) and returns the effective settings.
    /// Saves are serialised and atomic: a crash at any point leaves the old
    /// file or the new one, owner-only (see [`crate::files`]).
    pub fn save(&self, settings: &Settings) -> Result<Settings, SettingsError> {
        let _one_at_a_time = SAVING.lock().unwrap_or_else(|p| p.into_inner());
        let mut to_write = settings.clone();
        to_write.locked.clear();
        let body =
            serde_json::to_vec_pretty(&to_write).map_err(|source| SettingsError::Invalid {
                path: self.user.clone(),
                source,
            })?;
        let io = |source| SettingsError::Io {
            path: self.user.clone(),
            source,
        };
        files::remove_stale_temps(&self.user);
        files::write_atomic(&self.user, &body).map_err(io)?;
        self.load()
    }

    /// Closes up the settings folder and files an earlier version left
    /// readable by others (missing is fine).
    pub fn restrict(&self) {
        let dir = self.user_dir();
        if dir.is_dir()
            && let Err(error) =
                files::private_dir(&dir).and_then(|()| files::restrict_files_in(&dir))
        {
            tracing::warn!(%error, "could not make the settings folder private");
        }
    }

    /// The administrator's defaults as JSON: the system file, with the
    /// candidate filling in and locking only what the system file leaves open.
    fn administrator_json(&self) -> Result<Option<serde_json::Value>, SettingsError> {
        let system = read_json(&self.system)?;
        let Some(candidate_path) = &self.candidate else {
            return Ok(system);
        };
        let Some(candidate) = read_json(candidate_path)? else {
            tracing::warn!(path = %candidate_path.display(), "the candidate administrator file does not exist");
            return Ok(system);
        };
        let Some(system) = system else {
            return Ok(Some(candidate));
        };
        let (serde_json::Value::Object(mut merged), serde_json::Value::Object(candidate)) =
            (system, candidate)
        else {
            return Err(SettingsError::Invalid {
                path: candidate_path.clone(),
                source: serde::de::Error::custom("an administrator file must be one JSON object"),
            });
        };
        let mut locked = names(merged.get("locked"));
        let held_by_system = locked.clone();
        for (key, value) in candidate {
            if key == "locked" {
                for name in names(Some(&value)) {
                    if !locked.contains(&name) {
                        locked.push(name);
                    }
                }
            } else if !held_by_system.contains(&key) {
                merged.insert(key, value);
            }
        }
        merged.insert("locked".into(), locked.into());
        Ok(Some(serde_json::Value::Object(merged)))
    }
}

/// The strings of a JSON `locked` list (anything else is none).
fn names(value: Option<&serde_json::Value>) -> Vec<String> {
    value
        .and_then(serde_json::Value::as_array)
        .map(|names| {
            names
                .iter()
                .filter_map(|n| n.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

fn read_json(path: &Path) -> Result<Option<serde_json::Value>, SettingsError> {
    match std::fs::read(path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes)
                .map(Some)
                .map_err(|source| SettingsError::Invalid {
                    path: path.to_path_buf(),
                    source,
                })
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(SettingsError::Io {
            path: path.to_path_buf(),
            source,
        }),
    }
}

/// Takes every locked setting from the administrator's defaults.
fn apply_locks(mut settings: Settings, defaults: &Settings) -> Settings {
    for name in &defaults.locked {
        match name.as_str() {
            "gateways" => settings.gateways = defaults.gateways.clone(),
            "agentId" => settings.agent_id = defaults.agent_id.clone(),
            "phone" => settings.phone = defaults.phone.clone(),
            "mode" => settings.mode = defaults.mode,
            "push" => settings.push = defaults.push.clone(),
            "relay" => settings.relay = defaults.relay.clone(),
            "trust" => settings.trust = defaults.trust.clone(),
            "statusAfterSignIn" => settings.status_after_sign_in = defaults.status_after_sign_in,
            "rememberPassword" => settings.remember_password = defaults.remember_password,
            "takeOver" => settings.take_over = defaults.take_over,
            "notifications" => settings.notifications = defaults.notifications,
            "alwaysOnTop" => settings.always_on_top = defaults.always_on_top,
            "quitSignsOut" => settings.quit_signs_out = defaults.quit_signs_out,
            "autostart" => settings.autostart = defaults.autostart,
            "language" => settings.language = defaults.language,
            "shortcuts" => settings.shortcuts = defaults.shortcuts.clone(),
            "skills" => settings.skills = defaults.skills.clone(),
            "keepRecentCalls" => settings.keep_recent_calls = defaults.keep_recent_calls,
            "reasonNames" => settings.reason_names = defaults.reason_names.clone(),
            other => tracing::warn!(
                setting = other,
                "the administrator locked an unknown setting"
            ),
        }
    }
    settings.locked = defaults.locked.clone();
    settings
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store(dir: &tempfile::TempDir) -> SettingsStore {
        SettingsStore::at(
            dir.path().join("user/settings.json"),
            dir.path().join("defaults.json"),
        )
    }

    #[test]
    fn missing_files_give_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(store(&dir).load().unwrap(), Settings::default());
    }

    #[test]
    fn saved_settings_load_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir);
        let settings = Settings {
            gateways: vec!["https://gw.example:8043/agentgateway/resource".into()],
            agent_id: "291".into(),
            phone: "6001".into(),
            trust: TrustSetting::Pin {
                sha256: "ab".repeat(32),
            },
            ..Settings::default()
        };
        assert_eq!(store.save(&settings).unwrap(), settings);
        assert_eq!(store.load().unwrap(), settings);
    }

    #[test]
    fn administrator_defaults_fill_in_and_locks_win() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir);
        std::fs::write(
            dir.path().join("defaults.json"),
            r#"{"gateways":["https://cc.corp:8043/agentgateway/resource"],
                "trust":{"kind":"caFile","path":"/etc/agentbar/ca.pem"},
                "alwaysOnTop":true,
                "locked":["gateways","trust"]}"#,
        )
        .unwrap();
        let mine = Settings {
            gateways: vec!["https://elsewhere/agentgateway/resource".into()],
            trust: TrustSetting::System,
            agent_id: "101".into(),
            always_on_top: false,
            ..Settings::default()
        };
        let effective = store.save(&mine).unwrap();
        assert_eq!(
            effective.gateways,
            vec!["https://cc.corp:8043/agentgateway/resource"]
        );
        assert_eq!(
            effective.trust,
            TrustSetting::CaFile {
                path: "/etc/agentbar/ca.pem".into()
            }
        );
        assert_eq!(effective.agent_id, "101");
        assert!(
            !effective.always_on_top,
            "an unlocked default yields to the user's choice"
        );
        assert_eq!(effective.locked, vec!["gateways", "trust"]);
    }

    #[test]
    fn an_administrator_presets_and_locks_the_relay() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir);
        std::fs::write(
            dir.path().join("defaults.json"),
            r#"{"mode":"relay",
                "relay":{"urls":["https://relay.corp:9443","https://relay2.corp:9443"],
                         "trust":{"kind":"pin","sha256":"ab"}},
                "locked":["mode","relay"]}"#,
        )
        .unwrap();
        let mine = Settings {
            mode: Mode::Push,
            relay: RelaySettings {
                urls: vec!["https://elsewhere:9443".into()],
                push_url: "https://elsewhere:8443/x".into(),
                trust: TrustSetting::System,
            },
            ..Settings::default()
        };
        let effective = store.save(&mine).unwrap();
        assert_eq!(effective.mode, Mode::Relay);
        assert_eq!(
            effective.relay,
            RelaySettings {
                urls: vec![
                    "https://relay.corp:9443".into(),
                    "https://relay2.corp:9443".into()
                ],
                push_url: String::new(),
                trust: TrustSetting::Pin {
                    sha256: "ab".into()
                },
            }
        );
        assert_eq!(effective.locked, vec!["mode", "relay"]);
        let json = serde_json::to_value(&effective).unwrap();
        assert_eq!(json["mode"], "relay");
        assert_eq!(json["relay"]["pushUrl"], "");
    }

    #[test]
    fn settings_from_before_the_relay_load_without_it() {
        let old: Settings = serde_json::from_str(r#"{"mode":"push","agentId":"101"}"#).unwrap();
        assert_eq!(old.mode, Mode::Push);
        assert_eq!(old.relay, RelaySettings::default());
    }

    #[test]
    fn language_and_shortcuts_have_defaults_and_load_back() {
        let old: Settings = serde_json::from_str(r#"{"agentId":"101"}"#).unwrap();
        assert_eq!(old.language, LanguageSetting::Auto);
        assert_eq!(old.shortcuts.answer, "Ctrl+Alt+A");
        assert_eq!(old.shortcuts.hang_up, "Ctrl+Alt+H");
        let chosen: Settings = serde_json::from_str(
            r#"{"language":"zh-CN","shortcuts":{"answer":"Ctrl+Shift+F1","busy":""}}"#,
        )
        .unwrap();
        assert_eq!(chosen.language, LanguageSetting::ZhCn);
        assert_eq!(chosen.shortcuts.answer, "Ctrl+Shift+F1");
        assert_eq!(chosen.shortcuts.busy, "");
        assert_eq!(chosen.shortcuts.ready, "Ctrl+Alt+R");
        let json = serde_json::to_value(&chosen).unwrap();
        assert_eq!(json["language"], "zh-CN");
        assert_eq!(json["shortcuts"]["hangUp"], "Ctrl+Alt+H");
    }

    #[test]
    fn a_broken_administrator_file_locks_everything() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir);
        std::fs::write(dir.path().join("defaults.json"), "{\"locked\": [\"trust\"").unwrap();
        let error = store.load().unwrap_err();
        assert!(
            error.to_string().contains("defaults.json"),
            "names the administrator's file: {error}"
        );
        let fallback = store.fallback(&error);
        for name in LOCKABLE {
            assert!(
                fallback.locked.iter().any(|l| l == name),
                "{name} stays locked"
            );
        }
    }

    #[test]
    fn a_broken_user_file_gives_way_to_the_administrator_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir);
        std::fs::write(
            dir.path().join("defaults.json"),
            r#"{"gateways":["https://cc.corp:8043/agentgateway/resource"],"locked":["gateways"]}"#,
        )
        .unwrap();
        std::fs::create_dir_all(store.user_path().parent().unwrap()).unwrap();
        std::fs::write(store.user_path(), "{not json").unwrap();
        let error = store.load().unwrap_err();
        let fallback = store.fallback(&error);
        assert_eq!(
            fallback.gateways,
            vec!["https://cc.corp:8043/agentgateway/resource"]
        );
        assert_eq!(fallback.locked, vec!["gateways"]);
    }

    fn lock_gateways(dir: &tempfile::TempDir) {
        std::fs::write(
            dir.path().join("defaults.json"),
            r#"{"gateways":["https://cc.corp:8043/agentgateway/resource"],
                "trust":{"kind":"caFile","path":"/etc/agentbar/ca.pem"},
                "locked":["gateways","trust"]}"#,
        )
        .unwrap();
    }

    fn wants_elsewhere() -> Settings {
        Settings {
            gateways: vec!["https://elsewhere/agentgateway/resource".into()],
            trust: TrustSetting::System,
            agent_id: "101".into(),
            ..Settings::default()
        }
    }

    #[test]
    fn the_system_file_is_read_whatever_the_environment() {
        // `AGENTBAR_SYSTEM_DEFAULTS` may be set by any user: it never moves the system file.
        assert_eq!(SettingsStore::platform().system, Path::new(SYSTEM_DEFAULTS));
    }

    #[test]
    fn a_missing_candidate_file_keeps_the_administrator_locks() {
        let dir = tempfile::tempdir().unwrap();
        lock_gateways(&dir);
        let store = store(&dir).with_candidate("/nonexistent/defaults.json");
        let effective = store.save(&wants_elsewhere()).unwrap();
        assert_eq!(
            effective.gateways,
            vec!["https://cc.corp:8043/agentgateway/resource"]
        );
        assert_eq!(effective.locked, vec!["gateways", "trust"]);
        assert_eq!(store.load().unwrap(), effective);
    }

    #[test]
    fn a_candidate_file_adds_locks_but_never_lifts_or_changes_the_administrators() {
        let dir = tempfile::tempdir().unwrap();
        lock_gateways(&dir);
        let candidate = dir.path().join("mine.json");
        std::fs::write(
            &candidate,
            r#"{"gateways":["https://elsewhere/agentgateway/resource"],
                "trust":{"kind":"system"},
                "alwaysOnTop":true,
                "locked":["alwaysOnTop"]}"#,
        )
        .unwrap();
        let store = store(&dir).with_candidate(&candidate);
        let effective = store.save(&wants_elsewhere()).unwrap();
        assert_eq!(
            effective.gateways,
            vec!["https://cc.corp:8043/agentgateway/resource"]
        );
        assert_eq!(
            effective.trust,
            TrustSetting::CaFile {
                path: "/etc/agentbar/ca.pem".into()
            }
        );
        assert!(effective.always_on_top, "the candidate locks what is open");
        assert_eq!(effective.locked, vec!["gateways", "trust", "alwaysOnTop"]);
    }

    #[test]
    fn without_a_system_file_the_candidate_is_the_administrator_file() {
        let dir = tempfile::tempdir().unwrap();
        let candidate = dir.path().join("candidate.json");
        std::fs::write(
            &candidate,
            r#"{"gateways":["https://cc.corp:8043/agentgateway/resource"],"locked":["gateways"]}"#,
        )
        .unwrap();
        let store = store(&dir).with_candidate(&candidate);
        let effective = store.save(&wants_elsewhere()).unwrap();
        assert_eq!(
            effective.gateways,
            vec!["https://cc.corp:8043/agentgateway/resource"]
        );
        assert_eq!(effective.locked, vec!["gateways"]);
    }

    #[test]
    fn a_broken_candidate_file_locks_everything() {
        let dir = tempfile::tempdir().unwrap();
        let candidate = dir.path().join("candidate.json");
        std::fs::write(&candidate, "{\"locked\": [").unwrap();
        let store = store(&dir).with_candidate(&candidate);
        let error = store.load().unwrap_err();
        assert_eq!(store.fallback(&error).locked.len(), LOCKABLE.len());
    }

    #[test]
    fn saved_settings_are_owner_only() {
        use crate::files::{DIR_MODE, FILE_MODE, mode_of};
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir);
        store.save(&wants_elsewhere()).unwrap();
        assert_eq!(mode_of(store.user_path()), FILE_MODE);
        assert_eq!(mode_of(store.user_path().parent().unwrap()), DIR_MODE);
    }

    #[test]
    fn quick_saves_from_many_threads_never_corrupt_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir);
        let saves: Vec<_> = (0..8)
            .map(|thread| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for n in 0..25 {
                        let settings = Settings {
                            agent_id: format!("{thread}{n}"),
                            phone: "6".repeat(1 + (thread * 31 + n) % 24),
                            ..Settings::default()
                        };
                        store.save(&settings).expect("every save succeeds");
                        store.load().expect("the file is whole after every save");
                    }
                })
            })
            .collect();
        for save in saves {
            save.join().unwrap();
        }
        let names: Vec<_> = std::fs::read_dir(store.user_path().parent().unwrap())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["settings.json"], "no temporary file is left");
    }

    #[test]
    fn a_corrupt_file_is_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir);
        std::fs::create_dir_all(store.user_path().parent().unwrap()).unwrap();
        std::fs::write(store.user_path(), "{not json").unwrap();
        let error = store.load().unwrap_err().to_string();
        assert!(error.contains("settings.json"), "{error}");
    }
}
