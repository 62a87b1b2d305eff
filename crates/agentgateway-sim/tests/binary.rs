//! The `agentgateway-sim` command: prints where it listens, writes the CA
//! file, and serves the gateway.
#![allow(clippy::unwrap_used)] // test helpers outside #[test] functions

use std::{process::Stdio, time::Duration};

use tokio::io::{AsyncBufReadExt, BufReader};

#[tokio::test]
async fn the_command_prints_its_urls_and_serves_https_with_the_written_ca() {
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_agentgateway-sim"))
        .args([
            "--gateway-addr",
            "127.0.0.1:0",
            "--control-addr",
            "127.0.0.1:0",
            "--auth-mode",
            "static",
        ])
        .arg("--ca-out")
        .arg(&ca)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut printed = Vec::new();
    tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.unwrap() {
            let done = line.contains("105");
            printed.push(line);
            if done {
                break;
            }
        }
    })
    .await
    .expect("start-up lines printed");
    let value = |prefix: &str| {
        printed
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("{prefix} in {printed:?}"))
    };
    let gateway = value("gateway: ");
    assert!(
        gateway.starts_with("https://127.0.0.1:") && gateway.ends_with("/agentgateway/resource")
    );
    assert!(value("control: ").starts_with("http://127.0.0.1:"));
    assert_eq!(value("CA certificate: "), ca.display().to_string());
    assert!(
        printed
            .iter()
            .any(|l| l.contains("101") && l.contains("Agent#101"))
    );

    let pem = std::fs::read(&ca).unwrap();
    let http = reqwest::Client::builder()
        .use_rustls_tls()
        .tls_built_in_root_certs(false)
        .add_root_certificate(reqwest::Certificate::from_pem(&pem).unwrap())
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let resp = http
        .put(format!("{gateway}/onlineagent/101"))
        .body(r#"{"password":"Agent#101","phonenum":"1"}"#)
        .send()
        .await
        .unwrap();
    assert!(
        resp.headers()["set-guid"]
            .to_str()
            .unwrap()
            .starts_with("JSESSIONID=")
    );
    let body: serde_json::Value = resp.json().await.unwrap();
    assert_eq!(body["retcode"], "0");
    child.kill().await.unwrap();
}

#[tokio::test]
async fn help_lists_the_flags() {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_agentgateway-sim"))
        .arg("--help")
        .output()
        .await
        .unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    for flag in [
        "--gateway-addr",
        "--plain-http",
        "--roster",
        "--auth-mode",
        "--poll-wait-times",
        "--scenario",
        "--seed",
        "--speed",
        "--agent",
        "--push-ca",
    ] {
        assert!(help.contains(flag), "{flag}");
    }
}
