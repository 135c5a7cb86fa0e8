//! Sync through a relay when no direct address is known.

mod common;

use accord_net::{EndpointAddr, NetConfig, Relay};
use common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_works_through_a_relay_with_direct_addresses_withheld() {
    init_tracing();
    let (_relay_map, relay_url, _server) = iroh::test_utils::run_relay_server()
        .await
        .expect("local relay");
    let config = |seed| {
        let mut c = NetConfig::loopback(key(seed));
        c.relay = Relay::Custom(vec![relay_url.clone()]);
        c.relay_tls = Some(iroh::tls::CaTlsConfig::insecure_skip_verify());
        c
    };
    let a = node_with(config(121), TestAccess::allowing([id_of(122)])).await;
    let b = node_with(config(122), TestAccess::allowing([id_of(121)])).await;
    within("a online", a.net.online()).await;
    within("b online", b.net.online()).await;

    // Each knows only the other's id and relay URL.
    let relay_only = |id| EndpointAddr::new(id).with_relay_url(relay_url.clone());
    a.net.set_wanted_peers([relay_only(b.id())]).unwrap();
    b.net.set_wanted_peers([relay_only(a.id())]).unwrap();
    connected(&a, b.id()).await;

    let doc_a = create_doc(&a.repo, "via", "relay").await;
    let doc_b = find(&b.repo, doc_a.document_id()).await;
    assert_eq!(get(&doc_b, "via").as_deref(), Some("relay"));
    put(&doc_b, "back", "too");
    wait_value(&doc_a, "back", "too").await;

    a.stop().await;
    b.stop().await;
}
