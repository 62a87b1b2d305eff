//! Declaring the app's commands makes each one need an explicit grant in
//! `capabilities/`, instead of Tauri's default of allowing every command.

/// Every command the connection bar page may call.
const COMMANDS: &[&str] = &[
    "app_info",
    "snapshot",
    "save_settings",
    "probe_certificate",
    "push_certificate",
    "sign_in",
    "sign_out",
    "set_ready",
    "set_busy",
    "cancel_busy",
    "set_rest",
    "cancel_rest",
    "set_work",
    "cancel_work",
    "answer",
    "hang_up",
    "hold",
    "unhold",
    "save_calldata",
    "save_diagnostics",
    "system_language",
    "shortcut_status",
    "call_control",
    "transfer_targets",
    "skills",
    "sign_in_skills",
    "queue_figures",
    "today",
];

fn main() {
    let attributes = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(error) = tauri_build::try_build(attributes) {
        panic!("tauri build step failed: {error:#}");
    }
}
