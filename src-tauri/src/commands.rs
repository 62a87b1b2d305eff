//! Commands the connection bar page calls, each a line over [`actions`] or
//! the [`AppSession`]. Each one is granted by name in
//! `capabilities/main.json` and listed in `build.rs`.

use tauri::{AppHandle, State};

use crate::actions::{self, Action};
use crate::app::{AppSession, SignInRequest};
use crate::calls::{self, CallRequest, DayView, QueueView, SkillsView, TargetsView};
use crate::errors::AppError;
use crate::settings::{PushSettings, Settings};
use crate::shortcuts::ShortcutStatus;
use crate::view::{AppInfo, CertificateView, Snapshot};
use agentgateway::client::SkillChoice;

type Result<T = ()> = std::result::Result<T, AppError>;

/// The application's name and version, from the package that was built.
#[tauri::command]
pub fn app_info(app: AppHandle) -> AppInfo {
    let package = app.package_info();
    AppInfo {
        name: package.name.clone(),
        version: package.version.to_string(),
    }
}

/// The bar, recent events and settings, for a page that (re)loads.
#[tauri::command]
pub async fn snapshot(app: AppHandle, app_session: State<'_, AppSession>) -> Result<Snapshot> {
    Ok(app_session.snapshot(&app).await)
}

/// Saves the settings and applies what takes effect at once.
#[tauri::command]
pub async fn save_settings(app: AppHandle, settings: Settings) -> Result<Settings> {
    crate::desktop::save_settings(&app, &settings)
}

/// The OS locale's language as AgentBar detects it ("en" or "zh-CN"): the
/// page follows it when the language setting is "auto", so both sides agree.
#[tauri::command]
pub fn system_language() -> &'static str {
    crate::i18n::system_language().tag()
}

/// What became of each configured global shortcut.
#[tauri::command]
pub fn shortcut_status(app: AppHandle) -> Vec<ShortcutStatus> {
    crate::shortcuts::statuses(&app)
}

/// The gateway's certificate fingerprint, for confirmation at first contact.
#[tauri::command]
pub async fn probe_certificate(app: AppHandle, gateway: String) -> Result<CertificateView> {
    crate::app::probe_certificate(&app, &gateway).await
}

/// The SHA-256 fingerprint of the push receiver's certificate for these
/// push settings, for the gateway to pin.
#[tauri::command]
pub async fn push_certificate(
    app: AppHandle,
    app_session: State<'_, AppSession>,
    push: PushSettings,
) -> Result<String> {
    app_session.push_certificate(&app, &push).await
}

#[tauri::command]
pub async fn sign_in(
    app: AppHandle,
    app_session: State<'_, AppSession>,
    request: SignInRequest,
) -> Result {
    app_session.sign_in(&app, request).await
}

#[tauri::command]
pub async fn sign_out(app: AppHandle) -> Result {
    actions::perform(&app, Action::SignOut).await
}

#[tauri::command]
pub async fn set_ready(app: AppHandle) -> Result {
    actions::perform(&app, Action::Ready).await
}

#[tauri::command]
pub async fn set_busy(app: AppHandle, reason: u16) -> Result {
    actions::perform(&app, Action::Busy { reason }).await
}

#[tauri::command]
pub async fn cancel_busy(app: AppHandle) -> Result {
    actions::perform(&app, Action::CancelBusy).await
}

#[tauri::command]
pub async fn set_rest(app: AppHandle, seconds: u32, cause: u8) -> Result {
    actions::perform(&app, Action::Rest { seconds, cause }).await
}

#[tauri::command]
pub async fn cancel_rest(app: AppHandle) -> Result {
    actions::perform(&app, Action::CancelRest).await
}

#[tauri::command]
pub async fn set_work(app: AppHandle) -> Result {
    actions::perform(&app, Action::Work).await
}

#[tauri::command]
pub async fn cancel_work(app: AppHandle) -> Result {
    actions::perform(&app, Action::CancelWork).await
}

#[tauri::command]
pub async fn answer(app: AppHandle) -> Result {
    actions::perform(&app, Action::Answer).await
}

#[tauri::command]
pub async fn hang_up(app: AppHandle) -> Result {
    actions::perform(&app, Action::HangUp).await
}

#[tauri::command]
pub async fn hold(app: AppHandle) -> Result {
    actions::perform(&app, Action::Hold).await
}

#[tauri::command]
pub async fn unhold(app: AppHandle) -> Result {
    actions::perform(&app, Action::Unhold).await
}

/// A call action: reject, mute, keypad tones, dial, transfer, consult, take
/// back, three-way, switch calls.
#[tauri::command]
pub async fn call_control(app: AppHandle, request: CallRequest) -> Result {
    actions::perform(&app, Action::Call(request)).await
}

/// The transfer and consult pickers' lists, from the gateway.
#[tauri::command]
pub async fn transfer_targets(app_session: State<'_, AppSession>) -> Result<TargetsView> {
    Ok(calls::targets(app_session.session().await?.as_ref()).await)
}

/// The skill queues configured for the agent and those signed in to.
#[tauri::command]
pub async fn skills(app_session: State<'_, AppSession>) -> Result<SkillsView> {
    calls::skills(app_session.session().await?.as_ref()).await
}

/// Signs in to these skill queues now (`None`: all configured ones).
#[tauri::command]
pub async fn sign_in_skills(
    app_session: State<'_, AppSession>,
    ids: Option<Vec<String>>,
) -> Result<SkillsView> {
    let session = app_session.session().await?;
    let choice = match ids {
        None => SkillChoice::All,
        Some(ids) => SkillChoice::Only(ids),
    };
    session
        .sign_in_to_skills(choice)
        .await
        .map_err(AppError::from)?;
    calls::skills(&session).await
}

/// Callers waiting in the agent's skills (the page asks at most every few seconds).
#[tauri::command]
pub async fn queue_figures(app_session: State<'_, AppSession>) -> Result<QueueView> {
    calls::queue(app_session.session().await?.as_ref()).await
}

/// The agent's figures for today.
#[tauri::command]
pub async fn today(app_session: State<'_, AppSession>) -> Result<DayView> {
    calls::day(app_session.session().await?.as_ref()).await
}

/// Saves the call's data (at most 16 KB) and shows it on the bar.
#[tauri::command]
pub async fn save_calldata(app: AppHandle, value: String) -> Result {
    actions::perform(&app, Action::SaveCalldata { value }).await
}

/// Writes one archive for the help desk (logs, settings, connection timeline;
/// no secrets) and returns where it is.
#[tauri::command]
pub async fn save_diagnostics(app: AppHandle) -> Result<String> {
    crate::diagnostics::save(&app).await
}
