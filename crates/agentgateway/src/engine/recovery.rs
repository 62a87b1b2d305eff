//! The session's recovery rules, written once for polling and push: what the
//! engine does next after each answer or failure, with no I/O and no clock of
//! its own (the time is passed in). The poll loop and the push loop are thin
//! loops that do what a [`Step`] says and report back what happened.
//!
//! The rules (`protocol.md` §3):
//! - after an answer: ask again 200-500 ms later (polling) or at the next
//!   heartbeat (push); after an answer that carried an event, more are likely
//!   queued, so the next poll goes at the protocol's minimum;
//! - after an HTTP status other than 200: wait more than 1 s;
//! - after a transport failure: back off exponentially, jittered, up to a cap;
//!   a gateway unreachable for the cap is left for the next one (failover);
//! - `000-001`, `000-003`, `100-006`: signed out, stop;
//! - `105-005/6/7`: disaster-recovery switchover, sign in again on the next
//!   gateway;
//! - after any gap, and after a poll whose answer could not be read (it may
//!   have consumed an event), reconcile the bar with `agentstatus`;
//! - push mode: every few heartbeats, check `agentstatus` against the bar; a
//!   disagreement seen twice, a moment apart, means pushes are not arriving:
//!   say so and reconcile, until a push arrives or the views agree again.

use std::time::Duration;

use tokio::time::Instant;

use crate::bar::{ReconnectCause, SignOutReason};
use crate::client::ClientError;

/// Timing of the event loop (seed rules; see [`PollTiming::default`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollTiming {
    /// Pause after an answer without an event: kept within 200..=500 ms.
    pub after_answer: Duration,
    /// Pause after an answer that carried an event: kept within 200..=500 ms.
    pub after_event: Duration,
    /// Pause after an HTTP status other than 200 (or a malformed answer): above 1 s.
    pub after_http_error: Duration,
    /// First back-off after a transport failure; doubles per failure, with jitter.
    pub backoff_initial: Duration,
    /// Largest back-off; also how long a gateway may stay unreachable
    /// before the engine moves to the next one.
    pub backoff_cap: Duration,
}

impl Default for PollTiming {
    fn default() -> Self {
        PollTiming {
            after_answer: Duration::from_millis(300),
            // The protocol's floor plus a margin for timer jitter.
            after_event: Duration::from_millis(210),
            after_http_error: Duration::from_millis(1500),
            backoff_initial: Duration::from_millis(500),
            backoff_cap: Duration::from_secs(30),
        }
    }
}

/// Push mode checks the gateway's view of the agent every this many heartbeats.
pub const AUDIT_EVERY: u32 = 2;

/// How long after a first disagreement the check is made again.
pub const AUDIT_RECHECK: Duration = Duration::from_secs(2);

const MIN_REPOLL: Duration = Duration::from_millis(200);
const MAX_REPOLL: Duration = Duration::from_millis(500);

impl PollTiming {
    /// The pause after an answer, with or without an event, within the seed's 200-500 ms.
    pub fn after_answer(&self, had_event: bool) -> Duration {
        let d = if had_event {
            self.after_event
        } else {
            self.after_answer
        };
        d.clamp(MIN_REPOLL, MAX_REPOLL)
    }

    /// The pause after a non-200 status: always more than 1 s.
    pub fn after_http_error(&self) -> Duration {
        self.after_http_error.max(Duration::from_millis(1100))
    }

    /// The back-off cap, kept within 1..=60 s.
    pub fn cap(&self) -> Duration {
        self.backoff_cap
            .clamp(Duration::from_secs(1), Duration::from_secs(60))
    }

    /// Back-off before retry number `failures` (1-based): exponential, capped,
    /// and placed in its upper half by `jitter` (0.0..1.0), so that the
    /// retries of many agents spread out.
    pub fn backoff(&self, failures: u32, jitter: f64) -> Duration {
        let exp = self
            .backoff_initial
            .max(Duration::from_millis(100))
            .saturating_mul(1u32 << failures.saturating_sub(1).min(16));
        let full = exp.min(self.cap());
        let half = full / 2;
        half + full.mul_f64(jitter.clamp(0.0, 1.0) * 0.5)
    }
}

/// How events arrive; decides the pause after an answer and whether a failed
/// request may have consumed an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Long polling: each poll may carry (and dequeue) one event.
    Poll,
    /// Pushed events; the loop's own request is the heartbeat, every `every`.
    Push { every: Duration },
}

/// What the loop does next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Poll (polling) or send the heartbeat (push).
    Ask,
    /// Ask `agentstatus` and set the bar to it.
    Reconcile,
    /// Push mode: ask `agentstatus` and compare it with the bar.
    Audit,
    /// Sign in again with the kept credentials.
    SignInAgain,
    /// Stop: the session is over.
    End(SignOutReason),
}

/// Whether events are flowing, as far as this step knows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// No change to report.
    Same,
    /// The gateway answered: connected.
    Up,
    /// Events are not flowing, for this cause.
    Down(ReconnectCause),
}

/// One decision: the loop moves to gateway `switch_to` (when set) and reports
/// `link` at once, then waits `after` and does `action`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub after: Duration,
    pub action: Action,
    pub link: Link,
    pub switch_to: Option<usize>,
}

impl Step {
    fn now(action: Action) -> Step {
        Step::after(Duration::ZERO, action)
    }

    fn after(after: Duration, action: Action) -> Step {
        Step {
            after,
            action,
            link: Link::Same,
            switch_to: None,
        }
    }

    fn link(mut self, link: Link) -> Step {
        self.link = link;
        self
    }

    fn switching(mut self, to: usize) -> Step {
        self.switch_to = Some(to);
        self
    }
}

/// The recovery state of one running session.
pub struct Recovery {
    timing: PollTiming,
    mode: Mode,
    gateways: usize,
    /// The gateway in use (index into the configured list).
    current: usize,
    /// Transport failures in a row (for the back-off).
    failures: u32,
    /// Since when the current gateway has not answered.
    down_since: Option<Instant>,
    /// Push mode: heartbeats answered, for the audit.
    heartbeats: u32,
    /// Push mode: one audit disagreed; the next one decides.
    suspect: bool,
    /// Push mode: pushes are not arriving (told as `PushesStalled`).
    stalled: bool,
    jitter: Box<dyn FnMut() -> f64 + Send>,
}

impl std::fmt::Debug for Recovery {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Recovery")
            .field("mode", &self.mode)
            .field("failures", &self.failures)
            .field("down", &self.down_since.is_some())
            .finish_non_exhaustive()
    }
}

impl Recovery {
    /// A session on gateway `current` of `gateways`, with random back-off jitter.
    pub fn new(timing: PollTiming, mode: Mode, gateways: usize, current: usize) -> Recovery {
        Recovery::with_jitter(timing, mode, gateways, current, || {
            use rand::Rng;
            rand::rng().random_range(0.0..1.0)
        })
    }

    /// Like [`Recovery::new`], with the jitter (0.0..1.0) taken from `jitter`.
    pub fn with_jitter(
        timing: PollTiming,
        mode: Mode,
        gateways: usize,
        current: usize,
        jitter: impl FnMut() -> f64 + Send + 'static,
    ) -> Recovery {
        let gateways = gateways.max(1);
        Recovery {
            timing,
            mode,
            gateways,
            current: current % gateways,
            failures: 0,
            down_since: None,
            heartbeats: 0,
            suspect: false,
            stalled: false,
            jitter: Box::new(jitter),
        }
    }

    /// The first step of a loop: reconcile first after a resume or a re-sign-in.
    pub fn start(&mut self, reconcile: bool) -> Step {
        match (reconcile, self.mode) {
            (true, _) => Step::now(Action::Reconcile),
            (false, Mode::Poll) => Step::now(Action::Ask),
            (false, Mode::Push { every }) => Step::after(every, Action::Ask),
        }
    }

    /// The poll or heartbeat was answered (`had_event`: the poll carried one).
    pub fn answered(&mut self, had_event: bool) -> Step {
        self.failures = 0;
        let was_down = self.down_since.take().is_some();
        let pause = match self.mode {
            Mode::Poll => self.timing.after_answer(had_event),
            Mode::Push { every } => every,
        };
        let action = if was_down {
            Action::Reconcile
        } else {
            Action::Ask
        };
        let after = if was_down && matches!(self.mode, Mode::Push { .. }) {
            Duration::ZERO
        } else {
            pause
        };
        let mut step = Step::after(after, action).link(Link::Up);
        if let Mode::Push { .. } = self.mode {
            self.heartbeats = self.heartbeats.wrapping_add(1);
            if self.stalled {
                // The heartbeat works; the events still do not.
                step.link = Link::Same;
            }
            if !was_down && self.heartbeats.is_multiple_of(AUDIT_EVERY) {
                step.action = Action::Audit;
                step.after = Duration::ZERO;
            }
        }
        step
    }

    /// Push mode: the audit found the gateway's view of the agent and the
    /// bar in agreement (`Ok(true)`), in disagreement (`Ok(false)`), or failed.
    pub fn audited(&mut self, result: Result<bool, &ClientError>, now: Instant) -> Step {
        let every = match self.mode {
            Mode::Push { every } => every,
            Mode::Poll => self.timing.after_answer(false),
        };
        match result {
            Ok(true) => {
                self.suspect = false;
                let was_stalled = std::mem::take(&mut self.stalled);
                Step::after(every, Action::Ask).link(if was_stalled {
                    Link::Up
                } else {
                    Link::Same
                })
            }
            // Once: an event may be on its way. Look again in a moment.
            Ok(false) if !self.suspect && !self.stalled => {
                self.suspect = true;
                Step::after(AUDIT_RECHECK, Action::Audit)
            }
            Ok(false) => {
                self.suspect = false;
                self.stalled = true;
                Step::now(Action::Reconcile).link(Link::Down(ReconnectCause::PushesStalled))
            }
            Err(e) => self.failed(e, now),
        }
    }

    /// Push mode: a pushed batch arrived; `Some(Link::Up)` when that ends a stall.
    pub fn pushed(&mut self) -> Option<Link> {
        self.suspect = false;
        std::mem::take(&mut self.stalled).then_some(Link::Up)
    }

    /// The poll or heartbeat failed with `error` at `now`.
    pub fn failed(&mut self, error: &ClientError, now: Instant) -> Step {
        if error.is_signed_out() {
            return Step::now(Action::End(SignOutReason::ByGateway {
                retcode: error.retcode().unwrap_or_default().to_owned(),
            }));
        }
        match error {
            ClientError::DisasterRecovery { retcode } => {
                self.down_since.get_or_insert(now);
                let to = self.move_on();
                Step::now(Action::SignInAgain)
                    .link(Link::Down(ReconnectCause::Switchover {
                        retcode: retcode.clone(),
                        to,
                    }))
                    .switching(to)
            }
            ClientError::NoSession => Step::now(Action::End(SignOutReason::NotSignedIn)),
            e if e.is_transport() || matches!(e, ClientError::HttpStatus { .. }) => {
                self.unreachable(e, now, Action::Ask)
            }
            // A malformed answer or an unexpected retcode: the gateway
            // answered, so the link stands; a poll may have consumed an
            // event it could not read, so the bar is reconciled.
            _ => {
                let action = match self.mode {
                    Mode::Poll => Action::Reconcile,
                    Mode::Push { .. } => Action::Ask,
                };
                Step::after(self.timing.after_http_error(), action)
            }
        }
    }

    /// The reconcile after a gap finished (`Err`: how it failed).
    pub fn reconciled(&mut self, result: Result<(), &ClientError>) -> Step {
        match result {
            Err(e) if e.is_signed_out() => Step::now(Action::End(SignOutReason::ByGateway {
                retcode: e.retcode().unwrap_or_default().to_owned(),
            })),
            // Anything else shows on the next request.
            _ => match self.mode {
                Mode::Poll => Step::now(Action::Ask),
                Mode::Push { every } => Step::after(every, Action::Ask),
            },
        }
    }

    /// Signing in again finished at `now` (`Err`: how it failed).
    pub fn signed_in_again(&mut self, result: Result<(), &ClientError>, now: Instant) -> Step {
        match result {
            Ok(()) => {
                self.failures = 0;
                self.down_since = None;
                Step::now(Action::Reconcile).link(Link::Up)
            }
            Err(ClientError::DisasterRecovery { retcode }) => {
                let to = self.move_on();
                self.failures += 1;
                let wait = self.backoff();
                Step::after(wait, Action::SignInAgain)
                    .link(Link::Down(ReconnectCause::Switchover {
                        retcode: retcode.clone(),
                        to,
                    }))
                    .switching(to)
            }
            Err(e) if e.is_transport() || matches!(e, ClientError::HttpStatus { .. }) => {
                self.unreachable(e, now, Action::SignInAgain)
            }
            // The gateway ended the session meanwhile, the password no longer
            // works, the account is locked ...: nothing to retry.
            Err(e) => Step::now(Action::End(SignOutReason::SignInFailed {
                error: e.kind().to_owned(),
                retcode: e.retcode().map(str::to_owned),
            })),
        }
    }

    /// The current gateway did not answer: back off, and after the cap move
    /// to the next gateway (when there is one) and sign in there.
    fn unreachable(&mut self, error: &ClientError, now: Instant, retry: Action) -> Step {
        self.failures += 1;
        let since = *self.down_since.get_or_insert(now);
        if self.gateways > 1 && now.saturating_duration_since(since) >= self.timing.cap() {
            self.failures = 0;
            self.down_since = Some(now);
            let from = self.current;
            let to = self.move_on();
            return Step::now(Action::SignInAgain)
                .link(Link::Down(ReconnectCause::Failover { from, to }))
                .switching(to);
        }
        let mut wait = self.backoff();
        if matches!(error, ClientError::HttpStatus { .. }) {
            wait = wait.max(self.timing.after_http_error());
        }
        if let Mode::Push { .. } = self.mode {
            // The heartbeat never goes faster than the non-200 rule.
            wait = wait.max(self.timing.after_http_error());
        }
        Step::after(wait, retry).link(Link::Down(ReconnectCause::of(error)))
    }

    fn backoff(&mut self) -> Duration {
        let jitter = (self.jitter)();
        self.timing.backoff(self.failures.max(1), jitter)
    }

    /// Moves to the next gateway (the first again after the last).
    fn move_on(&mut self) -> usize {
        self.current = (self.current + 1) % self.gateways;
        self.current
    }
}

#[cfg(test)]
mod tests;
