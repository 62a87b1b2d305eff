//! Arbitrary bytes as a pushed request body: the receiver's depth check,
//! JSON parse and shape check, then the event decoder on what it accepts.
//! None may panic; whatever is accepted holds only event objects.
#![no_main]

use agentgateway::event::Event;
use agentgateway::push::{DEFAULT_MAX_JSON_DEPTH, parse_body};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for depth in [DEFAULT_MAX_JSON_DEPTH, 4] {
        if let Ok(events) = parse_body(data, depth, "291") {
            for raw in events {
                assert!(raw.is_object(), "an accepted event is an object");
                let _ = Event::from_json(raw).callid();
            }
        }
    }
});
