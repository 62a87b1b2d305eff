//! Push delivery: for an agent signed in with `callBackUri` and
//! `serviceToken`, queued events are POSTed to the receiver as the push seed
//! says: headers `Content-Type: application/json; charset=UTF-8`, `Guid`
//! (the session's current GUID) and `service_token`; body
//! `{"workNo":..,"eventList":[..]}` with everything queued (up to
//! `PushConfig::max_batch`), oldest first.
//!
//! A batch counts as delivered only on HTTP 200 with retcode `"0"`. Anything
//! else (another status, another retcode, an unreadable answer, a transport
//! error or timeout) keeps the events queued and retries after a back-off
//! that doubles from `retry_initial` up to `retry_max`; a retry takes
//! whatever is queued by then, so events never reorder or repeat once
//! acknowledged. After sign-out one last attempt carries what is left
//! (usually `AgentOther_ShutdownService`). With `PushConfig::retry` off a
//! batch that fails is dropped instead, as a gateway that never retries
//! would lose it.

use std::{sync::Arc, time::Duration};

use serde_json::Value;

use crate::{
    state::{Gateway, PushAttempt, queue::EventQueue, session::PushTarget},
    sync::lock,
    wire,
};

/// Deliver this session's events until it ends.
pub async fn deliver(gw: Arc<Gateway>, agent: String, queue: Arc<EventQueue>, target: PushTarget) {
    let cfg = gw.cfg.push.clone();
    let mut backoff = cfg.retry_initial;
    let mut guid = String::new();
    loop {
        let changed = queue.changed();
        tokio::pin!(changed);
        changed.as_mut().enable();
        let closed = queue.is_closed();
        if queue.is_empty() {
            if closed {
                return;
            }
            tokio::select! {
                _ = gw.cancel.cancelled() => return,
                _ = &mut changed => continue,
            }
        }
        let batch = queue.peek(cfg.max_batch.max(1));
        if let Some(current) = gw.push_guid(&agent, &queue) {
            guid = current;
        }
        let result = post(&gw, &target, &guid, &agent, &batch, cfg.request_timeout).await;
        let mut attempt = PushAttempt {
            agent: agent.clone(),
            at_ms: wire::now_ms(),
            offset_ms: gw.offset_ms(),
            events: batch.len(),
            outcome: String::new(),
            retry_in_ms: None,
        };
        match result {
            Ok(()) => {
                queue.remove_front(batch.len());
                gw.record_delivered(&agent, &batch);
                attempt.outcome = "ok".to_owned();
                lock(&gw.push_log).push(attempt);
                backoff = cfg.retry_initial;
            }
            Err(why) => {
                tracing::debug!(agent, events = batch.len(), outcome = %why, "push failed");
                attempt.outcome = why;
                if closed {
                    lock(&gw.push_log).push(attempt);
                    return;
                }
                if !cfg.retry {
                    queue.remove_front(batch.len());
                    attempt.outcome.push_str("; dropped");
                    lock(&gw.push_log).push(attempt);
                    continue;
                }
                attempt.retry_in_ms = Some(backoff.as_millis() as u64);
                lock(&gw.push_log).push(attempt);
                tokio::select! {
                    _ = gw.cancel.cancelled() => return,
                    _ = tokio::time::sleep(backoff) => {}
                }
                backoff = backoff.saturating_mul(2).min(cfg.retry_max);
            }
        }
    }
}

async fn post(
    gw: &Gateway,
    target: &PushTarget,
    guid: &str,
    agent: &str,
    batch: &[String],
    timeout: Duration,
) -> Result<(), String> {
    let response = gw
        .push_client
        .post(&target.uri)
        .header(http::header::CONTENT_TYPE, wire::CONTENT_TYPE)
        .header("Guid", guid)
        .header("service_token", &target.token)
        .body(wire::push_body(agent, batch))
        .timeout(timeout)
        .send()
        .await
        .map_err(|_| "transport error".to_owned())?;
    let status = response.status();
    if status != http::StatusCode::OK {
        return Err(format!("http {}", status.as_u16()));
    }
    let body: Value = response.json().await.map_err(|_| "bad answer".to_owned())?;
    match body.get("retcode").and_then(Value::as_str) {
        Some("0") => Ok(()),
        Some(code) => Err(format!("retcode {code}")),
        None => Err("bad answer".to_owned()),
    }
}
