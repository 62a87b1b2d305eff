//! `--nats` lists every node of a cluster: the relay takes the list as a
//! list (not one comma-joined URL) and connects to a node that answers.

mod common;

use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_list_of_nats_urls_connects_to_a_live_node() {
    require_nats();
    let nats = Nats::start().await;
    let cert = SiteCert::new();
    let down = format!("nats://127.0.0.1:{}", free_port());
    let relay = relay(&[down, nats.url()], &cert).await;
    let metrics = metrics_of(relay.admin_addr().port()).await;
    assert!(metrics.contains("agentbar_relay_subscribers"), "{metrics}");
    relay.shutdown().await;
}
