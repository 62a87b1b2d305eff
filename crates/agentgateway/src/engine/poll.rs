//! The polling loop: one long poll at a time, each answer or failure handed
//! to the recovery machine, which says what comes next.

use super::recovery::{Action, Mode, Recovery};
use super::{Engine, Start};

impl Engine {
    pub(super) async fn run_poll(self, start: Start) {
        let client = self.client();
        let mut recovery = Recovery::new(
            self.shared.timing,
            Mode::Poll,
            client.config().gateways.len(),
            client.gateway_index(),
        );
        let mut calldata = start.calldata;
        let mut fetched = None;
        let mut step = recovery.start(start.reconcile);
        loop {
            self.follow(&step);
            if !self.pause(step.after).await {
                return;
            }
            step = match step.action {
                Action::Ask => {
                    let polled = tokio::select! {
                        _ = self.cancel.cancelled() => return,
                        r = self.client().poll_event(calldata.as_deref()) => r,
                    };
                    match polled {
                        Ok(event) => {
                            calldata = None;
                            let had_event = event.is_some();
                            let step = recovery.answered(had_event);
                            // Connected before the event shows, as it arrived over the link.
                            self.follow(&step);
                            if let Some(ev) = event {
                                self.deliver(ev, &mut fetched).await;
                            }
                            step
                        }
                        Err(e) => self.failed(&mut recovery, &e, "event poll"),
                    }
                }
                other => match self.recover(&mut recovery, other).await {
                    Some(step) => step,
                    None => return,
                },
            };
        }
    }
}
