//! First contact: the probe reads the simulator's certificate fingerprint over
//! real TLS, and tells whether the configured trust accepts it.

use agentgateway::Trust;
use agentgateway::probe::probe;
use agentgateway_sim::{SimConfig, Simulator};

#[tokio::test]
async fn the_probe_shows_the_gateway_fingerprint_and_whether_it_is_trusted() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let url = sim.gateway_url();

    let unknown = probe(&url, &Trust::default()).await.unwrap();
    assert_eq!(unknown.sha256, sim.server_cert_sha256());
    assert!(
        !unknown.trusted,
        "a self-signed gateway is not trusted by the system roots"
    );

    let pinned = probe(&url, &Trust::pinned_hex(&unknown.sha256).unwrap())
        .await
        .unwrap();
    assert!(pinned.trusted, "pinning the probed fingerprint trusts it");

    let with_ca = probe(&url, &Trust::only_ca(sim.ca_pem().unwrap()))
        .await
        .unwrap();
    assert!(with_ca.trusted, "the simulator's CA trusts it");
}
