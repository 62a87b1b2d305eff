//! A gateway (or a proxy in front of it) that answers what the interface
//! never does: redirects, to plain HTTP too, and answers far larger than any
//! legal one. The client follows no redirect, sends nothing over plain HTTP
//! unless told to, and reads a bounded answer.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use agentgateway::push::TlsIdentity;
use agentgateway::{Client, ClientConfig, ClientError, Secret, SignIn, Trust};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;

/// A TLS server on 127.0.0.1 that answers every request with `answer`, and
/// the client configuration that trusts it (by its fingerprint).
async fn serve(answer: impl Fn() -> Vec<u8> + Send + Sync + 'static) -> ClientConfig {
    let identity = TlsIdentity::self_signed(&["127.0.0.1".to_owned()]).expect("identity");
    let acceptor = TlsAcceptor::from(identity.server_config());
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let answer = answer.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut head = vec![0u8; 16 * 1024];
                let _ = tls.read(&mut head).await;
                let _ = tls.write_all(&answer()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    let trust = Trust::pinned_hex(identity.cert_sha256()).expect("pin");
    let mut cfg = ClientConfig::new(
        "101",
        vec![format!(
            "https://127.0.0.1:{}/agentgateway/resource",
            addr.port()
        )],
        trust,
    );
    cfg.request_timeout = Duration::from_secs(5);
    cfg
}

/// A plain-HTTP listener that counts the connections it gets.
async fn plain_listener() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let hits = Arc::new(AtomicUsize::new(0));
    let counted = hits.clone();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            counted.fetch_add(1, Ordering::SeqCst);
            let _ = tcp
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}")
                .await;
        }
    });
    (port, hits)
}

fn sign_in() -> SignIn {
    SignIn::new(Secret::new("Agent#101"), "6001")
}

#[tokio::test]
async fn redirects_are_never_followed_to_plain_http_or_anywhere() {
    let (plain, hits) = plain_listener().await;
    for status in [301u16, 302, 303, 307, 308] {
        let cfg = serve(move || {
            format!(
                "HTTP/1.1 {status} Moved\r\nLocation: http://127.0.0.1:{plain}/agentgateway/resource/onlineagent/101\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            )
            .into_bytes()
        })
        .await;
        let client = Client::new(cfg).expect("client");
        let err = client
            .sign_in(&sign_in())
            .await
            .expect_err("a redirect is an error");
        assert!(
            matches!(err, ClientError::HttpStatus { status: s } if s == status),
            "{status}: {err:?}"
        );
        client.set_guid(agentgateway::Guid::new("a-guid"));
        let err = client
            .agent_status()
            .await
            .expect_err("a redirect is an error");
        assert!(matches!(err, ClientError::HttpStatus { .. }), "{err:?}");
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        0,
        "nothing reached the plain listener"
    );
}

#[tokio::test]
async fn plain_http_gateways_are_refused_unless_asked_for() {
    let (plain, hits) = plain_listener().await;
    let url = format!("http://127.0.0.1:{plain}/agentgateway/resource");
    let cfg = ClientConfig::new("101", vec![url.clone()], Trust::default());
    let err = Client::new(cfg).expect_err("plain http refused");
    assert!(err.to_string().contains("http://"), "{err}");
    let mut cfg = ClientConfig::new("101", vec![url], Trust::default());
    cfg.allow_plain_http = true;
    let client = Client::new(cfg).expect("explicitly allowed");
    client.set_guid(agentgateway::Guid::new("a-guid"));
    let _ = client.agent_status().await;
    assert_eq!(hits.load(Ordering::SeqCst), 1, "sent when asked for");
}

#[tokio::test]
async fn a_huge_answer_is_malformed_not_buffered() {
    // 64 MiB of JSON-looking bytes, announced and then chunked.
    let sent = Arc::new(AtomicUsize::new(0));
    let announced = serve(|| {
        let mut a = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 67108864\r\n\r\n{\"retcode\":\"0\",\"result\":\"".to_vec();
        a.extend(std::iter::repeat_n(b'x', 1024 * 1024));
        a
    })
    .await;
    let client = Client::new(announced).expect("client");
    client.set_guid(agentgateway::Guid::new("a-guid"));
    let err = client.app_data("1-1").await.expect_err("too large");
    assert!(matches!(err, ClientError::Malformed { .. }), "{err:?}");

    let counter = sent.clone();
    let chunked = serve(move || {
        let mut a = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
        let chunk = [b'7'; 65536];
        for _ in 0..256 {
            a.extend(format!("{:x}\r\n", chunk.len()).as_bytes());
            a.extend(chunk);
            a.extend(b"\r\n");
        }
        a.extend(b"0\r\n\r\n");
        counter.store(a.len(), Ordering::SeqCst);
        a
    })
    .await;
    let client = Client::new(chunked).expect("client");
    client.set_guid(agentgateway::Guid::new("a-guid"));
    let err = client.poll_event(None).await.expect_err("too large");
    assert!(matches!(err, ClientError::Malformed { .. }), "{err:?}");
    assert!(sent.load(Ordering::SeqCst) > 16 * 1024 * 1024);
}
