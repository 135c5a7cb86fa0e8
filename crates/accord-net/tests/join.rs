//! The join protocol: one bounded request, one bounded response.

mod common;

use accord_net::{EndpointId, JOIN_ALPN, JoinHandler, NetError};
use common::*;

/// A host-side handler: accepts `"invite:good"`, refuses everything else with a reason.
struct Handler;

impl JoinHandler for Handler {
    async fn handle(&self, from: EndpointId, request: Vec<u8>) -> Result<Vec<u8>, String> {
        match std::str::from_utf8(&request) {
            Ok("invite:good") => Ok(format!("welcome {}", from.fmt_short()).into_bytes()),
            Ok("invite:expired") => Err("this invitation has expired".into()),
            _ => Err("this is not an invitation".into()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_accepted_returns_the_hosts_response() {
    init_tracing();
    let host = node(101, &[]).await;
    host.net.set_join_handler(Handler);
    let joiner = node(102, &[]).await;
    let response = within(
        "join",
        joiner
            .net
            .request_join(host.addr(), b"invite:good".to_vec()),
    )
    .await
    .unwrap();
    assert_eq!(
        response,
        format!("welcome {}", joiner.id().fmt_short()).into_bytes()
    );
    host.stop().await;
    joiner.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_refused_returns_the_hosts_message() {
    init_tracing();
    let host = node(103, &[]).await;
    host.net.set_join_handler(Handler);
    let joiner = node(104, &[]).await;
    let err = within(
        "join",
        joiner
            .net
            .request_join(host.addr(), b"invite:expired".to_vec()),
    )
    .await
    .unwrap_err();
    match &err {
        NetError::JoinRefused { peer, message } => {
            assert_eq!(*peer, host.id());
            assert_eq!(message, "this invitation has expired");
        }
        other => panic!("expected a refusal, got {other}"),
    }
    assert!(
        err.to_string().contains("this invitation has expired"),
        "{err}"
    );
    // Garbage request bytes reach the handler, which refuses them; nobody panics.
    let err = within(
        "join",
        joiner.net.request_join(host.addr(), vec![0xff, 0x00, 0x13]),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, NetError::JoinRefused { ref message, .. } if message == "this is not an invitation"),
        "{err}"
    );
    // The host still serves afterwards.
    within(
        "join",
        joiner
            .net
            .request_join(host.addr(), b"invite:good".to_vec()),
    )
    .await
    .unwrap();
    host.stop().await;
    joiner.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_to_a_device_without_handler_is_refused() {
    init_tracing();
    let host = node(105, &[]).await;
    let joiner = node(106, &[]).await;
    let err = within(
        "join",
        joiner
            .net
            .request_join(host.addr(), b"invite:good".to_vec()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, NetError::JoinRefused { ref message, .. } if message.contains("does not accept joins")),
        "{err}"
    );
    host.stop().await;
    joiner.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oversized_join_request_is_an_error_on_both_sides() {
    init_tracing();
    let host = node(107, &[]).await;
    host.net.set_join_handler(Handler);
    let joiner = node(108, &[]).await;
    let max = joiner.net.config().max_join_len;
    // The joiner refuses to send it.
    let err = joiner
        .net
        .request_join(host.addr(), vec![b'x'; max + 1])
        .await
        .unwrap_err();
    assert!(
        matches!(err, NetError::JoinRequestTooLarge { len, max: m } if len == max + 1 && m == max),
        "{err}"
    );

    // A raw client that sends it anyway gets a refusal, not a hang or a crash.
    let conn = within(
        "connect",
        joiner.net.endpoint().connect(host.addr(), JOIN_ALPN),
    )
    .await
    .unwrap();
    let (mut send, mut recv) = conn.open_bi().await.unwrap();
    let _ = send.write_all(&vec![7u8; max * 2]).await;
    let _ = send.finish();
    let raw = within("response", recv.read_to_end(max * 2)).await.unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(
        text.contains("over"),
        "refusal mentions the limit: {text:?}"
    );
    conn.close(0u32.into(), b"done");

    // A raw client sending garbage that is not a join envelope gets "malformed".
    let conn = within(
        "connect",
        joiner.net.endpoint().connect(host.addr(), JOIN_ALPN),
    )
    .await
    .unwrap();
    let (mut send, mut recv) = conn.open_bi().await.unwrap();
    send.write_all(&[0xde, 0xad, 0xbe, 0xef, 0xff, 0xff])
        .await
        .unwrap();
    send.finish().unwrap();
    let raw = within("response", recv.read_to_end(4096)).await.unwrap();
    let text = String::from_utf8_lossy(&raw);
    assert!(
        text.contains("malformed join request") || text.contains("unsupported"),
        "{text:?}"
    );
    conn.close(0u32.into(), b"done");

    // The host still serves a proper join.
    within(
        "join",
        joiner
            .net
            .request_join(host.addr(), b"invite:good".to_vec()),
    )
    .await
    .unwrap();
    host.stop().await;
    joiner.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn join_to_an_unreachable_host_times_out_with_an_error() {
    init_tracing();
    let mut config = accord_net::NetConfig::loopback(key(109));
    config.join_timeout = std::time::Duration::from_millis(500);
    let joiner = node_with(config, TestAccess::allowing([])).await;
    // A host id with no address and no lookup: nothing to connect to.
    let nowhere = accord_net::EndpointAddr::new(id_of(110));
    let err = within("join", joiner.net.request_join(nowhere, b"x".to_vec()))
        .await
        .unwrap_err();
    assert!(
        matches!(err, NetError::Connect { .. } | NetError::JoinTimeout { .. }),
        "{err}"
    );
    joiner.stop().await;
}
