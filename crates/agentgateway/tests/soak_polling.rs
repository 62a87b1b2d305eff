//! Fault soak, polling mode: a session against the simulator through a
//! gateway restart, runs of 5xx, connections reset mid-answer, stalls past
//! the client's timeout, malformed and truncated bodies, a wrong content
//! type, the disaster-recovery retcodes, a GUID rotation at every
//! poll, a 30-second network outage, and an outage past the
//! gateway's inactivity sign-out, while events keep flowing. See
//! `soak_common` for what is asserted. Bounded: about 80 s, hard limit 150 s.

mod soak_common;

use std::time::Duration;

use soak_common::Mode;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_session_survives_the_fault_soak_and_delivers_every_event_once() {
    let soak = async {
        // The 3-minute outage against the gateway's 2-minute
        // inactivity sign-out, scaled down to 8 s (and an outage of 12 s):
        // what matters is the outage outlasting the gateway's timeout.
        soak_common::outage_past_inactivity_sign_out(Mode::Polling, Duration::from_secs(8)).await;
        soak_common::soak(Mode::Polling).await;
    };
    tokio::time::timeout(Duration::from_secs(150), soak)
        .await
        .expect("the soak ends within its 150 s limit");
}
