//! A private desktop session: Xvfb, a D-Bus session bus, an unlocked
//! gnome-keyring (Secret Service) and a D-Bus activated notification daemon.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use crate::process::Guard;
use crate::{HarnessError, Result};

/// The keyring's password inside the test session.
const KEYRING_PASSWORD: &str = "e2e-keyring";

/// One isolated desktop: its own display, session bus, keyring and XDG folders.
/// Dropping it stops every process it started.
#[derive(Debug)]
pub struct Desktop {
    // Drop order: the keyring and the bus before the display, the folder last.
    keyring: Guard,
    bus: Guard,
    xvfb: Guard,
    display: String,
    bus_address: String,
    home: tempfile::TempDir,
    // Held until everything above has stopped: one desktop at a time.
    _turn: Option<std::fs::File>,
}

impl Desktop {
    /// Starts Xvfb (1280x800), a session bus and an unlocked keyring.
    ///
    /// Desktops take turns: this waits until no other desktop of any test
    /// process is running, so the tests run one at a time even when the test
    /// runner starts several together: each app, its WebKit processes and its
    /// driver want the machine's cores for the timings the tests check.
    pub fn start() -> Result<Self> {
        Self::start_with(Some(take_turn()?))
    }

    /// Like [`Desktop::start`], without waiting for a turn: for benchmarks
    /// that run several desktops at once on purpose.
    pub fn start_alongside() -> Result<Self> {
        Self::start_with(None)
    }

    fn start_with(turn: Option<std::fs::File>) -> Result<Self> {
        let home = tempfile::Builder::new().prefix("agentbar-e2e-").tempdir()?;
        for dir in ["data", "config", "cache", "state", "run"] {
            std::fs::create_dir_all(home.path().join(dir))?;
        }
        set_private(&home.path().join("run"))?;

        let mut xvfb = Guard::spawn(
            "Xvfb",
            Command::new("Xvfb")
                .args([
                    "-displayfd",
                    "1",
                    "-screen",
                    "0",
                    "1280x800x24",
                    "-nolisten",
                    "tcp",
                ])
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::null()),
        )?;
        let display = format!(":{}", first_line(&mut xvfb, "Xvfb")?);

        let mut bus = Guard::spawn(
            "dbus-daemon",
            Self::env_for(
                home.path(),
                &display,
                None,
                &mut Command::new("dbus-daemon"),
            )
            .args(["--session", "--nofork", "--print-address=1"])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null()),
        )?;
        let bus_address = first_line(&mut bus, "dbus-daemon")?;

        let mut keyring = Guard::spawn(
            "gnome-keyring-daemon",
            Self::env_for(
                home.path(),
                &display,
                Some(&bus_address),
                &mut Command::new("gnome-keyring-daemon"),
            )
            .args(["--foreground", "--unlock", "--components=secrets"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null()),
        )?;
        if let Some(mut stdin) = keyring.child_mut().stdin.take() {
            stdin.write_all(KEYRING_PASSWORD.as_bytes())?;
        }

        let desktop = Self {
            keyring,
            bus,
            xvfb,
            display,
            bus_address,
            home,
            _turn: turn,
        };
        desktop.wait_for_bus_name("org.freedesktop.secrets", Duration::from_secs(10))?;
        Ok(desktop)
    }

    /// The X display, such as `:99`.
    pub fn display(&self) -> &str {
        &self.display
    }

    /// The session's private home for XDG folders (config, data, state, cache).
    pub fn xdg_root(&self) -> &Path {
        self.home.path()
    }

    /// The app's config folder inside this session.
    pub fn config_home(&self) -> PathBuf {
        self.home.path().join("config")
    }

    /// A command that runs inside this desktop session.
    pub fn command(&self, program: &str) -> Command {
        let mut command = Command::new(program);
        Self::env_for(
            self.home.path(),
            &self.display,
            Some(&self.bus_address),
            &mut command,
        );
        command
    }

    /// Runs `program args` inside the session and returns its output.
    pub fn run(&self, program: &str, args: &[&str]) -> Result<Output> {
        self.command(program)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .map_err(|source| HarnessError::Spawn {
                program: program.to_string(),
                source,
            })
    }

    /// Reads a secret from the Secret Service, as `secret-tool lookup` does.
    /// `None` when there is no such item.
    pub fn secret_lookup(&self, attributes: &[(&str, &str)]) -> Result<Option<String>> {
        let mut args = vec!["lookup"];
        for (key, value) in attributes {
            args.push(key);
            args.push(value);
        }
        let output = self.run("secret-tool", &args)?;
        if output.status.success() {
            Ok(Some(String::from_utf8_lossy(&output.stdout).into_owned()))
        } else {
            Ok(None)
        }
    }

    /// The notification server's name and vendor, starting it if needed
    /// (D-Bus activation, as a desktop does).
    pub fn notification_server(&self) -> Result<String> {
        let output = self.run(
            "gdbus",
            &[
                "call",
                "--session",
                "--dest",
                "org.freedesktop.Notifications",
                "--object-path",
                "/org/freedesktop/Notifications",
                "--method",
                "org.freedesktop.Notifications.GetServerInformation",
            ],
        )?;
        Ok(String::from_utf8_lossy(&output.stdout).into_owned())
    }

    /// Every notification the daemon has shown, newest first, as JSON
    /// (`dunstctl history`; displayed ones are closed into history first).
    pub fn notifications(&self) -> Result<Vec<serde_json::Value>> {
        self.run("dunstctl", &["close-all"])?;
        let output = self.run("dunstctl", &["history"])?;
        // No JSON is a broken check, never "no notifications" (dunstctl needs
        // busctl from systemd for its history).
        let history: serde_json::Value =
            serde_json::from_slice(&output.stdout).map_err(|e| HarnessError::NotReady {
                what: "dunstctl history".into(),
                seconds: 0,
                detail: format!(
                    "no JSON ({e}): {}",
                    String::from_utf8_lossy(&output.stderr).trim()
                ),
            })?;
        Ok(history["data"][0].as_array().cloned().unwrap_or_default())
    }

    /// Saves a picture of the whole screen to `artifacts/screenshots/<name>.png`.
    pub fn screenshot(&self, name: &str) -> Result<PathBuf> {
        let path = crate::artifacts_dir()
            .join("screenshots")
            .join(format!("{name}.png"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let target = path.to_string_lossy().into_owned();
        self.run("/usr/bin/import", &["-window", "root", &target])?;
        Ok(path)
    }

    /// Runs `gdbus` in the session; its output, or its error as a harness error.
    pub(crate) fn gdbus(&self, args: &[&str]) -> Result<String> {
        let output = self.run("gdbus", args)?;
        if output.status.success() {
            Ok(String::from_utf8_lossy(&output.stdout).into_owned())
        } else {
            Err(HarnessError::NotReady {
                what: format!("gdbus {}", args.first().unwrap_or(&"")),
                seconds: 0,
                detail: String::from_utf8_lossy(&output.stderr).into_owned(),
            })
        }
    }

    /// Waits until `name` has an owner on the session bus.
    pub fn wait_for_bus_name(&self, name: &str, timeout: Duration) -> Result<()> {
        let deadline = Instant::now() + timeout;
        let mut last = String::new();
        while Instant::now() < deadline {
            last = self
                .gdbus(&[
                    "call",
                    "--session",
                    "--dest",
                    "org.freedesktop.DBus",
                    "--object-path",
                    "/org/freedesktop/DBus",
                    "--method",
                    "org.freedesktop.DBus.NameHasOwner",
                    name,
                ])
                .unwrap_or_else(|e| e.to_string());
            if last.contains("true") {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(HarnessError::NotReady {
            what: format!("bus name {name}"),
            seconds: timeout.as_secs(),
            detail: last,
        })
    }

    fn env_for<'c>(
        home: &Path,
        display: &str,
        bus: Option<&str>,
        command: &'c mut Command,
    ) -> &'c mut Command {
        // HOME stays: cargo and rustup live there. Everything the app writes
        // goes to the XDG folders, which are private to this session.
        command
            .env("DISPLAY", display)
            .env_remove("WAYLAND_DISPLAY")
            .env("XDG_DATA_HOME", home.join("data"))
            .env("XDG_CONFIG_HOME", home.join("config"))
            .env("XDG_CACHE_HOME", home.join("cache"))
            .env("XDG_STATE_HOME", home.join("state"))
            .env("XDG_RUNTIME_DIR", home.join("run"))
            .env("NO_AT_BRIDGE", "1");
        match bus {
            Some(address) => command.env("DBUS_SESSION_BUS_ADDRESS", address),
            None => command.env_remove("DBUS_SESSION_BUS_ADDRESS"),
        }
    }
}

impl Drop for Desktop {
    fn drop(&mut self) {
        // Stop in reverse order of start; the guards' own drops then find nothing left.
        self.keyring.stop(Duration::from_secs(2));
        self.bus.stop(Duration::from_secs(2));
        self.xvfb.stop(Duration::from_secs(2));
    }
}

/// Reads the first line a freshly started helper prints on stdout.
fn first_line(guard: &mut Guard, what: &str) -> Result<String> {
    let stdout = guard
        .child_mut()
        .stdout
        .take()
        .ok_or_else(|| HarnessError::NotReady {
            what: what.to_string(),
            seconds: 0,
            detail: "no stdout".into(),
        })?;
    let mut line = String::new();
    BufReader::new(stdout).read_line(&mut line)?;
    let line = line.trim().to_string();
    if line.is_empty() {
        return Err(HarnessError::NotReady {
            what: what.to_string(),
            seconds: 0,
            detail: format!(
                "it exited ({:?}) without printing its address",
                guard.exited()
            ),
        });
    }
    Ok(line)
}

fn set_private(dir: &Path) -> Result<()> {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    Ok(())
}

/// Waits for this machine's desktop turn: an exclusive lock on a file in the
/// temporary folder, released when the returned file is dropped (also when a
/// test process dies).
fn take_turn() -> Result<std::fs::File> {
    let path = std::env::temp_dir().join("agentbar-e2e-desktop.lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)?;
    file.lock()?;
    Ok(file)
}
