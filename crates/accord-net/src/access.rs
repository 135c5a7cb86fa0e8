//! The access hook: who may connect, and what each peer may see of each document.
//!
//! The rules themselves (rosters, signatures, roles) live in the `accord` API crate; this module
//! only defines the door they come in through, and the samod [`SharePolicy`] that forwards to it.

use std::sync::{Arc, RwLock};

use futures::{FutureExt, StreamExt, future::BoxFuture, stream::BoxStream};
use iroh::EndpointId;
use samod::{DocumentId, PeerId, ShareConfig, SharePolicy};

use crate::summary::{Fingerprint, PeerSummary, Summaries};

/// The access decisions the network layer asks for. Implemented by the integrator.
///
/// Both methods are given the peer's **endpoint id as authenticated by iroh's TLS handshake**
/// (every sync transport is bound to it with `Transport::with_expected_peer_id`), never a
/// self-claimed id.
///
/// Why it is shaped like this:
/// - `may_connect` is synchronous and cheap because it runs on every incoming connection and
///   every dial attempt; keep an in-memory set of allowed devices and update it when rosters
///   change, rather than reading storage here.
/// - `share` returns a stream because samod subscribes once per (document, peer) and applies
///   every later item live: yielding [`ShareConfig::none()`] later revokes access to that
///   document without reconnecting. Yield the current decision **promptly** (samod buffers the
///   peer's messages until the first decision, and a full buffer closes the connection). A
///   stream that ends without yielding denies access; one that ends after yielding keeps its
///   last decision.
pub trait Access: Send + Sync + 'static {
    /// May this authenticated device open a sync connection at all?
    /// Unknown devices: `false`. Called on accept and before each dial attempt.
    fn may_connect(&self, peer: EndpointId) -> bool;

    /// The share decision for `doc` and `peer`, now and as it changes.
    ///
    /// `ShareConfig::read_write()` for roster members who may edit, `ShareConfig::read_only()`
    /// for observers (we send them changes, ignore theirs), `ShareConfig::none()` for everyone
    /// else. Note that samod asks about a document before the peer has it, so a document's id
    /// alone grants nothing.
    ///
    /// `theirs` is what the peer said it holds on its current connection (see
    /// [`crate::summary`]): to spare a document both sides hold at the same heads its
    /// announcement, yield the decision `with_announce(false)` while the peer holds this
    /// document's [`crate::fingerprint`], and the announcing one as soon as that is no longer
    /// so (a change here, a reconnection). Ignoring it announces everything, as samod does.
    fn share(
        &self,
        doc: DocumentId,
        peer: EndpointId,
        theirs: PeerSummary,
    ) -> BoxStream<'static, ShareConfig>;

    /// Our summary for `peer`: the fingerprints of the documents we would share with it, as
    /// we hold them (sent once per connection; it may wait a little, until the profile knows
    /// its documents). The default claims nothing, so the peer announces everything to us.
    fn summary(&self, _peer: EndpointId) -> BoxFuture<'static, Vec<Fingerprint>> {
        async { Vec::new() }.boxed()
    }

    /// Which of the changes in a sync message this device takes, before samod sees it
    /// (see [`crate::admit`]). `None` takes the message as it is; the default takes all.
    fn admit(&self, arrived: crate::Arrived) -> BoxFuture<'static, Option<crate::Admitted>> {
        crate::admit::take_all(arrived)
    }
}

/// The samod [`SharePolicy`] that forwards to an [`Access`] installed later.
///
/// A samod repo takes its share policy when it is built (`RepoBuilder::with_share_policy`), but
/// the integrator's [`Access`] usually needs the repo (to read rosters), so it cannot exist yet.
/// Hence this slot: build the repo with `AccessPolicy::new()`, then hand the same policy and
/// the access to [`crate::Net::spawn`], which installs it before any connection exists.
///
/// Until an access is installed every decision is `none` (deny): a repo can never share by
/// accident before the network layer is configured.
#[derive(Clone, Default)]
pub struct AccessPolicy {
    slot: Arc<RwLock<Option<Arc<dyn Access>>>>,
    summaries: Arc<Summaries>,
}

impl std::fmt::Debug for AccessPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AccessPolicy")
            .field("installed", &self.current().is_some())
            .finish()
    }
}

impl AccessPolicy {
    /// An empty slot; denies everything until [`AccessPolicy::install`].
    pub fn new() -> Self {
        Self::default()
    }

    /// Installs (or replaces) the access that decisions are forwarded to.
    pub fn install(&self, access: Arc<dyn Access>) {
        *self.slot.write().unwrap_or_else(|e| e.into_inner()) = Some(access);
    }

    /// The installed access, if any.
    pub fn current(&self) -> Option<Arc<dyn Access>> {
        self.slot.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The peers' summaries, filled by the sync connections.
    pub(crate) fn summaries(&self) -> &Arc<Summaries> {
        &self.summaries
    }

    /// `may_connect` of the installed access; `false` when none is installed.
    pub fn may_connect(&self, peer: EndpointId) -> bool {
        self.current().is_some_and(|a| a.may_connect(peer))
    }
}

impl SharePolicy for AccessPolicy {
    fn share(
        &self,
        doc_id: DocumentId,
        peer_id: PeerId,
    ) -> impl futures::Stream<Item = ShareConfig> + Send + 'static {
        // samod peer ids are endpoint ids in string form; anything else cannot come from a
        // transport of ours, so it gets nothing.
        let Ok(peer) = peer_id.as_str().parse::<EndpointId>() else {
            tracing::warn!(peer = %peer_id, "share asked for a peer id that is not an endpoint id");
            return futures::stream::iter([ShareConfig::none()]).boxed();
        };
        match self.current() {
            Some(access) => access.share(doc_id, peer, self.summaries.of(peer)),
            None => futures::stream::iter([ShareConfig::none()]).boxed(),
        }
    }
}
