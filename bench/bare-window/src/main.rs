//! A bare Tauri v2 window: the floor AgentBar's idle footprint is compared with.

fn main() {
    if let Err(error) = tauri::Builder::default().run(tauri::generate_context!()) {
        eprintln!("bare-window could not start: {error}");
        std::process::exit(1);
    }
}
