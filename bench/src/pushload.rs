//! The push receiver under load from another process. `agentbar-bench
//! serve-push` runs a [`PushReceiver`] (default settings, self-signed
//! certificate) and drains its channel as the engine would; this process is
//! the load generator: keep-alive HTTPS connections posting unique batches
//! as the gateway does, each answer checked (HTTP 200 and retcode "0").

use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use agentgateway::Guid;
use agentgateway::push::{PushConfig, PushCredentials, PushReceiver, ServiceToken};
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use crate::report::{Report, Row, ms};
use crate::rig::Result;
use crate::stats::summarize;

const AGENT: &str = "801";
const TOKEN: &str = "BenchToken0123456789";
const GUID: &str = "0f5c2a8e-bench-4e2b-9d31-7a6c5e4b3a21.AgentGateway0";

/// The receiver side (child process): prints `{"url","cert"}`, then one
/// stats line per line read on stdin, and stops at end of stdin.
pub async fn serve() -> Result<()> {
    let creds = PushCredentials::new();
    creds.begin(AGENT, ServiceToken::new(TOKEN)?);
    creds.set_guid(Guid::new(GUID));
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    let receiver = PushReceiver::start(PushConfig::default(), creds, tx).await?;
    tokio::spawn(async move { while rx.recv().await.is_some() {} });
    let hello = json!({"url": receiver.callback_uri("127.0.0.1"), "cert": receiver.cert_pem()});
    let mut out = tokio::io::stdout();
    out.write_all(format!("{hello}\n").as_bytes()).await?;
    out.flush().await?;
    let mut lines = BufReader::new(tokio::io::stdin()).lines();
    while lines.next_line().await?.is_some() {
        let s = receiver.stats();
        let line = json!({"delivered_events": s.delivered_events, "delivered_batches": s.delivered_batches,
            "repeats": s.repeats, "refused": s.refused});
        out.write_all(format!("{line}\n").as_bytes()).await?;
        out.flush().await?;
    }
    receiver.shutdown().await;
    Ok(())
}

fn body(batch: usize, next: &AtomicU64) -> String {
    let events: Vec<Value> = (0..batch)
        .map(|_| {
            let seq = next.fetch_add(1, Ordering::Relaxed);
            json!({"eventType": "AgentState_Ready", "workNo": AGENT, "content": null, "benchSeq": seq})
        })
        .collect();
    json!({"workNo": AGENT, "eventList": events}).to_string()
}

pub async fn run(seconds: u64, load: &[String]) -> Result<Report> {
    let exe = std::env::current_exe()?;
    let mut child = tokio::process::Command::new(exe)
        .arg("serve-push")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let mut stdout = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
    let hello: Value =
        serde_json::from_str(&stdout.next_line().await?.ok_or("receiver said nothing")?)?;
    let url = hello["url"].as_str().ok_or("no url")?.to_owned();
    let cert = reqwest::Certificate::from_pem(hello["cert"].as_str().ok_or("no cert")?.as_bytes())?;
    let client = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(cert)
        .pool_max_idle_per_host(64)
        .timeout(Duration::from_secs(10))
        .build()?;
    let next = Arc::new(AtomicU64::new(0));
    let mut r = Report::new("push-load", "Push receiver under load from another process");
    let mut data = Vec::new();
    let mut delivered_before = 0u64;
    for (batch, connections) in [(1usize, 1usize), (1, 8), (10, 8), (100, 4)] {
        let deadline = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut tasks = Vec::new();
        for _ in 0..connections {
            let (client, url, next) = (client.clone(), url.clone(), next.clone());
            tasks.push(tokio::spawn(async move {
                let mut lat = Vec::new();
                let mut failed = 0usize;
                while Instant::now() < deadline {
                    let b = body(batch, &next);
                    let t = Instant::now();
                    let res = client
                        .post(&url)
                        .header("Content-Type", "application/json; charset=UTF-8")
                        .header("Guid", GUID)
                        .header("service_token", TOKEN)
                        .body(b)
                        .send()
                        .await;
                    let ok = match res {
                        Ok(resp) if resp.status() == 200 => resp
                            .json::<Value>()
                            .await
                            .is_ok_and(|v| v["retcode"] == "0"),
                        _ => false,
                    };
                    if ok {
                        lat.push(t.elapsed().as_secs_f64() * 1000.0);
                    } else {
                        failed += 1;
                    }
                }
                (lat, failed)
            }));
        }
        let mut lat = Vec::new();
        let mut failed = 0;
        for t in tasks {
            let (l, f) = t.await?;
            lat.extend(l);
            failed += f;
        }
        let elapsed = started.elapsed().as_secs_f64();
        stdin.write_all(b"stats\n").await?;
        let stats: Value = serde_json::from_str(&stdout.next_line().await?.ok_or("no stats")?)?;
        let delivered = stats["delivered_events"].as_u64().unwrap_or(0);
        let accepted = delivered - delivered_before;
        delivered_before = delivered;
        let eps = accepted as f64 / elapsed;
        if let Some(s) = summarize(&lat) {
            r.rows.push(Row::info(
                format!("{batch} event(s) per POST, {connections} connection(s)"),
                format!(
                    "{eps:.0} events/s accepted ({:.0} POSTs/s); latency p50 {} / p99 {} / max {}; {failed} failed",
                    lat.len() as f64 / elapsed, ms(s.p50), ms(s.p99), ms(s.max)
                ),
            ));
            data.push(
                json!({"batch": batch, "connections": connections, "seconds": elapsed,
                "posts_ok": lat.len(), "failed": failed, "events_accepted_by_receiver": accepted,
                "events_per_second": eps, "latency_ms": s}),
            );
        }
    }
    drop(stdin);
    let _ = tokio::time::timeout(Duration::from_secs(10), child.wait()).await;
    r.notes.push(format!("{seconds} s per line; the receiver (default PushConfig: TLS, Guid and token checks, duplicate detection, 64 connections) runs in a separate process on the same 2 cores as the generator; events counted by the receiver's own statistics."));
    r.notes.extend(load.iter().cloned());
    r.data = json!(data);
    Ok(r)
}
