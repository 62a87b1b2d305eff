//! A bar's subscription, reduced to what the benchmark measures: one
//! server-sent-events stream per agent, `Authorization: Bearer <token>`,
//! resumed with `Last-Event-ID` on the next relay instance whenever the
//! stream ends or breaks, and a record of every benchmark event received
//! (once or more, and how long after the gateway queued it).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Event type of the events the benchmark injects.
pub const BENCH_EVENT: &str = "AgentTest_Bench";

/// What one subscriber saw.
#[derive(Debug, Default)]
pub struct Seen {
    /// How many times each benchmark event `n` arrived.
    pub count: Vec<u8>,
    /// Latencies (µs) of first arrivals, by the phase the event was sent in.
    pub latency_us: [Vec<u32>; 2],
    /// When (µs since the epoch) the events that took over 5 s were sent.
    pub slow_sent_us: Vec<u64>,
    /// Frames whose id was not above the last one (repeats or reordering).
    pub ids_not_increasing: u32,
    /// Any frame at all arrived (the sign-in's events): subscribed.
    pub ready: bool,
    pub reconnects: u32,
    /// `event: superseded` (must not happen: one sign-in per agent).
    pub superseded: u32,
}

impl Seen {
    pub fn distinct(&self) -> usize {
        self.count.iter().filter(|c| **c > 0).count()
    }

    pub fn repeats(&self) -> u64 {
        self.count
            .iter()
            .map(|c| u64::from(c.saturating_sub(1)))
            .sum()
    }
}

pub struct Subscriber {
    pub agent: String,
    pub token: String,
    /// Base URLs of the relay instances, the preferred one first.
    pub urls: Vec<String>,
    pub seen: Arc<Mutex<Seen>>,
}

/// Runs until `stop`: subscribe, read, resume after the last id elsewhere.
pub async fn run(
    sub: Subscriber,
    http: reqwest::Client,
    epoch: Instant,
    received: Arc<AtomicU64>,
    stop: CancellationToken,
) {
    let mut last_id: Option<u64> = None;
    let mut attempt = 0usize;
    loop {
        let url = format!(
            "{}/v1/agents/{}/events",
            sub.urls[attempt % sub.urls.len()],
            sub.agent
        );
        if attempt > 0 {
            sub.seen.lock().expect("seen").reconnects += 1;
        }
        attempt += 1;
        let mut req = http.get(&url).bearer_auth(&sub.token);
        if let Some(id) = last_id {
            req = req.header("Last-Event-ID", id.to_string());
        }
        let answer = tokio::select! {
            () = stop.cancelled() => return,
            a = tokio::time::timeout(Duration::from_secs(15), req.send()) => a,
        };
        if let Ok(Ok(mut resp)) = answer
            && resp.status().is_success()
        {
            let mut buf: Vec<u8> = Vec::new();
            loop {
                let chunk = tokio::select! {
                    () = stop.cancelled() => return,
                    c = tokio::time::timeout(Duration::from_secs(30), resp.chunk()) => c,
                };
                let Ok(Ok(Some(chunk))) = chunk else { break };
                buf.extend_from_slice(&chunk);
                while let Some(end) = find(&buf, b"\n\n") {
                    let frame: Vec<u8> = buf.drain(..end + 2).collect();
                    on_frame(&sub, &frame, &mut last_id, epoch, &received);
                }
            }
        }
        tokio::select! {
            () = stop.cancelled() => return,
            () = tokio::time::sleep(Duration::from_millis(200)) => {}
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn on_frame(
    sub: &Subscriber,
    frame: &[u8],
    last_id: &mut Option<u64>,
    epoch: Instant,
    received: &AtomicU64,
) {
    let now_us = epoch.elapsed().as_micros() as u64;
    let text = String::from_utf8_lossy(frame);
    let (mut id, mut event, mut data) = (None, "", "");
    for line in text.lines() {
        if let Some(v) = line.strip_prefix("id: ") {
            id = v.trim().parse::<u64>().ok();
        } else if let Some(v) = line.strip_prefix("event: ") {
            event = v.trim();
        } else if let Some(v) = line.strip_prefix("data: ") {
            data = v;
        }
    }
    let Some(id) = id else { return }; // a comment (subscribed, keep-alive)
    let mut seen = sub.seen.lock().expect("seen");
    if event == "superseded" {
        seen.superseded += 1;
        return;
    }
    if last_id.is_some_and(|last| id <= last) {
        seen.ids_not_increasing += 1;
    }
    *last_id = Some(last_id.map_or(id, |last| last.max(id)));
    seen.ready = true;
    let Ok(value) = serde_json::from_str::<serde_json::Value>(data) else {
        return;
    };
    if value["eventType"] != BENCH_EVENT {
        return;
    }
    let content = &value["content"];
    let (Some(n), Some(sent_us), Some(phase)) = (
        content["n"].as_u64(),
        content["t"].as_u64(),
        content["p"].as_u64(),
    ) else {
        return;
    };
    let n = n as usize;
    if seen.count.len() <= n {
        seen.count.resize(n + 1, 0);
    }
    seen.count[n] = seen.count[n].saturating_add(1);
    if seen.count[n] == 1 {
        received.fetch_add(1, Ordering::Relaxed);
        let us = now_us.saturating_sub(sent_us).min(u64::from(u32::MAX)) as u32;
        seen.latency_us[(phase as usize).min(1)].push(us);
        if us > 5_000_000 {
            seen.slow_sent_us.push(sent_us);
        }
    }
}
