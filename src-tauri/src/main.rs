// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    system_allocator_for_webkit();
    agentbar_lib::run();
}

/// WebKit's own allocator keeps a scavenger thread in every WebKit process
/// that wakes several times a second to hand memory back; for a small page
/// on screen all shift the C library's allocator costs less CPU for the same
/// memory (`agentbar-bench footprint` measures both). WebKit reads `Malloc`
/// at its first allocation and passes it on to the processes it starts; any
/// value selects the system allocator. A value already set is left alone,
/// and `AGENTBAR_WEBKIT_MALLOC=1` keeps WebKit's own allocator.
#[allow(unsafe_code)]
fn system_allocator_for_webkit() {
    let keep = std::env::var_os("AGENTBAR_WEBKIT_MALLOC").is_some_and(|v| v == "1");
    if cfg!(target_os = "linux") && !keep && std::env::var_os("Malloc").is_none() {
        // SAFETY: the first statement of `main`: no other thread exists yet
        // that could read the environment at the same time.
        unsafe { std::env::set_var("Malloc", "1") };
    }
}
