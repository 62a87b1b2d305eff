//! Arbitrary bytes as a gateway answer: the envelope parser, the event
//! decoder on any JSON and on the envelope's `event`, the bar reducer on
//! the decoded event, and the `Set-GUID` header parser. None may panic.
#![no_main]

use agentgateway::bar::BarState;
use agentgateway::event::Event;
use agentgateway::wire::{Envelope, parse_set_guid};
use libfuzzer_sys::fuzz_target;

fn exercise(raw: serde_json::Value) {
    let event = Event::from_json(raw);
    let _ = event.callid();
    let _ = format!("{:?}", event.kind);
    let mut bar = BarState::signed_out(0);
    bar.apply(&event, 1);
    bar.apply(&event, 2);
}

fuzz_target!(|data: &[u8]| {
    if let Ok(value) = serde_json::from_slice::<serde_json::Value>(data) {
        exercise(value);
    }
    if let Some(envelope) = Envelope::parse(data)
        && let Some(event) = envelope.event
    {
        exercise(event);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = parse_set_guid(text);
    }
});
