//! The built AgentBar app inside a [`Desktop`], driven over WebDriver through
//! tauri-driver (which starts WebKitWebDriver, which starts the app).

use std::net::{Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;

use crate::process::Guard;
use crate::{Desktop, HarnessError, Result};

/// How long a wait for the page may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

/// A running app and the WebDriver session that drives it.
#[derive(Debug)]
pub struct App {
    client: Client,
    driver: Guard,
    /// The X display the app is on, for screenshots.
    display: String,
}

impl App {
    /// Launches the built `agentbar` in `desktop` with no extra arguments.
    pub async fn launch(desktop: &Desktop) -> Result<Self> {
        Self::launch_with(desktop, &crate::built_binary("agentbar"), &[], &[]).await
    }

    /// Launches `binary` with `args`, with `env` added to the session's environment.
    /// On a loaded machine WebKitWebDriver sometimes drops the very first
    /// session request; the launch is then tried once more from scratch.
    pub async fn launch_with(
        desktop: &Desktop,
        binary: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Self> {
        match Self::launch_once(desktop, binary, args, env).await {
            Err(HarnessError::Session(first)) => {
                eprintln!("WebDriver session failed ({first}); launching once more");
                // The single-instance guard of the first app must be gone first.
                tokio::time::sleep(Duration::from_secs(1)).await;
                Self::launch_once(desktop, binary, args, env).await
            }
            other => other,
        }
    }

    async fn launch_once(
        desktop: &Desktop,
        binary: &Path,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Result<Self> {
        if !binary.exists() {
            return Err(HarnessError::NotReady {
                what: "the app binary".into(),
                seconds: 0,
                detail: format!(
                    "{} does not exist: run `cargo build` first",
                    binary.display()
                ),
            });
        }
        let port = free_port()?;
        let native_port = free_port()?;
        let log = driver_log_path(port)?;
        let mut command = desktop.command(&tauri_driver());
        command
            .args(["--port", &port.to_string()])
            .args(["--native-port", &native_port.to_string()])
            .stdin(Stdio::null())
            .stdout(std::fs::File::create(&log)?)
            .stderr(std::fs::File::create(log.with_extension("err.log"))?);
        for (key, value) in env {
            command.env(key, value);
        }
        let driver = Guard::spawn("tauri-driver", &mut command)?;
        wait_for_port(port, Duration::from_secs(15))?;

        let mut capabilities = serde_json::Map::new();
        capabilities.insert(
            "tauri:options".into(),
            serde_json::json!({
                "application": binary.to_string_lossy(),
                "args": args,
            }),
        );
        let client = match ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities)
            .connect(&format!("http://127.0.0.1:{port}"))
            .await
        {
            Ok(client) => client,
            Err(error) => {
                // What the driver, WebKitWebDriver and the app said is the
                // only clue to why no session came up: show its end.
                let err_log = log.with_extension("err.log");
                for path in [&log, &err_log] {
                    eprintln!("--- the end of {}:\n{}", path.display(), log_tail(path, 40));
                }
                return Err(error.into());
            }
        };
        Ok(Self {
            client,
            driver,
            display: desktop.display().to_owned(),
        })
    }

    /// The WebDriver client, for anything the helpers below do not cover.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The rendered text of the first element matching `css`: its
    /// `innerText`, or empty when the element is not rendered (`innerText`
    /// of a hidden element is its whole text content). WebKitWebDriver's own
    /// element text treats some clipped (ellipsis) elements as not
    /// displayed, so the page is asked.
    pub async fn text(&self, css: &str) -> Result<String> {
        let value = self
            .client
            .execute(
                "const e = document.querySelector(arguments[0]); \
                 return e ? (e.getClientRects().length === 0 ? '' : e.innerText) : null;",
                vec![serde_json::Value::String(css.to_owned())],
            )
            .await?;
        match value {
            serde_json::Value::String(text) => Ok(text),
            _ => Err(HarnessError::NotReady {
                what: format!("element {css}"),
                seconds: 0,
                detail: "no such element".into(),
            }),
        }
    }

    /// Waits until the element matching `css` contains `expected`.
    pub async fn wait_for_text(&self, css: &str, expected: &str) -> Result<String> {
        let deadline = Instant::now() + WAIT;
        let mut last = String::from("<no such element>");
        while Instant::now() < deadline {
            if let Ok(text) = self.text(css).await {
                if text.contains(expected) {
                    return Ok(text);
                }
                last = text;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(HarnessError::NotReady {
            what: format!("text {expected:?} in {css}"),
            seconds: WAIT.as_secs(),
            detail: format!("last seen: {last:?}"),
        })
    }

    /// Clicks the first element matching `css`, scrolled into view first as
    /// a person would (inside a popover that scrolls, too).
    pub async fn click(&self, css: &str) -> Result<()> {
        let element = self.client.find(Locator::Css(css)).await?;
        self.client
            .execute(
                "const e = document.querySelector(arguments[0]); \
                 if (e) e.scrollIntoView({block: 'nearest', inline: 'nearest'});",
                vec![serde_json::Value::String(css.to_owned())],
            )
            .await?;
        element.click().await?;
        Ok(())
    }

    /// Types `text` into the field matching `css`, replacing what it held.
    pub async fn fill(&self, css: &str, text: &str) -> Result<()> {
        let field = self.client.find(Locator::Css(css)).await?;
        field.clear().await?;
        field.send_keys(text).await?;
        Ok(())
    }

    /// Waits until the form field matching `css` has a value containing `expected`.
    pub async fn wait_for_value(&self, css: &str, expected: &str) -> Result<String> {
        let deadline = Instant::now() + WAIT;
        let mut last = String::new();
        while Instant::now() < deadline {
            if let Ok(field) = self.client.find(Locator::Css(css)).await
                && let Ok(Some(value)) = field.prop("value").await
            {
                if value.contains(expected) {
                    return Ok(value);
                }
                last = value;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(HarnessError::NotReady {
            what: format!("value {expected:?} in {css}"),
            seconds: WAIT.as_secs(),
            detail: format!("last seen: {last:?}"),
        })
    }

    /// Waits until the element matching `css` has attribute `name` equal to `expected`.
    pub async fn wait_for_attribute(&self, css: &str, name: &str, expected: &str) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        let mut last = None;
        while Instant::now() < deadline {
            if let Ok(element) = self.client.find(Locator::Css(css)).await
                && let Ok(value) = element.attr(name).await
            {
                if value.as_deref() == Some(expected) {
                    return Ok(());
                }
                last = value;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(HarnessError::NotReady {
            what: format!("{css} [{name}={expected:?}]"),
            seconds: WAIT.as_secs(),
            detail: format!("last seen: {last:?}"),
        })
    }

    /// Types `text` into the field like the agent does; when the keystrokes do
    /// not arrive (a window without keyboard focus under Xvfb), sets the value
    /// and fires the `input` event the page listens to, as typing would.
    pub async fn type_into(&self, css: &str, text: &str) {
        self.fill(css, text).await.expect("type into the field");
        let value = || async {
            let field = self.client.find(Locator::Css(css)).await.expect("field");
            field.prop("value").await.ok().flatten().unwrap_or_default()
        };
        if value().await == text {
            return;
        }
        self.client
            .execute(
                "const f = document.querySelector(arguments[0]); f.value = arguments[1]; \
                 f.dispatchEvent(new Event('input', { bubbles: true })); \
                 f.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![css.into(), text.into()],
            )
            .await
            .expect("set the field");
        assert!(value().await == text, "{css} holds what was typed");
    }

    /// Chooses the option `value` of the select matching `css` like the
    /// agent does (a click on the option); when the click does not take
    /// (a window without focus under Xvfb), sets it and fires the `change`
    /// event the page listens to, as choosing would.
    pub async fn choose(&self, css: &str, value: &str) {
        let option = format!("{css} option[value=\"{value}\"]");
        let _ = self.click(&option).await;
        let chosen = || async {
            let select = self.client.find(Locator::Css(css)).await.expect("select");
            select
                .prop("value")
                .await
                .ok()
                .flatten()
                .unwrap_or_default()
        };
        if chosen().await == value {
            return;
        }
        self.client
            .execute(
                "const s = document.querySelector(arguments[0]); s.value = arguments[1]; \
                 s.dispatchEvent(new Event('change', { bubbles: true }));",
                vec![css.into(), value.into()],
            )
            .await
            .expect("choose the option");
        assert!(chosen().await == value, "{css} holds {value}");
    }

    /// Signs in from the form with `password`. The form is filled once the
    /// settings are on it (a later render would clear a password typed
    /// before); if the page still asks for the password, it is typed again.
    pub async fn sign_in(&self, password: &str) {
        self.wait_displayed("#signin").await.expect("sign-in view");
        self.wait_for_value("#agent-id", crate::gateway::AGENT)
            .await
            .expect("the form shows the settings");
        for _ in 0..3 {
            self.type_into("#password", password).await;
            self.click("#btn-sign-in").await.expect("sign in");
            if self.wait_for_text("#agent-state", "Ready").await.is_ok() {
                return;
            }
            let said = self.text("#signin-error").await.unwrap_or_default();
            assert!(said.contains("password"), "sign-in failed: {said}");
        }
        panic!("the sign-in form never took the password");
    }

    /// Whether the element matching `css` exists and is displayed.
    pub async fn is_displayed(&self, css: &str) -> bool {
        match self.client.find(Locator::Css(css)).await {
            Ok(element) => element.is_displayed().await.unwrap_or(false),
            Err(_) => false,
        }
    }

    /// Waits until the element matching `css` is displayed.
    pub async fn wait_displayed(&self, css: &str) -> Result<()> {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if self.is_displayed(css).await {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Err(HarnessError::NotReady {
            what: format!("{css} displayed"),
            seconds: WAIT.as_secs(),
            detail: String::new(),
        })
    }

    /// Saves a picture of the screen to `artifacts/screenshots/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> Result<PathBuf> {
        // The screen as the X server has it, as a person would see it.
        // (WebDriver's own screenshot waits for a paint that a still page
        // drawn without GPU compositing may never make.)
        let path = crate::artifacts_dir()
            .join("screenshots")
            .join(format!("{name}.png"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let target = path.to_string_lossy().into_owned();
        let status = tokio::process::Command::new("/usr/bin/import")
            .args(["-display", &self.display, "-window", "root", &target])
            .stdin(Stdio::null())
            .status()
            .await
            .map_err(|source| HarnessError::Spawn {
                program: "import".into(),
                source,
            })?;
        if !status.success() {
            return Err(HarnessError::NotReady {
                what: format!("a screenshot ({name})"),
                seconds: 0,
                detail: format!("import exited with {status}"),
            });
        }
        Ok(path)
    }

    /// The app's process id (the `agentbar` the driver started).
    pub fn pid(&self) -> Option<u32> {
        let output = std::process::Command::new("pgrep")
            .args(["-g", &self.driver.id().to_string(), "-x", "agentbar"])
            .output()
            .ok()?;
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .next()
            .and_then(|line| line.trim().parse().ok())
    }

    /// How many threads the app's process runs now (`/proc/<pid>/task`).
    pub fn thread_count(&self) -> Option<usize> {
        let pid = self.pid()?;
        Some(std::fs::read_dir(format!("/proc/{pid}/task")).ok()?.count())
    }

    /// Presses Save diagnostics (Settings must be open) and returns the path
    /// of the archive the page says it wrote.
    pub async fn save_diagnostics(&self) -> Result<PathBuf> {
        self.click("#btn-save-diagnostics").await?;
        let status = self.wait_for_text("#diagnostics-status", ".tar.gz").await?;
        status
            .split_whitespace()
            .find(|w| w.ends_with(".tar.gz"))
            .map(PathBuf::from)
            .ok_or_else(|| HarnessError::NotReady {
                what: "the diagnostics archive's path".into(),
                seconds: 0,
                detail: status.clone(),
            })
    }

    /// Kills the app with SIGKILL, as a crash or a power cut would end it: no
    /// sign-out, no clean-up. The driver goes with it.
    pub fn kill(mut self) {
        let group = self.driver.id().to_string();
        let _ = std::process::Command::new("pkill")
            .args(["-KILL", "-g", &group, "-x", "agentbar"])
            .status();
        self.driver.stop(Duration::from_secs(2));
    }

    /// Ends the WebDriver session (which closes the app) and stops the driver.
    pub async fn quit(mut self) {
        let _ = self.client.clone().close().await;
        self.driver.stop(Duration::from_secs(5));
    }
}

/// tauri-driver from PATH, or from cargo's bin folder where `cargo install` puts it.
fn tauri_driver() -> String {
    let in_cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .map(|home| home.join("bin").join("tauri-driver"));
    match in_cargo_home {
        Some(path) if path.exists() => path.to_string_lossy().into_owned(),
        _ => "tauri-driver".into(),
    }
}

/// The last `lines` lines of a log file (empty when it cannot be read).
fn log_tail(path: &Path, lines: usize) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let all: Vec<&str> = text.lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

fn driver_log_path(port: u16) -> Result<PathBuf> {
    let dir = crate::artifacts_dir().join("logs");
    std::fs::create_dir_all(&dir)?;
    Ok(dir.join(format!("tauri-driver-{port}.log")))
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port())
}

fn wait_for_port(port: u16, timeout: Duration) -> Result<()> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if std::net::TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    Err(HarnessError::NotReady {
        what: format!("tauri-driver on port {port}"),
        seconds: timeout.as_secs(),
        detail: "nothing listening".into(),
    })
}
