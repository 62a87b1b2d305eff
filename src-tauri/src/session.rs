//! The agent's session as the app holds it: the engine [`Session`], what the
//! page shows, and the recent events. Sign-in, resume and sign-out run one at
//! a time; bar operations go straight to the engine's client.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex as StdMutex};

use agentgateway::engine::face::{self, GuidFollower, KeptSession, ResumeError};
use agentgateway::engine::now_ms;
use agentgateway::{
    ClientConfig, PushMode, Resumed, Secret, Session, SessionConfig, SignIn, Trust,
};
use serde::{Deserialize, Serialize};
use tauri::AppHandle;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;

use crate::errors::AppError;
use crate::i18n;
use crate::secrets;
use crate::settings::{Mode, Settings, SettingsStore, StatusAfterSignIn, TrustSetting};
use crate::view::{BarView, EventRecord, ViewMemory};

/// How many recent events the app keeps for the page.
pub const RECENT_EVENTS: usize = 200;

/// What the page sends to sign in.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SignInRequest {
    pub settings: Settings,
    /// Empty to use the password remembered in the keyring.
    pub password: String,
}

/// Everything the page needs after a (re)load.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    pub bar: BarView,
    pub events: Vec<EventRecord>,
    pub settings: Settings,
    pub password_remembered: bool,
}

/// What the page shows, kept for snapshots and for working out notifications.
#[derive(Debug)]
pub struct Live {
    pub bar: BarView,
    /// Connection health over time, newest last, for diagnostics.
    pub timeline: VecDeque<crate::diagnostics::TimelineEntry>,
    pub events: VecDeque<EventRecord>,
    pub next_seq: u64,
    pub memory: ViewMemory,
    pub settings: Settings,
}

/// How many connection-health changes the timeline keeps.
const TIMELINE_LEN: usize = 500;

impl Live {
    /// Shows `view`; returns what was shown before. Health changes go on the
    /// timeline that diagnostics save.
    pub fn show(&mut self, view: BarView) -> BarView {
        if view.health.kind != self.bar.health.kind || view.health.reason != self.bar.health.reason
        {
            self.timeline
                .push_back(crate::diagnostics::TimelineEntry::of(
                    &view.health,
                    now_ms(),
                ));
            if self.timeline.len() > TIMELINE_LEN {
                self.timeline.pop_front();
            }
        }
        std::mem::replace(&mut self.bar, view)
    }

    /// Records an event as received; returns the record for the page.
    pub fn record(&mut self, event_type: String, raw: serde_json::Value) -> EventRecord {
        self.next_seq += 1;
        let record = EventRecord {
            seq: self.next_seq,
            received_at: now_ms(),
            event_type,
            raw,
        };
        self.events.push_front(record.clone());
        self.events.truncate(RECENT_EVENTS);
        record
    }
}

struct Current {
    agent: String,
    session: Arc<Session>,
    bridge: JoinHandle<()>,
    /// Writes the GUID to the keyring as the gateway rotates it.
    guid: GuidFollower,
}

/// The app's one agent session (managed Tauri state).
pub struct AppSession {
    store: SettingsStore,
    current: Mutex<Option<Current>>,
    pub live: StdMutex<Live>,
}

impl AppSession {
    pub fn new(store: SettingsStore) -> Self {
        let settings = store.load().unwrap_or_else(|error| {
            tracing::warn!(%error, "settings could not be read; starting from the fallback");
            store.fallback(&error)
        });
        Self {
            store,
            current: Mutex::new(None),
            live: StdMutex::new(Live {
                bar: BarView::signed_out(None, now_ms()),
                timeline: VecDeque::new(),
                events: VecDeque::new(),
                next_seq: 0,
                memory: ViewMemory::default(),
                settings,
            }),
        }
    }

    pub fn live(&self) -> std::sync::MutexGuard<'_, Live> {
        self.live.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn settings(&self) -> Settings {
        self.live().settings.clone()
    }

    /// Saves settings chosen in the panel; returns the effective ones.
    pub fn save_settings(&self, settings: &Settings) -> Result<Settings, AppError> {
        let saved = self.store.save(settings)?;
        self.live().settings = saved.clone();
        Ok(saved)
    }

    pub async fn snapshot(&self) -> Snapshot {
        let (bar, events, settings) = {
            let live = self.live();
            (
                live.bar.clone(),
                live.events.iter().cloned().collect(),
                live.settings.clone(),
            )
        };
        let password_remembered = !settings.agent_id.is_empty()
            && matches!(
                secrets::load_password(&settings.agent_id).await,
                Ok(Some(_))
            );
        Snapshot {
            bar,
            events,
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
        let settings = self.save_settings(&request.settings)?;
        let agent = settings.agent_id.clone();
        let password = if request.password.is_empty() {
            secrets::load_password(&agent)
                .await
                .ok()
                .flatten()
                .ok_or_else(|| AppError::invalid(i18n::t("msg.enterPassword")))?
        } else {
            Secret::new(request.password)
        };

        let session = Arc::new(Session::new(session_config(&settings)?)?);
        let bridge = crate::bridge::start(app.clone(), session.clone(), agent.clone());
        self.live().memory.clear();
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
                let remembered = if settings.remember_password {
                    secrets::store_password(&agent, &password).await
                } else {
                    secrets::delete_password(&agent).await
                };
                if let Err(error) = remembered {
                    tracing::warn!(%error, "the password choice could not be kept in the keyring");
                }
                tracing::info!(agent = %agent, mode = ?settings.mode, "signed in");
                let guid = guid_follower(&session, kept);
                *current = Some(Current {
                    agent,
                    session,
                    bridge,
                    guid,
                });
                Ok(())
            }
            Err(error) => {
                bridge.abort();
                session.stop().await;
                let error = AppError::from(error);
                tracing::info!(agent = %agent, kind = %error.kind, "sign-in refused");
                crate::bridge::show_signed_out(app, None);
                Err(error)
            }
        }
    }

    /// At start: resumes the session whose GUID the keyring holds for the
    /// configured agent. When the gateway refuses it, the GUID is deleted and
    /// the page shows sign-in with the reason.
    pub async fn resume(&self, app: &AppHandle) {
        let settings = self.settings();
        let agent = settings.agent_id.clone();
        if agent.is_empty() || settings.gateways.is_empty() {
            return;
        }
        let mut current = self.current.lock().await;
        let session = match session_config(&settings).and_then(|c| Ok(Session::new(c)?)) {
            Ok(session) => Arc::new(session),
            Err(error) => {
                crate::bridge::show_signed_out(app, Some(error.message));
                return;
            }
        };
        let bridge = crate::bridge::start(app.clone(), session.clone(), agent.clone());
        // With a remembered password the engine can sign in again by itself
        // after a disaster-recovery switchover.
        let again = secrets::load_password(&agent)
            .await
            .ok()
            .flatten()
            .map(|password| sign_in_body(&settings, password));
        if let Ok(Some(call)) = secrets::load_call(&agent).await {
            self.live()
                .memory
                .call_resumed(call.callid.clone(), call.since_ms);
            session.seed_call(last_call(call));
        }
        let kept = Arc::new(secrets::kept_session(&agent));
        let error = match face::resume_kept(&session, &kept, again, None).await {
            Ok(None) => {
                bridge.abort();
                return;
            }
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
                *current = Some(Current {
                    agent,
                    session,
                    bridge,
                    guid,
                });
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
        bridge.abort();
        session.stop().await;
        crate::bridge::show_signed_out(
            app,
            Some(i18n::tf("msg.notResumed", &[("reason", &error.message)])),
        );
    }

    /// Signs in at start with the saved settings (`agentbar --sign-in`), the
    /// password taken from `AGENTBAR_PASSWORD` or the keyring. Used by the demo
    /// and by kiosk set-ups; does nothing when a session was resumed.
    pub async fn sign_in_with_saved(&self, app: &AppHandle) {
        if self.session().await.is_ok() {
            return;
        }
        let request = SignInRequest {
            settings: self.settings(),
            password: std::env::var("AGENTBAR_PASSWORD").unwrap_or_default(),
        };
        if let Err(error) = self.sign_in(app, request).await {
            tracing::warn!(kind = %error.kind, "signing in at start failed");
            crate::bridge::show_signed_out(app, Some(error.message));
        }
    }

    /// Signs out (the agent's choice): the keyring forgets the GUID and the bar clears.
    pub async fn sign_out(&self, app: &AppHandle) -> Result<(), AppError> {
        let mut current = self.current.lock().await;
        let Some(c) = current.as_ref() else {
            return Err(AppError::not_signed_in());
        };
        c.session.sign_out(false).await?;
        let c = current.take().ok_or_else(AppError::not_signed_in)?;
        c.session.stop().await;
        c.bridge.abort();
        // Through the follower, so no GUID write still under way lands after it.
        if let Err(error) = c.guid.forget().await {
            tracing::warn!(%error, "the session could not be deleted from the keyring");
        }
        if let Err(error) = secrets::store_call(&c.agent, None).await {
            tracing::warn!(%error, "the last call could not be deleted from the keyring");
        }
        tracing::info!(agent = %c.agent, "signed out");
        self.live().memory.clear();
        crate::bridge::show_signed_out(app, None);
        Ok(())
    }

    /// Forgets a session the gateway ended (the bridge saw it end).
    pub async fn forget_ended(&self, agent: &str) {
        let mut current = self.current.lock().await;
        if current.as_ref().is_some_and(|c| c.agent == agent)
            && let Some(c) = current.take()
        {
            c.session.stop().await;
        }
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
    Ok(())
}

fn trust(setting: &TrustSetting) -> Result<Trust, AppError> {
    match setting {
        TrustSetting::System => Ok(Trust::default()),
        TrustSetting::CaFile { path } => Trust::system_plus_ca_file(std::path::Path::new(path))
            .map_err(|e| {
                AppError::new(
                    "trust",
                    i18n::tf("msg.caFile", &[("detail", &e.to_string())]),
                )
            }),
        TrustSetting::Pin { sha256 } => Trust::pinned_hex(sha256)
            .map_err(|_| AppError::new("trust", i18n::t("msg.fingerprint"))),
    }
}

/// The gateway trust of the current settings, for a first-contact probe.
pub fn trust_of(settings: &Settings) -> Result<Trust, AppError> {
    trust(&settings.trust)
}

fn session_config(settings: &Settings) -> Result<SessionConfig, AppError> {
    let client = ClientConfig::new(
        settings.agent_id.clone(),
        settings.gateways.clone(),
        trust(&settings.trust)?,
    );
    let mut config = SessionConfig::new(client);
    if settings.mode == Mode::Push {
        let push = &settings.push;
        let listen: SocketAddr = push
            .listen
            .parse()
            .map_err(|_| AppError::invalid(i18n::t("msg.pushListen")))?;
        let pem = (!push.cert_file.is_empty() || !push.key_file.is_empty())
            .then(|| (push.cert_file.clone().into(), push.key_file.clone().into()));
        let mode = PushMode::listening(listen, Some(push.public_url.clone()), pem);
        config.push = Some(mode);
    }
    Ok(config)
}

/// Follows the session's GUID into the keyring; keyring failures are logged.
fn guid_follower(session: &Session, kept: Arc<KeptSession>) -> GuidFollower {
    GuidFollower::start(session, kept, |error| {
        tracing::warn!(%error, "the session could not be kept in the keyring");
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
    use agentgateway::bar::{Call, Direction, Media};
    Call {
        callid: Some(kept.callid),
        caller: Some(kept.caller),
        called: Some(kept.called),
        direction: if kept.outbound {
            Direction::Outbound
        } else {
            Direction::Inbound
        },
        media: match kept.media.as_str() {
            "voice" => Media::Voice,
            "video" => Media::Video,
            "voice+video" => Media::VoiceAndVideo,
            _ => Media::Unknown,
        },
        held: false,
        transferred_from: None,
        since_ms: kept.since_ms,
        calldata: None,
    }
}
