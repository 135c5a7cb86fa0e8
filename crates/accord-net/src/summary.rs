//! What each side already holds, exchanged once per sync connection, so that a document both
//! devices hold at the same heads costs nothing when they reconnect.
//!
//! samod announces every document it has in memory to every peer that may see it, and each
//! announcement is a sync message both ways (about 125 bytes for a small draft), changed or
//! not. With a thousand documents in sync, one changed document would cost a thousand
//! exchanges. So, on every sync connection, each side sends a **summary**: one 8-byte
//! [`Fingerprint`] per document it would share with the other, a hash of the document id and
//! its heads (SHA-256, truncated). A side then announces a document only if its own fingerprint is not in the
//! peer's summary — the peer lacks it, or holds other heads — and otherwise stays quiet until
//! something changes. Either side announcing is enough: samod answers a peer that starts a
//! sync, announced or not.
//!
//! The wire: the sync connection's second bi-stream (the first one carries samod). Each side
//! writes length-delimited frames of little-endian `u64` fingerprints and finishes its send
//! half when its summary is complete. A peer that sends no summary, a broken one or one over
//! [`MAX_SUMMARY`] entries is treated as holding nothing: everything is announced to it, as
//! samod would without summaries.
//!
//! A wrong fingerprint can only make its sender miss announcements meant for it: a peer that
//! claims to hold what it does not only delays its own copy.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use automerge::ChangeHash;
use futures::{SinkExt, StreamExt};
use iroh::EndpointId;
use samod::DocumentId;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;
use tokio_util::codec::{FramedRead, FramedWrite};

use crate::frames::codec;

/// A document at some heads, in eight bytes.
pub type Fingerprint = u64;

/// A peer's summary is read up to this many fingerprints; the rest is ignored.
pub const MAX_SUMMARY: usize = 1 << 20;
/// Fingerprints per frame (64 KiB).
const PER_FRAME: usize = 8192;
/// After this long on a connection, a summary that has not ended counts as complete: what it
/// has not named is announced.
pub const SUMMARY_WAIT: Duration = Duration::from_secs(15);

/// The fingerprint of `doc` at `heads` (in any order): the first eight bytes of a SHA-256 of
/// the document id and the sorted heads.
pub fn fingerprint(doc: &DocumentId, heads: &[ChangeHash]) -> Fingerprint {
    let mut sorted: Vec<&ChangeHash> = heads.iter().collect();
    sorted.sort();
    let mut h = Sha256::new();
    h.update(b"accord summary v1\0");
    h.update(doc.as_bytes());
    for head in sorted {
        h.update(head.0);
    }
    let bytes = h.finalize();
    u64::from_le_bytes(bytes[..8].try_into().expect("eight bytes"))
}

/// What a peer's summary on its current connection says so far.
#[derive(Debug, Clone, Default)]
struct State {
    /// Which connection of the peer's this is; bumped for each new one.
    epoch: u64,
    held: Arc<HashSet<Fingerprint>>,
    /// The summary ended (or will never come): what is not in `held` the peer does not hold.
    complete: bool,
    /// When the connection began; past [`SUMMARY_WAIT`] an unfinished summary counts as
    /// complete.
    since: Option<tokio::time::Instant>,
}

/// What a peer's summary says of one fingerprint so far.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// The peer holds the document at these heads.
    Yes,
    /// It does not (its summary is complete without it, or never came in time).
    No,
    /// Its summary has not said yet.
    NotYet,
}

/// A peer's summary, as the share decisions of its documents see it: live across its
/// connections (each new connection starts a new, empty summary).
#[derive(Debug, Clone)]
pub struct PeerSummary {
    rx: watch::Receiver<State>,
}

impl PeerSummary {
    /// A summary that says nothing and never will: every question is answered "not held" at
    /// once. For peers whose summaries are not tracked.
    pub fn none() -> Self {
        let (tx, rx) = watch::channel(State {
            complete: true,
            ..State::default()
        });
        drop(tx);
        PeerSummary { rx }
    }

    /// The peer's connection this summary belongs to; changes when it reconnects.
    pub fn epoch(&self) -> u64 {
        self.rx.borrow().epoch
    }

    /// Whether the peer's summary on its current connection holds `fp`, without waiting.
    pub fn holds_now(&self, fp: Fingerprint) -> bool {
        self.rx.borrow().held.contains(&fp)
    }

    /// What the summary says of `fp` now, without waiting ([`PeerSummary::changed`] then
    /// waits for what comes after).
    pub fn status(&mut self, fp: Fingerprint) -> Held {
        let s = self.rx.borrow_and_update();
        if s.held.contains(&fp) {
            Held::Yes
        } else if s.complete || s.since.is_some_and(|t| t.elapsed() >= SUMMARY_WAIT) {
            Held::No
        } else {
            Held::NotYet
        }
    }

    /// Completes when the summary says more (or the peer reconnects), or when an unfinished
    /// summary runs out of time.
    pub async fn changed(&mut self) {
        let deadline = self.rx.borrow().since.map(|t| t + SUMMARY_WAIT);
        let timeout = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = self.rx.changed() => if r.is_err() { std::future::pending::<()>().await },
            () = timeout => {}
        }
    }

    /// Completes when the peer's connection changes (a reconnection starts a new summary).
    pub async fn reconnected(&mut self) {
        let epoch = self.epoch();
        if self.rx.wait_for(|s| s.epoch != epoch).await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// Every peer's summary, and the bytes the summaries moved.
#[derive(Debug, Default)]
pub(crate) struct Summaries {
    peers: Mutex<HashMap<EndpointId, watch::Sender<State>>>,
    pub(crate) sent_bytes: AtomicU64,
    pub(crate) received_bytes: AtomicU64,
}

impl Summaries {
    fn sender(&self, peer: EndpointId) -> watch::Sender<State> {
        self.peers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(peer)
            .or_insert_with(|| watch::channel(State::default()).0)
            .clone()
    }

    /// The live view of `peer`'s summaries.
    pub(crate) fn of(&self, peer: EndpointId) -> PeerSummary {
        PeerSummary {
            rx: self.sender(peer).subscribe(),
        }
    }

    /// A new connection to `peer`: its summary starts empty. Returns the connection's epoch.
    pub(crate) fn reset(&self, peer: EndpointId) -> u64 {
        let mut epoch = 0;
        self.sender(peer).send_modify(|s| {
            s.epoch += 1;
            s.held = Arc::new(HashSet::new());
            s.complete = false;
            s.since = Some(tokio::time::Instant::now());
            epoch = s.epoch;
        });
        epoch
    }

    fn update(&self, peer: EndpointId, epoch: u64, f: impl FnOnce(&mut State)) {
        self.sender(peer).send_if_modified(|s| {
            if s.epoch != epoch {
                return false; // a newer connection owns the summary now
            }
            f(s);
            true
        });
    }

    /// Sends `ours` and reads the peer's summary into its state, on one bi-stream of the
    /// connection whose epoch is `epoch`. Errors end the exchange; the peer's summary then
    /// counts as complete with what arrived.
    pub(crate) async fn exchange(
        self: Arc<Self>,
        peer: EndpointId,
        epoch: u64,
        ours: futures::future::BoxFuture<'static, Vec<Fingerprint>>,
        send: impl AsyncWrite + Unpin,
        recv: impl AsyncRead + Unpin,
        max_frame_len: usize,
    ) {
        let write = async {
            let ours = ours.await;
            let mut sink = FramedWrite::new(send, codec(max_frame_len));
            for chunk in ours.chunks(PER_FRAME) {
                let mut frame = Vec::with_capacity(chunk.len() * 8);
                for fp in chunk {
                    frame.extend_from_slice(&fp.to_le_bytes());
                }
                self.sent_bytes
                    .fetch_add(frame.len() as u64 + 4, Ordering::Relaxed);
                sink.send(tokio_util::bytes::Bytes::from(frame)).await?;
            }
            // Shutting a QUIC send stream down finishes it: the peer reads its end.
            SinkExt::<tokio_util::bytes::Bytes>::close(&mut sink).await?;
            Ok::<_, std::io::Error>(())
        };
        let read = async {
            let mut frames = FramedRead::new(recv, codec(max_frame_len));
            let mut count = 0usize;
            while let Some(frame) = frames.next().await {
                let frame = frame?;
                self.received_bytes
                    .fetch_add(frame.len() as u64 + 4, Ordering::Relaxed);
                if !frame.len().is_multiple_of(8) {
                    tracing::debug!("summary frame of a broken length: ignoring the rest");
                    break;
                }
                count += frame.len() / 8;
                if count > MAX_SUMMARY {
                    tracing::debug!("summary over {MAX_SUMMARY} entries: ignoring the rest");
                    break;
                }
                let fps: Vec<Fingerprint> = frame
                    .chunks_exact(8)
                    .map(|b| u64::from_le_bytes(b.try_into().expect("eight bytes")))
                    .collect();
                self.update(peer, epoch, |s| {
                    Arc::make_mut(&mut s.held).extend(fps);
                });
            }
            Ok::<_, std::io::Error>(())
        };
        let (w, r) = tokio::join!(write, read);
        if let Err(e) = w {
            tracing::debug!(error = %e, "summary not sent");
        }
        if let Err(e) = r {
            tracing::debug!(error = %e, "summary not read to its end");
        }
        self.update(peer, epoch, |s| s.complete = true);
    }

    /// The peer's summary will not come (no stream): it holds nothing we know of.
    pub(crate) fn give_up(&self, peer: EndpointId, epoch: u64) {
        self.update(peer, epoch, |s| s.complete = true);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::FutureExt;

    fn doc(n: u8) -> DocumentId {
        DocumentId::try_from(vec![n; 16]).expect("16 bytes")
    }

    #[test]
    fn fingerprints_follow_the_document_and_the_set_of_heads() {
        let a = ChangeHash([1; 32]);
        let b = ChangeHash([2; 32]);
        assert_eq!(fingerprint(&doc(1), &[a, b]), fingerprint(&doc(1), &[b, a]));
        assert_ne!(fingerprint(&doc(1), &[a, b]), fingerprint(&doc(1), &[a]));
        assert_ne!(fingerprint(&doc(1), &[a]), fingerprint(&doc(2), &[a]));
    }

    #[tokio::test]
    async fn holds_answers_from_the_current_connection_only() {
        let s = Summaries::default();
        let peer = iroh::SecretKey::from_bytes(&[3; 32]).public();
        let mut view = s.of(peer);
        let e1 = s.reset(peer);
        s.update(peer, e1, |st| {
            Arc::make_mut(&mut st.held).insert(7);
        });
        assert_eq!(
            view.status(7),
            Held::Yes,
            "a fingerprint in the summary is held"
        );
        assert_eq!(view.status(8), Held::NotYet, "not complete yet: not known");
        s.update(peer, e1, |st| st.complete = true);
        assert_eq!(view.status(8), Held::No, "complete without it: not held");
        let e2 = s.reset(peer);
        assert_ne!(e1, e2);
        // The old connection's late updates change nothing.
        s.update(peer, e1, |st| {
            Arc::make_mut(&mut st.held).insert(9);
        });
        s.give_up(peer, e2);
        assert!(
            view.status(7) == Held::No && view.status(9) == Held::No,
            "a new connection starts empty"
        );
    }

    /// Runs our side of an exchange against `theirs` (raw bytes from the peer) and returns
    /// what the peer's summary then says, and the bytes we sent.
    async fn exchange_with(ours: Vec<Fingerprint>, theirs: Vec<u8>) -> (State, Vec<u8>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let s = Arc::new(Summaries::default());
        let peer = iroh::SecretKey::from_bytes(&[4; 32]).public();
        let epoch = s.reset(peer);
        let (mut far, near) = tokio::io::duplex(1 << 20);
        let (near_read, near_write) = tokio::io::split(near);
        far.write_all(&theirs).await.unwrap();
        far.shutdown().await.unwrap();
        let ours = futures::future::ready(ours).boxed();
        s.clone()
            .exchange(peer, epoch, ours, near_write, near_read, 1 << 16)
            .await;
        let mut sent = Vec::new();
        far.read_to_end(&mut sent).await.unwrap();
        let state = s.sender(peer).borrow().clone();
        (state, sent)
    }

    fn frame(fps: &[u64]) -> Vec<u8> {
        let mut out = ((fps.len() * 8) as u32).to_be_bytes().to_vec();
        for fp in fps {
            out.extend_from_slice(&fp.to_le_bytes());
        }
        out
    }

    #[tokio::test]
    async fn an_exchange_sends_ours_and_reads_theirs_to_the_end() {
        let theirs = [frame(&[1, 2]), frame(&[3])].concat();
        let (state, sent) = exchange_with(vec![10, 11, 12], theirs).await;
        assert!(state.complete);
        assert_eq!(state.held.len(), 3);
        assert!([1, 2, 3].iter().all(|fp| state.held.contains(fp)));
        assert_eq!(sent, frame(&[10, 11, 12]));
    }

    #[tokio::test]
    async fn a_broken_summary_counts_as_complete_with_what_came_before() {
        // A frame whose length is no multiple of eight, then more.
        let mut broken = 5u32.to_be_bytes().to_vec();
        broken.extend_from_slice(b"12345");
        let theirs = [frame(&[1]), broken, frame(&[2])].concat();
        let (state, _) = exchange_with(Vec::new(), theirs).await;
        assert!(state.complete);
        assert!(state.held.contains(&1) && !state.held.contains(&2));
        // A frame over the limit: the codec refuses it; nothing after it counts.
        let huge = (1u32 << 20).to_be_bytes().to_vec();
        let (state, _) = exchange_with(Vec::new(), [frame(&[7]), huge].concat()).await;
        assert!(state.complete && state.held.contains(&7) && state.held.len() == 1);
    }

    #[tokio::test]
    async fn changed_wakes_when_the_summary_says_more() {
        let s = Arc::new(Summaries::default());
        let peer = iroh::SecretKey::from_bytes(&[5; 32]).public();
        let mut view = s.of(peer);
        let e = s.reset(peer);
        assert_eq!(view.status(5), Held::NotYet);
        let s2 = s.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(20)).await;
            s2.update(peer, e, |st| st.complete = true);
        });
        tokio::time::timeout(Duration::from_secs(5), view.changed())
            .await
            .expect("woken by the end of the summary");
        assert_eq!(view.status(5), Held::No);
    }

    #[tokio::test]
    async fn none_answers_at_once() {
        assert_eq!(PeerSummary::none().status(1), Held::No);
    }
}
