//! Helpers shared by the multi-peer tests: a configurable access, nodes on loopback, waits
//! with timeouts.
#![allow(dead_code)]

use std::{
    collections::{HashMap, HashSet},
    future::Future,
    sync::{Arc, Mutex},
    time::Duration,
};

use accord_net::{Access, AccessPolicy, EndpointAddr, EndpointId, Net, NetConfig};
use automerge::{ROOT, ReadDoc, transaction::Transactable};
use futures::{StreamExt, stream::BoxStream};
use samod::{DocHandle, DocumentId, Repo, ShareConfig};
use tokio::sync::watch;

/// Upper bound for any wait that should succeed.
pub const WAIT: Duration = Duration::from_secs(10);

pub fn init_tracing() {
    let _ = tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_test_writer()
        .try_init();
}

/// Awaits `fut`, failing the test with `what` after `WAIT`.
pub async fn within<T>(what: &str, fut: impl Future<Output = T>) -> T {
    match tokio::time::timeout(WAIT, fut).await {
        Ok(v) => v,
        Err(_) => panic!("timed out after {WAIT:?} waiting for {what}"),
    }
}

/// A deterministic device key from a small seed.
pub fn key(seed: u8) -> [u8; 32] {
    [seed; 32]
}

pub fn id_of(seed: u8) -> EndpointId {
    iroh::SecretKey::from_bytes(&key(seed)).public()
}

/// An access the test changes at will: a set of allowed devices and a live share decision per
/// device (default read-write for allowed devices, none otherwise).
#[derive(Default)]
pub struct TestAccess {
    allowed: Mutex<HashSet<EndpointId>>,
    shares: Mutex<HashMap<EndpointId, watch::Sender<ShareConfig>>>,
}

impl TestAccess {
    pub fn allowing(peers: impl IntoIterator<Item = EndpointId>) -> Arc<Self> {
        let a = Arc::new(TestAccess::default());
        for p in peers {
            a.allow(p, ShareConfig::read_write());
        }
        a
    }

    fn share_tx(&self, peer: EndpointId) -> watch::Sender<ShareConfig> {
        self.shares
            .lock()
            .unwrap()
            .entry(peer)
            .or_insert_with(|| watch::channel(ShareConfig::none()).0)
            .clone()
    }

    pub fn allow(&self, peer: EndpointId, share: ShareConfig) {
        self.allowed.lock().unwrap().insert(peer);
        self.share_tx(peer).send_replace(share);
    }

    /// Revokes: no connection, and every live share stream switches to none.
    pub fn revoke(&self, peer: EndpointId) {
        self.allowed.lock().unwrap().remove(&peer);
        self.share_tx(peer).send_replace(ShareConfig::none());
    }
}

impl Access for TestAccess {
    fn may_connect(&self, peer: EndpointId) -> bool {
        self.allowed.lock().unwrap().contains(&peer)
    }

    fn share(
        &self,
        _doc: DocumentId,
        peer: EndpointId,
        _theirs: accord_net::PeerSummary,
    ) -> BoxStream<'static, ShareConfig> {
        let rx = self.share_tx(peer).subscribe();
        futures::stream::unfold((rx, true), |(mut rx, first)| async move {
            if !first && rx.changed().await.is_err() {
                return None;
            }
            let v = *rx.borrow_and_update();
            Some((v, (rx, false)))
        })
        .boxed()
    }
}

pub struct Node {
    pub net: Net,
    pub repo: Repo,
    pub access: Arc<TestAccess>,
}

impl Node {
    pub fn id(&self) -> EndpointId {
        self.net.id()
    }

    pub fn addr(&self) -> EndpointAddr {
        self.net.addr()
    }

    pub async fn stop(self) {
        within("net shutdown", self.net.shutdown())
            .await
            .expect("clean shutdown");
        within("repo stop", self.repo.stop()).await;
    }
}

pub async fn node_with(config: NetConfig, access: Arc<TestAccess>) -> Node {
    let policy = AccessPolicy::new();
    let repo = Repo::build_tokio()
        .with_peer_id(accord_net::peer_id_for(&config.secret_key))
        .with_share_policy(policy.clone())
        .load()
        .await;
    let net = Net::spawn(
        config,
        repo.clone(),
        policy,
        access.clone() as Arc<dyn Access>,
    )
    .await
    .expect("net starts on loopback");
    Node { net, repo, access }
}

/// A node on loopback that allows the given seeds read-write.
pub async fn node(seed: u8, allow: &[u8]) -> Node {
    node_with(
        NetConfig::loopback(key(seed)),
        TestAccess::allowing(allow.iter().map(|s| id_of(*s))),
    )
    .await
}

/// Waits until `node` has a live sync connection to `peer`.
pub async fn connected(node: &Node, peer: EndpointId) {
    within(
        "samod connection",
        node.repo
            .when_connected(samod::PeerId::from(peer.to_string())),
    )
    .await
    .expect("repo running");
}

pub async fn create_doc(repo: &Repo, k: &str, v: &str) -> DocHandle {
    let mut doc = automerge::Automerge::new();
    doc.transact(|tx| tx.put(ROOT, k, v)).expect("put");
    repo.create(doc).await.expect("repo running")
}

pub fn put(h: &DocHandle, k: &str, v: &str) {
    h.with_document(|d| {
        d.transact(|tx| tx.put(ROOT, k, v))
            .map_err(|f| f.error)
            .expect("put");
    });
}

pub fn get(h: &DocHandle, k: &str) -> Option<String> {
    h.with_document(|d| {
        d.get(ROOT, k)
            .ok()
            .flatten()
            .map(|(v, _)| v.as_str().unwrap_or_default().to_string())
    })
}

/// Finds `id` on `repo`, retrying while peers are still connecting (find answers `None` when
/// no connected peer has the document yet).
pub async fn find(repo: &Repo, id: &DocumentId) -> DocHandle {
    within("document found", async {
        loop {
            if let Some(h) = repo.find(id.clone()).await.expect("repo running") {
                return h;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    })
    .await
}

/// Waits until `h` has `k == v`, watching the document's change stream.
pub async fn wait_value(h: &DocHandle, k: &str, v: &str) {
    let mut changes = h.changes();
    within(&format!("{k} = {v}"), async {
        loop {
            if get(h, k).as_deref() == Some(v) {
                return;
            }
            // Also poll, in case a change landed between the check and the subscription.
            let _ = tokio::time::timeout(Duration::from_millis(200), changes.next()).await;
        }
    })
    .await
}

/// Asserts that `h` does not get `k` within `d` (use only after a positive control showed that
/// messages do flow).
pub async fn stays_without(h: &DocHandle, k: &str, d: Duration) {
    let deadline = tokio::time::Instant::now() + d;
    while tokio::time::Instant::now() < deadline {
        assert_eq!(get(h, k), None, "{k} arrived but should not have");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
