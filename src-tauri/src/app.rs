//! The app's one agent session: its lifecycle (sign-in, resume at start,
//! sign-out, the gateway ending it) and the engine [`Session`] that actions
//! use. Sign-in, resume and sign-out run one at a time. What the bar shows is
//! not kept here but in [`Live`], which the session's [`Bridge`] feeds.

use std::net::SocketAddr;
use std::sync::Arc;

use agentgateway::engine::face::{self, GuidFollower, KeptSession, ResumeError};
use agentgateway::{
    ClientConfig, PushMode, Resumed, Secret, Session, SessionConfig, SignIn, Trust,
};
use serde::Deserialize;
use tauri::{AppHandle, Manager};
use tokio::sync::Mutex;
use ts_rs::TS;

use crate::errors::AppError;
use crate::faces::bridge::Bridge;
use crate::i18n;
use crate::limits::PHONE_MAX_CHARS;
use crate::remembered::{Account, RememberedPasswords};
use crate::secrets;
use crate::settings::{
    Mode, PushSettings, RelaySettings, Settings, SettingsStore, StatusAfterSignIn, TrustSetting,
};
use crate::view::Snapshot;
use crate::view::live::Live;

/// What the page sends to sign in.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct SignInRequest {
    pub settings: Settings,
    /// Empty to use the password remembered in the keyring.
    pub password: String,
}

struct Current {
    agent: String,
    session: Arc<Session>,
    /// Dropped with the session: its forwarding stops.
    _bridge: Bridge,
    /// Writes the GUID to the keyring as the gateway rotates it.
    guid: GuidFollower,
}

/// The app's one agent session (managed Tauri state).
pub struct AppSession {
    store: SettingsStore,
    /// Which passwords the keyring remembers, without reading them.
    remembered: RememberedPasswords,
    current: Mutex<Option<Current>>,
}

impl AppSession {
    pub fn new(store: SettingsStore) -> Self {
        Self {
            remembered: RememberedPasswords::in_dir(&store.user_dir()),
            store,
            current: Mutex::new(None),
        }
    }

    /// The password remembered for `account`, read from the keyring only when
    /// one is remembered (it is about to be sent).
    async fn remembered_password(&self, account: &Account) -> Option<Secret> {
        if !self.remembered.contains(account) {
            return None;
        }
        match secrets::load_password(account).await {
            Ok(Some(password)) => Some(password),
            Ok(None) => {
                // The keyring lost it (emptied, another machine's file): say so from now on.
                self.mark_remembered(account, false);
                None
            }
            Err(error) => {
                tracing::warn!(
                    kind = error.kind(),
                    "the remembered password could not be read"
                );
                None
            }
        }
    }

    /// Notes whether the keyring holds a sign-in for `account`; a failure to
    /// save that list is logged by its kind only.
    fn mark_remembered(&self, account: &Account, kept: bool) {
        if let Err(error) = self.remembered.set(account, kept) {
            tracing::warn!(kind = ?error.kind(), "the list of kept sign-ins could not be saved");
        }
    }

    /// Keeps or forgets the password of `account` as the agent chose.
    async fn keep_password_choice(&self, account: &Account, password: &Secret, remember: bool) {
        let kept = if remember {
            secrets::store_password(account, password).await
        } else {
            secrets::delete_password(account).await
        };
        match kept {
            Ok(()) => {
                self.mark_remembered(account, remember);
            }
            Err(error) => {
                tracing::warn!(
                    kind = error.kind(),
                    "the password choice could not be kept in the keyring"
                );
            }
        }
    }

    /// The settings in force at start.
    pub fn load_settings(&self) -> Settings {
        self.store.load().unwrap_or_else(|error| {
            tracing::warn!(%error, "settings could not be read; starting from the fallback");
            self.store.fallback(&error)
        })
    }

    /// Saves settings chosen in the panel; returns the effective ones.
    pub fn save_settings(
        &self,
        app: &AppHandle,
        settings: &Settings,
    ) -> Result<Settings, AppError> {
        let saved = self.store.save(settings)?;
        app.state::<Live>().set_settings(saved.clone());
        Ok(saved)
    }

    /// The bar, recent events and settings, for a page that (re)loads.
    pub async fn snapshot(&self, app: &AppHandle) -> Snapshot {
        let live = app.state::<Live>();
        let settings = live.settings();
        // No keyring read: the page only needs to know whether there is one.
        let password_remembered = !settings.agent_id.is_empty()
            && self
                .remembered
                .contains(&Account::new(&settings.agent_id, &settings.gateways));
        Snapshot {
            bar: crate::faces::page::in_words(&live.bar()),
            events: live.events(),
            settings,
            password_remembered,
        }
    }

    /// The engine session, for bar operations.
    pub async fn session(&self) -> Result<Arc<Session>, AppError> {
        self.current
            .lock()
            .await
            .as_ref()
            .map(|c| c.session.clone())
            .ok_or_else(AppError::not_signed_in)
    }

    /// The SHA-256 fingerprint (lowercase hex) of the certificate the push
    /// receiver serves, for the gateway to pin: the running receiver's when
    /// signed in in push mode, else the one a receiver with `push` would serve
    /// (the kept certificate, made now if there is none yet, or the PEM files).
    pub async fn push_certificate(
        &self,
        app: &AppHandle,
        push: &PushSettings,
    ) -> Result<String, AppError> {
        if let Ok(session) = self.session().await
            && let Some((_, sha256)) = session.push_endpoint().await
        {
            return Ok(sha256);
        }
        let mode = push_mode(app, push)?;
        let identity = tokio::task::spawn_blocking(move || {
            agentgateway::push::TlsIdentity::load(&mode.receiver.tls)
        })
        .await
        .map_err(|e| AppError::new("push", e.to_string()))?
        .map_err(|e| AppError::new("push", e.to_string()))?;
        Ok(identity.cert_sha256().to_owned())
    }

    /// Signs in with the page's settings and password.
    pub async fn sign_in(&self, app: &AppHandle, request: SignInRequest) -> Result<(), AppError> {
        validate(&request.settings)?;
        let mut current = self.current.lock().await;
        if let Some(c) = current.as_ref()
            && c.session.is_running().await
        {
            return Err(AppError::new(
                "alreadySignedIn",
                i18n::tf("msg.alreadySignedIn", &[("agent", &c.agent)]),
            ));
        }
        let settings = self.save_settings(app, &request.settings)?;
        let agent = settings.agent_id.clone();
        let account = Account::new(&agent, &settings.gateways);
        let password = if request.password.is_empty() {
            // Only the password remembered for these very gateways.
            self.remembered_password(&account)
                .await
                .ok_or_else(|| AppError::invalid(i18n::t("msg.enterPassword")))?
        } else {
            Secret::new(request.password)
        };

        let session = Arc::new(Session::new(session_config(app, &settings)?)?);
        let live = app.state::<Live>();
        live.begin(&agent);
        let bridge = Bridge::start(app, session.clone(), agent.clone());
        let kept = Arc::new(secrets::kept_session(&agent));
        match face::sign_in_kept(
            &session,
            &kept,
            sign_in_body(&settings, password.clone()),
            settings.take_over,
        )
        .await
        {
            Ok(()) => {
                self.keep_password_choice(&account, &password, settings.remember_password)
                    .await;
                tracing::info!(agent = %agent, mode = ?settings.mode, "signed in");
                let guid = guid_follower(&session, kept);
                *current = Some(held(app, agent, session, bridge, guid));
                Ok(())
            }
            Err(error) => {
                drop(bridge);
                session.stop().await;
                let error = AppError::from(error);
                tracing::info!(agent = %agent, kind = %error.kind, "sign-in refused");
                live.show_signed_out(None);
                Err(error)
            }
        }
    }

    /// At start: resumes the session whose GUID the keyring holds for the
    /// configured agent. When the gateway refuses it, the GUID is deleted and
    /// the page shows sign-in with the reason.
    pub async fn resume(&self, app: &AppHandle) {
        let live = app.state::<Live>();
        let settings = live.settings();
        let agent = settings.agent_id.clone();
        if agent.is_empty() || settings.gateways.is_empty() {
            return;
        }
        let mut current = self.current.lock().await;
        let session = match session_config(app, &settings).and_then(|c| Ok(Session::new(c)?)) {
            Ok(session) => Arc::new(session),
            Err(error) => {
                live.show_signed_out(Some(error.message));
                return;
            }
        };
        live.begin(&agent);
        let bridge = Bridge::start(app, session.clone(), agent.clone());
        // With a remembered password the engine can sign in again by itself
        // after a disaster-recovery switchover.
        let again = self
            .remembered_password(&Account::new(&agent, &settings.gateways))
            .await
            .map(|password| sign_in_body(&settings, password));
        if let Ok(Some(call)) = secrets::load_call(&agent).await {
            live.call_resumed(call.callid.clone(), call.since_ms);
            session.seed_call(last_call(call));
        }
        let kept = Arc::new(secrets::kept_session(&agent));
        let error = match face::resume_kept(&session, &kept, again, None).await {
            Ok(None) => return,
            Ok(Some(how)) => {
                match how {
                    Resumed::Resumed => {
                        tracing::info!(agent = %agent, "resumed the session kept in the keyring");
                    }
                    Resumed::SignedInAnew => {
                        tracing::info!(agent = %agent, "signed in anew in place of the kept session");
                    }
                }
                let guid = guid_follower(&session, kept);
                *current = Some(held(app, agent, session, bridge, guid));
                return;
            }
            Err(ResumeError::Keyring(error)) => {
                tracing::warn!(%error, "the keyring could not be read; showing sign-in");
                AppError::from(error)
            }
            Err(ResumeError::Session(error)) => {
                tracing::info!(agent = %agent, kind = error.kind(), "the stored session could not be resumed");
                AppError::from(error)
            }
        };
        drop(bridge);
        session.stop().await;
        live.show_signed_out(Some(i18n::tf(
            "msg.notResumed",
            &[("reason", &error.message)],
        )));
    }

    /// Signs in at start with the saved settings (`agentbar --sign-in`), the
    /// password taken from `AGENTBAR_PASSWORD` or the keyring. Used by the demo
    /// and by kiosk set-ups; does nothing when a session was resumed.
    pub async fn sign_in_with_saved(&self, app: &AppHandle) {
        if self.session().await.is_ok() {
            return;
        }
        let request = SignInRequest {
            settings: app.state::<Live>().settings(),
            password: std::env::var("AGENTBAR_PASSWORD").unwrap_or_default(),
        };
        if let Err(error) = self.sign_in(app, request).await {
            tracing::warn!(kind = %error.kind, "signing in at start failed");
            app.state::<Live>().show_signed_out(Some(error.message));
        }
    }

    /// Signs out (the agent's choice): the keyring forgets the GUID and the bar clears.
    pub async fn sign_out(&self, app: &AppHandle) -> Result<(), AppError> {
        let mut current = self.current.lock().await;
        let Some(c) = current.as_ref() else {
            return Err(AppError::not_signed_in());
        };
        c.session.sign_out(false).await?;
        let Current {
            agent,
            session,
            _bridge: bridge,
            guid,
        } = current.take().ok_or_else(AppError::not_signed_in)?;
        session.stop().await;
        drop(bridge);
        // Through the follower, so no GUID write still under way lands after it.
        if let Err(error) = guid.forget().await {
            tracing::warn!(%error, "the session could not be deleted from the keyring");
        }
        if let Err(error) = secrets::store_call(&agent, None).await {
            tracing::warn!(%error, "the last call could not be deleted from the keyring");
        }
        tracing::info!(agent = %agent, "signed out");
        app.state::<Live>().agent_signed_out();
        Ok(())
    }

    /// Forgets a session the gateway ended.
    async fn forget_ended(&self, session: &Arc<Session>) {
        let mut current = self.current.lock().await;
        if current
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(&c.session, session))
            && let Some(c) = current.take()
        {
            c.session.stop().await;
        }
    }
}

/// The signed-in session as held, forgotten once the gateway ends it.
fn held(
    app: &AppHandle,
    agent: String,
    session: Arc<Session>,
    mut bridge: Bridge,
    guid: GuidFollower,
) -> Current {
    if let Some(ended) = bridge.ended() {
        let app = app.clone();
        let session = session.clone();
        tauri::async_runtime::spawn(async move {
            if ended.await.is_ok() {
                app.state::<AppSession>().forget_ended(&session).await;
            }
        });
    }
    Current {
        agent,
        session,
        _bridge: bridge,
        guid,
    }
}

fn validate(settings: &Settings) -> Result<(), AppError> {
    let agent = &settings.agent_id;
    if agent.is_empty() || !agent.chars().all(|c| c.is_ascii_digit()) {
        return Err(AppError::invalid(i18n::t("msg.agentIdNumber")));
    }
    if settings.gateways.is_empty() {
        return Err(AppError::invalid(i18n::t("msg.enterGateway")));
    }
    for gateway in &settings.gateways {
        if !gateway.starts_with("https://") {
            return Err(AppError::invalid(i18n::tf(
                "msg.gatewayHttps",
                &[("gateway", gateway)],
            )));
        }
    }
    if settings.phone.is_empty() {
        return Err(AppError::invalid(i18n::t("msg.enterPhone")));
    }
    if settings.phone.chars().count() > PHONE_MAX_CHARS {
        return Err(AppError::invalid(i18n::tf(
            "msg.phoneTooLong",
            &[("max", &PHONE_MAX_CHARS.to_string())],
        )));
    }
    if settings.mode == Mode::Relay {
        validate_relay(&settings.relay)?;
    }
    Ok(())
}

/// An `https://` URL with a host.
fn is_https(url: &str) -> bool {
    url::Url::parse(url).is_ok_and(|u| u.scheme() == "https" && u.host_str().is_some())
}

/// The relay's addresses: at least one, every one `https://`.
fn validate_relay(relay: &RelaySettings) -> Result<(), AppError> {
    if relay.urls.iter().all(|u| u.trim().is_empty()) {
        return Err(AppError::invalid(i18n::t("msg.enterRelay")));
    }
    for url in relay
        .urls
        .iter()
        .map(|u| u.trim())
        .filter(|u| !u.is_empty())
    {
        if !is_https(url) {
            return Err(AppError::invalid(i18n::tf(
                "msg.relayHttps",
                &[("url", url)],
            )));
        }
    }
    let push = relay.push_url.trim();
    if !push.is_empty() && !is_https(push) {
        return Err(AppError::invalid(i18n::tf(
            "msg.relayPushHttps",
            &[("url", push)],
        )));
    }
    Ok(())
}

fn trust(setting: &TrustSetting) -> Result<Trust, AppError> {
    trust_with(setting, "msg.caFile", "msg.fingerprint")
}

/// The trust of `setting`; a file or fingerprint that cannot be used is
/// said with the words of `ca_file_key` or `fingerprint_key`.
fn trust_with(
    setting: &TrustSetting,
    ca_file_key: &str,
    fingerprint_key: &str,
) -> Result<Trust, AppError> {
    match setting {
        TrustSetting::System => Ok(Trust::default()),
        TrustSetting::CaFile { path } => Trust::system_plus_ca_file(std::path::Path::new(path))
            .map_err(|e| {
                AppError::new(
                    "trust",
                    i18n::tf(ca_file_key, &[("detail", &e.to_string())]),
                )
            }),
        TrustSetting::Pin { sha256 } => {
            Trust::pinned_hex(sha256).map_err(|_| AppError::new("trust", i18n::t(fingerprint_key)))
        }
    }
}

/// The certificate `gateway` presents and whether the trust of the current
/// settings accepts it, for confirmation at first contact.
pub async fn probe_certificate(
    app: &AppHandle,
    gateway: &str,
) -> Result<crate::view::CertificateView, AppError> {
    let trust = trust(&app.state::<Live>().settings().trust)?;
    Ok(agentgateway::probe::probe(gateway, &trust).await?.into())
}

fn session_config(app: &AppHandle, settings: &Settings) -> Result<SessionConfig, AppError> {
    let client = ClientConfig::new(
        settings.agent_id.clone(),
        settings.gateways.clone(),
        trust(&settings.trust)?,
    );
    let mut config = SessionConfig::new(client);
    config.skills = settings.skills.choice();
    match settings.mode {
        Mode::Poll => {}
        Mode::Push => config.push = Some(push_mode(app, &settings.push)?),
        Mode::Relay => config.push = Some(relay_mode(&settings.relay)?),
    }
    Ok(config)
}

/// Events via the site relay of `relay`: the gateway posts to the relay's
/// push URL (by default the first relay's host on port 8443), the session
/// subscribes at the relay addresses in turn.
fn relay_mode(relay: &RelaySettings) -> Result<PushMode, AppError> {
    validate_relay(relay)?;
    let urls: Vec<String> = relay
        .urls
        .iter()
        .map(|u| u.trim().trim_end_matches('/').to_owned())
        .filter(|u| !u.is_empty())
        .collect();
    let first = urls.first().cloned().unwrap_or_default();
    let push_url = Some(relay.push_url.trim().to_owned()).filter(|u| !u.is_empty());
    let trust = trust_with(&relay.trust, "msg.relayCaFile", "msg.relayFingerprint")?;
    let mut mode = agentgateway::relay::RelayMode::new(&first, push_url, trust);
    mode.subscribe_urls = urls;
    Ok(PushMode::via_relay(mode))
}

/// Where the push receiver keeps the certificate it generates (owner-only).
pub const PUSH_CERTIFICATE_DIR: &str = "push-receiver";

/// The push mode of `push`. Without PEM files the receiver's self-signed
/// certificate is kept in the app's data folder, so its fingerprint stays the
/// same across sign-ins and restarts and the gateway can pin it.
fn push_mode(app: &AppHandle, push: &PushSettings) -> Result<PushMode, AppError> {
    let listen: SocketAddr = push
        .listen
        .parse()
        .map_err(|_| AppError::invalid(i18n::t("msg.pushListen")))?;
    let pem = (!push.cert_file.is_empty() || !push.key_file.is_empty())
        .then(|| (push.cert_file.clone().into(), push.key_file.clone().into()));
    let mut mode = PushMode::listening(listen, Some(push.public_url.clone()), pem);
    if let Ok(data) = app.path().app_data_dir() {
        mode = mode.keeping_certificate_in(data.join(PUSH_CERTIFICATE_DIR));
    }
    Ok(mode)
}

/// Follows the session's GUID into the keyring; keyring failures are logged.
fn guid_follower(session: &Session, kept: Arc<KeptSession>) -> GuidFollower {
    GuidFollower::start(session, kept, |error| {
        tracing::warn!(
            kind = error.kind(),
            "the session could not be kept in the keyring"
        );
    })
}

fn sign_in_body(settings: &Settings, password: Secret) -> SignIn {
    let mut body = SignIn::new(password, settings.phone.clone());
    // The agent answers on the bar: the gateway rings instead of auto-answering.
    body.auto_answer = Some(false);
    body.status = Some(match settings.status_after_sign_in {
        StatusAfterSignIn::Busy => 3,
        StatusAfterSignIn::Idle => 4,
        StatusAfterSignIn::Work => 5,
    });
    body
}

fn last_call(kept: secrets::LastCall) -> agentgateway::bar::Call {
    use agentgateway::bar::{Call, CallPhase, Direction, Media};
    let mut call = Call::bare(Some(kept.callid), CallPhase::Talking, kept.since_ms);
    call.caller = Some(kept.caller);
    call.called = Some(kept.called);
    call.direction = if kept.outbound {
        Direction::Outbound
    } else {
        Direction::Inbound
    };
    call.media = match kept.media.as_str() {
        "voice" => Media::Voice,
        "video" => Media::Video,
        "voice+video" => Media::VoiceAndVideo,
        _ => Media::Unknown,
    };
    call
}

#[cfg(test)]
mod tests {
    use super::*;

    fn relay_settings(urls: &[&str], push_url: &str) -> Settings {
        Settings {
            gateways: vec!["https://gw.example:8043/agentgateway/resource".into()],
            agent_id: "101".into(),
            phone: "6001".into(),
            mode: Mode::Relay,
            relay: RelaySettings {
                urls: urls.iter().map(|u| (*u).to_owned()).collect(),
                push_url: push_url.into(),
                trust: TrustSetting::System,
            },
            ..Settings::default()
        }
    }

    #[test]
    fn relay_mode_subscribes_at_every_relay_and_gives_the_gateway_its_push_url() {
        let settings = relay_settings(
            &["https://relay1.corp:9443/", " https://relay2.corp:9443"],
            "",
        );
        validate(&settings).expect("valid");
        let mode = relay_mode(&settings.relay).expect("relay mode");
        let relay = mode.relay.expect("via the relay");
        assert_eq!(
            relay.subscribe_urls,
            ["https://relay1.corp:9443", "https://relay2.corp:9443"]
        );
        assert_eq!(
            relay.push_url,
            "https://relay1.corp:8443/service-cloud/rest/cc-ai/v1/agentevent/pushresult"
        );
        let given = relay_settings(&["https://relay1.corp:9443"], "https://push.corp/p");
        let relay = relay_mode(&given.relay)
            .expect("relay mode")
            .relay
            .expect("relay");
        assert_eq!(relay.push_url, "https://push.corp/p");
    }

    #[test]
    fn relay_addresses_must_be_https_and_say_so() {
        // The tests run in the default language (English); the catalogue test
        // checks every key has its Chinese text with the same placeholders.
        let none = validate(&relay_settings(&[], "")).expect_err("no relay");
        assert_eq!(none.kind, "invalid");
        assert_eq!(none.message, i18n::t("msg.enterRelay"));
        let plain =
            validate(&relay_settings(&["http://relay.corp:9443"], "")).expect_err("plain HTTP");
        assert_eq!(
            plain.message,
            "The site relay's address must start with https:// (http://relay.corp:9443)."
        );
        let push = validate(&relay_settings(
            &["https://relay.corp:9443"],
            "relay.corp:8443",
        ))
        .expect_err("push URL without https");
        assert!(push.message.contains("relay.corp:8443"), "{}", push.message);
        assert!(push.message.contains("gateway"), "{}", push.message);
        assert!(
            validate(&relay_settings(&["https://"], "")).is_err(),
            "no host"
        );
        assert!(
            i18n::tf_in(i18n::Lang::ZhCn, "msg.relayHttps", &[("url", "http://r")])
                .contains("http://r")
        );
        let poll = Settings {
            mode: Mode::Poll,
            ..relay_settings(&[], "")
        };
        assert!(
            validate(&poll).is_ok(),
            "the relay is only checked in relay mode"
        );
    }

    #[test]
    fn a_bad_relay_fingerprint_names_the_relay() {
        let mut settings = relay_settings(&["https://relay.corp:9443"], "");
        settings.relay.trust = TrustSetting::Pin {
            sha256: "not hex".into(),
        };
        let error = relay_mode(&settings.relay).expect_err("bad pin");
        assert_eq!(error.kind, "trust");
        assert_eq!(error.message, i18n::t("msg.relayFingerprint"));
    }
}
