//! The push loop: pushed batches from the receiver go straight to delivery;
//! the heartbeat (`handshake`, which also carries new GUIDs) is the loop's own
//! request, and its answers and failures go to the same recovery machine as
//! the polls of polling mode.

use tokio::sync::mpsc;

use crate::push::PushBatch;

use super::recovery::{Action, Mode, Recovery};
use super::{Engine, Start};

impl Engine {
    pub(super) async fn run_push(self, start: Start) {
        let Some(side) = self.shared.push.as_ref() else {
            return;
        };
        let mut batches = side.batches.lock().await;
        let Some(rx) = batches.as_mut() else {
            // The receiver never started: say so instead of looking connected.
            tracing::error!("push loop without a receiver");
            self.shared.ended(crate::bar::SignOutReason::SignInFailed {
                error: "pushReceiver".into(),
                retcode: None,
            });
            return;
        };
        let client = self.client();
        let mut recovery = Recovery::new(
            self.shared.timing,
            Mode::Push {
                every: side.mode.handshake_every,
            },
            client.config().gateways.len(),
            client.gateway_index(),
        );
        let mut fetched = None;
        let mut step = recovery.start(start.reconcile);
        loop {
            self.follow(&step);
            // Pushed batches are delivered while the step's pause runs.
            let pause = tokio::time::sleep(step.after);
            if self
                .delivering(rx, &mut fetched, &mut recovery, pause)
                .await
                .is_none()
            {
                return;
            }
            step = match step.action {
                Action::Ask => {
                    let heartbeat = self.client().handshake();
                    let Some(r) = self
                        .delivering(rx, &mut fetched, &mut recovery, heartbeat)
                        .await
                    else {
                        return;
                    };
                    match r {
                        Ok(()) => recovery.answered(false),
                        Err(e) => self.failed(&mut recovery, &e, "heartbeat"),
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

impl Engine {
    /// Runs `work` while delivering every batch that arrives meanwhile, so
    /// that neither a pause nor a slow heartbeat holds an event back. `None`
    /// when the loop was cancelled or the receiver stopped.
    async fn delivering<T>(
        &self,
        rx: &mut mpsc::Receiver<PushBatch>,
        fetched: &mut Option<String>,
        recovery: &mut Recovery,
        work: impl Future<Output = T>,
    ) -> Option<T> {
        let mut work = std::pin::pin!(work);
        loop {
            tokio::select! {
                biased;
                _ = self.cancel.cancelled() => return None,
                batch = rx.recv() => {
                    for ev in batch? {
                        self.deliver(ev, fetched).await;
                    }
                    // Events are arriving again after a stall.
                    if recovery.pushed().is_some() {
                        self.shared.set_health(self.shared.connected());
                    }
                }
                out = &mut work => return Some(out),
            }
        }
    }
}
