//! [`Store`]: the open database — writes through the writer thread, reads through a small
//! pool of read-only connections — and [`SqliteStorage`], samod's view of it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::future::Future;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::mpsc::Sender;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use accord_model::DocId;
use accord_model::automerge::ChangeHash;
use rusqlite::{Connection, OptionalExtension};
use samod::storage::StorageKey;
use tokio::sync::{oneshot, watch};

use crate::db;
use crate::error::{Result, StoreError, is_corruption};
use crate::index::{self, ActionFilter, ActionRow, IndexDoc, IndexOp, MeetingRow, SearchHit};
use crate::writer::{self, Ack, Job, Op};

/// Settings of an open store.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct StoreOptions {
    /// The least time between the acknowledgements of two snapshots of one document; see
    /// [`SqliteStorage`] for why. 2 s by default; zero turns the hold off.
    pub snapshot_interval: Duration,
    /// An upper bound on the database's size in pages (`PRAGMA max_page_count`); writes
    /// beyond it fail like a full disk. `None`: no bound but the disk.
    pub max_page_count: Option<u32>,
    /// Snapshot acknowledgements are held only while the document is being typed into here:
    /// this long after its last local change ([`Store::expect_change`]) they are released. 100 ms
    /// by default.
    pub typing_pause: Duration,
    /// What shows that the profile was used before, found by the caller in its own files
    /// (`pins.json` listing meetings, say): a missing or empty database is then
    /// [`StoreError::MissingDatabase`], never a new empty profile. `None`: only the profile's
    /// own files count (a `device.key` beside the database).
    pub used: Option<String>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        StoreOptions {
            snapshot_interval: Duration::from_secs(2),
            max_page_count: None,
            typing_pause: Duration::from_millis(100),
            used: None,
        }
    }
}

impl StoreOptions {
    pub fn with_snapshot_interval(mut self, d: Duration) -> Self {
        self.snapshot_interval = d;
        self
    }
    pub fn with_typing_pause(mut self, d: Duration) -> Self {
        self.typing_pause = d;
        self
    }
    /// See [`StoreOptions::used`].
    pub fn with_used(mut self, evidence: impl Into<String>) -> Self {
        self.used = Some(evidence.into());
        self
    }
    pub fn with_max_page_count(mut self, pages: u32) -> Self {
        self.max_page_count = Some(pages);
        self
    }
}

pub(crate) struct Shared {
    path: PathBuf,
    options: StoreOptions,
    /// `None` once closed.
    tx: Mutex<Option<Sender<Job>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    writer_thread: std::thread::Thread,
    readers: Mutex<Vec<Connection>>,
    closed: AtomicBool,
    index_ready: Arc<AtomicBool>,
    /// When the last snapshot acknowledgement of each document was (or is scheduled to be).
    snapshot_acks: Mutex<HashMap<String, Instant>>,
    /// Set to `true` to release held snapshot acknowledgements at once (before shutdown).
    release: watch::Sender<bool>,
    /// The documents written in this session (their resting heads are forgotten), by
    /// samod's document id.
    written: Mutex<HashMap<String, DocWrites>>,
    /// Told when a document's first unwritten change is expected.
    expecting: Arc<tokio::sync::Notify>,
    /// Documents whose last snapshot failed to write (a full disk): samod, which cannot be
    /// told, deletes the pieces it meant to replace next; those deletions are not carried
    /// out until a snapshot of the document is written.
    unsaved_snapshots: Mutex<HashSet<String>>,
    /// Whether the last commit was not synced to the disk (it held only peers' changes).
    unsynced: Arc<AtomicBool>,
    /// Transactions the writer committed that wrote something.
    commits: Arc<AtomicU64>,
}

/// What this session wrote of one document.
#[derive(Debug, Default)]
struct DocWrites {
    /// When it was last typed into here ([`Store::expect_change`], [`Store::put_durable`]);
    /// `None` if only samod wrote it (peers' changes).
    typed: Option<Instant>,
    /// When a peer's single change of it was last put (they arrive one by one while someone
    /// types elsewhere).
    trickled: Option<Instant>,
    /// Local changes samod has not put yet ([`Store::expect_change`]).
    expected: HashSet<ChangeHash>,
    /// The expected changes in the order they were made, with when; entries no longer
    /// expected are dropped from the front as it is looked at.
    expected_order: VecDeque<(ChangeHash, Instant)>,
    /// The pieces written since their level was last merged: level 0 holds single changes,
    /// level `n + 1` the chunks merged from level `n` (see [`CHUNK_SINGLES`]).
    pieces: Vec<Vec<String>>,
}

/// samod loads every stored piece of a document with its own `load_incremental`, so a
/// profile opened after a long burst of typing (or reopened after a crash in one) would apply
/// each keystroke as a piece of its own. So every [`CHUNK_SINGLES`] single-change pieces of a
/// document are rewritten, by the writer, as one chunk — their bytes one after the other,
/// which `load_incremental` reads as it reads them one by one — and [`CHUNK_FAN_IN`] chunks
/// of one level as one of the next, up to [`CHUNK_LEVELS`] levels. Nothing here reads the
/// document: the cost is the bytes written, off the edit path. samod's own compaction
/// (a snapshot, then the deletion of the single pieces it wrote) and the rest at close make
/// the chunks superseded; the writer merges only the pieces still there.
const CHUNK_SINGLES: usize = 256;
/// How many chunks of one level make a chunk of the next.
const CHUNK_FAN_IN: usize = 16;
/// Chunks of the last level are not merged further (each holds 256 × 16² changes).
const CHUNK_LEVELS: usize = 3;

/// The change of a `[doc, "incremental", <change hash>]` key: one change, whose hash the key
/// names.
fn single_change(parts: &[&String]) -> Option<ChangeHash> {
    if parts.len() != 3 || parts[1] != "incremental" || parts[2].len() != 64 {
        return None;
    }
    parts[2].parse().ok()
}

/// The open database of a profile. Cheap to clone; all clones are one store.
///
/// Writes go to a single writer thread and are committed in batches (group commit); reads
/// use separate read-only connections and see every committed write.
#[derive(Clone)]
pub struct Store {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("path", &self.shared.path)
            .finish_non_exhaustive()
    }
}

/// The outcome of one enqueued write. Await it (it is a future) to know the write is
/// committed, or drop it: the write happens anyway, and the next [`Store::flush`] reports a
/// failure.
#[derive(Debug)]
pub struct WriteTicket {
    rx: Option<oneshot::Receiver<Result<()>>>,
    early: Option<StoreError>,
}

impl Future for WriteTicket {
    type Output = Result<()>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        if let Some(e) = self.early.take() {
            return Poll::Ready(Err(e));
        }
        match &mut self.rx {
            Some(rx) => Pin::new(rx)
                .poll(cx)
                .map(|r| r.unwrap_or(Err(StoreError::Closed))),
            None => Poll::Ready(Err(StoreError::Closed)),
        }
    }
}

impl Store {
    pub(crate) fn start(
        path: PathBuf,
        options: StoreOptions,
        lock: std::fs::File,
    ) -> Result<Store> {
        let (conn, state) = db::open_writer(&path, options.max_page_count)?;
        let index_ready = Arc::new(AtomicBool::new(state == db::IndexState::Ready));
        let (tx, rx) = std::sync::mpsc::channel();
        let ready = index_ready.clone();
        let unsynced = Arc::new(AtomicBool::new(false));
        let commits = Arc::new(AtomicU64::new(0));
        let hooks = writer::WriterHooks {
            on_index_ready: Box::new(move || ready.store(true, Ordering::SeqCst)),
            unsynced: unsynced.clone(),
            commits: commits.clone(),
        };
        let thread_path = path.clone();
        let handle = std::thread::Builder::new()
            .name("accord-store-writer".into())
            .spawn(move || writer::run(conn, thread_path, rx, hooks, lock))
            .map_err(|e| StoreError::io("start the writer thread for", &path, e))?;
        let (release, _) = watch::channel(false);
        Ok(Store {
            shared: Arc::new(Shared {
                path,
                options,
                tx: Mutex::new(Some(tx)),
                writer_thread: handle.thread().clone(),
                writer: Mutex::new(Some(handle)),
                readers: Mutex::new(Vec::new()),
                closed: AtomicBool::new(false),
                index_ready,
                snapshot_acks: Mutex::new(HashMap::new()),
                release,
                written: Mutex::new(HashMap::new()),
                expecting: Arc::new(tokio::sync::Notify::new()),
                unsaved_snapshots: Mutex::new(HashSet::new()),
                unsynced,
                commits,
            }),
        })
    }

    /// Whether commits exist that a power cut could take: ones holding nothing but changes
    /// from peers, which commit without an fsync (see `writer`). A crash of the process
    /// takes none of them; the next write of this device's own, or a flush, syncs them.
    pub fn has_unsynced_commits(&self) -> bool {
        self.shared.unsynced.load(Ordering::SeqCst)
    }

    /// How many transactions that wrote something the writer has committed since the store
    /// opened: a measure of what writing costs (each is a commit, most an fsync).
    pub fn commit_count(&self) -> u64 {
        self.shared.commits.load(Ordering::SeqCst)
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.shared.path
    }

    /// samod's storage on this database. Give it to `samod::Repo::build_tokio().with_storage(..)`.
    pub fn samod_storage(&self) -> SqliteStorage {
        SqliteStorage {
            shared: self.shared.clone(),
        }
    }

    /// Enqueues a write of `data` under `key` (samod's key layout), made by this device, and
    /// returns at once; it never blocks on the disk, so it may be called while holding
    /// samod's document lock. A single change written this way (`[doc_id, "incremental",
    /// change_hash]` → `change.raw_bytes()`) is no longer [expected](Store::expect_change).
    pub fn put_durable(&self, key: &StorageKey, data: Vec<u8>) -> WriteTicket {
        self.shared.put(key, data, true)
    }

    /// Records that a change was just made to `doc` on this device (typed into here) and that
    /// samod will put it: until samod's `put` of it arrives, it is among
    /// [`Store::unwritten_changes`]. Call it inside samod's document lock, before samod's
    /// step after the change. Costs no write: samod's own put of the change is the write.
    pub fn expect_change(&self, doc: &str, change: ChangeHash) {
        let mut written = self.shared.written();
        let w = self.shared.entry(&mut written, doc);
        let now = Instant::now();
        w.typed = Some(now);
        if w.expected.is_empty() {
            self.shared.expecting.notify_one();
        }
        if w.expected.insert(change) {
            w.expected_order.push_back((change, now));
        }
    }

    /// Completes once a change is [expected](Store::expect_change) (at once if one was since
    /// the last wait). Holds nothing of the store while it waits.
    pub fn changes_expected(&self) -> impl Future<Output = ()> + Send + 'static {
        let expecting = self.shared.expecting.clone();
        async move { expecting.notified().await }
    }

    /// The documents with a change [expected](Store::expect_change) for longer than `age`
    /// (samod's IO loop is behind), and whether any change is expected at all.
    pub fn overdue_documents(&self, age: Duration) -> (Vec<String>, bool) {
        let mut written = self.shared.written();
        let now = Instant::now();
        let mut any = false;
        let mut overdue = Vec::new();
        for (doc, w) in written.iter_mut() {
            while w
                .expected_order
                .front()
                .is_some_and(|(c, _)| !w.expected.contains(c))
            {
                w.expected_order.pop_front();
            }
            any |= !w.expected.is_empty();
            if w.expected_order
                .front()
                .is_some_and(|(_, t)| now.duration_since(*t) > age)
            {
                overdue.push(doc.clone());
            }
        }
        (overdue, any)
    }

    /// Enqueues a write of `data` under `key`, a piece of a document (its id the key's first
    /// component) holding at least `changes` — one of them, or a save of the whole document
    /// — which are then no longer [expected](Store::expect_change). Not typing: it moves no
    /// [`Store::typed_since`].
    pub fn put_covering(
        &self,
        key: &StorageKey,
        data: Vec<u8>,
        changes: &[ChangeHash],
    ) -> WriteTicket {
        let ticket = self.shared.put(key, data, false);
        if let Some(doc) = key.into_iter().next() {
            self.forget_expected(doc, changes);
        }
        ticket
    }

    /// Stops expecting `changes` of `doc` without writing anything (the caller found them
    /// not to be in the document).
    pub fn forget_expected(&self, doc: &str, changes: &[ChangeHash]) {
        let mut written = self.shared.written();
        if let Some(w) = written.get_mut(doc) {
            for c in changes {
                w.expected.remove(c);
            }
        }
    }

    /// The changes of `doc` [expected](Store::expect_change) whose put has not arrived:
    /// samod has them queued, or wrote them inside a snapshot. To make them durable, write
    /// them with [`Store::put_covering`], then [`Store::flush`].
    pub fn unwritten_changes(&self, doc: &str) -> Vec<ChangeHash> {
        let written = self.shared.written();
        written
            .get(doc)
            .map(|w| w.expected.iter().copied().collect())
            .unwrap_or_default()
    }

    /// Enqueues the deletion of `key`, in order with the writes before it (so a put followed
    /// by the deletion of what it replaces is never reordered).
    pub fn delete_durable(&self, key: &StorageKey) -> WriteTicket {
        self.shared.enqueue(Op::Delete {
            key: key.to_string(),
        })
    }

    /// Completes when everything enqueued before the call is committed. Errs if any write
    /// since the previous flush failed (a full disk, say); what was committed stays readable.
    /// Changes [expected](Store::expect_change) from samod are covered only once written
    /// (see [`Store::unwritten_changes`]).
    pub fn flush(&self) -> impl Future<Output = Result<()>> + Send + 'static {
        self.shared.enqueue(Op::Flush)
    }

    /// [`Store::flush`] for threads that may block (never inside an async task).
    pub fn flush_blocking(&self) -> Result<()> {
        self.shared.enqueue_blocking(Op::Flush)
    }

    /// Replaces the index rows of one document (in the background writer; await the ticket
    /// only if you must read the result at once).
    pub fn index(&self, doc: IndexDoc) -> WriteTicket {
        self.shared.enqueue(Op::Index(IndexOp::Put(Box::new(doc))))
    }

    pub fn index_meeting(&self, id: DocId, view: accord_model::MeetingView) -> WriteTicket {
        self.index(IndexDoc::Meeting(id, view))
    }

    pub fn index_draft(&self, id: DocId, view: accord_model::DraftView) -> WriteTicket {
        self.index(IndexDoc::Draft(id, view))
    }

    pub fn index_minutes(&self, id: DocId, view: accord_model::MinutesView) -> WriteTicket {
        self.index(IndexDoc::Minutes(id, view))
    }

    /// Removes a document's rows from the index (a meeting's: its meeting row and actions).
    pub fn remove_from_index(&self, id: &DocId) -> WriteTicket {
        self.shared.enqueue(Op::Index(IndexOp::Remove(id.clone())))
    }

    /// Replaces the whole index with rows made from `docs` (every document of the profile),
    /// in one transaction; afterwards [`Store::index_needs_rebuild`] is false.
    pub fn rebuild_index(&self, docs: impl IntoIterator<Item = IndexDoc>) -> WriteTicket {
        self.shared
            .enqueue(Op::Index(IndexOp::Rebuild(docs.into_iter().collect())))
    }

    /// True when the index is empty or stale because its format changed (or a rebuild was
    /// interrupted): feed every document to [`Store::rebuild_index`].
    pub fn index_needs_rebuild(&self) -> bool {
        !self.shared.index_ready.load(Ordering::SeqCst)
    }

    /// Full-text search over meeting titles, draft titles, preambles, clauses, minutes and
    /// action items, best first. Whatever the user typed is safe to pass; the last word
    /// matches as a prefix. Accents are ignored ("Mexico" finds "México").
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        self.shared.read(|c| index::search(c, query, limit))
    }

    /// Action items across all meetings, by due date (undated last).
    pub fn actions(&self, filter: &ActionFilter) -> Result<Vec<ActionRow>> {
        self.shared.read(|c| index::actions(c, filter))
    }

    /// The meetings, the most recent first (undated last).
    pub fn meetings(&self) -> Result<Vec<MeetingRow>> {
        self.shared.read(index::meetings)
    }

    /// The ids of every document stored in the profile (the first component of samod's
    /// keys), found by skipping from one document's keys to the next: it costs the number of
    /// documents, not the number of keys.
    pub fn document_ids(&self) -> Result<Vec<String>> {
        self.shared.read(|c| {
            let mut st =
                c.prepare_cached("SELECT key FROM samod_kv WHERE key >= ?1 ORDER BY key LIMIT 1")?;
            let mut out = Vec::new();
            let mut from = String::new();
            loop {
                let next: Option<String> = st.query_row([&from], |r| r.get(0)).optional()?;
                let Some(key) = next else { break };
                let doc = key.split('/').next().unwrap_or_default().to_string();
                // '0' sorts right after '/': the first key past every "doc/…" key.
                from = format!("{doc}0");
                if key.contains('/') && !doc.is_empty() {
                    out.push(doc);
                }
            }
            Ok(out)
        })
    }

    /// The bytes stored for one document (its snapshots and incremental changes), and the
    /// number of keys they are in.
    pub fn document_bytes(&self, doc_id: &str) -> Result<(u64, u64)> {
        let (from, to) = db::keys_under(doc_id);
        self.shared.read(|c| {
            c.query_row(
                "SELECT COALESCE(SUM(LENGTH(data)), 0), COUNT(*) FROM samod_kv WHERE key >= ?1 AND key < ?2",
                [&from, &to],
                |r| Ok((r.get::<_, i64>(0)? as u64, r.get::<_, i64>(1)? as u64)),
            )
        })
    }

    /// The heads each document rested at when a session last recorded them, for the documents
    /// untouched since: a document written to in any way (by samod or by
    /// [`Store::put_durable`]) loses its record before the write is queued, so a record that is
    /// there is exactly the stored document's heads — also after a crash. The Workspace
    /// records them when it closes ([`Store::record_resting_heads`]) and tells peers what it
    /// holds from them without loading the documents.
    pub fn resting_heads(&self) -> Result<HashMap<String, Vec<ChangeHash>>> {
        self.shared.read(|c| {
            let mut st = c.prepare_cached("SELECT doc, heads FROM resting_heads")?;
            let mut rows = st.query([])?;
            let mut out = HashMap::new();
            while let Some(r) = rows.next()? {
                let doc: String = r.get(0)?;
                let bytes: Vec<u8> = r.get(1)?;
                if !bytes.len().is_multiple_of(32) {
                    continue; // not ours: no record
                }
                let heads = bytes
                    .chunks_exact(32)
                    .map(|b| ChangeHash(b.try_into().expect("32 bytes")))
                    .collect();
                out.insert(doc, heads);
            }
            Ok(out)
        })
    }

    /// Records the heads `doc` rests at. Call it only when every write of the document is
    /// queued (the repo stopped), with the heads those writes leave it at.
    pub fn record_resting_heads(&self, doc: &str, heads: &[ChangeHash]) -> WriteTicket {
        let mut sorted = heads.to_vec();
        sorted.sort();
        self.shared.enqueue(Op::RecordHeads {
            doc: doc.to_string(),
            heads: sorted.iter().flat_map(|h| h.0).collect(),
        })
    }

    /// Stores a whole document as one piece: `data`, automerge's `save()` of the document at
    /// `heads`, under a snapshot key, and deletes every piece it was stored in before (queued
    /// in order: a piece written after this call stays). samod loads a document of one piece
    /// as fast as `Automerge::load`, where many pieces — above all large single changes, which
    /// automerge applies op by op — cost it time and memory. The caller must hold every
    /// change of the stored pieces in `data` (a document with changes waiting for missing
    /// dependencies must not be rested).
    ///
    /// The key is new each time: samod deletes the pieces a compaction of its own superseded
    /// once that compaction is written, and a rest at the heads of an earlier one must not
    /// land under a key samod is about to delete.
    pub fn rest_document(&self, doc_id: &str, heads: &[ChangeHash], data: Vec<u8>) -> WriteTicket {
        let name = heads
            .iter()
            .min()
            .map(|h| h.to_string())
            .unwrap_or_default();
        let nonce: u64 = rand::random();
        let mut written = self.shared.written();
        if let Some(w) = written.get_mut(doc_id) {
            w.pieces.clear(); // all of them deleted by the rest
        }
        self.shared.enqueue(Op::Rest {
            doc: doc_id.to_string(),
            key: format!("{doc_id}/snapshot/accord-rest-{name}-{nonce:016x}"),
            data,
        })
    }

    /// Whether `doc` was typed into here ([`Store::expect_change`], [`Store::put_durable`])
    /// after `t`.
    pub fn typed_since(&self, doc: &str, t: Instant) -> bool {
        self.shared
            .written()
            .get(doc)
            .and_then(|w| w.typed)
            .is_some_and(|at| at > t)
    }

    /// The documents typed into here in this session, the most recently written first.
    pub fn edited_documents(&self) -> Vec<String> {
        let written = self.shared.written();
        let mut edited: Vec<(Instant, &String)> = written
            .iter()
            .filter_map(|(doc, w)| w.typed.map(|t| (t, doc)))
            .collect();
        edited.sort_by_key(|e| std::cmp::Reverse(e.0));
        edited.into_iter().map(|(_, d)| d.clone()).collect()
    }

    /// The documents recorded as last worked on ([`Store::record_recent_documents`]), most
    /// recent first; none for a profile that never recorded any.
    pub fn recent_documents(&self) -> Result<Vec<String>> {
        self.shared.read(|c| {
            use rusqlite::OptionalExtension;
            let v: Option<String> = c
                .prepare_cached("SELECT value FROM meta WHERE key = ?1")?
                .query_row([db::RECENT_KEY], |r| r.get(0))
                .optional()?;
            Ok(
                v.map(|v| v.split_whitespace().map(str::to_string).collect())
                    .unwrap_or_default(),
            )
        })
    }

    /// Records the device the profile is used with (see `Profile::open`), waiting for it.
    pub(crate) fn record_device(&self, device: &str) -> Result<()> {
        self.shared.enqueue_blocking(Op::SetMeta {
            key: db::DEVICE_KEY,
            value: device.to_string(),
        })
    }

    /// Records the documents last worked on, most recent first, for the next open to load
    /// ahead of being asked. Ids holding whitespace are skipped (samod's never do).
    pub fn record_recent_documents(&self, docs: &[String]) -> WriteTicket {
        let docs = docs
            .iter()
            .filter(|d| !d.is_empty() && !d.contains(char::is_whitespace))
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(" ");
        self.shared.enqueue(Op::RecordRecent { docs })
    }

    /// The documents written to in this session (whose resting heads were forgotten).
    pub fn touched_documents(&self) -> Vec<String> {
        let written = self.shared.written();
        written.keys().cloned().collect()
    }

    /// Lets every held snapshot acknowledgement complete now and stops holding new ones.
    /// Call it before `repo.stop()`, which waits for outstanding storage writes.
    pub fn release_snapshot_holds(&self) {
        self.shared.release.send_replace(true);
    }

    /// Commits what is queued, stops the writer and releases the profile lock. Later writes
    /// fail with [`StoreError::Closed`]. Returns the error of any write that failed since the
    /// last flush.
    pub(crate) fn close(&self) -> Result<()> {
        let s = &self.shared;
        s.release.send_replace(true);
        // Readers first, so that the writer's connection is the last one and checkpoints
        // the WAL into the database when it closes.
        s.closed.store(true, Ordering::SeqCst);
        s.readers.lock().unwrap_or_else(|e| e.into_inner()).clear();
        let result = s.enqueue_blocking(Op::Close);
        s.tx.lock().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(h) = s.writer.lock().unwrap_or_else(|e| e.into_inner()).take()
            && h.join().is_err()
        {
            tracing::error!(path = %s.path.display(), "the writer thread panicked");
        }
        match result {
            Err(StoreError::Closed) => Ok(()), // closed twice
            other => other,
        }
    }
}

impl Shared {
    /// What this session wrote, per document.
    fn written(&self) -> std::sync::MutexGuard<'_, HashMap<String, DocWrites>> {
        self.written.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The record of `doc`'s writes, made (and the document's resting heads forgotten, ahead
    /// of any write of it) the first time it is written in this session.
    fn entry<'a>(
        &self,
        written: &'a mut HashMap<String, DocWrites>,
        doc: &str,
    ) -> &'a mut DocWrites {
        if !written.contains_key(doc) {
            drop(self.enqueue(Op::ForgetHeads {
                doc: doc.to_string(),
            }));
            written.insert(doc.to_string(), DocWrites::default());
        }
        written.get_mut(doc).expect("just inserted")
    }

    /// Queues a write of a document's key; `local`: typed into here. A single change is no
    /// longer expected, and counts towards the document's next chunk.
    fn put(&self, key: &StorageKey, data: Vec<u8>, local: bool) -> WriteTicket {
        let parts: Vec<&String> = key.into_iter().collect();
        let Some(doc) = parts.first() else {
            return self.enqueue(Op::Put {
                key: key.to_string(),
                data,
                durable: true,
            });
        };
        // Queued under the lock, so no concurrent write of the document can go before it.
        let mut written = self.written();
        let w = self.entry(&mut written, doc);
        if local {
            w.typed = Some(Instant::now());
        }
        let key = key.to_string();
        let single = single_change(&parts);
        // A single change that was neither made nor expected here came from a peer, which
        // holds it too (see `Op::Put::durable`); everything else is this device's to keep.
        let made_here = single.is_some_and(|change| w.expected.remove(&change));
        let durable = local || single.is_none() || made_here;
        if !durable {
            w.trickled = Some(Instant::now());
        }
        let ticket = self.enqueue(Op::Put {
            key: key.clone(),
            data,
            durable,
        });
        if single.is_some() {
            self.add_piece(doc, w, 0, key);
        }
        ticket
    }

    /// Counts a piece of `doc` at `level`, queueing the merge of a full level into a chunk
    /// of the next (see [`CHUNK_SINGLES`]).
    fn add_piece(&self, doc: &str, w: &mut DocWrites, level: usize, key: String) {
        if w.pieces.len() <= level {
            w.pieces.resize_with(level + 1, Vec::new);
        }
        w.pieces[level].push(key);
        let full = if level == 0 {
            CHUNK_SINGLES
        } else {
            CHUNK_FAN_IN
        };
        if level >= CHUNK_LEVELS || w.pieces[level].len() < full {
            return;
        }
        let nonce: u64 = rand::random();
        let into = format!("{doc}/incremental/accord-c{}-{nonce:016x}", level + 1);
        let keys = std::mem::take(&mut w.pieces[level]);
        drop(self.enqueue(Op::Merge {
            into: into.clone(),
            keys,
        }));
        self.add_piece(doc, w, level + 1, into);
    }

    fn send(&self, op: Op, ack: Ack) -> std::result::Result<(), Ack> {
        let tx = self.tx.lock().unwrap_or_else(|e| e.into_inner());
        let urgent = !op.may_wait();
        match tx.as_ref() {
            Some(tx) => {
                tx.send(Job { op, ack: Some(ack) })
                    .map_err(|e| e.0.ack.expect("sent with an ack"))?;
                // A batch of peers' changes waiting for company sleeps without listening
                // to the queue; what must not wait wakes it.
                if urgent {
                    self.writer_thread.unpark();
                }
                Ok(())
            }
            None => Err(ack),
        }
    }

    fn enqueue(&self, op: Op) -> WriteTicket {
        let (tx, rx) = oneshot::channel();
        match self.send(op, Ack::Async(tx)) {
            Ok(()) => WriteTicket {
                rx: Some(rx),
                early: None,
            },
            Err(_) => WriteTicket {
                rx: None,
                early: Some(StoreError::Closed),
            },
        }
    }

    fn enqueue_blocking(&self, op: Op) -> Result<()> {
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        self.send(op, Ack::Blocking(tx))
            .map_err(|_| StoreError::Closed)?;
        rx.recv().unwrap_or(Err(StoreError::Closed))
    }

    /// Runs a query on a pooled read-only connection.
    fn read<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Result<T> {
        if self.closed.load(Ordering::SeqCst) {
            return Err(StoreError::Closed);
        }
        let pooled = self.readers.lock().unwrap_or_else(|e| e.into_inner()).pop();
        let conn = match pooled {
            Some(c) => c,
            None => db::open_reader(&self.path)?,
        };
        let r = f(&conn);
        if !self.closed.load(Ordering::SeqCst) {
            let mut pool = self.readers.lock().unwrap_or_else(|e| e.into_inner());
            if pool.len() < 4 {
                pool.push(conn);
            }
        }
        r.map_err(|source| {
            if is_corruption(&source) {
                StoreError::Corrupt {
                    path: self.path.clone(),
                    reason: source.to_string(),
                    source: Some(source),
                }
            } else {
                StoreError::Read {
                    path: self.path.clone(),
                    source,
                }
            }
        })
    }

    /// When a snapshot of `doc` that was just committed may be acknowledged.
    fn snapshot_ack_at(&self, doc: &str) -> Instant {
        let now = Instant::now();
        let interval = self.options.snapshot_interval;
        if interval.is_zero() || *self.release.borrow() {
            return now;
        }
        let mut acks = self.snapshot_acks.lock().unwrap_or_else(|e| e.into_inner());
        let at = match acks.get(doc) {
            Some(prev) => (*prev + interval).max(now),
            None => now,
        };
        // Reserve the slot now, so two snapshots of one document in flight space out too.
        acks.insert(doc.to_string(), at);
        at
    }

    /// Until when a snapshot of `doc` whose slot is `slot` is held, now: the slot, but no
    /// longer than [`StoreOptions::typing_pause`] after the document's last local write or
    /// peer's single change.
    fn snapshot_hold_until(&self, doc: &str, slot: Instant) -> Instant {
        let last = self
            .written()
            .get(doc)
            .and_then(|w| w.typed.max(w.trickled));
        match last {
            Some(t) => slot.min(t + self.options.typing_pause),
            None => Instant::now(),
        }
    }

    /// A held snapshot of `doc` was acknowledged at `at`, before its slot: the next one is
    /// spaced from here.
    fn snapshot_acked(&self, doc: &str, at: Instant) {
        let mut acks = self.snapshot_acks.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(slot) = acks.get_mut(doc) {
            *slot = (*slot).min(at);
        }
    }
}

/// samod's [`samod::storage::Storage`] on the profile's database (table `samod_kv`, keys
/// are samod's key components joined by `/`).
///
/// **Acknowledged when queued.** A `put` resolves as soon as the writer has it queued: the
/// writer commits everything in the order it was queued, so nothing samod does after the
/// acknowledgement (deleting what a compaction superseded, say) can reach the disk before
/// the put. Waiting for the commit instead kept samod's IO loop far behind a burst of edits
/// (the paper trace at machine speed: closing then waited 33 s for it, now 1.5 s). A snapshot's `put`
/// resolves when committed (and may be held, below); a `delete` when committed. A snapshot
/// that fails to write (a full disk) still resolves — samod's `put` cannot fail — so samod
/// goes on to delete the pieces it replaces: those deletions of the document are skipped
/// until one of its snapshots is written. A write that
/// fails is logged by the writer — samod's `put` cannot return an error — and reported by
/// the next [`Store::flush`]. How a device knows its own changes are on disk: see
/// [`Store::expect_change`].
///
/// **Snapshot acknowledgements are held back.** samod-core 0.16
/// (`actors/document/on_disk_state.rs`) starts a *compaction* — a full `doc.save()`, run
/// synchronously inside `with_document` — whenever more than ten keys of a document are on
/// disk and no compaction is running, and a compaction runs until its snapshot `put`
/// resolves. With a fast storage that is a full save every ~11 keystrokes, so typing would
/// cost more the longer the document is. So a `put` of a `[doc, "snapshot", hash]` key is
/// written at once but, while the document is being typed into — here, or elsewhere with its
/// changes arriving one by one — resolves no sooner than
/// [`StoreOptions::snapshot_interval`] after the previous snapshot of the same document
/// resolved — or [`StoreOptions::typing_pause`] after the last local write or peer's single
/// change, if typing pauses first. Every device in a room would otherwise save the whole
/// document every ~11 keystrokes of each delegate typing elsewhere. A document that peers
/// changed only in batches is not held: while a compaction runs, samod writes each change of
/// a received batch as a key of its own, and a thousand of them cost a thousand steps of the
/// document (a batch that arrives while a hold is pending is written so — its changes then
/// count as trickling — for at most the rest of the interval). Nothing becomes less durable:
/// while a
/// compaction runs samod keeps writing each change as an incremental key. The first
/// snapshot of a document in a session is acknowledged at once. [`Store::release_snapshot_holds`] ends the
/// holds (call it before `repo.stop()`, which waits for outstanding puts). The hold uses
/// tokio's timer when a tokio runtime is running and is skipped otherwise.
///
/// **Single changes are merged into chunks** as they come, local or not (see
/// [`CHUNK_SINGLES`]); a change [expected](Store::expect_change) from this device is marked
/// written when its put arrives.
#[derive(Clone)]
pub struct SqliteStorage {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for SqliteStorage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStorage")
            .field("path", &self.shared.path)
            .finish_non_exhaustive()
    }
}

impl SqliteStorage {
    /// Runs a blocking read off the async executor when there is a tokio runtime.
    async fn blocking_read<T: Send + 'static>(
        &self,
        what: &'static str,
        f: impl FnOnce(&Connection) -> rusqlite::Result<T> + Send + 'static,
    ) -> Option<T> {
        // Every put acknowledged before this read is committed first (puts are acknowledged
        // when queued; see "Acknowledged when queued").
        let barrier = self.shared.enqueue(Op::Barrier);
        let _ = barrier.await;
        let shared = self.shared.clone();
        let r = match tokio::runtime::Handle::try_current() {
            Ok(h) => match h.spawn_blocking(move || shared.read(f)).await {
                Ok(r) => r,
                // The runtime shutting down (a command line run that ends, say) cancels a
                // read not yet started: nothing failed.
                Err(e) if e.is_cancelled() => {
                    tracing::debug!(what, "storage read cancelled: the runtime is shutting down");
                    return None;
                }
                Err(e) => {
                    tracing::error!(error = %e, what, "storage read task failed");
                    return None;
                }
            },
            Err(_) => shared.read(f),
        };
        match r {
            Ok(v) => Some(v),
            Err(StoreError::Closed) => {
                // A load still under way as the profile closes: nothing failed.
                tracing::debug!(what, "storage read after the store closed");
                None
            }
            Err(e) => {
                // samod's trait has no error channel: a failed read looks like "not here",
                // which makes samod ask peers rather than overwrite anything.
                tracing::error!(error = %e, what, "storage read failed");
                None
            }
        }
    }
}

fn parse_key(s: &str) -> Option<StorageKey> {
    let key = if s.is_empty() {
        StorageKey::from_parts(Vec::<&str>::new())
    } else {
        StorageKey::from_parts(s.split('/'))
    };
    match key {
        Ok(k) => Some(k),
        Err(_) => {
            tracing::warn!(key = s, "skipping a stored key that is not a samod key");
            None
        }
    }
}

impl samod::storage::Storage for SqliteStorage {
    fn load(&self, key: StorageKey) -> impl Future<Output = Option<Vec<u8>>> + Send {
        let k = key.to_string();
        async move {
            self.blocking_read("load", move |c| {
                use rusqlite::OptionalExtension;
                c.prepare_cached("SELECT data FROM samod_kv WHERE key = ?1")?
                    .query_row([k], |r| r.get(0))
                    .optional()
            })
            .await
            .flatten()
        }
    }

    fn load_range(
        &self,
        prefix: StorageKey,
    ) -> impl Future<Output = HashMap<StorageKey, Vec<u8>>> + Send {
        let p = prefix.to_string();
        async move {
            self.blocking_read("load_range", move |c| {
                // `p` itself, and everything under `p/` (`db::keys_under`).
                let mut out = HashMap::new();
                let mut push = |k: String, v: Vec<u8>| {
                    if let Some(k) = parse_key(&k) {
                        out.insert(k, v);
                    }
                };
                if p.is_empty() {
                    let mut st = c.prepare_cached("SELECT key, data FROM samod_kv")?;
                    let mut rows = st.query([])?;
                    while let Some(r) = rows.next()? {
                        push(r.get(0)?, r.get(1)?);
                    }
                } else {
                    let mut st = c.prepare_cached(
                        "SELECT key, data FROM samod_kv WHERE key = ?1 OR (key >= ?2 AND key < ?3)",
                    )?;
                    let (from, to) = db::keys_under(&p);
                    let mut rows = st.query((&p, from, to))?;
                    while let Some(r) = rows.next()? {
                        push(r.get(0)?, r.get(1)?);
                    }
                }
                Ok(out)
            })
            .await
            .unwrap_or_default()
        }
    }

    fn put(&self, key: StorageKey, data: Vec<u8>) -> impl Future<Output = ()> + Send {
        let snapshot_of = {
            let parts: Vec<&String> = (&key).into_iter().collect();
            (parts.len() == 3 && parts[1] == "snapshot").then(|| parts[0].clone())
        };
        let ticket = self.shared.put(&key, data, false);
        // Only a snapshot's acknowledgement waits for its commit (and is held); other puts
        // are acknowledged once queued. See "Acknowledged when queued" above.
        let ticket = snapshot_of.as_ref().map(|_| ticket);
        let shared = self.shared.clone();
        async move {
            let (Some(ticket), Some(doc)) = (ticket, snapshot_of) else {
                return;
            };
            let written = ticket.await;
            {
                let mut unsaved = shared
                    .unsaved_snapshots
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                if let Err(e) = written {
                    tracing::error!(%key, error = %e, "storage put failed; the next flush \
                        reports it; the pieces it would replace are kept");
                    unsaved.insert(doc);
                    return;
                }
                unsaved.remove(&doc);
            }
            let slot = shared.snapshot_ack_at(&doc);
            if slot <= Instant::now() || tokio::runtime::Handle::try_current().is_err() {
                return;
            }
            let mut release = shared.release.subscribe();
            // Re-checked after each wait: typing may have gone on meanwhile.
            loop {
                let until = shared.snapshot_hold_until(&doc, slot);
                if until <= Instant::now() {
                    break;
                }
                tracing::trace!(%doc, hold_ms = (until - Instant::now()).as_millis() as u64, "holding snapshot acknowledgement");
                tokio::select! {
                    _ = tokio::time::sleep_until(until.into()) => {}
                    _ = release.wait_for(|r| *r) => break,
                }
            }
            shared.snapshot_acked(&doc, Instant::now());
        }
    }

    fn delete(&self, key: StorageKey) -> impl Future<Output = ()> + Send {
        let kept = (&key).into_iter().next().is_some_and(|doc| {
            self.shared
                .unsaved_snapshots
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .contains(doc.as_str())
        });
        let ticket = (!kept).then(|| {
            self.shared.enqueue(Op::Delete {
                key: key.to_string(),
            })
        });
        async move {
            let Some(ticket) = ticket else {
                tracing::warn!(%key, "not deleted: the snapshot that replaces it was not written");
                return;
            };
            if let Err(e) = ticket.await {
                tracing::error!(%key, error = %e, "storage delete failed; the next flush reports it");
            }
        }
    }
}
