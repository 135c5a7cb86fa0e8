//! Peers that misbehave on the wire are cut off without disturbing the others.

mod common;

use std::time::Duration;

use accord_net::{NetConfig, SYNC_ALPN};
use common::*;
use iroh::{Endpoint, EndpointAddr, RelayMode, SecretKey, endpoint::presets};

fn assert_closed_by_host_with(reason: &iroh::endpoint::ConnectionError, code: u32) {
    match reason {
        iroh::endpoint::ConnectionError::ApplicationClosed(close) => {
            assert_eq!(close.error_code, code.into(), "{reason}");
        }
        other => panic!("expected the host to close with code {code}, got {other}"),
    }
}

async fn raw_endpoint(seed: u8) -> Endpoint {
    Endpoint::builder(presets::Minimal)
        .secret_key(SecretKey::from_bytes(&key(seed)))
        .relay_mode(RelayMode::Disabled)
        .clear_ip_transports()
        .bind_addr("127.0.0.1:0")
        .expect("loopback address")
        .bind()
        .await
        .expect("bind raw endpoint")
}

/// Opens a sync stream to `to`, writes `bytes`, and returns how long until the host closed it.
async fn send_raw(
    from: &Endpoint,
    to: EndpointAddr,
    bytes: &[u8],
) -> iroh::endpoint::ConnectionError {
    let conn = within("raw connect", from.connect(to, SYNC_ALPN))
        .await
        .expect("connect");
    let (mut send, _recv) = match within("open stream", conn.open_bi()).await {
        Ok(streams) => streams,
        Err(closed) => return closed, // refused before we could even open the stream
    };
    // The host may already have closed while we write; that is fine.
    let _ = send.write_all(bytes).await;
    within("host closes the connection", conn.closed()).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_and_oversized_frames_disconnect_only_that_peer() {
    init_tracing();
    const MAX: usize = 1024 * 1024;
    let mut config = NetConfig::loopback(key(81));
    config.max_frame_len = MAX;
    // The host allows the well-behaved B and the two raw devices (so the frames get past the
    // access check and reach the framing and samod).
    let host = node_with(
        config,
        TestAccess::allowing([id_of(82), id_of(83), id_of(84)]),
    )
    .await;
    let b = node(82, &[81]).await;
    b.net.set_wanted_peers([host.addr()]).unwrap();
    connected(&host, b.id()).await;
    let doc = create_doc(&host.repo, "v", "0").await;
    let doc_b = find(&b.repo, doc.document_id()).await;

    // 1. A well-framed message that is not CBOR samod understands.
    let garbage_dev = raw_endpoint(83).await;
    let mut garbage = 12u32.to_be_bytes().to_vec();
    garbage.extend_from_slice(b"\xff\x00not cbor!!");
    let reason = send_raw(&garbage_dev, host.addr(), &garbage).await;
    tracing::info!(%reason, "garbage sender closed");
    assert_closed_by_host_with(&reason, accord_net::CLOSE_SYNC_ENDED);

    // 2. A frame header announcing more than the limit (the body never needs to come).
    let big_dev = raw_endpoint(84).await;
    let header = u32::try_from(MAX + 1).unwrap().to_be_bytes();
    let reason = send_raw(&big_dev, host.addr(), &header).await;
    tracing::info!(%reason, "oversized sender closed");
    assert_closed_by_host_with(&reason, accord_net::CLOSE_SYNC_ENDED);

    // 3. Random bytes with a random length prefix (seeded).
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let noise: Vec<u8> = (0..4096).map(|_| rng.random()).collect();
    let reason = send_raw(&garbage_dev, host.addr(), &noise).await;
    tracing::info!(%reason, "noise sender closed");
    assert_closed_by_host_with(&reason, accord_net::CLOSE_SYNC_ENDED);

    // The well-behaved peer is untouched and keeps syncing both ways.
    put(&doc, "v", "1");
    wait_value(&doc_b, "v", "1").await;
    put(&doc_b, "w", "2");
    wait_value(&doc, "w", "2").await;
    let peers = host.net.peers();
    assert_eq!(
        peers.iter().map(|p| p.id).collect::<Vec<_>>(),
        vec![b.id()],
        "only B stays connected"
    );

    garbage_dev.close().await;
    big_dev.close().await;
    host.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_not_on_the_list_is_closed_with_not_allowed() {
    init_tracing();
    let host = node(91, &[]).await;
    let stranger = raw_endpoint(92).await;
    let reason = send_raw(&stranger, host.addr(), &[0, 0, 0, 1, 0]).await;
    assert_closed_by_host_with(&reason, accord_net::CLOSE_NOT_ALLOWED);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(host.net.peers().is_empty());
    stranger.close().await;
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_revoked_before_it_opens_its_stream_is_closed_when_it_does() {
    init_tracing();
    let host = node(93, &[94]).await;
    let slow = raw_endpoint(94).await;
    // Allowed when it connects; it then waits before opening the sync stream.
    let conn = within("raw connect", slow.connect(host.addr(), SYNC_ALPN))
        .await
        .expect("connect");
    tokio::time::sleep(Duration::from_millis(100)).await;
    host.access.revoke(id_of(94));
    host.net.disconnect(id_of(94)); // finds nothing yet: the stream is not open
    let (mut send, _recv) = within("open stream", conn.open_bi())
        .await
        .expect("the stream opens");
    // The start of a frame that never completes: a host that took the connection in would
    // keep waiting for the rest.
    let _ = send.write_all(&[0, 0, 0, 16]).await;
    let reason = within("host closes the connection", conn.closed()).await;
    assert_closed_by_host_with(&reason, accord_net::CLOSE_NOT_ALLOWED);
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(host.net.peers().is_empty(), "{:?}", host.net.peers());
    slow.close().await;
    host.stop().await;
}
