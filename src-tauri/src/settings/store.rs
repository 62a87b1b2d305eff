//! The settings files: the user's, the administrator's and a candidate
//! administrator file, merged and locked; saved atomically, one save at a time.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::{CANDIDATE_DEFAULTS_VAR, LOCKABLE, SYSTEM_DEFAULTS, Settings};
use crate::files;

/// One save of the settings at a time: the write, the rename and the
/// reading back of the effective settings do not interleave.
static SAVING: Mutex<()> = Mutex::new(());

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
    pub(super) system: PathBuf,
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
