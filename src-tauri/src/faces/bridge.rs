//! From the engine to the live state: every update of a session goes, in
//! order, into [`Live`] (which the page, the tray and notifications follow),
//! each event to the page's event list, and the call on the bar to the
//! keyring (the GUID has its own follower). Keyring writes run in their own
//! task, coalesced (only the latest value is written), so a slow keyring never
//! delays an event on its way to the bar.
//!
//! Via the site relay, whether the relay subscription is open shows in the
//! health too: a subscription down for longer than [`RELAY_GRACE`] (not one
//! being reopened, nor one still opening after sign-in) makes a connected bar
//! say so, until it is open again.
//!
//! The [`Bridge`] owns its task: dropping it stops the forwarding.

use std::sync::Arc;
use std::time::Duration;

use agentgateway::bar::SignOutReason;
use agentgateway::engine::now_ms;
use agentgateway::guid_store::StoreError;
use agentgateway::{BarState, Health, Session, Update};
use tauri::{AppHandle, Manager};
use tokio::sync::{oneshot, watch};

use crate::faces::page;
use crate::secrets::LastCall;
use crate::task::Task;
use crate::view::live::Live;
use crate::view::{BarView, Direction};

/// How long the relay subscription may be down (reopening, or opening after
/// sign-in) before the bar says so.
pub const RELAY_GRACE: Duration = Duration::from_secs(3);

/// Forwards one session's updates for as long as it lives.
#[derive(Debug)]
pub struct Bridge {
    _task: Task,
    ended: Option<oneshot::Receiver<()>>,
}

impl Bridge {
    /// Starts forwarding `session`'s updates; subscribes before returning, so
    /// nothing the session does after this call is missed.
    pub fn start(app: &AppHandle, session: Arc<Session>, agent: String) -> Bridge {
        let mut updates = session.subscribe();
        let (ended_tx, ended) = oneshot::channel();
        let last_call = {
            let agent = agent.clone();
            keyring_writer(move |call: Option<LastCall>| {
                let agent = agent.clone();
                async move { crate::secrets::store_call(&agent, call.as_ref()).await }
            })
        };
        let app = app.clone();
        let mut relay = session
            .watch_relay()
            .map(|open| RelayLink::new(open, RELAY_GRACE));
        let task = Task::spawn(async move {
            let live = app.state::<Live>();
            let mut ended_tx = Some(ended_tx);
            let mut rest_over = false;
            // The last state shown, to show again when the relay's link changes.
            let mut last: Option<BarState> = None;
            loop {
                let update = tokio::select! {
                    update = updates.recv() => match update {
                        Some(update) => update,
                        None => break,
                    },
                    down = relay_changed(&mut relay) => {
                        live.set_relay_down(down);
                        let state = last.clone().unwrap_or_else(|| session.state());
                        live.show_state(&state, false);
                        continue;
                    }
                };
                match update {
                    Update::Event(event) => {
                        rest_over |= event.event_type == "AgentState_Rest_Timeout";
                        let record = live.record(event.event_type, event.raw);
                        page::send_event(&app, &record);
                    }
                    Update::State(state) => {
                        let bar = live.show_state(&state, std::mem::take(&mut rest_over));
                        let call = kept_call(&bar);
                        last_call.send_if_modified(|kept| {
                            let changed = kept.as_ref().map(|k| k.as_ref().map(|c| &c.callid))
                                != Some(call.as_ref().map(|c| &c.callid));
                            if changed {
                                *kept = Some(call);
                            }
                            changed
                        });
                        if let Health::SignedOut {
                            reason:
                                SignOutReason::ByGateway { .. } | SignOutReason::SignInFailed { .. },
                        } = &state.health
                            && let Some(tx) = ended_tx.take()
                        {
                            let _ = tx.send(());
                        }
                        last = Some(state);
                    }
                    Update::Health(_) | Update::Guid(_) => {}
                    Update::Lagged { missed } => {
                        tracing::warn!(
                            missed,
                            "the bar fell behind the gateway's events; showing the current state"
                        );
                        let state = session.state();
                        live.show_state(&state, false);
                        last = Some(state);
                    }
                }
            }
        });
        Bridge {
            _task: task,
            ended: Some(ended),
        }
    }

    /// Resolves once the gateway has ended the session (it signed the agent
    /// out, or signing in again failed) and the bar shows it; once only.
    pub fn ended(&mut self) -> Option<oneshot::Receiver<()>> {
        self.ended.take()
    }
}

/// Whether the relay subscription is open, as the bar shows it.
struct RelayLink {
    open: watch::Receiver<bool>,
    /// Open as last seen (the subscriber says "closed" again at every retry).
    was_open: bool,
    /// Since when it is closed (epoch ms) and when the grace ends.
    closed: Option<(u64, tokio::time::Instant)>,
    /// Whether the bar says it is down.
    shown_down: bool,
    grace: Duration,
}

impl RelayLink {
    /// Closed at first: the subscription opens after the sign-in.
    fn new(open: watch::Receiver<bool>, grace: Duration) -> Self {
        Self {
            open,
            was_open: false,
            closed: Some((now_ms(), tokio::time::Instant::now() + grace)),
            shown_down: false,
            grace,
        }
    }
}

/// Waits until the bar should show the relay otherwise: `Some(since)` once
/// the subscription has been down for its grace, `None` when it is
/// open again after that. Pending forever without a relay.
async fn relay_changed(link: &mut Option<RelayLink>) -> Option<u64> {
    let Some(relay) = link.as_mut() else {
        return std::future::pending().await;
    };
    loop {
        let grace = relay
            .closed
            .filter(|_| !relay.shown_down)
            .map(|(_, end)| end);
        tokio::select! {
            changed = relay.open.changed() => {
                if changed.is_err() {
                    // The session is gone; its updates end the bridge.
                    *link = None;
                    return std::future::pending().await;
                }
                let open = *relay.open.borrow_and_update();
                if open == relay.was_open {
                    continue;
                }
                relay.was_open = open;
                if open {
                    relay.closed = None;
                    if std::mem::take(&mut relay.shown_down) {
                        tracing::info!("the relay subscription is open again");
                        return None;
                    }
                } else {
                    relay.closed = Some((now_ms(), tokio::time::Instant::now() + relay.grace));
                }
            }
            () = sleep_until(grace) => {
                relay.shown_down = true;
                tracing::warn!("the relay subscription is down; the bar says so");
                return relay.closed.map(|(since, _)| since);
            }
        }
    }
}

/// Sleeps until `deadline`; forever without one.
async fn sleep_until(deadline: Option<tokio::time::Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// The call on `bar` as kept across a restart.
fn kept_call(bar: &BarView) -> Option<LastCall> {
    bar.call.as_ref().map(|call| LastCall {
        callid: call.call_id.clone(),
        caller: call.caller.clone(),
        called: call.called.clone(),
        outbound: call.direction == Direction::Outbound,
        media: call.media.as_str().to_owned(),
        since_ms: call.answered_at.unwrap_or(call.since),
    })
}

/// A task that writes what is sent to it to the keyring with `write`, in
/// order, skipping values overtaken by newer ones. It ends when the sender
/// is dropped, after writing the last value.
fn keyring_writer<T, F, Fut>(write: F) -> watch::Sender<Option<T>>
where
    T: Clone + Send + Sync + 'static,
    F: Fn(T) -> Fut + Send + 'static,
    Fut: Future<Output = Result<(), StoreError>> + Send,
{
    let (tx, mut rx) = watch::channel(None::<T>);
    tauri::async_runtime::spawn(async move {
        while rx.changed().await.is_ok() {
            let latest = rx.borrow_and_update().clone();
            if let Some(value) = latest
                && let Err(error) = write(value).await
            {
                tracing::warn!(
                    kind = error.kind(),
                    "the session could not be kept in the keyring"
                );
            }
        }
    });
    tx
}

#[cfg(test)]
mod tests {
    use super::*;

    const GRACE: Duration = Duration::from_millis(150);

    /// What `relay_changed` says within `within`, `Err` when it says nothing.
    async fn said(link: &mut Option<RelayLink>, within: Duration) -> Result<Option<u64>, ()> {
        tokio::time::timeout(within, relay_changed(link))
            .await
            .map_err(|_| ())
    }

    #[tokio::test]
    async fn a_relay_down_beyond_the_grace_is_said_once_and_its_return_too() {
        let (open, rx) = watch::channel(false);
        let mut link = Some(RelayLink::new(rx, GRACE));
        // Opening right after sign-in, within the grace: nothing to say.
        tokio::time::sleep(GRACE / 3).await;
        open.send_replace(true);
        assert_eq!(said(&mut link, GRACE * 3).await, Err(()));

        // Lost, and a retry says "closed" again and again: down once, after the grace.
        let lost_at = now_ms();
        open.send_replace(false);
        let retries = {
            let open = open.clone();
            tokio::spawn(async move {
                for _ in 0..10 {
                    tokio::time::sleep(GRACE / 4).await;
                    open.send_replace(false);
                }
            })
        };
        let started = tokio::time::Instant::now();
        let since = said(&mut link, GRACE * 10).await.expect("said down");
        assert!(started.elapsed() >= GRACE - Duration::from_millis(20));
        let since = since.expect("down since");
        assert!(
            since >= lost_at && since <= lost_at + 1_000,
            "{since} vs {lost_at}"
        );
        assert_eq!(said(&mut link, GRACE * 2).await, Err(()), "said once");
        retries.await.expect("retries");

        // Open again: said at once.
        open.send_replace(true);
        assert_eq!(said(&mut link, GRACE * 10).await, Ok(None));
    }

    #[tokio::test]
    async fn a_short_drop_within_the_grace_says_nothing() {
        let grace = Duration::from_secs(1);
        let (open, rx) = watch::channel(false);
        let mut link = Some(RelayLink::new(rx, grace));
        // Opened after sign-in, then a drop the subscriber mends at once.
        let drop_and_mend = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(50)).await;
            open.send_replace(true);
            tokio::time::sleep(Duration::from_millis(100)).await;
            open.send_replace(false);
            tokio::time::sleep(Duration::from_millis(50)).await;
            open.send_replace(true);
            open
        });
        assert_eq!(said(&mut link, grace * 2).await, Err(()));
        let open = drop_and_mend.await.expect("sender");
        assert!(link.as_ref().is_some_and(|l| l.was_open && !l.shown_down));
        drop(open);
    }

    #[tokio::test]
    async fn a_relay_never_opened_is_said_down_after_the_grace() {
        let (_open, rx) = watch::channel(false);
        let mut link = Some(RelayLink::new(rx, GRACE));
        assert!(matches!(said(&mut link, GRACE * 10).await, Ok(Some(_))));
        let mut none = None;
        assert_eq!(said(&mut none, GRACE).await, Err(()), "no relay: nothing");
    }
}
