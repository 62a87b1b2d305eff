//! The files AgentBar writes for its user: settings, logs, the diagnostics
//! archive, the push receiver's certificate. They hold the agent ID, the phone
//! number, the gateways and the error timeline, so they are the user's alone:
//! folders 0700, files 0600, whatever the login's umask. At start the process
//! umask becomes 077, so nothing the app or its libraries create (log files at
//! rotation, WebKit storage, window state) is readable by other users either.
//!
//! Saves are atomic: a unique temporary file in the same folder, written and
//! flushed to disk, renamed over the old file, then the folder flushed too; a
//! crash at any point leaves either the old file or the new one, never a part.

use std::fs::{DirBuilder, File, OpenOptions, Permissions};
use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::Path;

/// Owner-only folder mode.
pub const DIR_MODE: u32 = 0o700;
/// Owner-only file mode.
pub const FILE_MODE: u32 = 0o600;

/// Makes everything this process creates from now on owner-only.
pub fn restrict_umask() {
    use nix::sys::stat::{Mode, umask};
    umask(Mode::from_bits_truncate(0o077));
}

/// Creates `dir` (and missing parents) owner-only; an existing `dir` is made
/// owner-only too, so files an earlier version left open to others close up.
pub fn private_dir(dir: &Path) -> std::io::Result<()> {
    DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)?;
    std::fs::set_permissions(dir, Permissions::from_mode(DIR_MODE))
}

/// Makes every regular file directly in `dir` owner-only (missing `dir` is fine).
pub fn restrict_files_in(dir: &Path) -> std::io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(error) => return Err(error),
    };
    for entry in entries.flatten() {
        if entry.file_type().is_ok_and(|t| t.is_file()) {
            std::fs::set_permissions(entry.path(), Permissions::from_mode(FILE_MODE))?;
        }
    }
    Ok(())
}

/// Creates (or truncates) `path` as an owner-only file.
pub fn create_private(path: &Path) -> std::io::Result<File> {
    let file = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)?;
    // An existing file keeps its mode on open: close it up as well.
    file.set_permissions(Permissions::from_mode(FILE_MODE))?;
    Ok(file)
}

/// The prefix of the temporary files [`write_atomic`] makes for `path`.
fn temp_prefix(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    format!(".{name}.")
}

/// Replaces `path` with `bytes` atomically and durably, owner-only. Callers
/// that may save concurrently serialise around it (see [`crate::settings`]).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    private_dir(dir)?;
    // tempfile creates it 0600 with a name no other save uses.
    let mut temp = tempfile::Builder::new()
        .prefix(&temp_prefix(path))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(bytes)?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    File::open(dir)?.sync_all()
}

/// Deletes the temporary files a save of `path` interrupted by a crash left
/// behind. Only call it while no save of `path` is under way.
pub fn remove_stale_temps(path: &Path) {
    let (Some(dir), prefix) = (path.parent(), temp_prefix(path)) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with(&prefix) && name.ends_with(".tmp") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// The mode bits of `path` (tests).
#[cfg(test)]
pub fn mode_of(path: &Path) -> u32 {
    std::fs::metadata(path)
        .map(|m| m.permissions().mode() & 0o777)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_and_files_are_owner_only_whatever_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested).unwrap();
        std::fs::set_permissions(&nested, Permissions::from_mode(0o755)).unwrap();
        private_dir(&nested).unwrap();
        assert_eq!(mode_of(&nested), DIR_MODE);
        let file = nested.join("x.json");
        std::fs::write(&file, "{}").unwrap();
        std::fs::set_permissions(&file, Permissions::from_mode(0o644)).unwrap();
        create_private(&file).unwrap();
        assert_eq!(mode_of(&file), FILE_MODE);
        let written = nested.join("y.json");
        write_atomic(&written, b"{}").unwrap();
        assert_eq!(mode_of(&written), FILE_MODE);
        let open = nested.join("z.log");
        std::fs::write(&open, "line").unwrap();
        std::fs::set_permissions(&open, Permissions::from_mode(0o644)).unwrap();
        restrict_files_in(&nested).unwrap();
        assert_eq!(mode_of(&open), FILE_MODE);
    }

    #[test]
    fn an_atomic_write_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["settings.json"]);
    }

    #[test]
    fn temporary_files_a_crash_left_are_removed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("settings.json");
        std::fs::write(dir.path().join(".settings.json.abc123.tmp"), "{\"ag").unwrap();
        std::fs::write(dir.path().join("other.tmp"), "keep").unwrap();
        remove_stale_temps(&path);
        assert!(!dir.path().join(".settings.json.abc123.tmp").exists());
        assert!(dir.path().join("other.tmp").exists());
    }
}
