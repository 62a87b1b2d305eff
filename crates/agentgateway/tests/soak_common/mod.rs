//! The fault soak shared by `soak_polling.rs` and `soak_push.rs`: a session
//! against the simulator while faults run and events keep flowing, with the
//! exactly-once, timing and memory checks.
#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use agentgateway::bar::{Health, ReconnectCause, SignOutReason};
use agentgateway::engine::{PollTiming, PushMode, Session, SessionConfig, Update};
use agentgateway::push::PushConfig;
use agentgateway::{ClientConfig, Secret, SignIn, Trust};
use agentgateway_sim::{
    AuthMode, Control, Fault, FaultAction, FaultTarget, LoggedRequest, Ring, SimConfig, Simulator,
};
use serde_json::{Value, json};
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// Polling or push.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Polling,
    Push,
}

/// The gateway for a soak: a GUID rotation at every poll or handshake
/// (GUIDINTERVAL 1 ms), short holds.
pub fn sim_config(inactivity: Duration) -> SimConfig {
    SimConfig {
        poll_wait_times: 5,
        poll_wait_interval: Duration::from_millis(40),
        auth: AuthMode::Dynamic {
            interval: Duration::from_millis(1),
            timeout: Duration::from_secs(10),
        },
        inactivity_timeout: inactivity,
        ..SimConfig::default()
    }
}

/// Short hold and timeouts, so a stall past them is cheap to make.
pub fn session_config(sim: &Simulator, agent: &str, mode: Mode) -> SessionConfig {
    let trust = Trust::only_ca(sim.ca_pem().expect("generated CA"));
    let mut client = ClientConfig::new(agent, vec![sim.gateway_url()], trust);
    client.hold_time = Duration::from_millis(200);
    client.request_timeout = Duration::from_millis(1500);
    let mut cfg = SessionConfig::new(client);
    cfg.timing = PollTiming {
        after_answer: Duration::from_millis(200),
        after_event: Duration::from_millis(200),
        after_http_error: Duration::from_millis(1100),
        backoff_initial: Duration::from_millis(200),
        backoff_cap: Duration::from_secs(2),
    };
    if mode == Mode::Push {
        let mut push = PushMode::new(PushConfig::default());
        push.handshake_every = Duration::from_millis(300);
        cfg.push = Some(push);
    }
    cfg
}

/// A stall longer than the client waits for the faulted request.
pub fn stall(cfg: &SessionConfig, mode: Mode) -> FaultAction {
    let limit = match mode {
        Mode::Polling => cfg.client.poll_timeout(),
        Mode::Push => cfg.client.request_timeout,
    };
    FaultAction::Delay {
        ms: (limit + Duration::from_millis(900)).as_millis() as u64,
    }
}

pub fn sign_in_req(agent: &str) -> SignIn {
    SignIn::new(Secret::new(format!("Agent#{agent}")), format!("70{agent}"))
}

/// The request the faults of `mode` hit: the poll or the heartbeat.
pub fn target(mode: Mode) -> FaultTarget {
    match mode {
        Mode::Polling => FaultTarget::Poll,
        Mode::Push => FaultTarget::Handshake,
    }
}

pub fn fault(agent: &str, mode: Mode, count: u32, action: FaultAction) -> Fault {
    let mut f = Fault::new(target(mode), count, action);
    f.agent = Some(agent.to_owned());
    f
}

/// What the subscriber saw.
#[derive(Default)]
pub struct Seen {
    pub events: Mutex<Vec<Value>>,
    pub health: Mutex<Vec<Health>>,
    pub lagged: AtomicU64,
    pub guids: AtomicUsize,
}

impl Seen {
    pub fn events(&self) -> Vec<Value> {
        self.events.lock().expect("events").clone()
    }

    pub fn last_health(&self) -> Option<Health> {
        self.health.lock().expect("health").last().cloned()
    }

    pub fn health_len(&self) -> usize {
        self.health.lock().expect("health").len()
    }

    /// Health changes from index `from` on.
    pub fn health_since(&self, from: usize) -> Vec<Health> {
        self.health.lock().expect("health")[from..].to_vec()
    }
}

/// Collects every update of `session` into `seen` until the session is gone.
pub fn collect(session: &Session, seen: Arc<Seen>) -> JoinHandle<()> {
    let mut sub = session.subscribe();
    tokio::spawn(async move {
        while let Some(u) = sub.recv().await {
            match u {
                Update::Event(e) => seen.events.lock().expect("events").push(e.raw),
                Update::Health(h) => seen.health.lock().expect("health").push(h),
                Update::Lagged { missed } => {
                    seen.lagged.fetch_add(missed, Ordering::Relaxed);
                }
                Update::Guid(Some(_)) => {
                    seen.guids.fetch_add(1, Ordering::Relaxed);
                }
                _ => {}
            }
        }
    })
}

/// Events on a schedule while the soak runs: a marker every second and a
/// call (rung with calldata, answered automatically, hung up by the
/// customer 3 s later) every 10 s; about as many events as polling, at one
/// event per answer and 200 ms or more between polls, can carry. Paused
/// before faults that end a session, so no event is queued in a session
/// the gateway then throws away.
pub struct Traffic {
    pub paused: Arc<AtomicBool>,
    pub markers: Arc<AtomicUsize>,
    pub calls: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    task: JoinHandle<()>,
}

impl Traffic {
    pub fn start(ctl: Control, agent: &str) -> Traffic {
        let paused = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let markers = Arc::new(AtomicUsize::new(0));
        let calls = Arc::new(AtomicUsize::new(0));
        let agent = agent.to_owned();
        let task = tokio::spawn({
            let (paused, stop, markers, calls) =
                (paused.clone(), stop.clone(), markers.clone(), calls.clone());
            async move {
                let mut tick: u64 = 0;
                let mut in_call = false;
                while !stop.load(Ordering::SeqCst) {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                    tick += 1;
                    if paused.load(Ordering::SeqCst) || !tick.is_multiple_of(4) {
                        continue;
                    }
                    let n = markers.load(Ordering::SeqCst);
                    let marker = json!({"eventType": "AgentTest_Marker", "workNo": agent, "content": {"n": n}});
                    if ctl.inject(&agent, marker).is_ok() {
                        markers.fetch_add(1, Ordering::SeqCst);
                    }
                    if tick.is_multiple_of(40) {
                        let ring = Ring {
                            caller: "13800138000".into(),
                            called: "4001".into(),
                            calldata: Some(format!("order={tick}")),
                            ..Ring::default()
                        };
                        if ctl.ring(&agent, ring).is_ok() {
                            calls.fetch_add(1, Ordering::SeqCst);
                            in_call = true;
                        }
                    } else if in_call && tick % 40 == 12 {
                        let _ = ctl.customer_hang_up(&agent);
                        in_call = false;
                    }
                }
                if in_call {
                    let _ = ctl.customer_hang_up(&agent);
                }
            }
        });
        Traffic {
            paused,
            markers,
            calls,
            stop,
            task,
        }
    }

    pub fn pause(&self) {
        self.paused.store(true, Ordering::SeqCst);
    }

    pub fn resume(&self) {
        self.paused.store(false, Ordering::SeqCst);
    }

    pub async fn finish(self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = self.task.await;
    }
}

/// Waits (bounded) until `cond` holds.
pub async fn eventually(what: &str, within: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + within;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Waits until the gateway has nothing queued for the agent and the
/// subscriber has every event the gateway handed out.
///
/// A backlog drains at one event per poll, so a long one takes a while on a
/// slow machine: the wait fails only when nothing moves (no event handed
/// out, none received, the queue no shorter) for `stuck_for`, which is what
/// a lost or stuck event looks like.
pub async fn drained(ctl: &Control, agent: &str, seen: &Seen, stuck_for: Duration) {
    let mut last = None;
    let mut moved = Instant::now();
    loop {
        let queued = ctl.agent_state(agent).map_or(0, |a| a.queued_events);
        let (handed_out, got) = (ctl.delivered_events(agent).len(), seen.events().len());
        if queued == 0 && handed_out == got {
            return;
        }
        let now = (queued, handed_out, got);
        if last != Some(now) {
            last = Some(now);
            moved = Instant::now();
        }
        if moved.elapsed() >= stuck_for {
            // The gateway's side of the story: the agent's last requests.
            let log = ctl.request_log();
            print_requests(&log[log.len().saturating_sub(12)..]);
            panic!(
                "nothing moved for {stuck_for:?} while waiting for the subscriber to get every queued event: {queued} queued, {handed_out} handed out, {got} received, health {:?}",
                seen.last_health()
            );
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

/// Prints requests from the gateway's log, one a line, to see what the
/// engine did when.
pub fn print_requests(log: &[LoggedRequest]) {
    for r in log {
        println!(
            "  {} ms +{} ms {} {} -> {:?} retcode {:?} new GUID {} fault {:?}",
            r.offset_ms, r.duration_ms, r.method, r.path, r.status, r.retcode, r.set_guid, r.fault
        );
    }
}

/// Waits for a health change (from index `from` on) matching `pick`.
pub async fn wait_health(
    seen: &Seen,
    from: usize,
    within: Duration,
    what: &str,
    mut pick: impl FnMut(&Health) -> bool,
) -> Health {
    let deadline = Instant::now() + within;
    loop {
        if let Some(h) = seen.health_since(from).into_iter().find(|h| pick(h)) {
            return h;
        }
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
}

pub fn is_connected(h: &Health) -> bool {
    matches!(h, Health::Connected { .. })
}

pub fn is_signed_out(h: &Health) -> bool {
    matches!(h, Health::SignedOut { .. })
}

/// Events a session's end queues, which no request collects when the gateway
/// dropped the session (forcible re-sign-in, inactivity) without a poll open.
fn is_end_of_session(e: &Value) -> bool {
    matches!(
        e["eventType"].as_str(),
        Some("AgentOther_ShutdownService" | "AgentEvent_Call_Release" | "AgentOther_PhoneRelease")
    )
}

/// Exactly once, in order: the subscriber got what the gateway handed out,
/// and that is everything it emitted, but for end-of-session events no
/// request was left to collect. Returns how many sessions ended that way
/// (uncollected `AgentOther_ShutdownService` events).
pub fn assert_exactly_once_in_order(ctl: &Control, agent: &str, seen: &Seen) -> usize {
    let emitted = ctl.emitted_events(agent);
    let delivered = ctl.delivered_events(agent);
    let got = seen.events();
    assert_eq!(seen.lagged.load(Ordering::Relaxed), 0, "no update was lost");
    let mut handed_out: HashMap<String, usize> = HashMap::new();
    for e in &delivered {
        *handed_out.entry(e.to_string()).or_default() += 1;
    }
    let mut uncollected = 0;
    let expected: Vec<Value> = emitted
        .iter()
        .filter(|e| {
            let n = handed_out.entry(e.to_string()).or_default();
            if *n > 0 {
                *n -= 1;
                true
            } else if is_end_of_session(e) {
                if e["eventType"] == "AgentOther_ShutdownService" {
                    uncollected += 1;
                }
                false
            } else {
                true
            }
        })
        .cloned()
        .collect();
    if got != expected {
        let first = got
            .iter()
            .zip(&expected)
            .position(|(a, b)| a != b)
            .unwrap_or(got.len().min(expected.len()));
        panic!(
            "received {} events, expected {}; first difference at {first}: got {:?}, expected {:?}",
            got.len(),
            expected.len(),
            got.get(first).map(|e| &e["eventType"]),
            expected.get(first).map(|e| &e["eventType"]),
        );
    }
    assert_eq!(
        got, delivered,
        "received exactly what the gateway handed out"
    );
    uncollected
}

/// The seed's rule: after an HTTP status other than 200 to a poll (or a
/// heartbeat, in push mode), the next one starts more than 1 s later.
/// Returns how many non-200 answers were checked.
pub fn assert_pause_after_http_errors(log: &[LoggedRequest], agent: &str, mode: Mode) -> usize {
    let wanted = |r: &LoggedRequest| match mode {
        Mode::Polling => r.path.ends_with(&format!("/agentevent/{agent}")),
        Mode::Push => r.path.ends_with(&format!("/onlineagent/{agent}/handshake")),
    };
    let requests: Vec<&LoggedRequest> = log.iter().filter(|r| wanted(r)).collect();
    let mut checked = 0;
    for w in requests.windows(2) {
        let Some(status) = w[0].status else { continue };
        if status == 200 {
            continue;
        }
        checked += 1;
        let answered = w[0].offset_ms + w[0].duration_ms;
        let gap = w[1].offset_ms.saturating_sub(answered);
        assert!(
            gap > 1000,
            "{} ms between a {status} answer and the next request",
            gap
        );
    }
    checked
}

/// Resident memory of this process in bytes (from /proc/self/statm).
pub fn rss_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").expect("/proc/self/statm");
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .expect("resident pages");
    pages * 4096
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// Signs in and waits until the session is connected and the sign-in events arrived.
pub async fn sign_in(session: &Session, agent: &str, seen: &Seen) {
    let from = seen.health_len();
    session
        .sign_in(sign_in_req(agent), false)
        .await
        .expect("sign in");
    wait_health(
        seen,
        from,
        Duration::from_secs(10),
        "connected",
        is_connected,
    )
    .await;
}

/// The outage past the gateway's inactivity sign-out (the 3-minute
/// outage against a 2-minute gateway timeout, scaled to `inactivity`):
/// the network to the gateway goes down for `inactivity` + 4 s; the gateway
/// signs the agent out meanwhile; once it is back, the engine ends with
/// SignedOut, the gateway having signed the agent out.
pub async fn outage_past_inactivity_sign_out(mode: Mode, inactivity: Duration) {
    let agent = "102";
    let sim = Simulator::start(sim_config(inactivity))
        .await
        .expect("simulator");
    let ctl = sim.control();
    let session = Session::new(session_config(&sim, agent, mode)).expect("session");
    let seen = Arc::new(Seen::default());
    let collector = collect(&session, seen.clone());
    sign_in(&session, agent, &seen).await;
    let traffic = Traffic::start(ctl.clone(), agent);
    tokio::time::sleep(Duration::from_secs(1)).await;
    traffic.pause();
    drained(&ctl, agent, &seen, Duration::from_secs(10)).await;

    let from = seen.health_len();
    let down = inactivity + Duration::from_secs(4);
    ctl.cut_network().await;
    eventually(
        "the gateway to sign the agent out for inactivity",
        down,
        || ctl.agent_state(agent).is_some_and(|a| !a.signed_in),
    )
    .await;
    let signed_out_after = Instant::now();
    tokio::time::sleep(Duration::from_secs(1)).await;
    ctl.start_gateway().await.expect("network back");
    let h = wait_health(
        &seen,
        from,
        Duration::from_secs(15),
        "the engine to learn it was signed out",
        is_signed_out,
    )
    .await;
    let Health::SignedOut {
        reason: SignOutReason::ByGateway { retcode },
    } = &h
    else {
        panic!("signed out by the gateway, not {h:?}");
    };
    assert!(
        ["000-003", "100-006"].contains(&retcode.as_str()),
        "the gateway's signed-out retcode: {retcode}"
    );
    println!(
        "{mode:?}: outage past the {} s inactivity sign-out: engine signed out ({retcode}) {} ms after the network came back",
        inactivity.as_secs(),
        signed_out_after.elapsed().as_millis().saturating_sub(1000)
    );
    assert!(!session.is_running().await, "the loop stopped");
    assert!(session.client().guid().is_none(), "the GUID is forgotten");
    traffic.finish().await;
    let uncollected = assert_exactly_once_in_order(&ctl, agent, &seen);
    assert!(uncollected <= 1, "{uncollected} sessions ended uncollected");
    drop(session);
    let _ = tokio::time::timeout(Duration::from_secs(2), collector).await;
}

/// The soak proper.
pub async fn soak(mode: Mode) {
    let agent = "101";
    let started = Instant::now();
    let sim = Simulator::start(sim_config(Duration::from_secs(120)))
        .await
        .expect("simulator");
    let ctl = sim.control();
    let cfg = session_config(&sim, agent, mode);
    let stall = stall(&cfg, mode);
    let session = Session::new(cfg).expect("session");
    let seen = Arc::new(Seen::default());
    let collector = collect(&session, seen.clone());
    sign_in(&session, agent, &seen).await;
    let traffic = Traffic::start(ctl.clone(), agent);

    // Warm-up: connections, buffers and the allocator settle.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let rss_warm = rss_bytes();

    // Runs of 5xx, resets mid-answer, a stall past the client's timeout,
    // broken bodies and a proxy's HTML page; events keep flowing meanwhile.
    let faults = [
        (3, FaultAction::Status { status: 503 }),
        (1, FaultAction::Drop),
        (2, FaultAction::Status { status: 500 }),
        (2, FaultAction::Drop),
        (1, stall.clone()),
        (1, FaultAction::MalformedBody),
        (1, FaultAction::Status { status: 502 }),
        (1, FaultAction::TruncatedBody),
        (1, FaultAction::WrongContentType),
        (1, stall),
        (2, FaultAction::Status { status: 504 }),
    ];
    for (count, action) in faults {
        ctl.fault(fault(agent, mode, count, action));
        eventually("the fault to be used up", Duration::from_secs(20), || {
            ctl.pending_faults().is_empty()
        })
        .await;
        tokio::time::sleep(Duration::from_millis(400)).await;
    }
    assert!(
        !seen.health_since(0).iter().skip(1).any(is_signed_out),
        "transient faults never end the session"
    );

    // Disaster-recovery switchover: the engine signs in again.
    for code in ["105-005", "105-006", "105-007"] {
        traffic.pause();
        drained(&ctl, agent, &seen, Duration::from_secs(10)).await;
        let from = seen.health_len();
        ctl.fault(fault(
            agent,
            mode,
            1,
            FaultAction::Retcode {
                retcode: code.into(),
            },
        ));
        wait_health(&seen, from, Duration::from_secs(10), "reconnecting", |h| {
            matches!(
                h,
                Health::Reconnecting {
                    cause: ReconnectCause::Switchover { .. },
                    ..
                }
            )
        })
        .await;
        wait_health(
            &seen,
            from,
            Duration::from_secs(10),
            "signed in again",
            is_connected,
        )
        .await;
        traffic.resume();
        tokio::time::sleep(Duration::from_millis(800)).await;
    }

    // A gateway restart loses every session: the engine reports the
    // gateway ended it; the agent signs in again.
    traffic.pause();
    drained(&ctl, agent, &seen, Duration::from_secs(10)).await;
    let from = seen.health_len();
    ctl.restart_gateway(Duration::from_secs(1))
        .await
        .expect("restart");
    let h = wait_health(
        &seen,
        from,
        Duration::from_secs(10),
        "sign-out after the restart",
        is_signed_out,
    )
    .await;
    assert!(
        matches!(
            &h,
            Health::SignedOut {
                reason: SignOutReason::ByGateway { .. }
            }
        ),
        "{h:?}"
    );
    sign_in(&session, agent, &seen).await;
    traffic.resume();
    tokio::time::sleep(Duration::from_secs(2)).await;

    // A 30-second network outage (sessions kept, inactivity sign-out at
    // 120 s): events queue at the gateway and arrive after it, in order.
    let from = seen.health_len();
    let markers_before = traffic.markers.load(Ordering::SeqCst);
    ctl.cut_network().await;
    tokio::time::sleep(Duration::from_secs(30)).await;
    ctl.start_gateway().await.expect("network back");
    let during = traffic.markers.load(Ordering::SeqCst) - markers_before;
    assert!(
        during >= 25,
        "events kept coming during the outage: {during}"
    );
    wait_health(&seen, from, Duration::from_secs(5), "reconnecting", |h| {
        matches!(h, Health::Reconnecting { .. })
    })
    .await;
    wait_health(
        &seen,
        from,
        Duration::from_secs(10),
        "connected after the outage",
        is_connected,
    )
    .await;
    assert!(
        !seen.health_since(from).iter().any(is_signed_out),
        "a 30 s outage does not end the session"
    );
    tokio::time::sleep(Duration::from_secs(2)).await;

    // The end: everything delivered once, in order; memory flat; timing rules held.
    // Stopping the traffic hangs up a call in progress: its events come
    // before the drain.
    let (markers, calls) = (traffic.markers.clone(), traffic.calls.clone());
    traffic.finish().await;
    drained(&ctl, agent, &seen, Duration::from_secs(30)).await;
    let rss_end = rss_bytes();
    let markers = markers.load(Ordering::SeqCst);
    let calls = calls.load(Ordering::SeqCst);
    let uncollected = assert_exactly_once_in_order(&ctl, agent, &seen);
    let got = seen.events();
    let got_markers = got
        .iter()
        .filter(|e| e["eventType"] == "AgentTest_Marker")
        .count();
    assert_eq!(got_markers, markers, "every marker arrived");
    assert!(
        uncollected <= 3,
        "{uncollected} sessions ended without a poll to collect their end; 3 re-sign-ins"
    );
    let log = ctl.request_log();
    let non_200 = assert_pause_after_http_errors(&log, agent, mode);
    assert!(non_200 >= 8, "the 5xx runs are in the log: {non_200}");
    let guids = seen.guids.load(Ordering::Relaxed);
    let set_guid = log.iter().filter(|r| r.set_guid).count();
    // SOAK_DEBUG=1 prints the request log, to see what the engine did when.
    if std::env::var_os("SOAK_DEBUG").is_some() {
        print_requests(&log);
    }
    assert!(
        guids > 30 && guids + 2 >= set_guid,
        "a GUID rotation at every request: {guids} GUIDs, {set_guid} Set-GUID answers"
    );
    session.sign_out(true).await.expect("sign out");
    let growth = rss_end.saturating_sub(rss_warm);
    println!(
        "{mode:?} soak: {:.1} s, {} events ({markers} markers, {calls} calls), {} gateway requests, {non_200} non-200 answers, {guids} GUIDs, {uncollected} end-of-session events uncollected; RSS {:.1} MiB after warm-up, {:.1} MiB at the end (+{:.2} MiB)",
        started.elapsed().as_secs_f64(),
        got.len(),
        log.len(),
        mib(rss_warm),
        mib(rss_end),
        mib(growth),
    );
    assert!(
        growth < 8 * 1024 * 1024,
        "memory grew {:.2} MiB over the soak",
        mib(growth)
    );
    drop(session);
    let _ = tokio::time::timeout(Duration::from_secs(2), collector).await;
}
