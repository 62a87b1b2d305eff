//! Prometheus metrics of one relay instance, served at `/metrics`.
//!
//! The push receiver keeps its own counts ([`PushStats`]); they are copied
//! into the registry at each scrape, so the receiver needs no knowledge of
//! Prometheus.

use std::sync::Mutex;

use agentgateway::push::PushStats;
use prometheus::{Encoder, IntCounter, IntGauge, Registry, TextEncoder};

/// Why the metrics could not be set up or encoded.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("metrics: {0}")]
    Prometheus(#[from] prometheus::Error),
}

/// The instance's metrics.
pub struct Metrics {
    registry: Registry,
    pub pushes_accepted: IntCounter,
    pub pushes_refused: IntCounter,
    pub pushes_repeated: IntCounter,
    pub events_stored: IntCounter,
    pub store_failures: IntCounter,
    pub events_delivered: IntCounter,
    pub subscribers: IntGauge,
    pub subscriptions_refused: IntCounter,
    /// Events stored but not yet sent to this instance's subscribers.
    pub jetstream_lag: IntGauge,
    last_push: Mutex<PushStats>,
}

impl Metrics {
    pub fn new() -> Result<Metrics, MetricsError> {
        let registry = Registry::new();
        let counter = |name: &str, help: &str| -> Result<IntCounter, MetricsError> {
            let c = IntCounter::new(name, help)?;
            registry.register(Box::new(c.clone()))?;
            Ok(c)
        };
        let gauge = |name: &str, help: &str| -> Result<IntGauge, MetricsError> {
            let g = IntGauge::new(name, help)?;
            registry.register(Box::new(g.clone()))?;
            Ok(g)
        };
        Ok(Metrics {
            pushes_accepted: counter(
                "agentbar_relay_pushes_accepted_total",
                "Pushes stored and answered with success",
            )?,
            pushes_refused: counter(
                "agentbar_relay_pushes_refused_total",
                "Pushes refused (bad request, credentials, store unavailable)",
            )?,
            pushes_repeated: counter(
                "agentbar_relay_pushes_repeated_total",
                "Repeated pushes answered without storing again",
            )?,
            events_stored: counter(
                "agentbar_relay_events_stored_total",
                "Events acknowledged by JetStream",
            )?,
            store_failures: counter(
                "agentbar_relay_store_failures_total",
                "Pushes answered 503 because JetStream did not acknowledge them",
            )?,
            events_delivered: counter(
                "agentbar_relay_events_delivered_total",
                "Events sent to subscribers",
            )?,
            subscribers: gauge("agentbar_relay_subscribers", "Open subscriptions")?,
            subscriptions_refused: counter(
                "agentbar_relay_subscriptions_refused_total",
                "Subscriptions refused (wrong or old token, bad request)",
            )?,
            jetstream_lag: gauge(
                "agentbar_relay_jetstream_lag",
                "Events in JetStream not yet sent to this instance's subscribers",
            )?,
            registry,
            last_push: Mutex::new(PushStats::default()),
        })
    }

    /// Copies the receiver's counts into the counters.
    pub fn sync_push(&self, now: PushStats) {
        let mut last = self.last_push.lock().unwrap_or_else(|p| p.into_inner());
        self.pushes_accepted
            .inc_by(now.delivered_batches.saturating_sub(last.delivered_batches));
        self.pushes_refused
            .inc_by(now.refused.saturating_sub(last.refused));
        self.pushes_repeated
            .inc_by(now.repeats.saturating_sub(last.repeats));
        *last = now;
    }

    /// The text exposition format.
    pub fn encode(&self) -> Result<String, MetricsError> {
        let mut out = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut out)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }
}
