//! A burst: 200 events queued at once for one agent, and the time until
//! `agentbar-cli watch` has printed all of them, in order. Polling's floor is
//! one event per answer with at least 200 ms between an answer and the next
//! poll: (n − 1) × 200 ms. Push posts what is queued in batches (up to the
//! simulator's `max_batch`, 100), so its floor is a couple of round trips.

use std::time::Duration;

use serde_json::json;

use crate::cliwatch::Watch;
use crate::report::{Report, Row, ms};
use crate::rig::{Bins, MIN_POLL_PAUSE_MS, Result, Rig, bench_event, bench_seq, epoch_ms};

pub async fn run(bins: &Bins, n: usize, load: &[String]) -> Result<Report> {
    bins.require(&[bins.cli()])?;
    let mut r = Report::new("burst", &format!("Burst of {n} queued events (CLI)"));
    let mut data = Vec::new();
    for (agent, push) in [("601", true), ("602", false)] {
        let agents = vec![agent.to_owned()];
        let rig = Rig::start(&agents, Duration::from_secs(10)).await?;
        let watch = Watch::spawn(bins, &rig, agent, push)?;
        rig.wait_signed_in(&agents, Duration::from_secs(30)).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
        let control = rig.sim.control();
        let pushes_before = control.push_log().len();
        for seq in 0..n as u64 {
            control.inject(agent, bench_event(agent, seq))?;
        }
        let floor_ms = if push {
            0.0
        } else {
            (n as f64 - 1.0) * MIN_POLL_PAUSE_MS
        };
        let complete = watch
            .wait_for(n, Duration::from_secs_f64(floor_ms / 1000.0 * 3.0 + 30.0))
            .await;
        let got = watch.bench_events();
        let emitted: Vec<f64> = control
            .emitted_at(agent)
            .iter()
            .filter(|(_, v)| bench_seq(v).is_some())
            .map(|(at, _)| epoch_ms(*at))
            .collect();
        let first_emit = emitted.first().copied().unwrap_or(0.0);
        let last = got
            .last()
            .map(|(at, _)| epoch_ms(*at))
            .unwrap_or(first_emit);
        let total_ms = last - first_emit;
        let ordered = got.iter().map(|(_, s)| *s).eq(0..n as u64);
        let posts: Vec<usize> = control.push_log()[pushes_before..]
            .iter()
            .filter(|p| p.agent == agent && p.outcome == "ok")
            .map(|p| p.events)
            .collect();
        let mode = if push { "push" } else { "polling" };
        r.rows.push(Row::target(
            format!("{mode}: {n} events delivered, in order"),
            format!(
                "{} of {n}, {}",
                got.len(),
                if ordered { "in order" } else { "NOT in order" }
            ),
            "all, in order",
            complete && ordered,
        ));
        if push {
            r.rows.push(Row::info(
                format!("{mode}: time until all printed"),
                format!(
                    "{} in {} POSTs of {:?} events",
                    ms(total_ms),
                    posts.len(),
                    posts
                ),
            ));
        } else {
            r.rows.push(Row::target(
                format!("{mode}: time until all printed / protocol floor"),
                format!(
                    "{} / {} (× {:.2})",
                    ms(total_ms),
                    ms(floor_ms),
                    total_ms / floor_ms
                ),
                "≤ 1.1 × the floor",
                total_ms <= 1.1 * floor_ms,
            ));
        }
        data.push(
            json!({"mode": mode, "events": n, "delivered": got.len(), "in_order": ordered,
            "total_ms": total_ms, "floor_ms": floor_ms, "push_batches": posts}),
        );
        watch.stop();
        rig.sim.shutdown().await;
    }
    r.notes.push("Polling floor: one event per answer and at least 200 ms from an answer to the next poll, so (n − 1) × 200 ms; AgentBar's engine re-polls 210 ms after an answer that carried an event (the protocol's minimum and a margin for timer jitter) and 300 ms after an empty one. Time: first event queued → last line read.".into());
    r.notes.extend(load.iter().cloned());
    r.data = json!(data);
    Ok(r)
}
