//! Every rule of `protocol.md` §3 as the recovery machine applies it: plain
//! values in, steps out, no network and no runtime.

use std::time::Duration;

use tokio::time::Instant;

use super::*;

const EVERY: Duration = Duration::from_secs(30);

fn poll(gateways: usize) -> Recovery {
    Recovery::with_jitter(PollTiming::default(), Mode::Poll, gateways, 0, || 0.5)
}

fn push(gateways: usize) -> Recovery {
    Recovery::with_jitter(
        PollTiming::default(),
        Mode::Push { every: EVERY },
        gateways,
        0,
        || 0.5,
    )
}

fn unreachable() -> ClientError {
    ClientError::Unreachable {
        detail: "connection refused".into(),
    }
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

#[test]
fn re_poll_within_200_to_500_ms_and_at_the_floor_after_an_event() {
    let mut r = poll(1);
    assert_eq!(r.start(false), Step::now(Action::Ask));
    let empty = r.answered(false);
    assert_eq!(empty.action, Action::Ask);
    assert_eq!(empty.link, Link::Up);
    assert!(
        (MIN_REPOLL..=MAX_REPOLL).contains(&empty.after),
        "{empty:?}"
    );
    let event = r.answered(true);
    assert!(event.after >= MIN_REPOLL, "{event:?}");
    assert!(event.after < empty.after, "{event:?} {empty:?}");
    // Out-of-range settings are clamped to the seed's rule.
    let t = PollTiming {
        after_answer: Duration::from_millis(50),
        after_event: Duration::from_secs(3),
        ..PollTiming::default()
    };
    assert_eq!(t.after_answer(false), MIN_REPOLL);
    assert_eq!(t.after_answer(true), MAX_REPOLL);
}

#[test]
fn more_than_a_second_after_a_non_200_status() {
    for mut r in [poll(1), push(1)] {
        let s = r.failed(&ClientError::HttpStatus { status: 502 }, Instant::now());
        assert!(s.after > secs(1), "{s:?}");
        assert_eq!(s.action, Action::Ask);
        assert_eq!(
            s.link,
            Link::Down(ReconnectCause::HttpStatus { status: 502 })
        );
    }
    let t = PollTiming {
        after_http_error: Duration::from_millis(10),
        ..PollTiming::default()
    };
    assert!(t.after_http_error() > secs(1));
}

#[test]
fn back_off_doubles_up_to_the_cap_with_jitter_in_the_upper_half() {
    let t = PollTiming::default();
    for n in 1..40 {
        for jitter in [0.0, 0.5, 0.999] {
            let b = t.backoff(n, jitter);
            assert!(b <= t.cap(), "{n}: {b:?}");
            assert!(b >= Duration::from_millis(250), "{n}: {b:?}");
        }
    }
    assert_eq!(t.backoff(1, 0.0), Duration::from_millis(250));
    assert_eq!(t.backoff(2, 0.0), Duration::from_millis(500));
    assert_eq!(t.backoff(30, 0.0), secs(15));
    assert_eq!(t.backoff(30, 1.0), secs(30));

    let mut r = poll(1);
    let t0 = Instant::now();
    let mut last = Duration::ZERO;
    for i in 0..12 {
        let s = r.failed(&unreachable(), t0 + secs(i));
        assert_eq!(s.action, Action::Ask);
        assert!(matches!(s.link, Link::Down(ReconnectCause::Unreachable)));
        assert!(s.after >= last, "the back-off never shrinks: {s:?}");
        assert!(s.after <= r.timing.cap());
        last = s.after;
    }
    assert!(last > secs(10), "{last:?}");
    // One answer resets it.
    r.answered(false);
    let s = r.failed(&unreachable(), t0 + secs(100));
    assert!(s.after < secs(1), "{s:?}");
}

#[test]
fn stop_retcodes_end_the_session() {
    for (error, retcode) in [
        (
            ClientError::SignedOut {
                retcode: "000-001".into(),
            },
            "000-001",
        ),
        (ClientError::GuidExpired, "000-003"),
        (
            ClientError::SignedOut {
                retcode: "100-006".into(),
            },
            "100-006",
        ),
    ] {
        for mut r in [poll(2), push(2)] {
            let s = r.failed(&error, Instant::now());
            assert_eq!(
                s.action,
                Action::End(SignOutReason::ByGateway {
                    retcode: retcode.into()
                })
            );
            assert_eq!(s.switch_to, None);
            assert_eq!(
                r.reconciled(Err(&error)).action,
                Action::End(SignOutReason::ByGateway {
                    retcode: retcode.into()
                })
            );
        }
    }
}

#[test]
fn disaster_recovery_retcodes_sign_in_again_on_the_next_gateway() {
    for code in ["105-005", "105-006", "105-007"] {
        for mut r in [poll(2), push(2)] {
            let e = ClientError::DisasterRecovery {
                retcode: code.into(),
            };
            let s = r.failed(&e, Instant::now());
            assert_eq!(s.action, Action::SignInAgain);
            assert_eq!(s.after, Duration::ZERO);
            assert_eq!(s.switch_to, Some(1));
            assert_eq!(
                s.link,
                Link::Down(ReconnectCause::Switchover {
                    retcode: code.into(),
                    to: 1
                })
            );
            // Signed in again: reconcile, then go on.
            let s = r.signed_in_again(Ok(()), Instant::now());
            assert_eq!(s.action, Action::Reconcile);
            assert_eq!(s.link, Link::Up);
        }
    }
    // With one gateway the switchover signs in on the same one.
    let mut r = poll(1);
    let s = r.failed(
        &ClientError::DisasterRecovery {
            retcode: "105-006".into(),
        },
        Instant::now(),
    );
    assert_eq!(s.switch_to, Some(0));
    assert_eq!(s.action, Action::SignInAgain);
}

#[test]
fn an_unreachable_gateway_fails_over_to_the_backup_after_the_cap() {
    for mut r in [poll(2), push(2)] {
        let t0 = Instant::now();
        let cap = r.timing.cap();
        let mut at = t0;
        while at.duration_since(t0) < cap {
            let s = r.failed(&unreachable(), at);
            assert_eq!(s.switch_to, None, "not before the cap");
            at += secs(3);
        }
        let s = r.failed(&unreachable(), at);
        assert_eq!(s.switch_to, Some(1));
        assert_eq!(s.action, Action::SignInAgain);
        assert_eq!(
            s.link,
            Link::Down(ReconnectCause::Failover { from: 0, to: 1 })
        );
        // The backup does not answer either: after another cap, back to the primary.
        let t1 = at;
        let mut s = r.signed_in_again(Err(&unreachable()), t1);
        assert_eq!(s.action, Action::SignInAgain);
        while s.switch_to.is_none() {
            at += secs(3);
            s = r.signed_in_again(Err(&unreachable()), at);
        }
        assert!(at.duration_since(t1) >= cap);
        assert_eq!(s.switch_to, Some(0));
    }
    // HTTP errors count as the gateway being down, in both modes alike.
    for mut r in [poll(2), push(2)] {
        let t0 = Instant::now();
        r.failed(&ClientError::HttpStatus { status: 503 }, t0);
        let s = r.failed(&ClientError::HttpStatus { status: 503 }, t0 + secs(31));
        assert_eq!(s.switch_to, Some(1));
    }
    // A single gateway is retried for ever.
    let mut r = poll(1);
    let t0 = Instant::now();
    for i in 0..100 {
        let s = r.failed(&unreachable(), t0 + secs(i * 10));
        assert_eq!(s.switch_to, None);
        assert_eq!(s.action, Action::Ask);
    }
}

#[test]
fn after_a_gap_the_bar_is_reconciled() {
    let mut r = poll(1);
    assert_eq!(r.start(true), Step::now(Action::Reconcile));
    assert_eq!(r.reconciled(Ok(())), Step::now(Action::Ask));
    let t0 = Instant::now();
    r.failed(&ClientError::Timeout, t0);
    r.failed(&unreachable(), t0 + secs(1));
    let s = r.answered(true);
    assert_eq!(s.action, Action::Reconcile);
    assert_eq!(s.link, Link::Up);
    // Only once per gap.
    assert_eq!(r.reconciled(Ok(())).action, Action::Ask);
    assert_eq!(r.answered(false).action, Action::Ask);

    // Push: the heartbeat answering after a gap reconciles at once.
    let mut r = push(1);
    assert_eq!(r.start(false), Step::after(EVERY, Action::Ask));
    r.failed(&unreachable(), t0);
    let s = r.answered(false);
    assert_eq!(s, Step::now(Action::Reconcile).link(Link::Up));
    assert_eq!(r.reconciled(Ok(())), Step::after(EVERY, Action::Ask));
    // A failed reconcile (other than signed out) goes on.
    assert_eq!(
        r.reconciled(Err(&ClientError::Timeout)),
        Step::after(EVERY, Action::Ask)
    );
}

#[test]
fn a_poll_answer_that_could_not_be_read_is_followed_by_a_reconcile() {
    let malformed = ClientError::Malformed {
        detail: "not JSON".into(),
    };
    let odd = ClientError::Gateway {
        retcode: "100-007".into(),
    };
    for e in [&malformed, &odd] {
        let mut r = poll(1);
        let s = r.failed(e, Instant::now());
        assert_eq!(s.action, Action::Reconcile);
        assert!(s.after > secs(1));
        assert_eq!(s.link, Link::Same);
        // A heartbeat carries no event: nothing to repair.
        let mut r = push(1);
        let s = r.failed(e, Instant::now());
        assert_eq!(s.action, Action::Ask);
        assert!(s.after > secs(1));
    }
}

#[test]
fn a_failed_sign_in_again_ends_the_session_with_its_cause() {
    let mut r = poll(2);
    r.failed(
        &ClientError::DisasterRecovery {
            retcode: "105-005".into(),
        },
        Instant::now(),
    );
    let wrong = ClientError::Gateway {
        retcode: "100-004".into(),
    };
    assert_eq!(
        r.signed_in_again(Err(&wrong), Instant::now()).action,
        Action::End(SignOutReason::SignInFailed {
            error: "gateway".into(),
            retcode: Some("100-004".into())
        })
    );
    // No credentials kept (a resumed session without a password).
    assert_eq!(
        r.signed_in_again(Err(&ClientError::NoSession), Instant::now())
            .action,
        Action::End(SignOutReason::SignInFailed {
            error: "noSession".into(),
            retcode: None
        })
    );
    // Transport failures while signing in again are retried with back-off.
    let s = r.signed_in_again(Err(&ClientError::Timeout), Instant::now());
    assert_eq!(s.action, Action::SignInAgain);
    assert!(s.after > Duration::ZERO);
    assert!(matches!(s.link, Link::Down(ReconnectCause::Timeout)));
}

#[test]
fn push_mode_checks_the_gateways_view_and_says_when_pushes_stall() {
    let mut r = push(1);
    let t0 = Instant::now();
    // Every AUDIT_EVERY-th heartbeat answer is followed by an audit.
    let mut audits = 0;
    for _ in 0..(AUDIT_EVERY * 3) {
        let s = r.answered(false);
        if s.action == Action::Audit {
            audits += 1;
            assert_eq!(s.after, Duration::ZERO);
            assert_eq!(r.audited(Ok(true), t0), Step::after(EVERY, Action::Ask));
        }
    }
    assert_eq!(audits, 3);
    // A first disagreement is looked at again a moment later (an event may be on its way).
    assert_eq!(
        r.audited(Ok(false), t0),
        Step::after(AUDIT_RECHECK, Action::Audit)
    );
    // A push in between ends the suspicion.
    assert_eq!(r.pushed(), None);
    assert_eq!(
        r.audited(Ok(false), t0),
        Step::after(AUDIT_RECHECK, Action::Audit)
    );
    // Twice in a row: pushes are stalled; say so and reconcile.
    let s = r.audited(Ok(false), t0);
    assert_eq!(s.action, Action::Reconcile);
    assert_eq!(s.link, Link::Down(ReconnectCause::PushesStalled));
    assert_eq!(r.reconciled(Ok(())), Step::after(EVERY, Action::Ask));
    // The heartbeat keeps working, but that does not end the stall ...
    assert_eq!(r.answered(false).link, Link::Same);
    // ... an arriving push does, as does an audit that agrees.
    assert_eq!(r.pushed(), Some(Link::Up));
    assert_eq!(r.pushed(), None);
    r.audited(Ok(false), t0);
    r.audited(Ok(false), t0);
    assert_eq!(r.audited(Ok(true), t0).link, Link::Up);
    // A failed audit is a failed request like any other.
    let s = r.audited(Err(&ClientError::GuidExpired), t0);
    assert!(matches!(s.action, Action::End(_)));
    // Polling never audits.
    let mut p = poll(1);
    for _ in 0..10 {
        assert_ne!(p.answered(true).action, Action::Audit);
    }
}
