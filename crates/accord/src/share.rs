//! What each peer is told, and when: the access rules as `accord-net` asks for them, and the
//! summaries that keep documents both sides hold at the same heads quiet on reconnection.
//!
//! **Access** comes from the rosters ([`AccessState::decide`]). **Announcement** follows what
//! the peer said it holds on this connection ([`accord_net::summary`]): a document this device
//! has open starts quiet towards a peer, stays so while the peer's summary holds its
//! fingerprint, and is announced the moment that is not so — the summary ends without it, a
//! change here or from a third device moves its heads, the peer reconnects, or this device's
//! user is present in the meeting (presence travels on the
//! meeting document, and samod only sends it on announced documents). A document samod holds
//! but the Workspace has not opened is always announced: its heads are not known here without
//! taking the document. Either side announcing is enough for a sync; samod answers a peer that
//! starts one.
//!
//! **Our summary** names every document this device would share with the peer: those open
//! here at their current heads, the others at their resting heads from the store (recorded
//! when the profile last closed, forgotten as soon as the document is written to), so a
//! thousand documents in sync cost 8 KB of summary each way on reconnection and no document
//! needs loading for it.

use std::collections::HashSet;
use std::sync::{Arc, Weak};
use std::time::Duration;

use accord_model::{DeviceId, DocId, DocKind};
use accord_net::{Access, EndpointId, Fingerprint, Held, PeerSummary, fingerprint};
use futures::{FutureExt, StreamExt, future::BoxFuture, stream::BoxStream};
use samod::{DocumentId, ShareAccess, ShareConfig};
use tokio::sync::watch;

use crate::sync::AccessState;
use crate::workspace::{Inner, Workspace};

/// How long our summary waits for the pinned meetings to load (their rosters say which
/// documents a peer may see) before going out with what is known.
const LOAD_WAIT: Duration = Duration::from_secs(10);

/// The access rules and summaries as `accord-net` asks for them.
#[derive(Debug, Clone)]
pub(crate) struct RosterAccess {
    pub(crate) state: Arc<AccessState>,
    pub(crate) inner: Weak<Inner>,
}

pub(crate) fn device_of(id: &EndpointId) -> DeviceId {
    DeviceId::from_bytes(*id.as_bytes())
}

impl Access for RosterAccess {
    fn may_connect(&self, peer: EndpointId) -> bool {
        self.state.known(&device_of(&peer))
    }

    fn admit(
        &self,
        arrived: accord_net::Arrived,
    ) -> BoxFuture<'static, Option<accord_net::Admitted>> {
        let inner = self.inner.clone();
        async move {
            let ws = Workspace {
                inner: inner.upgrade()?,
            };
            ws.admit_arrived(arrived).await
        }
        .boxed()
    }

    fn share(
        &self,
        doc: DocumentId,
        peer: EndpointId,
        theirs: PeerSummary,
    ) -> BoxStream<'static, ShareConfig> {
        let Ok(id) = DocId::new(doc.to_string()) else {
            return futures::stream::once(async { ShareConfig::none() }).boxed();
        };
        let decision = Decision {
            roster: self.state.generation.subscribe(),
            state: self.state.clone(),
            inner: self.inner.clone(),
            id,
            doc,
            peer: device_of(&peer),
            theirs,
            last: None,
            announced_on: None,
        };
        futures::stream::unfold(decision, |mut d| async move {
            let next = d.next().await?;
            Some((next, d))
        })
        .boxed()
    }

    fn summary(&self, peer: EndpointId) -> BoxFuture<'static, Vec<Fingerprint>> {
        let state = self.state.clone();
        let inner = self.inner.clone();
        async move {
            let Some(mut loaded) = inner.upgrade().map(|i| i.loaded.subscribe()) else {
                return Vec::new();
            };
            let _ = tokio::time::timeout(LOAD_WAIT, loaded.wait_for(|l| *l)).await;
            match inner.upgrade() {
                Some(inner) => summary_for(&state, &inner, &device_of(&peer)).await,
                None => Vec::new(),
            }
        }
        .boxed()
    }
}

/// The fingerprints of every document `peer` may see, as this device holds them.
async fn summary_for(state: &AccessState, inner: &Arc<Inner>, peer: &DeviceId) -> Vec<Fingerprint> {
    let store = inner.store.clone();
    let resting = tokio::task::spawn_blocking(move || store.resting_heads())
        .await
        .ok()
        .and_then(|r| {
            r.map_err(|e| tracing::warn!(error = %e, "resting heads not read"))
                .ok()
        })
        .unwrap_or_default();
    // A record whose forgetting is still queued must not count.
    let touched: HashSet<String> = inner.store.touched_documents().into_iter().collect();
    let docs: Vec<DocId> = state
        .doc_meeting
        .lock()
        .expect("access lock")
        .keys()
        .cloned()
        .collect();
    let open = inner.docs.lock().expect("docs lock").clone();
    let mut out = Vec::new();
    for doc in docs {
        if state.decide(&doc, peer).access == ShareAccess::None {
            continue;
        }
        let Ok(samod_id) = doc.as_str().parse::<DocumentId>() else {
            continue;
        };
        let heads = match open.get(&doc) {
            Some(d) => Some(d.seen.lock().expect("seen lock").clone()),
            None if !touched.contains(doc.as_str()) => resting.get(doc.as_str()).cloned(),
            None => None,
        };
        if let Some(heads) = heads.filter(|h| !h.is_empty()) {
            out.push(fingerprint(&samod_id, &heads));
        }
    }
    out
}

/// The live share decision of one document for one peer.
struct Decision {
    roster: watch::Receiver<u64>,
    state: Arc<AccessState>,
    inner: Weak<Inner>,
    id: DocId,
    doc: DocumentId,
    peer: DeviceId,
    theirs: PeerSummary,
    last: Option<ShareConfig>,
    /// The peer connection (summary epoch) on which this document was announced: from then
    /// on samod syncs it as usual, until the peer reconnects.
    announced_on: Option<u64>,
}

/// Why a document is quiet, and what would end it.
struct Quiet {
    fingerprint: Fingerprint,
    /// Moves with the document's heads.
    moved: watch::Receiver<u64>,
    /// This device's presence, for a meeting document.
    presence: Option<watch::Receiver<Option<(DocId, crate::presence::Presence)>>>,
}

impl Decision {
    async fn next(&mut self) -> Option<ShareConfig> {
        loop {
            self.roster.borrow_and_update();
            let base = self.state.decide(&self.id, &self.peer);
            let settled = base.access == ShareAccess::None
                || !base.announce
                || self.announced_on == Some(self.theirs.epoch());
            let mut quiet = None;
            // Still waiting for the peer's summary to say whether it holds this document.
            let mut undecided = false;
            let decision = if settled {
                base
            } else {
                let epoch = self.theirs.epoch();
                let candidate = self.quiet();
                let held = candidate
                    .as_ref()
                    .map_or(Held::No, |q| self.theirs.status(q.fingerprint));
                match held {
                    Held::No => {
                        self.announced_on = Some(epoch);
                        base
                    }
                    // Quiet from the start: the summary usually confirms it, and a document
                    // that differs is announced the moment it says so, not after every
                    // other document's decision.
                    Held::Yes | Held::NotYet => {
                        undecided = held == Held::NotYet;
                        quiet = candidate;
                        base.with_announce(false)
                    }
                }
            };
            if self.last != Some(decision) {
                self.last = Some(decision);
                return Some(decision);
            }
            let moved = async {
                match quiet.as_mut() {
                    Some(q) => match q.presence.as_mut() {
                        Some(p) => tokio::select! {
                            r = q.moved.changed() => r.is_ok(),
                            r = p.changed() => r.is_ok(),
                        },
                        None => q.moved.changed().await.is_ok(),
                    },
                    None => std::future::pending().await,
                }
            };
            let theirs = &mut self.theirs;
            let summary = async move {
                if undecided {
                    theirs.changed().await; // more of the summary, or a reconnection
                } else {
                    theirs.reconnected().await;
                }
            };
            tokio::select! {
                r = self.roster.changed() => r.ok()?,
                () = summary => {}
                alive = moved => if !alive { return None },
            }
        }
    }

    /// The fingerprint to stay quiet on, if this document may stay quiet at all.
    fn quiet(&self) -> Option<Quiet> {
        let inner = self.inner.upgrade()?;
        let open = inner
            .docs
            .lock()
            .expect("docs lock")
            .get(&self.id)
            .cloned()?;
        let presence = if open.kind == DocKind::Meeting {
            let rx = inner.local_presence.subscribe();
            if rx.borrow().as_ref().is_some_and(|(m, _)| *m == self.id) {
                return None; // present here: presence must reach the peer
            }
            Some(rx)
        } else {
            None
        };
        // Subscribed before the heads are read, so no move in between is missed.
        let moved = open.moved.subscribe();
        let heads = open.seen.lock().expect("seen lock").clone();
        if heads.is_empty() {
            return None;
        }
        Some(Quiet {
            fingerprint: fingerprint(&self.doc, &heads),
            moved,
            presence,
        })
    }
}
