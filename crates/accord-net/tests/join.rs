//! The join protocol: one bounded request, one bounded response.

mod common;

use std::time::{Duration, Instant};

use accord_net::{
    CLOSE_JOIN_REFUSED, EndpointId, JOIN_ALPN, JoinHandler, MAX_JOINS_PER_PEER, NetConfig, NetError,
};
use common::*;
use iroh::endpoint::{ApplicationClose, Connection, ConnectionError, RecvStream, SendStream};

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
    assert_welcomed(&host, &joiner).await;
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
    let mut config = NetConfig::loopback(key(109));
    config.join_timeout = Duration::from_millis(500);
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

/// A join connection that sent one byte of its request and stalls (its streams kept open).
struct Stalled {
    conn: Connection,
    _streams: Option<(SendStream, RecvStream)>,
}

async fn stall(from: &Node, host: &Node) -> Stalled {
    let conn = within(
        "connect",
        from.net.endpoint().connect(host.addr(), JOIN_ALPN),
    )
    .await
    .unwrap();
    let streams = match conn.open_bi().await {
        Ok((mut send, recv)) => {
            // A refused connection may already be closed: its write fails, which is fine.
            let _ = send.write_all(&[1]).await;
            Some((send, recv))
        }
        Err(_) => None,
    };
    Stalled {
        conn,
        _streams: streams,
    }
}

/// The host's reason when it closed a join connection without answering, else a panic.
fn refusal(closed: ConnectionError) -> String {
    match closed {
        ConnectionError::ApplicationClosed(ApplicationClose { error_code, reason })
            if error_code == CLOSE_JOIN_REFUSED.into() =>
        {
            String::from_utf8_lossy(&reason).into_owned()
        }
        other => panic!("expected the host to refuse the connection, got {other}"),
    }
}

/// Opens one stalled join connection more than `from` may hold at `host`; returns the ones
/// held, once the host has closed the one over the limit (so the others are known to be
/// counted by the host).
async fn stall_all_it_may(from: &Node, host: &Node) -> Vec<Stalled> {
    let mut all = Vec::new();
    for _ in 0..=MAX_JOINS_PER_PEER {
        all.push(stall(from, host).await);
    }
    let (closed, i, _) = within(
        "the connection over the limit closed",
        futures::future::select_all(all.iter().map(|s| Box::pin(s.conn.closed()))),
    )
    .await;
    let reason = refusal(closed);
    assert!(reason.contains("too many join attempts"), "{reason}");
    all.remove(i);
    all
}

/// Issue #24: four join connections that sent one byte and stalled kept every legitimate join
/// out ("the host is busy") for as long as they were held.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legitimate_join_is_admitted_while_stalled_join_connections_are_held() {
    init_tracing();
    // A deadline far beyond the test, so the stalled connections are surely still held.
    let mut config = NetConfig::loopback(key(111));
    config.join_deadline = Duration::from_secs(60);
    let host = node_with(config, TestAccess::allowing([])).await;
    host.net.set_join_handler(Handler);
    let mut attackers = Vec::new();
    let mut held = Vec::new();
    for seed in 112..115 {
        let attacker = node(seed, &[]).await;
        held.extend(stall_all_it_may(&attacker, &host).await);
        attackers.push(attacker);
    }
    // More than the handler turns the host has (4): none of them may hold one.
    assert_eq!(held.len(), 3 * MAX_JOINS_PER_PEER);
    assert!(held.len() > 4);

    // An attacker's own further join is refused, with the reason.
    let err = within(
        "join",
        attackers[0]
            .net
            .request_join(host.addr(), b"invite:good".to_vec()),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, NetError::JoinRefused { ref message, .. } if message.contains("too many join attempts")),
        "{err}"
    );

    // Anyone else joins at once.
    let joiner = node(115, &[]).await;
    assert_welcomed(&host, &joiner).await;
    for s in &held {
        assert_eq!(s.conn.close_reason(), None, "a stalled connection is held");
    }
    drop(held);
    host.stop().await;
    joiner.stop().await;
    for a in attackers {
        a.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_join_connection_is_closed_at_its_deadline() {
    init_tracing();
    let deadline = Duration::from_secs(1);
    let mut config = NetConfig::loopback(key(121));
    config.join_deadline = deadline;
    let host = node_with(config, TestAccess::allowing([])).await;
    host.net.set_join_handler(Handler);
    let attacker = node(122, &[]).await;
    let started = Instant::now();
    // One byte of a request, never finished; and a connection that never opens a stream.
    let slow = stall(&attacker, &host).await;
    let silent = within(
        "connect",
        attacker.net.endpoint().connect(host.addr(), JOIN_ALPN),
    )
    .await
    .unwrap();
    let (slow_closed, silent_closed) = within(
        "both closed by the host",
        futures::future::join(slow.conn.closed(), silent.closed()),
    )
    .await;
    assert!(started.elapsed() >= deadline, "{:?}", started.elapsed());
    for closed in [slow_closed, silent_closed] {
        let reason = refusal(closed);
        assert_eq!(reason, "the join request did not arrive within 1 s");
    }

    // A whole request whose sender never reads the answer nor closes: closed all the same.
    let greedy = node(123, &[]).await;
    let conn = within(
        "connect",
        greedy.net.endpoint().connect(host.addr(), JOIN_ALPN),
    )
    .await
    .unwrap();
    let (mut send, _recv) = conn.open_bi().await.unwrap();
    // The join envelope in postcard: version 1, then the body with its varint length.
    let mut wire = vec![1u8, 11];
    wire.extend_from_slice(b"invite:good");
    send.write_all(&wire).await.unwrap();
    send.finish().unwrap();
    match within("closed by the host", conn.closed()).await {
        ConnectionError::ApplicationClosed(c) => assert_eq!(c.error_code, 0u32.into()),
        other => panic!("expected the host to close the connection, got {other}"),
    }

    // The host serves a proper join afterwards.
    let joiner = node(124, &[]).await;
    within(
        "join",
        joiner
            .net
            .request_join(host.addr(), b"invite:good".to_vec()),
    )
    .await
    .unwrap();
    for n in [host, attacker, greedy, joiner] {
        n.stop().await;
    }
}

/// `joiner` asks `host` with a good invitation and is welcomed.
async fn assert_welcomed(host: &Node, joiner: &Node) {
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
}
