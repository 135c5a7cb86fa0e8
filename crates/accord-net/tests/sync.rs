//! Document sync between real iroh endpoints on loopback.

mod common;

use std::time::Duration;

use accord_net::{ConnectionKind, Net, PeerEvent};
use common::*;
use samod::ShareConfig;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_created_on_one_device_reaches_two_others_and_later_changes_follow() {
    init_tracing();
    let a = node(1, &[2, 3]).await;
    let b = node(2, &[1, 3]).await;
    let c = node(3, &[1, 2]).await;
    a.net.set_wanted_peers([b.addr(), c.addr()]).unwrap();
    b.net.set_wanted_peers([a.addr(), c.addr()]).unwrap();
    c.net.set_wanted_peers([a.addr(), b.addr()]).unwrap();
    connected(&b, a.id()).await;
    connected(&c, a.id()).await;

    let doc_a = create_doc(&a.repo, "title", "Minutes of the 3rd session").await;
    let id = doc_a.document_id().clone();
    let doc_b = find(&b.repo, &id).await;
    let doc_c = find(&c.repo, &id).await;
    assert_eq!(
        get(&doc_b, "title").as_deref(),
        Some("Minutes of the 3rd session")
    );
    assert_eq!(
        get(&doc_c, "title").as_deref(),
        Some("Minutes of the 3rd session")
    );

    put(&doc_a, "status", "final");
    wait_value(&doc_b, "status", "final").await;
    wait_value(&doc_c, "status", "final").await;

    // And from a non-creator outwards.
    put(&doc_c, "chair", "Norway");
    wait_value(&doc_a, "chair", "Norway").await;
    wait_value(&doc_b, "chair", "Norway").await;

    for n in [a, b, c] {
        n.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_edits_on_two_devices_converge() {
    init_tracing();
    let a = node(11, &[12]).await;
    let b = node(12, &[11]).await;
    a.net.set_wanted_peers([b.addr()]).unwrap();
    b.net.set_wanted_peers([a.addr()]).unwrap();
    connected(&a, b.id()).await;
    let doc_a = create_doc(&a.repo, "k", "start").await;
    let doc_b = find(&b.repo, doc_a.document_id()).await;

    // Both write the same key and a key of their own at once.
    put(&doc_a, "k", "from a");
    put(&doc_b, "k", "from b");
    put(&doc_a, "only_a", "1");
    put(&doc_b, "only_b", "2");
    wait_value(&doc_a, "only_b", "2").await;
    wait_value(&doc_b, "only_a", "1").await;
    within("same heads", async {
        loop {
            let ha = doc_a.with_document(|d| d.get_heads());
            let hb = doc_b.with_document(|d| d.get_heads());
            if ha == hb {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await;
    assert_eq!(
        get(&doc_a, "k"),
        get(&doc_b, "k"),
        "the conflict resolves the same way on both"
    );

    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn device_not_allowed_to_connect_gets_no_document_even_knowing_its_id() {
    init_tracing();
    // A allows only B; C has a valid key, knows A's address and the document id, allows A.
    let a = node(21, &[22]).await;
    let b = node(22, &[21]).await;
    let c = node(23, &[21]).await;
    a.net.set_wanted_peers([b.addr()]).unwrap();
    b.net.set_wanted_peers([a.addr()]).unwrap();
    c.net.set_wanted_peers([a.addr()]).unwrap();
    connected(&b, a.id()).await;
    let doc_a = create_doc(&a.repo, "secret", "fallback text").await;
    let id = doc_a.document_id().clone();
    find(&b.repo, &id).await; // positive control: an allowed device gets it

    // C keeps being refused: samod never connects, find answers None.
    for _ in 0..5 {
        let found = within("find on the refused device", c.repo.find(id.clone()))
            .await
            .unwrap();
        assert!(
            found.is_none(),
            "a refused device must not get the document"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(
        a.net.peers().iter().all(|p| p.id != c.id()),
        "A lists no connection to C"
    );
    assert!(c.net.peers().is_empty(), "C has no live sync connection");

    // C cannot push: its own document never shows up on A.
    let doc_c = create_doc(&c.repo, "pushed", "yes").await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    let on_a = within("find on A", a.repo.find(doc_c.document_id().clone()))
        .await
        .unwrap();
    assert!(on_a.is_none(), "nothing from C reaches A");

    for n in [a, b, c] {
        n.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_peer_changes_are_not_accepted() {
    init_tracing();
    let a = node(31, &[]).await;
    let b = node(32, &[31]).await;
    a.access.allow(b.id(), ShareConfig::read_only());
    a.net.set_wanted_peers([b.addr()]).unwrap();
    b.net.set_wanted_peers([a.addr()]).unwrap();
    connected(&a, b.id()).await;
    let doc_a = create_doc(&a.repo, "text", "draft").await;
    let doc_b = find(&b.repo, doc_a.document_id()).await; // observers can read

    put(&doc_b, "observer_edit", "sneaky");
    // Positive control: A's changes still flow to B after B's edit.
    put(&doc_a, "after", "1");
    wait_value(&doc_b, "after", "1").await;
    stays_without(&doc_a, "observer_edit", Duration::from_millis(500)).await;

    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revoked_device_stops_receiving_changes_at_once() {
    init_tracing();
    let a = node(41, &[42, 43]).await;
    let b = node(42, &[41]).await;
    let c = node(43, &[41]).await;
    a.net.set_wanted_peers([b.addr(), c.addr()]).unwrap();
    b.net.set_wanted_peers([a.addr()]).unwrap();
    c.net.set_wanted_peers([a.addr()]).unwrap();
    connected(&a, b.id()).await;
    connected(&a, c.id()).await;
    let doc_a = create_doc(&a.repo, "v", "0").await;
    let doc_b = find(&b.repo, doc_a.document_id()).await;
    let doc_c = find(&c.repo, doc_a.document_id()).await;
    put(&doc_a, "v", "1");
    wait_value(&doc_b, "v", "1").await;

    let mut events = a.net.peer_events();
    a.access.revoke(b.id());
    a.net.disconnect(b.id());
    within("B down on A", async {
        loop {
            if let Ok(PeerEvent::Down(p)) = events.recv().await
                && p == b.id()
            {
                break;
            }
        }
    })
    .await;

    put(&doc_a, "v", "2");
    wait_value(&doc_c, "v", "2").await; // control: an allowed device still gets changes
    tokio::time::sleep(Duration::from_millis(500)).await; // redial attempts happen meanwhile
    assert_eq!(
        get(&doc_b, "v").as_deref(),
        Some("1"),
        "the revoked device keeps what it had, nothing new"
    );
    assert!(
        a.net.peers().iter().all(|p| p.id != b.id()),
        "B is not reconnected"
    );

    for n in [a, b, c] {
        n.stop().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_reports_connection_and_up_down_events() {
    init_tracing();
    let a = node(51, &[52]).await;
    let b = node(52, &[51]).await;
    let mut events = a.net.peer_events();
    b.net.set_wanted_peers([a.addr()]).unwrap();
    let up = within("up event", events.recv()).await.unwrap();
    assert_eq!(up, PeerEvent::Up(b.id()));
    let peers = a.net.peers();
    assert_eq!(peers.len(), 1);
    assert_eq!(peers[0].id, b.id());
    assert!(peers[0].since <= std::time::SystemTime::now());
    assert_ne!(
        peers[0].kind,
        ConnectionKind::Relay,
        "loopback without relay is never relayed"
    );

    b.net.set_wanted_peers([]).unwrap(); // no longer wanted: the dialer closes its connection
    let down = within("down event", events.recv()).await.unwrap();
    assert_eq!(down, PeerEvent::Down(b.id()));
    assert!(a.net.peers().is_empty());

    // Unwanted at once, the moment the connection is up on the other side (the dialer may not
    // have handed it to samod yet): it still goes down, every time.
    for round in 0..10 {
        b.net.set_wanted_peers([a.addr()]).unwrap();
        let up = within("up event again", events.recv()).await.unwrap();
        assert_eq!(up, PeerEvent::Up(b.id()), "round {round}");
        b.net.set_wanted_peers([]).unwrap();
        let down = within("down event again", events.recv()).await.unwrap();
        assert_eq!(down, PeerEvent::Down(b.id()), "round {round}");
    }

    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn devices_that_want_each_other_keep_one_connection() {
    init_tracing();
    let a = node(61, &[62]).await;
    let b = node(62, &[61]).await;
    a.net.set_wanted_peers([b.addr()]).unwrap();
    b.net.set_wanted_peers([a.addr()]).unwrap();
    connected(&a, b.id()).await;
    // Longer than the dial grace, so a second dial would have happened by now.
    tokio::time::sleep(a.net.config().dial_grace * 3).await;
    for (n, other) in [(&a, b.id()), (&b, a.id())] {
        let p = n.net.peers();
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(p[0].id, other);
        assert_eq!(
            p[0].connections, 1,
            "exactly one sync connection per pair: {p:?}"
        );
    }
    // And it still syncs.
    let doc_a = create_doc(&a.repo, "k", "v").await;
    let doc_b = find(&b.repo, doc_a.document_id()).await;
    assert_eq!(get(&doc_b, "k").as_deref(), Some("v"));
    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repo_with_foreign_peer_id_is_refused() {
    let repo = samod::Repo::build_tokio()
        .with_peer_id(samod::PeerId::from("someone-else"))
        .load()
        .await;
    let policy = accord_net::AccessPolicy::new();
    let err = Net::spawn(
        accord_net::NetConfig::loopback(key(70)),
        repo.clone(),
        policy,
        TestAccess::allowing([]),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, accord_net::NetError::PeerIdMismatch { .. }),
        "{err}"
    );
    repo.stop().await;
}
