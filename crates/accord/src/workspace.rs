//! [`Workspace`]: one open profile — its samod repository on the SQLite store — and the
//! plumbing every operation shares: finding documents, running local changes, reporting
//! patches for local and remote changes, keeping the query index current.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use accord_model::jiff::Timestamp;
use accord_model::{
    self as model, ChangeCtx, DeviceId, DocId, DocKind, DocPatch, Role,
    automerge::{Automerge, ChangeHash, ReadDoc, transaction::Transaction},
};
use accord_store::{IndexDoc, Profile, Store, StoreOptions};
use futures::StreamExt;
use samod::{DocHandle, DocumentId, PeerId, storage::StorageKey};
use tokio::sync::{broadcast, mpsc, watch};

use crate::error::{Error, Result};
use crate::events::{Event, Origin};
use crate::pins::Pins;
use crate::presence::{self, Presence};
use crate::settings::{Settings, SettingsPatch};
use crate::sync::{AccessState, NetMode};

/// The index re-reads a changed document once its changes pause this long…
const INDEX_DEBOUNCE: Duration = Duration::from_millis(300);
/// …or at the latest this long after the first unindexed change, so continuous typing
/// re-indexes a document every few seconds at most, and never on the edit path.
const INDEX_MAX_DELAY: Duration = Duration::from_secs(3);

/// Options for [`Workspace::open_with`].
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Passed to the store (e.g. a zero snapshot interval in tests).
    pub store: StoreOptions,
    /// Whether and how to take part in the network.
    pub net: NetMode,
    /// Whether to load the documents worked on last in the background (on by default; a
    /// process that runs one command and exits has no use for it).
    pub load_ahead: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            store: StoreOptions::default(),
            net: NetMode::default(),
            load_ahead: true,
        }
    }
}

impl OpenOptions {
    pub fn with_net(mut self, net: NetMode) -> Self {
        self.net = net;
        self
    }
    pub fn with_load_ahead(mut self, on: bool) -> Self {
        self.load_ahead = on;
        self
    }
}

/// One open profile. Cheap to clone; clones share everything.
#[derive(Clone)]
pub struct Workspace {
    pub(crate) inner: Arc<Inner>,
}

impl std::fmt::Debug for Workspace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Workspace")
            .field("dir", &self.inner.dir)
            .field("device", &self.inner.device)
            .finish()
    }
}

pub(crate) struct Inner {
    dir: PathBuf,
    profile: Mutex<Option<Profile>>,
    pub(crate) store: Store,
    pub(crate) repo: samod::Repo,
    pub(crate) device: DeviceId,
    pub(crate) docs: Mutex<HashMap<DocId, Arc<OpenDoc>>>,
    pub(crate) events: broadcast::Sender<Event>,
    dirty: mpsc::UnboundedSender<DocId>,
    /// Documents sent to the index loop and not yet indexed.
    unindexed: watch::Sender<usize>,
    pub(crate) settings: Mutex<Settings>,
    /// Where this device's user is (the meeting and the presence in it).
    pub(crate) local_presence: watch::Sender<Option<(DocId, Presence)>>,
    /// Whether this device shows itself present in every meeting while its user is in none
    /// (a device nobody works at: `accord serve`).
    present_everywhere: std::sync::atomic::AtomicBool,
    pub(crate) peers_present: Mutex<presence::Roster>,
    pub(crate) key: model::DeviceKey,
    pub(crate) pins: Mutex<Pins>,
    pub(crate) access: Arc<AccessState>,
    pub(crate) policy: accord_net::AccessPolicy,
    pub(crate) net: Mutex<Option<Arc<accord_net::Net>>>,
    traffic: Arc<Traffic>,
    /// Roster signatures already checked (rosters are re-read on every meeting change).
    pub(crate) signatures: Mutex<model::roster::SignatureCache>,
    /// Changes not taken from peers or bundles (see `admit`).
    pub(crate) held: Mutex<crate::admit::Held>,
    /// Taken while held changes are judged again.
    pub(crate) releasing: tokio::sync::Mutex<()>,
    /// `true` once the pinned meetings are loaded (their rosters and documents known).
    pub(crate) loaded: watch::Sender<bool>,
    /// Set as `close` begins: background work (loading ahead) stops starting new loads.
    closing: std::sync::atomic::AtomicBool,
    /// The version of the last document event sent ([`Event::DocChanged`]).
    versions: std::sync::atomic::AtomicU64,
}

/// Sync traffic since the workspace opened: the automerge sync messages sent and received.
#[derive(Debug, Default)]
pub struct Traffic {
    pub sent_bytes: std::sync::atomic::AtomicU64,
    pub received_bytes: std::sync::atomic::AtomicU64,
    pub sent_messages: std::sync::atomic::AtomicU64,
}

/// Sync traffic figures at one moment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct TrafficFigures {
    pub sent_bytes: u64,
    pub received_bytes: u64,
    pub sent_messages: u64,
}

struct TrafficObserver(Arc<Traffic>);

impl samod::RepoObserver for TrafficObserver {
    fn observe(&self, event: &samod::RepoEvent) {
        use std::sync::atomic::Ordering::Relaxed;
        match event {
            samod::RepoEvent::SyncMessageGenerated { bytes, .. } => {
                self.0.sent_bytes.fetch_add(*bytes as u64, Relaxed);
                self.0.sent_messages.fetch_add(1, Relaxed);
            }
            samod::RepoEvent::SyncMessageReceived { bytes, .. } => {
                self.0.received_bytes.fetch_add(*bytes as u64, Relaxed);
            }
            _ => {}
        }
    }
}

impl Inner {
    /// Every document open in this workspace now.
    pub(crate) fn open_docs(&self) -> Vec<Arc<OpenDoc>> {
        self.docs
            .lock()
            .expect("docs lock")
            .values()
            .cloned()
            .collect()
    }

    /// Asks the index loop to re-read a document.
    /// Once per document until the index loop takes it: a keystroke that finds its
    /// document already queued costs one atomic swap, no wake-up.
    fn mark_dirty(&self, d: &OpenDoc) {
        if d.index_pending
            .swap(true, std::sync::atomic::Ordering::AcqRel)
        {
            return;
        }
        self.unindexed.send_modify(|n| *n += 1);
        if self.dirty.send(d.id.clone()).is_err() {
            self.unindexed.send_modify(|n| *n -= 1);
        }
    }
}

/// A document this workspace has open.
pub(crate) struct OpenDoc {
    pub(crate) id: DocId,
    pub(crate) samod_id: DocumentId,
    pub(crate) handle: DocHandle,
    pub(crate) kind: DocKind,
    /// The meeting it belongs to (itself for a meeting document).
    pub(crate) meeting: DocId,
    /// The heads up to which changes have been reported as events.
    pub(crate) seen: Mutex<Vec<ChangeHash>>,
    /// Bumped whenever `seen` moves (share decisions that stayed quiet re-check).
    pub(crate) moved: watch::Sender<u64>,
    /// Queued for the index loop.
    index_pending: std::sync::atomic::AtomicBool,
    /// `samod_id` as the store names it.
    samod_key: String,
    /// When [`OpenDoc::write_unwritten`] last saved the whole document, and how long it took.
    saved: Mutex<Option<(Instant, Duration)>>,
    /// The key of that save.
    flush_key: Mutex<Option<StorageKey>>,
    /// The text last typed into, with the heads it left the document at.
    pub(crate) typing: Mutex<Option<(Vec<ChangeHash>, model::Typing)>>,
    /// The version of this document's last event (0: none since it was opened). Written
    /// under the `seen` lock.
    last_version: std::sync::atomic::AtomicU64,
}

impl OpenDoc {
    /// Sets the reported heads (under the `seen` lock) and tells whoever waits on them.
    fn set_seen(&self, seen: &mut Vec<ChangeHash>, heads: Vec<ChangeHash>) {
        if *seen != heads {
            *seen = heads;
            self.moved.send_modify(|v| *v += 1);
        }
    }

    /// Writes the local changes samod has not put yet (queued in its IO loop, or written
    /// inside a snapshot), so that a flush after it covers them: one by one when they are
    /// few; when samod's IO loop is far behind (a burst of edits at machine speed, where
    /// automerge finds an old change only slowly), as one save of the whole document.
    /// `paced`: not a flush, so a whole save waits until twenty times the last one's
    /// duration has passed since it (saving costs the typing at most a twentieth).
    fn write_unwritten(&self, store: &Store, paced: bool) {
        let unwritten = store.unwritten_changes(&self.samod_key);
        if unwritten.is_empty() {
            return;
        }
        if paced
            && unwritten.len() > WRITE_ONE_BY_ONE
            && let Some((at, took)) = *self.saved.lock().expect("saved lock")
            && at.elapsed() < took * 20
        {
            return;
        }
        self.handle.with_document(|doc| {
            if unwritten.len() <= WRITE_ONE_BY_ONE {
                for hash in unwritten {
                    match doc.get_change_by_hash(&hash) {
                        Some(ch) => {
                            let key = StorageKey::incremental_path(&self.samod_id, hash);
                            drop(store.put_covering(&key, ch.raw_bytes().to_vec(), &[hash]));
                        }
                        None => store.forget_expected(&self.samod_key, &[hash]),
                    }
                }
                return;
            }
            let nonce: u64 = rand::random();
            let Ok(key) = StorageKey::incremental_prefix(&self.samod_id)
                .with_component(format!("accord-flush-{nonce:016x}"))
            else {
                return;
            };
            let t0 = Instant::now();
            let whole = doc.save();
            *self.saved.lock().expect("saved lock") = Some((t0, t0.elapsed()));
            drop(store.put_covering(&key, whole, &unwritten));
            // The save before holds nothing this one does not: one such copy at a time.
            let before = self.flush_key.lock().expect("flush key lock").replace(key);
            if let Some(before) = before {
                drop(store.delete_durable(&before));
            }
        });
    }
}

/// Up to this many unwritten changes, a flush writes each; past it, the whole document.
const WRITE_ONE_BY_ONE: usize = 64;

impl Workspace {
    /// Opens the profile in `dir` (creating it on first use).
    pub async fn open(dir: impl AsRef<Path>) -> Result<Workspace> {
        Self::open_with(dir, OpenOptions::default()).await
    }

    /// Opens the default profile: `$ACCORD_DATA_DIR`, else the platform's data directory.
    pub async fn open_default() -> Result<Workspace> {
        Self::open(accord_store::default_data_dir()?).await
    }

    pub async fn open_with(dir: impl AsRef<Path>, options: OpenOptions) -> Result<Workspace> {
        let dir = dir.as_ref().to_path_buf();
        let settings = Settings::load(&dir)?;
        let pins = Pins::load(&dir)?;
        // A profile whose files show it was used must find its database: a missing or empty
        // one is an error naming it, never a new empty profile (issue #24).
        let mut store_options = options.store.clone();
        if store_options.used.is_none() {
            store_options.used = used_evidence(&dir, &pins);
        }
        let d = dir.clone();
        let profile = tokio::task::spawn_blocking(move || Profile::open_with(&d, store_options))
            .await
            .map_err(|_| Error::Closed)??;
        let secret = profile.device_secret();
        let key = model::DeviceKey::from_secret(&secret);
        let device = key.device();
        let store = profile.store().clone();
        // The share policy answers "none" until the access rules are installed, and then
        // follows the rosters: nothing is shared by accident.
        let policy = accord_net::AccessPolicy::new();
        let traffic = Arc::new(Traffic::default());
        let repo = samod::Repo::build_tokio()
            .with_storage(store.samod_storage())
            .with_peer_id(PeerId::from(device.to_string()))
            .with_share_policy(policy.clone())
            .with_observer(TrafficObserver(traffic.clone()))
            .load()
            .await;
        let (events, _) = broadcast::channel(4096);
        let (dirty, dirty_rx) = mpsc::unbounded_channel();
        let inner = Arc::new(Inner {
            dir,
            profile: Mutex::new(Some(profile)),
            store,
            repo,
            device,
            docs: Mutex::new(HashMap::new()),
            events,
            dirty,
            unindexed: watch::channel(0).0,
            settings: Mutex::new(settings),
            local_presence: watch::channel(None).0,
            present_everywhere: std::sync::atomic::AtomicBool::new(false),
            peers_present: Mutex::new(presence::Roster::default()),
            key,
            pins: Mutex::new(pins),
            access: AccessState::new(),
            policy,
            net: Mutex::new(None),
            traffic,
            signatures: Mutex::default(),
            held: Mutex::default(),
            releasing: tokio::sync::Mutex::new(()),
            loaded: watch::channel(false).0,
            closing: Default::default(),
            versions: Default::default(),
        });
        tokio::spawn(index_loop(Arc::downgrade(&inner), dirty_rx));
        tokio::spawn(durability_loop(Arc::downgrade(&inner)));
        tokio::spawn(presence_loop(
            Arc::downgrade(&inner),
            inner.local_presence.subscribe(),
        ));
        let ws = Workspace { inner };
        if ws.inner.store.index_needs_rebuild()
            && let Err(e) = ws.rebuild_index().await
        {
            // The documents are readable without it (a full disk, say): lists and search
            // wait for the next open's rebuild.
            tracing::warn!(error = %e, "the index was not rebuilt");
        }
        if options.load_ahead {
            tokio::spawn(preload(Arc::downgrade(&ws.inner)));
        }
        ws.start_sync(options.net, secret).await?;
        Ok(ws)
    }

    /// The profile directory.
    pub fn dir(&self) -> &Path {
        &self.inner.dir
    }

    /// This device: the public key of the profile's device key.
    pub fn device(&self) -> DeviceId {
        self.inner.device
    }

    /// The event stream: document changes (local and remote) with their patches, index
    /// updates. A receiver that falls behind gets `Lagged` and should re-read what it shows.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.inner.events.subscribe()
    }

    /// Completes when every change made so far is on disk; reports a failed write (a full
    /// disk, say) since the last flush.
    pub async fn flush(&self) -> Result<()> {
        let store = &self.inner.store;
        let docs: Vec<Arc<OpenDoc>> = self
            .inner
            .docs
            .lock()
            .expect("docs lock")
            .values()
            .cloned()
            .collect();
        for d in docs {
            d.write_unwritten(store, false);
        }
        Ok(store.flush().await?)
    }

    /// Flushes, stops the network and the repository, and releases the profile.
    pub async fn close(self) -> Result<()> {
        self.inner
            .closing
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let net = self.inner.net.lock().expect("net lock").take();
        if let Some(net) = net
            && let Err(e) = net.shutdown().await
        {
            tracing::warn!(error = %e, "network did not shut down cleanly");
        }
        // Nothing arrives from peers any more: the heads in memory are what the documents
        // rest at once the repo has written everything.
        let settled = Instant::now();
        let resting = self.settle_and_rest().await;
        drop(
            self.inner
                .store
                .record_recent_documents(&self.recent_documents()),
        );
        let flushed = self.flush().await;
        self.inner.store.release_snapshot_holds();
        self.inner.repo.stop().await;
        // samod has written everything (a compaction it held for typing among it): the rests
        // go last, so each document is left in one piece. One typed into since it was saved
        // (through another handle of this workspace) keeps its pieces.
        let store = &self.inner.store;
        for r in resting {
            if let Some(data) = r.save
                && !store.typed_since(&r.doc, settled)
            {
                drop(store.rest_document(&r.doc, &r.heads, data));
            }
            drop(store.record_resting_heads(&r.doc, &r.heads));
        }
        let flushed = match (flushed, self.flush().await) {
            (Err(e), _) | (Ok(()), Err(e)) => Err(e),
            (Ok(()), Ok(())) => Ok(()),
        };
        let profile = self.inner.profile.lock().expect("profile lock").take();
        let closed = match profile {
            Some(p) => tokio::task::spawn_blocking(move || p.close())
                .await
                .map_err(|_| Error::Closed)?,
            None => Ok(()),
        };
        flushed?;
        Ok(closed?)
    }

    /// The documents worked on lately, most recent first: the one this device's user is in,
    /// those typed into in this session, then those recorded at the last close.
    fn recent_documents(&self) -> Vec<String> {
        let present = self
            .inner
            .local_presence
            .borrow()
            .as_ref()
            .and_then(|(_, p)| p.doc.as_ref().map(|d| d.as_str().to_string()));
        let earlier = self.inner.store.recent_documents().unwrap_or_default();
        let mut out: Vec<String> = Vec::with_capacity(RECENT_DOCUMENTS);
        for id in present
            .into_iter()
            .chain(self.inner.store.edited_documents())
            .chain(earlier)
        {
            if out.len() == RECENT_DOCUMENTS {
                break;
            }
            if !out.contains(&id) {
                out.push(id);
            }
        }
        out
    }

    /// The documents held in memory now (opened by an operation, or loaded ahead).
    pub fn open_documents(&self) -> Vec<DocId> {
        self.inner
            .open_docs()
            .iter()
            .map(|d| d.id.clone())
            .collect()
    }

    /// When the profile closes: the heads of each document open here or written to in this
    /// session, to record as their resting heads (see `Store::resting_heads`), and its `save()`
    /// where it is stored in several pieces, to rest it as one (see `Store::rest_document`: the
    /// next open loads it at `Automerge::load`'s speed and memory, and samod finds nothing to
    /// compact).
    async fn settle_and_rest(&self) -> Vec<Resting> {
        let store = &self.inner.store;
        let mut handles: Vec<(String, DocHandle)> = self
            .inner
            .open_docs()
            .iter()
            .map(|d| (d.samod_id.to_string(), d.handle.clone()))
            .collect();
        for id in store.touched_documents() {
            if handles.iter().any(|(h, _)| *h == id) {
                continue;
            }
            // Written to by samod alone (a peer's changes to a document not opened here):
            // samod holds it in memory.
            let Ok(samod_id) = id.parse::<DocumentId>() else {
                continue;
            };
            if let Ok(Some(handle)) = self.inner.repo.find(samod_id).await {
                handles.push((id, handle));
            }
        }
        // samod's puts are answered once queued: count the pieces once they are committed.
        let _ = store.flush().await;
        let mut out = Vec::with_capacity(handles.len());
        for (doc, handle) in handles {
            let pieces = store.document_bytes(&doc).map(|(_, n)| n).unwrap_or(0);
            let (heads, save) = handle.with_document(|doc| {
                let heads = doc.get_heads();
                // Changes waiting for missing dependencies are in no `save()`: their pieces
                // stay until the dependencies arrive.
                let whole = pieces > 1 && !heads.is_empty() && doc.get_missing_deps(&[]).is_empty();
                (heads, whole.then(|| doc.save()))
            });
            if !heads.is_empty() {
                out.push(Resting { doc, heads, save });
            }
        }
        out
    }

    /// The profile's settings.
    pub fn settings(&self) -> Settings {
        self.inner.settings.lock().expect("settings lock").clone()
    }

    /// Changes some settings and writes them to the profile.
    pub fn set_settings(&self, patch: SettingsPatch) -> Result<Settings> {
        let mut s = self.inner.settings.lock().expect("settings lock");
        let mut new = s.clone();
        new.apply(patch)?;
        new.save(&self.inner.dir)?;
        *s = new.clone();
        Ok(new)
    }

    /// Tells the other devices of a meeting where this device's user is. Sent at most every
    /// 100 ms (the latest state always goes out) and repeated while nothing changes.
    pub async fn set_presence(&self, meeting: &DocId, presence: Presence) -> Result<()> {
        self.doc_of(meeting, DocKind::Meeting).await?;
        self.inner
            .local_presence
            .send_replace(Some((meeting.clone(), presence)));
        Ok(())
    }

    /// Shows this device present, without a place in a document, in every meeting open on
    /// this profile whenever no meeting is set with [`Workspace::set_presence`]: for a device
    /// nobody works at (`accord serve`), which the devices reaching it through a meeting's
    /// hub would otherwise show offline.
    pub fn set_present_in_every_meeting(&self) {
        self.inner
            .present_everywhere
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.inner.local_presence.send_modify(|_| {});
    }

    /// Who else is present in a meeting now.
    pub fn present(&self, meeting: &DocId) -> Vec<presence::PeerPresence> {
        self.inner
            .peers_present
            .lock()
            .expect("presence lock")
            .in_meeting(meeting)
    }

    /// Sync traffic since the workspace opened.
    pub fn traffic(&self) -> TrafficFigures {
        use std::sync::atomic::Ordering::Relaxed;
        let t = &self.inner.traffic;
        // And what the summaries of what each side holds cost (see `accord_net::summary`).
        let (sum_sent, sum_received) = self
            .inner
            .net
            .lock()
            .expect("net lock")
            .as_ref()
            .map(|n| n.summary_traffic())
            .unwrap_or_default();
        TrafficFigures {
            sent_bytes: t.sent_bytes.load(Relaxed) + sum_sent,
            received_bytes: t.received_bytes.load(Relaxed) + sum_received,
            sent_messages: t.sent_messages.load(Relaxed),
        }
    }

    /// The current heads of a document.
    pub async fn heads(&self, id: &DocId) -> Result<Vec<ChangeHash>> {
        let d = self.doc(id).await?;
        let mut h = d.handle.with_document(|doc| doc.get_heads());
        h.sort();
        Ok(h)
    }

    /// The size of `automerge::save()` of a document, for comparing with what is stored.
    pub async fn saved_size(&self, id: &DocId) -> Result<usize> {
        Ok(self.saved_bytes(id).await?.len())
    }

    /// `automerge::save()` of a document.
    pub async fn saved_bytes(&self, id: &DocId) -> Result<Vec<u8>> {
        let d = self.doc(id).await?;
        Ok(d.handle.with_document(|doc| doc.save()))
    }

    /// The bytes the store holds for a document, and in how many pieces.
    pub fn stored_size(&self, id: &DocId) -> Result<(u64, u64)> {
        Ok(self.inner.store.document_bytes(id.as_str())?)
    }

    /// A change context for this device, now.
    pub(crate) fn ctx(&self) -> ChangeCtx {
        ChangeCtx::new(self.inner.device, Timestamp::now())
    }

    /// Finds a document of this profile (opening it on first use).
    pub(crate) async fn doc(&self, id: &DocId) -> Result<Arc<OpenDoc>> {
        if let Some(d) = self.inner.docs.lock().expect("docs lock").get(id) {
            return Ok(d.clone());
        }
        let samod_id: DocumentId = id
            .as_str()
            .parse()
            .map_err(|_| Error::NotFound(id.clone()))?;
        let handle = self
            .inner
            .repo
            .find(samod_id.clone())
            .await
            .map_err(|_| Error::Closed)?;
        let handle = handle.ok_or_else(|| Error::NotFound(id.clone()))?;
        self.adopt(id.clone(), samod_id, handle)
    }

    /// Registers an open handle and starts reporting its remote changes.
    fn adopt(&self, id: DocId, samod_id: DocumentId, handle: DocHandle) -> Result<Arc<OpenDoc>> {
        let (kind, meeting, heads) = handle.with_document(|doc| -> Result<_> {
            let kind = model::schema::detect(doc)?;
            let meeting = model::schema::meeting_of(doc)?.unwrap_or_else(|| id.clone());
            Ok((kind, meeting, doc.get_heads()))
        })?;
        let open = Arc::new(OpenDoc {
            id: id.clone(),
            samod_key: samod_id.to_string(),
            saved: Mutex::new(None),
            flush_key: Mutex::new(None),
            samod_id,
            handle,
            kind,
            meeting,
            seen: Mutex::new(heads.clone()),
            moved: watch::channel(0).0,
            index_pending: Default::default(),
            typing: Mutex::new(None),
            last_version: Default::default(),
        });
        let mut docs = self.inner.docs.lock().expect("docs lock");
        if let Some(existing) = docs.get(&id) {
            return Ok(existing.clone()); // opened concurrently: keep the first
        }
        docs.insert(id, open.clone());
        drop(docs);
        tokio::spawn(watch_remote(Arc::downgrade(&self.inner), open.clone()));
        if open.kind == DocKind::Meeting {
            self.refresh_meeting(&open.id);
        }
        Ok(open)
    }

    /// Finds a document and checks its kind.
    pub(crate) async fn doc_of(&self, id: &DocId, expected: DocKind) -> Result<Arc<OpenDoc>> {
        let d = self.doc(id).await?;
        if d.kind != expected {
            return Err(Error::WrongKind {
                doc: id.clone(),
                expected,
                found: d.kind,
            });
        }
        Ok(d)
    }

    /// Reads a document.
    pub(crate) async fn read<T>(
        &self,
        id: &DocId,
        expected: DocKind,
        f: impl FnOnce(&Automerge) -> model::Result<T>,
    ) -> Result<T> {
        let d = self.doc_of(id, expected).await?;
        Ok(d.handle.with_document(|doc| f(doc))?)
    }

    /// Runs one local change on a document: applied at once, expected by the store (samod's
    /// put writes it; see [`Workspace::flush`]), its patches sent as an event, the index told.
    pub(crate) async fn edit<T>(
        &self,
        id: &DocId,
        expected: DocKind,
        f: impl FnOnce(&mut Transaction<'_>) -> model::Result<T>,
    ) -> Result<T> {
        let d = self.doc_to_edit(id).await?;
        if d.kind != expected {
            return Err(Error::WrongKind {
                doc: id.clone(),
                expected,
                found: d.kind,
            });
        }
        self.change_open(&d, |doc, ctx| model::change(doc, ctx, f))
    }

    /// Finds a document for a local edit — every edit of every face comes this way — and
    /// refuses it when this device is an observer in the meeting the document belongs to,
    /// by its own copy of that meeting's roster (the one the access rules hold, re-read on
    /// every change of the meeting document). Its peers take nothing from an observer, so
    /// the edit would stay on this device, the meeting's documents diverging here without a
    /// word. A meeting this device holds no pinned roster for is not checked.
    pub(crate) async fn doc_to_edit(&self, id: &DocId) -> Result<Arc<OpenDoc>> {
        let d = self.doc(id).await?;
        let meeting = d.meeting.clone();
        if !self
            .inner
            .pins
            .lock()
            .expect("pins lock")
            .meetings
            .contains_key(&meeting)
        {
            return Ok(d);
        }
        // Opening the meeting reads its roster into the access rules.
        if meeting != d.id && self.doc(&meeting).await.is_err() {
            return Ok(d);
        }
        let me = self.device();
        let role = |ws: &Workspace| -> Option<Option<Role>> {
            let rosters = ws.inner.access.rosters.lock().expect("access lock");
            rosters.get(&meeting).map(|r| r.role_of(&me))
        };
        let role = match role(self) {
            Some(role) => role,
            None => {
                // Opened a moment ago by another task, which has not read the roster yet.
                self.refresh_meeting(&meeting);
                role(self).flatten()
            }
        };
        if role == Some(Role::Observer) {
            let title = self
                .read(&meeting, DocKind::Meeting, model::meeting::read)
                .await
                .map(|v| v.details.title)
                .unwrap_or_default();
            return Err(Error::Observer { meeting, title });
        }
        Ok(d)
    }

    /// Runs `f`, a local change, on an open document inside samod's document lock: the
    /// change expected by the store, remote changes not yet reported reported first, then its
    /// own.
    pub(crate) fn change_open<T>(
        &self,
        d: &OpenDoc,
        f: impl FnOnce(&mut Automerge, &ChangeCtx) -> model::Result<model::Changed<T>>,
    ) -> Result<T> {
        match self.change_open_at(d, None, None, f)? {
            Based::Made((value, _)) => Ok(value),
            Based::Stale { .. } => unreachable!("a change with no base is never stale"),
        }
    }

    /// [`Workspace::change_open`] for an edit made against the state of event `base` (`None`:
    /// whatever the document holds now), its event tagged `tag`: not made, `Stale`, when the
    /// document has had an event since `base`; made, with the version of its event if any.
    pub(crate) fn change_open_at<T>(
        &self,
        d: &OpenDoc,
        base: Option<u64>,
        tag: Option<u64>,
        f: impl FnOnce(&mut Automerge, &ChangeCtx) -> model::Result<model::Changed<T>>,
    ) -> Result<Based<(T, Option<u64>)>> {
        let ctx = self.ctx();
        let store = &self.inner.store;
        let (value, sent) = d.handle.with_document(|doc| -> Result<_> {
            let mut seen = d.seen.lock().expect("seen lock");
            let remote = unreported(doc, &seen);
            let heads = doc.get_heads();
            let sent_remote = self.emit(d, Origin::Remote, remote, None, &seen).is_some();
            d.set_seen(&mut seen, heads);
            let last = d.last_version.load(std::sync::atomic::Ordering::Acquire);
            if base.is_some_and(|b| last > b) {
                return Ok((Based::Stale { version: last }, sent_remote));
            }
            let changed = f(doc, &ctx)?;
            if let Some(hash) = changed.hash {
                // samod's step right after this closure puts it; until then it counts as
                // unwritten (`Workspace::flush` and the durability loop write it otherwise).
                store.expect_change(&d.samod_key, hash);
            }
            d.set_seen(&mut seen, changed.heads.clone());
            let version = self.emit(d, Origin::Local, changed.patches, tag, &seen);
            Ok((
                Based::Made((changed.value, version)),
                sent_remote || version.is_some(),
            ))
        })?;
        if sent {
            self.reported(d);
        }
        Ok(value)
    }

    /// Applies changes made elsewhere as this device's own (the benchmark's replay of
    /// recorded concurrent typing): expected by the store like an edit, reported as local
    /// patches.
    pub(crate) async fn apply_changes(
        &self,
        id: &DocId,
        changes: Vec<automerge::Change>,
    ) -> Result<()> {
        let d = self.doc(id).await?;
        let store = &self.inner.store;
        let sent = d.handle.with_document(|doc| -> Result<_> {
            let mut seen = d.seen.lock().expect("seen lock");
            let remote = unreported(doc, &seen);
            let hashes: Vec<_> = changes.iter().map(|c| c.hash()).collect();
            // The patches from the application's own log, as for an edit: no document walk.
            let mut log = automerge::PatchLog::active();
            doc.apply_changes_log_patches(changes, &mut log)
                .map_err(|e| Error::invalid("changes", id.as_str(), e.to_string()))?;
            for hash in hashes {
                // samod's step right after this closure puts it; until then it counts as
                // unwritten (`Workspace::flush` and the durability loop write it otherwise).
                store.expect_change(&d.samod_key, hash);
            }
            d.set_seen(&mut seen, doc.get_heads());
            let local = model::translate(doc.make_patches(&mut log));
            let remote = self.emit(&d, Origin::Remote, remote, None, &seen);
            let local = self.emit(&d, Origin::Local, local, None, &seen);
            Ok(remote.or(local).is_some())
        })?;
        if sent {
            self.reported(&d);
        }
        Ok(())
    }

    /// Sends the event of `patches`, if any; returns its version. Called with the `seen`
    /// lock held, right after the heads the patches lead to are recorded, so that events
    /// leave in the order of the states they describe: a view kept from them (an editor)
    /// applies each patch to the text it was computed against. Sent after the lock, a
    /// peer's keystroke could be overtaken by one typed here a moment later, and the view
    /// would apply each at the other's positions.
    fn emit(
        &self,
        d: &OpenDoc,
        origin: Origin,
        patches: Vec<DocPatch>,
        tag: Option<u64>,
        _seen: &std::sync::MutexGuard<'_, Vec<ChangeHash>>,
    ) -> Option<u64> {
        use std::sync::atomic::Ordering;
        if patches.is_empty() {
            return None;
        }
        let version = self.inner.versions.fetch_add(1, Ordering::AcqRel) + 1;
        d.last_version.store(version, Ordering::Release);
        let _ = self.inner.events.send(Event::DocChanged {
            doc: d.id.clone(),
            kind: d.kind,
            meeting: d.meeting.clone(),
            origin,
            patches,
            version,
            tag,
        });
        Some(version)
    }

    /// What follows a reported change, outside the document's lock: a meeting's access rules
    /// re-read, the index told.
    fn reported(&self, d: &OpenDoc) {
        if d.kind == DocKind::Meeting {
            self.refresh_meeting(&d.id);
        }
        self.inner.mark_dirty(d);
    }

    /// Creates a document from `initial` (built by the model) and writes it durably.
    pub(crate) async fn create_doc(&self, initial: Automerge) -> Result<DocId> {
        let handle = self
            .inner
            .repo
            .create(initial)
            .await
            .map_err(|_| Error::Closed)?;
        let samod_id = handle.document_id().clone();
        let id = DocId::new(samod_id.to_string())?;
        handle.with_document(|doc| {
            for ch in doc.get_changes(&[]) {
                let key = StorageKey::incremental_path(&samod_id, ch.hash());
                drop(self.inner.store.put_durable(&key, ch.raw_bytes().to_vec()));
            }
        });
        let d = self.adopt(id.clone(), samod_id, handle)?;
        self.inner.mark_dirty(&d);
        Ok(id)
    }

    /// Reads every document of the profile into the index, replacing what it had.
    pub async fn rebuild_index(&self) -> Result<()> {
        let mut docs = Vec::new();
        for id in self.inner.store.document_ids()? {
            let Ok(id) = DocId::new(id) else { continue };
            match self.doc(&id).await {
                Ok(d) => match d.handle.with_document(|doc| index_doc(&id, d.kind, doc)) {
                    Ok(x) => docs.push(x),
                    Err(e) => tracing::warn!(doc = %id, error = %e, "not indexed"),
                },
                Err(e) => tracing::warn!(doc = %id, error = %e, "not indexed"),
            }
        }
        self.inner.store.rebuild_index(docs).await?;
        Ok(())
    }

    /// Completes once the index reflects every change made so far (for tests, and for faces
    /// that must show a list right after a change).
    pub async fn index_settled(&self) -> Result<()> {
        let mut rx = self.inner.unindexed.subscribe();
        rx.wait_for(|n| *n == 0).await.map_err(|_| Error::Closed)?;
        self.flush().await
    }
}

/// What in the profile's own files shows that it was used: `pins.json` listing meetings,
/// or a `settings.json`. Written only after the database was set up, so either beside a
/// missing or empty database means the database was lost.
fn used_evidence(dir: &Path, pins: &Pins) -> Option<String> {
    let pins_file = dir.join(crate::pins::PINS_FILE);
    let settings_file = dir.join(crate::settings::SETTINGS_FILE);
    if !pins.meetings.is_empty() {
        Some(format!(
            "{} lists {} meeting(s) of this profile",
            pins_file.display(),
            pins.meetings.len()
        ))
    } else if settings_file.exists() {
        Some(format!(
            "{} shows the profile was set up",
            settings_file.display()
        ))
    } else {
        None
    }
}

/// What became of an edit made against a given state of its document.
pub(crate) enum Based<T> {
    Made(T),
    /// The document has had events since: nothing was changed.
    Stale {
        version: u64,
    },
}

/// The patches of changes that arrived since the last report (`seen`), to go out as remote
/// ones before a local change is reported.
fn unreported(doc: &Automerge, seen: &[ChangeHash]) -> Vec<DocPatch> {
    let now = doc.get_heads();
    if seen == now.as_slice() {
        Vec::new()
    } else {
        model::patches_since(doc, seen)
    }
}

fn index_doc(id: &DocId, kind: DocKind, doc: &Automerge) -> model::Result<IndexDoc> {
    Ok(match kind {
        DocKind::Meeting => IndexDoc::Meeting(id.clone(), model::meeting::read(doc)?),
        DocKind::Draft => IndexDoc::Draft(id.clone(), model::draft::read(doc)?),
        DocKind::Minutes => IndexDoc::Minutes(id.clone(), model::minutes::read(doc)?),
    })
}

/// Reports changes that arrive from elsewhere (peers) as they are applied, and the presence
/// messages that arrive on the document.
async fn watch_remote(inner: std::sync::Weak<Inner>, d: Arc<OpenDoc>) {
    let mut ephemera = d.handle.ephemera();
    let weak = inner.clone();
    tokio::spawn(async move {
        while let Some(bytes) = ephemera.next().await {
            let Some(inner) = weak.upgrade() else { return };
            let Some(p) = presence::Message::decode(&bytes) else {
                continue;
            };
            if p.device == inner.device {
                continue;
            }
            let meeting = p.meeting.clone();
            let changed = inner
                .peers_present
                .lock()
                .expect("presence lock")
                .record(p, Instant::now());
            if changed {
                let peers = inner
                    .peers_present
                    .lock()
                    .expect("presence lock")
                    .in_meeting(&meeting);
                let _ = inner.events.send(Event::Presence { meeting, peers });
            }
        }
    });
    let mut changes = d.handle.changes();
    while let Some(changed) = changes.next().await {
        let Some(inner) = inner.upgrade() else { return };
        // Most events are of local changes, already reported: tell them by their heads,
        // without taking the document (every `with_document` is a full samod step).
        if *d.seen.lock().expect("seen lock") == changed.new_heads {
            continue;
        }
        let ws = Workspace { inner };
        let sent = d.handle.with_document(|doc| {
            let mut seen = d.seen.lock().expect("seen lock");
            // Nothing if a local change got there first and reported it.
            let p = unreported(doc, &seen);
            d.set_seen(&mut seen, doc.get_heads());
            ws.emit(&d, Origin::Remote, p, None, &seen).is_some()
        });
        if sent {
            ws.reported(&d);
        }
    }
}

/// A document as the profile closes: its heads, and its whole `save()` if it is to be
/// stored as one piece.
struct Resting {
    doc: String,
    heads: Vec<ChangeHash>,
    save: Option<Vec<u8>>,
}

/// How many of the documents worked on lately a profile loads as it opens.
const RECENT_DOCUMENTS: usize = 8;

/// Loads the documents worked on lately, one at a time, in the background: the user's next
/// step is likely in one of them, and a peer's changes to it then apply without waiting for
/// a load. Opening the profile never waits on this.
async fn preload(inner: std::sync::Weak<Inner>) {
    let recent = {
        let Some(inner) = inner.upgrade() else { return };
        let store = inner.store.clone();
        match tokio::task::spawn_blocking(move || store.recent_documents()).await {
            Ok(Ok(ids)) => ids,
            _ => return,
        }
    };
    for id in recent {
        let Some(inner) = inner.upgrade() else { return };
        if inner.closing.load(std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let Ok(id) = DocId::new(id) else { continue };
        if let Err(e) = (Workspace { inner }).doc(&id).await {
            tracing::debug!(doc = %id, error = %e, "not loaded ahead");
        }
    }
}

/// How long a local change may wait for samod's put before the Workspace writes it itself.
const OVERDUE: Duration = Duration::from_millis(40);

/// Bounds how long an edit waits for the disk, flushed or not: while changes are expected,
/// checks every [`OVERDUE`] for ones samod's IO loop has not put (it falls behind bursts of
/// edits) and writes them — within twice [`OVERDUE`] plus a group commit while samod keeps
/// up or lags a little; when it is far behind, as whole saves, no more often than twenty
/// times a save's duration.
async fn durability_loop(inner: std::sync::Weak<Inner>) {
    loop {
        let expected = match inner.upgrade() {
            Some(i) => i.store.changes_expected(),
            None => return,
        };
        // Re-checked now and then: the Workspace may be gone meanwhile.
        if tokio::time::timeout(Duration::from_secs(1), expected)
            .await
            .is_err()
        {
            continue;
        }
        loop {
            tokio::time::sleep(OVERDUE).await;
            let Some(i) = inner.upgrade() else { return };
            if i.closing.load(std::sync::atomic::Ordering::SeqCst) {
                return; // closing flushes what is left, before the repo stops
            }
            let (overdue, any) = i.store.overdue_documents(OVERDUE);
            for doc in overdue {
                let open = DocId::new(doc)
                    .ok()
                    .and_then(|id| i.docs.lock().expect("docs lock").get(&id).cloned());
                if let Some(d) = open {
                    // A whole save may take a while: off the async workers.
                    let store = i.store.clone();
                    let _ =
                        tokio::task::spawn_blocking(move || d.write_unwritten(&store, true)).await;
                }
            }
            if !any {
                break;
            }
        }
    }
}

/// Keeps the query index current: re-reads each changed document once its changes pause.
async fn index_loop(inner: std::sync::Weak<Inner>, mut rx: mpsc::UnboundedReceiver<DocId>) {
    let mut pending: HashSet<DocId> = HashSet::new();
    // How many requests `pending` stands for (a document changed twice counts twice).
    let mut requests = 0usize;
    loop {
        if pending.is_empty() {
            match rx.recv().await {
                Some(id) => {
                    pending.insert(id);
                    requests += 1;
                }
                None => return,
            }
        }
        // Gather whatever else changes until the changes pause (or the wait gets too long).
        let latest = tokio::time::Instant::now() + INDEX_MAX_DELAY;
        loop {
            let until = (tokio::time::Instant::now() + INDEX_DEBOUNCE).min(latest);
            match tokio::time::timeout_at(until, rx.recv()).await {
                Err(_) => break,
                Ok(Some(id)) => {
                    pending.insert(id);
                    requests += 1;
                }
                Ok(None) => return,
            }
        }
        let Some(inner) = inner.upgrade() else { return };
        for id in pending.drain() {
            let d = inner.docs.lock().expect("docs lock").get(&id).cloned();
            let Some(d) = d else { continue };
            // Cleared before reading: a change made after this read queues the document again.
            d.index_pending
                .store(false, std::sync::atomic::Ordering::Release);
            match d.handle.with_document(|doc| index_doc(&id, d.kind, doc)) {
                Ok(x) => {
                    drop(inner.store.index(x));
                    let _ = inner.events.send(Event::Indexed { doc: id });
                }
                Err(e) => tracing::warn!(doc = %id, error = %e, "document not indexed"),
            }
        }
        // The index writes are queued before the count drops, so a flush after
        // `index_settled` sees them.
        inner
            .unindexed
            .send_modify(|n| *n = n.saturating_sub(requests));
        requests = 0;
    }
}

/// Sends this device's presence (throttled, with a heartbeat) and forgets quiet peers.
async fn presence_loop(
    inner: std::sync::Weak<Inner>,
    mut rx: watch::Receiver<Option<(DocId, Presence)>>,
) {
    loop {
        let changed = tokio::time::timeout(presence::HEARTBEAT, rx.changed()).await;
        if matches!(changed, Ok(Err(_))) {
            return; // the workspace is gone
        }
        let Some(inner) = inner.upgrade() else { return };
        // Forget quiet peers.
        let expired: Vec<DocId> = {
            let mut roster = inner.peers_present.lock().expect("presence lock");
            let before: HashSet<DocId> = inner
                .docs
                .lock()
                .expect("docs lock")
                .values()
                .map(|d| d.meeting.clone())
                .collect();
            if roster.expire(Instant::now()) {
                before.into_iter().collect()
            } else {
                Vec::new()
            }
        };
        for meeting in expired {
            let peers = inner.present_in(&meeting);
            let _ = inner.events.send(Event::Presence { meeting, peers });
        }
        let current = rx.borrow_and_update().clone();
        let sends: Vec<(Arc<OpenDoc>, Presence)> = match current {
            Some((meeting, p)) => {
                let doc = inner.docs.lock().expect("docs lock").get(&meeting).cloned();
                doc.map(|d| (d, p)).into_iter().collect()
            }
            None if inner
                .present_everywhere
                .load(std::sync::atomic::Ordering::SeqCst) =>
            {
                let docs = inner.docs.lock().expect("docs lock");
                docs.values()
                    .filter(|d| d.kind == DocKind::Meeting)
                    .map(|d| (d.clone(), Presence::default()))
                    .collect()
            }
            None => Vec::new(),
        };
        let ws = Workspace {
            inner: inner.clone(),
        };
        let (name, set_party) = if sends.is_empty() {
            Default::default()
        } else {
            (ws.identity().1, ws.settings().party)
        };
        for (doc, p) in sends {
            let meeting = &doc.id;
            // The party set for this device, else the one it has on the meeting's roster
            // (a founder without a party set has none to show).
            let party = set_party
                .clone()
                .or_else(|| inner.access.party_of(meeting, &inner.device))
                .filter(|p| p != crate::sync::NO_PARTY);
            let msg = presence::Message {
                v: 1,
                device: inner.device.to_string(),
                device_name: Some(name.clone()),
                party,
                meeting: meeting.to_string(),
                doc: p.doc.map(|d| d.to_string()),
                clause: p.clause.map(|c| c.to_string()),
                cursor: p.cursor.map(|c| (c.anchor, c.head)),
            };
            doc.handle.broadcast(msg.encode());
        }
        drop(inner);
        tokio::time::sleep(presence::SEND_INTERVAL).await;
    }
}

impl Inner {
    fn present_in(&self, meeting: &DocId) -> Vec<presence::PeerPresence> {
        self.peers_present
            .lock()
            .expect("presence lock")
            .in_meeting(meeting)
    }
}
