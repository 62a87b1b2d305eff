//! From options to library values: which gateways, which certificates, the
//! sign-in request, and the keyring entry that carries the session GUID
//! between commands.

use std::io::BufRead;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use agentgateway::engine::face::KeptSession;
use agentgateway::guid_store::StoreError;
use agentgateway::{ClientConfig, Guid, Secret, SignIn, Trust};

use crate::args::{Global, SignInOpts};
use crate::fail::Failure;

/// The keyring service the CLI keeps GUIDs under (user = agent ID).
pub const KEYRING_SERVICE: &str = "agentbar-cli";

/// The interface's URL prefix, added to a bare `https://host:port`.
const PREFIX: &str = "/agentgateway/resource";

/// The agent ID, checked.
pub fn agent(g: &Global) -> Result<String, Failure> {
    let a = g
        .agent
        .as_deref()
        .map(str::trim)
        .filter(|a| !a.is_empty())
        .ok_or_else(|| Failure::usage("no agent: give --agent ID or set AGENTBAR_AGENT"))?;
    if !a.chars().all(|c| c.is_ascii_digit()) {
        return Err(Failure::usage(format!("the agent ID must be digits: {a}")));
    }
    Ok(a.to_owned())
}

fn gateway_url(raw: &str, plain_http: bool) -> Result<String, Failure> {
    let mut u = url::Url::parse(raw.trim())
        .map_err(|e| Failure::usage(format!("bad gateway URL {raw}: {e}")))?;
    match u.scheme() {
        "https" => {}
        "http" if plain_http => {}
        "http" => {
            return Err(Failure::usage(format!(
                "refusing the plain http:// gateway {raw}: the password would cross the network \
                 in clear; use https:// (--insecure-plain-http allows it for a test gateway)"
            )));
        }
        _ => {
            return Err(Failure::usage(format!(
                "bad gateway URL {raw}: use https://host:port"
            )));
        }
    }
    if u.path() == "/" || u.path().is_empty() {
        u.set_path(PREFIX);
    }
    Ok(u.as_str().trim_end_matches('/').to_owned())
}

fn trust(g: &Global) -> Result<Trust, Failure> {
    if let Some(pin) = &g.pin_sha256 {
        return Trust::pinned_hex(pin).map_err(|e| Failure::usage(format!("--pin-sha256: {e}")));
    }
    if let Some(path) = &g.ca_file {
        return Trust::system_plus_ca_file(path).map_err(|e| Failure::usage(e.to_string()));
    }
    Ok(Trust::default())
}

/// The client configuration the global options describe.
pub fn client_config(g: &Global) -> Result<ClientConfig, Failure> {
    let agent = agent(g)?;
    let gateways = g
        .gateways
        .iter()
        .filter(|s| !s.trim().is_empty())
        .map(|s| gateway_url(s, g.insecure_plain_http))
        .collect::<Result<Vec<_>, _>>()?;
    if gateways.is_empty() {
        return Err(Failure::usage(
            "no gateway: give --gateway URL or set AGENTBAR_GATEWAY",
        ));
    }
    let mut cfg = ClientConfig::new(agent, gateways, trust(g)?);
    if g.insecure_plain_http && cfg.gateways.iter().any(|u| u.starts_with("http://")) {
        eprintln!(
            "agentbar-cli: WARNING: --insecure-plain-http: the password and the session GUID \
             cross the network unencrypted"
        );
        cfg.allow_plain_http = true;
    }
    Ok(cfg)
}

/// The password: the first line of stdin with `--password-stdin`, else
/// `AGENTBAR_PASSWORD`; `None` when neither is given.
pub fn password(o: &SignInOpts) -> Result<Option<Secret>, Failure> {
    if o.password_stdin {
        let mut line = String::new();
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .map_err(|e| Failure::usage(format!("cannot read the password from stdin: {e}")))?;
        let p = line.trim_end_matches(['\r', '\n']);
        if p.is_empty() {
            return Err(Failure::usage("--password-stdin: stdin held no password"));
        }
        return Ok(Some(Secret::new(p)));
    }
    Ok(std::env::var("AGENTBAR_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty())
        .map(Secret::new))
}

/// The sign-in request, in polling mode; `password` must be given.
pub fn sign_in_request(o: &SignInOpts, password: Option<Secret>) -> Result<SignIn, Failure> {
    let password = password.ok_or_else(|| {
        Failure::usage("no password: set AGENTBAR_PASSWORD or use --password-stdin")
    })?;
    let phone = o
        .phone
        .as_deref()
        .filter(|p| !p.is_empty())
        .ok_or_else(|| Failure::usage("no phone number: give --phone NUM or set AGENTBAR_PHONE"))?;
    let mut req = SignIn::new(password, phone);
    req.auto_answer = Some(o.auto_answer);
    req.status = Some(o.status.code());
    Ok(req)
}

/// The GUID given for scripts in `AGENTBAR_GUID`.
pub fn guid_from_env() -> Option<Guid> {
    std::env::var("AGENTBAR_GUID")
        .ok()
        .filter(|g| !g.is_empty())
        .map(Guid::new)
}

/// The agent's session in the keyring (the GUID, and in push mode the
/// service token). A keyring that cannot be reached is reported once (on
/// stderr) and not asked again: `watch` then keeps the GUID in memory only.
pub struct Keyring {
    kept: Arc<KeptSession>,
    gone: AtomicBool,
}

impl Keyring {
    pub fn new(agent: &str) -> Keyring {
        Keyring {
            kept: Arc::new(KeptSession::new(KEYRING_SERVICE, agent)),
            gone: AtomicBool::new(false),
        }
    }

    /// The entries, for the library's resume and GUID follower.
    pub fn kept(&self) -> Arc<KeptSession> {
        self.kept.clone()
    }

    /// Whether a keyring failure has been reported (and the keyring is not asked again).
    pub fn is_gone(&self) -> bool {
        self.gone.load(Ordering::SeqCst)
    }

    pub async fn load(&self) -> Result<Option<Guid>, StoreError> {
        self.kept.guid().await
    }

    pub async fn store(&self, guid: &Guid) -> Result<(), StoreError> {
        self.kept.keep_guid(Some(guid)).await
    }

    /// Forgets the session (GUID and push token).
    pub async fn delete(&self) -> Result<(), StoreError> {
        self.kept.forget().await
    }

    /// Reports a keyring failure, once.
    pub fn warn_once(&self, e: &StoreError) {
        if !self.gone.swap(true, Ordering::SeqCst) {
            eprintln!(
                "agentbar-cli: warning: {e}; the session GUID stays in memory only, \
                 so the one-shot commands cannot act on this session"
            );
        }
    }

    /// Stores the GUID, or forgets the session for `None`; failures warn once.
    pub async fn keep_or_warn(&self, guid: Option<&Guid>) {
        if self.is_gone() {
            return;
        }
        let r = match guid {
            Some(g) => self.store(g).await,
            None => self.delete().await,
        };
        if let Err(e) = r {
            self.warn_once(&e);
        }
    }
}
