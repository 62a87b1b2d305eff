//! Commands the connection bar page calls. Each one is granted by name in
//! `capabilities/main.json` and listed in `build.rs`.

use agentgateway::client::MAX_CALLDATA_BYTES;
use agentgateway::engine::now_ms;
use agentgateway::probe::PeerCertificate;
use serde::Serialize;
use tauri::{AppHandle, State};

use crate::errors::AppError;
use crate::i18n;
use crate::session::{AppSession, SignInRequest, Snapshot};
use crate::settings::Settings;

type Result<T> = std::result::Result<T, AppError>;

/// What the page shows in its "about" line.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct AppInfo {
    pub name: String,
    pub version: String,
}

/// The application's name and version, from the package that was built.
#[tauri::command]
pub fn app_info(app: AppHandle) -> AppInfo {
    let package = app.package_info();
    AppInfo {
        name: package.name.clone(),
        version: package.version.to_string(),
    }
}

/// The bar, recent events and settings, for a page that (re)loads; the
/// reasons on the bar in the current language.
#[tauri::command]
pub async fn snapshot(app_session: State<'_, AppSession>) -> Result<Snapshot> {
    let mut snapshot = app_session.snapshot().await;
    crate::view::localize(&mut snapshot.bar);
    Ok(snapshot)
}

/// Saves the settings and applies what takes effect at once: window, language, shortcuts.
#[tauri::command]
pub async fn save_settings(
    app: AppHandle,
    app_session: State<'_, AppSession>,
    settings: Settings,
) -> Result<Settings> {
    let before = app_session.settings();
    let saved = app_session.save_settings(&settings)?;
    crate::apply_window_settings(&app);
    if saved.autostart != before.autostart {
        crate::apply_autostart(&app, &saved);
    }
    if saved.language != before.language {
        crate::apply_language(&app, &saved);
    }
    if saved.shortcuts != before.shortcuts {
        crate::shortcuts::apply(&app, &saved.shortcuts);
    }
    Ok(saved)
}

/// The OS locale's language as AgentBar detects it ("en" or "zh-CN"): the
/// page follows it when the language setting is "auto", so both sides agree.
#[tauri::command]
pub fn system_language() -> &'static str {
    i18n::system_language().tag()
}

/// What became of each configured global shortcut.
#[tauri::command]
pub fn shortcut_status(app: AppHandle) -> Vec<crate::shortcuts::ShortcutStatus> {
    crate::shortcuts::statuses(&app)
}

/// The gateway's certificate fingerprint, for confirmation at first contact.
#[tauri::command]
pub async fn probe_certificate(
    app_session: State<'_, AppSession>,
    gateway: String,
) -> Result<PeerCertificate> {
    let trust = crate::session::trust_of(&app_session.settings())?;
    Ok(agentgateway::probe::probe(&gateway, &trust).await?)
}

#[tauri::command]
pub async fn sign_in(
    app: AppHandle,
    app_session: State<'_, AppSession>,
    request: SignInRequest,
) -> Result<()> {
    app_session.sign_in(&app, request).await
}

#[tauri::command]
pub async fn sign_out(app: AppHandle, app_session: State<'_, AppSession>) -> Result<()> {
    app_session.sign_out(&app).await
}

#[tauri::command]
pub async fn set_ready(app_session: State<'_, AppSession>) -> Result<()> {
    Ok(app_session.session().await?.client().say_free().await?)
}

#[tauri::command]
pub async fn set_busy(app_session: State<'_, AppSession>, reason: u16) -> Result<()> {
    if !(200..=250).contains(&reason) {
        return Err(AppError::invalid(i18n::t("error.busyReason")));
    }
    Ok(app_session
        .session()
        .await?
        .client()
        .say_busy(Some(reason))
        .await?)
}

#[tauri::command]
pub async fn cancel_busy(app_session: State<'_, AppSession>) -> Result<()> {
    Ok(app_session.session().await?.client().cancel_busy().await?)
}

#[tauri::command]
pub async fn set_rest(app_session: State<'_, AppSession>, seconds: u32, cause: u8) -> Result<()> {
    if !(1..=86_399).contains(&seconds) {
        return Err(AppError::invalid(i18n::t("error.restLength")));
    }
    app_session
        .session()
        .await?
        .client()
        .rest(seconds, cause)
        .await?;
    app_session.live().memory.rest_requested(now_ms(), seconds);
    Ok(())
}

#[tauri::command]
pub async fn cancel_rest(app_session: State<'_, AppSession>) -> Result<()> {
    Ok(app_session.session().await?.client().cancel_rest().await?)
}

#[tauri::command]
pub async fn set_work(app_session: State<'_, AppSession>) -> Result<()> {
    Ok(app_session.session().await?.client().work().await?)
}

#[tauri::command]
pub async fn cancel_work(app_session: State<'_, AppSession>) -> Result<()> {
    Ok(app_session.session().await?.client().cancel_work().await?)
}

#[tauri::command]
pub async fn answer(app_session: State<'_, AppSession>) -> Result<()> {
    Ok(app_session.session().await?.client().answer().await?)
}

#[tauri::command]
pub async fn hang_up(app_session: State<'_, AppSession>) -> Result<()> {
    Ok(app_session.session().await?.client().release().await?)
}

#[tauri::command]
pub async fn hold(app_session: State<'_, AppSession>) -> Result<()> {
    Ok(app_session.session().await?.client().hold().await?)
}

#[tauri::command]
pub async fn unhold(app_session: State<'_, AppSession>) -> Result<()> {
    let session = app_session.session().await?;
    let callid = current_callid(&session)?;
    Ok(session.client().get_hold(&callid).await?)
}

/// Saves the call's data (at most 16 KB) and shows it on the bar.
#[tauri::command]
pub async fn save_calldata(
    app: AppHandle,
    app_session: State<'_, AppSession>,
    value: String,
) -> Result<()> {
    if value.len() > MAX_CALLDATA_BYTES {
        return Err(AppError::invalid(i18n::tf(
            "error.calldataTooLong",
            &[
                ("bytes", &value.len().to_string()),
                ("max", &MAX_CALLDATA_BYTES.to_string()),
            ],
        )));
    }
    let session = app_session.session().await?;
    let callid = current_callid(&session)?;
    session
        .client()
        .set_calldata(&callid, &value, false)
        .await?;
    app_session
        .live()
        .memory
        .calldata_saved(Some(callid), value);
    crate::bridge::refresh(&app, &session.state());
    Ok(())
}

fn current_callid(session: &agentgateway::Session) -> Result<String> {
    session
        .state()
        .call
        .and_then(|call| call.callid)
        .ok_or_else(|| AppError::new("noCall", i18n::t("error.noCall")))
}

/// Writes one archive for the help desk (logs, settings, connection timeline;
/// no secrets) and returns where it is.
#[tauri::command]
pub async fn save_diagnostics(
    app: AppHandle,
    app_session: State<'_, AppSession>,
) -> Result<String> {
    let contents = crate::diagnostics::Contents::gather(&app, &app_session);
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
