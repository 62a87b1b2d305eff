//! A long shift of short calls: the real app with dunst as the notification
//! server, 40 calls rung and hung up by the caller one after the other. The
//! app's thread count after them is the count after the first few calls (no
//! thread or D-Bus connection is left waiting per notification), and every
//! "incoming call" notification was replaced once its call ended (none stays
//! up to answer a later call).

use std::time::Duration;

use agentbar_e2e::gateway::AGENT;
use agentbar_e2e::{Desktop, SignedIn};

const CALLS: usize = 40;
/// Calls before the thread count is taken as the baseline.
const WARM_UP: usize = 5;
/// Threads the runtime may add or retire on its own (blocking pool for the keyring).
const SLACK: usize = 2;

fn summaries(desktop: &Desktop) -> Vec<String> {
    desktop
        .notifications()
        .expect("dunstctl history")
        .iter()
        .filter_map(|n| n["summary"]["data"].as_str().map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn forty_calls_leave_no_thread_and_no_incoming_call_notification_behind() {
    let SignedIn {
        app,
        gateway,
        desktop,
    } = SignedIn::start().await;
    assert!(
        desktop
            .notification_server()
            .expect("gdbus")
            .contains("dunst"),
        "dunst answers as the notification server"
    );
    let control = gateway.sim.control();

    let mut baseline = None;
    let mut counts = Vec::new();
    for n in 0..CALLS {
        let caller = format!("1380013{n:04}");
        gateway.ring(&caller, None);
        app.wait_for_text("#call-caller", &caller)
            .await
            .expect("the call rings on the bar");
        // The caller gives up at once: ringing and its end arrive back to back.
        control.customer_hang_up(AGENT).expect("caller hangs up");
        app.wait_for_text("#agent-state", "Ready")
            .await
            .expect("ready again");
        if n + 1 == WARM_UP {
            tokio::time::sleep(Duration::from_secs(1)).await;
            baseline = app.thread_count();
        }
        counts.push(app.thread_count().unwrap_or(0));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let baseline = baseline.expect("the app's thread count");
    let after = app.thread_count().expect("the app's thread count");
    eprintln!(
        "threads: {baseline} after {WARM_UP} calls, {after} after {CALLS}; per call {counts:?}"
    );
    assert!(
        after <= baseline + SLACK,
        "the thread count grew from {baseline} after {WARM_UP} calls to {after} after {CALLS}"
    );

    let shown = summaries(&desktop);
    let missed = shown
        .iter()
        .filter(|s| s.starts_with("Missed call"))
        .count();
    let stale: Vec<_> = shown
        .iter()
        .filter(|s| s.starts_with("Incoming call"))
        .collect();
    eprintln!("{missed} missed-call notifications");
    assert!(missed > 0, "the ended calls were notified: {shown:?}");
    assert!(
        stale.is_empty(),
        "incoming-call notifications stayed after their calls ended: {stale:?}"
    );
    app.quit().await;
}
