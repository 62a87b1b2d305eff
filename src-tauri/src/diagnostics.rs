//! "Save diagnostics": one archive for the help desk with the log files, the
//! settings (which never hold a secret) and the connection timeline. Call data,
//! events and keyring contents are not included. The archive is owner-only.

use std::io::Write;
use std::path::PathBuf;

use tauri::{AppHandle, Manager};

use crate::errors::AppError;
use crate::i18n;
use crate::settings::Settings;
use crate::view::live::{Live, TimelineEntry};

/// Writes the archive on a blocking thread; returns its path.
pub async fn save(app: &AppHandle) -> Result<String, AppError> {
    let contents = Contents::gather(app);
    let path = tokio::task::spawn_blocking(move || contents.write())
        .await
        .map_err(|e| AppError::new("diagnostics", e.to_string()))?
        .map_err(|e| {
            AppError::new(
                "diagnostics",
                i18n::tf("error.diagnostics", &[("error", &e.to_string())]),
            )
        })?;
    Ok(path.to_string_lossy().into_owned())
}

/// What goes into the archive, gathered on the calling thread; written on a
/// blocking one.
struct Contents {
    out_dir: PathBuf,
    log_dir: Option<PathBuf>,
    settings: Settings,
    timeline: Vec<TimelineEntry>,
    about: String,
}

impl Contents {
    fn gather(app: &AppHandle) -> Self {
        let live = app.state::<Live>();
        let (settings, timeline) = (live.settings(), live.timeline());
        let out_dir = dirs::download_dir()
            .filter(|d| d.is_dir())
            .or_else(|| {
                app.path()
                    .app_data_dir()
                    .ok()
                    .map(|d| d.join("diagnostics"))
            })
            .unwrap_or_else(std::env::temp_dir);
        let package = app.package_info();
        let about = format!(
            "{} {}\nos: {} {}\nsaved at (epoch ms): {}\n",
            package.name,
            package.version,
            std::env::consts::OS,
            std::env::consts::ARCH,
            agentgateway::engine::now_ms()
        );
        Self {
            out_dir,
            log_dir: app.path().app_log_dir().ok(),
            settings,
            timeline,
            about,
        }
    }

    /// Writes `agentbar-diagnostics-<epoch ms>.tar.gz`; returns its path.
    fn write(self) -> std::io::Result<PathBuf> {
        if !self.out_dir.is_dir() {
            // A folder of its own (no downloads folder): the user's alone.
            crate::files::private_dir(&self.out_dir)?;
        }
        let path = self.out_dir.join(format!(
            "agentbar-diagnostics-{}.tar.gz",
            agentgateway::engine::now_ms()
        ));
        // It names the agent, the phone and the gateways: owner-only.
        let file = crate::files::create_private(&path)?;
        let gzip = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        let mut archive = tar::Builder::new(gzip);
        let settings = serde_json::to_vec_pretty(&self.settings).map_err(std::io::Error::other)?;
        let timeline = serde_json::to_vec_pretty(&self.timeline).map_err(std::io::Error::other)?;
        add(&mut archive, "about.txt", self.about.as_bytes())?;
        add(&mut archive, "settings.json", &settings)?;
        add(&mut archive, "timeline.json", &timeline)?;
        if let Some(dir) = &self.log_dir
            && let Ok(entries) = std::fs::read_dir(dir)
        {
            for entry in entries.flatten() {
                let name = entry.file_name();
                if entry.path().is_file() {
                    archive
                        .append_path_with_name(entry.path(), PathBuf::from("logs").join(name))?;
                }
            }
        }
        archive.into_inner()?.finish()?.flush()?;
        Ok(path)
    }
}

fn add<W: Write>(archive: &mut tar::Builder<W>, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(crate::files::FILE_MODE);
    header.set_mtime(agentgateway::engine::now_ms() / 1000);
    header.set_cksum();
    archive.append_data(&mut header, name, bytes)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::view::HealthKind;
    use std::io::Read;

    #[test]
    fn the_archive_holds_logs_settings_and_the_timeline() {
        let dir = tempfile::tempdir().unwrap();
        let logs = dir.path().join("logs");
        std::fs::create_dir_all(&logs).unwrap();
        std::fs::write(
            logs.join("agentbar.2026-11-21.log"),
            "signed in agent=101\n",
        )
        .unwrap();
        let contents = Contents {
            out_dir: dir.path().join("out"),
            log_dir: Some(logs),
            settings: Settings {
                agent_id: "101".into(),
                ..Settings::default()
            },
            timeline: vec![TimelineEntry {
                at: 5,
                health: HealthKind::Reconnecting,
                reason: Some("The gateway does not answer".into()),
                gateway: None,
            }],
            about: "AgentBar test\n".into(),
        };
        let path = contents.write().unwrap();

        let mut names = Vec::new();
        let mut timeline = String::new();
        let file = std::fs::File::open(&path).unwrap();
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(file));
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            if name == "timeline.json" {
                entry.read_to_string(&mut timeline).unwrap();
            }
            names.push(name);
        }
        names.sort();
        assert_eq!(
            names,
            [
                "about.txt",
                "logs/agentbar.2026-11-21.log",
                "settings.json",
                "timeline.json"
            ]
        );
        assert!(timeline.contains("reconnecting"), "{timeline}");
        assert_eq!(crate::files::mode_of(&path), crate::files::FILE_MODE);
        assert_eq!(
            crate::files::mode_of(&dir.path().join("out")),
            crate::files::DIR_MODE
        );
    }
}
