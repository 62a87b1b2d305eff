//! A whole shift at high speed: the simulator plays the demo's call-center
//! day against the connection bar (release build, notifications on) for
//! `hours` simulated hours, and the bar's process tree is weighed before the
//! first call, at every simulated hour and after the last. The agent answers
//! every call on the bar and ends every wrap-up: a script in the page presses
//! Answer and Cancel wrap-up the moment they show (the app's own buttons and
//! handlers), since at this speed a customer rings for well under a second.

use std::time::{Duration, Instant};

use agentbar_e2e::App;
use agentgateway_sim::Roster;
use agentgateway_sim::scenario::{DayConfig, DayReport, run_day, staff_colleagues};
use serde::Serialize;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::bar::Bar;
use crate::procfs::{self, Mem};
use crate::report::{Report, Row, mb};
use crate::rig::{Bins, Result, Rig};

const AGENT: &str = "101";

/// Presses Answer and Cancel wrap-up whenever one shows and can be pressed,
/// once per showing, and counts the presses.
const AGENT_SCRIPT: &str = r#"
if (!window.__shift) {
  window.__shift = { answer: 0, wrapUp: 0 };
  // Each button is pressed once each time it shows, as an agent would.
  const buttons = [['btn-answer', 'answer'], ['btn-cancel-work', 'wrapUp']].map(([id, key]) => ({ id, key, armed: true }));
  const press = () => {
    for (const b of buttons) {
      const el = document.getElementById(b.id);
      if (!el || el.hidden) { b.armed = true; continue; }
      if (b.armed && !el.disabled) { b.armed = false; window.__shift[b.key]++; el.click(); }
    }
  };
  new MutationObserver(press).observe(document.body,
    { subtree: true, childList: true, attributes: true, attributeFilter: ['hidden', 'disabled'] });
  press();
}
return window.__shift;
"#;

/// The tree's memory and the app's threads at one moment.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Sample {
    /// Simulated hours into the shift.
    pub hour: f64,
    pub mem: Mem,
    pub threads: usize,
}

fn weigh(app: &App, root: u32, hour: f64) -> Sample {
    Sample {
        hour,
        mem: procfs::tree_mem(root),
        threads: app.thread_count().unwrap_or(0),
    }
}

fn growth(from: u64, to: u64) -> f64 {
    (to as f64 / from.max(1) as f64 - 1.0) * 100.0
}

/// Waits until the agent is idle with no call (the last call over), up to `limit`.
async fn wait_idle(rig: &Rig, limit: Duration) {
    let deadline = Instant::now() + limit;
    let control = rig.sim.control();
    while Instant::now() < deadline {
        if control.agent_state(AGENT).is_some_and(|s| s.is_idle()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn run(bins: &Bins, hours: f64, speed: f64, load: &[String]) -> Result<Report> {
    bins.require(&[bins.app()])?;
    let rig = Rig::start_with(Roster::demo(), Duration::from_secs(10)).await?;
    let Bar { app, desktop, .. } = Bar::launch(bins, &rig, AGENT, false).await?;
    desktop.notification_server()?;
    let outcome = shift(&rig, &app, hours, speed).await;
    app.quit().await;
    drop(desktop);
    rig.sim.shutdown().await;
    let Outcome {
        samples,
        day,
        answers,
        wrap_ups,
        emitted,
    } = outcome?;

    let first = samples.first().copied().unwrap_or_default();
    let last = samples.last().copied().unwrap_or_default();
    let peak_pss = samples.iter().map(|s| s.mem.pss).max().unwrap_or(0);
    let (pss_growth, rss_growth) = (
        growth(first.mem.pss, last.mem.pss),
        growth(first.mem.rss, last.mem.rss),
    );
    let mut r = Report::new(
        "shift",
        &format!(
            "A shift of {hours} hours at {speed}× speed (the demo day, polling, notifications on)"
        ),
    );
    r.rows.push(Row::info(
        "calls offered / answered on the bar / breaks; events the gateway emitted",
        format!(
            "{} / {} / {}; {emitted} events",
            day.calls, day.answered, day.breaks
        ),
    ));
    r.rows.push(Row::info(
        "PSS / RSS / app threads: idle before the first call → after the shift",
        format!(
            "{} / {} / {} → {} / {} / {} (PSS peak {})",
            mb(first.mem.pss),
            mb(first.mem.rss),
            first.threads,
            mb(last.mem.pss),
            mb(last.mem.rss),
            last.threads,
            mb(peak_pss)
        ),
    ));
    r.rows.push(Row::info(
        "PSS at each simulated hour",
        samples
            .iter()
            .map(|s| format!("{:.0} h {}", s.hour, mb(s.mem.pss)))
            .collect::<Vec<_>>()
            .join(", "),
    ));
    r.rows.push(Row::target(
        "growth over the shift: PSS / RSS",
        format!("{pss_growth:+.1} % / {rss_growth:+.1} %"),
        "≤ +10 % each",
        pss_growth <= 10.0 && rss_growth <= 10.0,
    ));
    r.rows.push(Row::target(
        "app threads after the shift against before",
        format!("{} → {}", first.threads, last.threads),
        "no more than before + 2",
        last.threads <= first.threads + 2,
    ));
    r.notes.push(format!(
        "Seed 7; {:.0} s of real time, so {:.0} GUID rotations (they follow the wall clock). \
         The page pressed Answer {} times and Cancel wrap-up {} times. \
         The last figure is taken after the last call ended and 10 s of quiet.",
        hours * 3600.0 / speed,
        hours * 60.0 / speed,
        answers,
        wrap_ups
    ));
    r.notes.extend(load.iter().cloned());
    r.data = json!({"samples": samples, "calls": day.calls, "answered": day.answered,
        "breaks": day.breaks, "events": emitted, "hours": hours, "speed": speed,
        "pss_growth_percent": pss_growth, "rss_growth_percent": rss_growth});
    Ok(r)
}

/// What the shift gave: the samples, the day's calls, the page's presses
/// of Answer and Cancel wrap-up, and the events the gateway emitted.
struct Outcome {
    samples: Vec<Sample>,
    day: DayReport,
    answers: u64,
    wrap_ups: u64,
    emitted: usize,
}

async fn shift(rig: &Rig, app: &App, hours: f64, speed: f64) -> Result<Outcome> {
    let pid = app.pid().ok_or("the app's process is not found")?;
    let control = rig.sim.control();
    staff_colleagues(&control, AGENT, speed);
    app.client().execute(AGENT_SCRIPT, vec![]).await?;
    // Settled and idle: the figure the shift is held against.
    tokio::time::sleep(Duration::from_secs(10)).await;
    let mut samples = vec![weigh(app, pid, 0.0)];

    let stop = CancellationToken::new();
    let day = tokio::spawn(run_day(
        control.clone(),
        DayConfig {
            agent: AGENT.to_owned(),
            seed: 7,
            speed,
            calls: None,
        },
        stop.clone(),
    ));
    let hour = Duration::from_secs_f64(3600.0 / speed);
    let started = Instant::now();
    for h in 1..=hours.ceil() as u32 {
        let at = hour.mul_f64(f64::from(h).min(hours));
        tokio::time::sleep(at.saturating_sub(started.elapsed())).await;
        if f64::from(h) < hours {
            samples.push(weigh(app, pid, f64::from(h)));
        }
    }
    stop.cancel();
    let day = day.await?;
    wait_idle(rig, Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_secs(10)).await;
    samples.push(weigh(app, pid, hours));
    let presses = app.client().execute(AGENT_SCRIPT, vec![]).await?;
    let count = |k: &str| presses[k].as_u64().unwrap_or(0);
    let emitted = control.emitted_events(AGENT).len();
    Ok(Outcome {
        samples,
        day,
        answers: count("answer"),
        wrap_ups: count("wrapUp"),
        emitted,
    })
}
