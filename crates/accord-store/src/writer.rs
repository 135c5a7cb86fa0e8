//! The writer thread: the one read-write connection, and group commit.
//!
//! Every write — samod puts and deletes, [`crate::Store::put_durable`], index updates — is a
//! [`Job`] on one channel. The thread takes whatever is queued (up to a cap), runs it in ONE
//! transaction, commits (one fsync with `synchronous=FULL`), and only then acknowledges every
//! job of the batch. Throughput comes from batching: while one batch is being synced the next
//! one queues up, so a burst of keystrokes costs one fsync, not one per keystroke. An
//! acknowledged job is therefore committed, which is what makes "acknowledged survives
//! `kill -9`" true. (`SqliteStorage` answers samod's non-snapshot puts without waiting for
//! the job's acknowledgement; the order of the queue is what it relies on.)
//!
//! A batch holding nothing but what other devices also hold — a peer's changes, and the
//! moves and deletions of pieces already stored — commits with `synchronous=NORMAL`: no fsync.
//! It survives a crash of the process all the same (the WAL is written before the commit
//! returns); only a power cut may take it, and then the sync brings it back from the peers,
//! whose sync state with this device does not outlive the connection. A room of thirty
//! typing delegations would otherwise cost every device an fsync per keystroke of each of
//! them. The WAL keeps commits in order, so a power cut takes a suffix of them, never one
//! from the middle; the next batch that needs the disk syncs them all (see [`Commit`]). Such a
//! batch also waits up to [`COALESCE`] for company before it commits, so the keystrokes of a
//! room arriving from many peers cost a commit together; anything that needs the disk or that
//! someone waits on (a read's barrier) ends the wait at once.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, TryRecvError};

use rusqlite::Connection;
use tokio::sync::oneshot;

use crate::error::{StoreError, is_full};
use crate::index::{self, IndexOp};

/// The most jobs, and the most payload bytes, that go into one transaction. Bounded so a
/// flood of writes still gets acknowledged in steady steps and memory stays flat.
const MAX_BATCH_JOBS: usize = 4096;
const MAX_BATCH_BYTES: usize = 64 << 20;

/// How long a batch of nothing but peers' changes waits for more before it commits.
const COALESCE: std::time::Duration = std::time::Duration::from_millis(25);

/// How often an idle writer looks at its WAL file (see [`WalWatch`]).
const IDLE_CHECK: std::time::Duration = std::time::Duration::from_secs(1);

/// Why a job was not carried out.
#[derive(Debug, Clone)]
pub(crate) enum Failure {
    Sqlite(Arc<rusqlite::Error>),
    /// It would write a document an earlier write of which failed (see
    /// [`StoreError::Unsaved`]).
    Unsaved {
        doc: String,
        disk_full: bool,
    },
    /// The WAL file was unlinked or replaced (see [`WalWatch`]).
    WalLost,
}

impl Failure {
    fn disk_full(&self) -> bool {
        match self {
            Failure::Sqlite(e) => is_full(e),
            Failure::Unsaved { disk_full, .. } => *disk_full,
            Failure::WalLost => false,
        }
    }

    fn to_error(&self, path: &std::path::Path) -> StoreError {
        match self {
            Failure::Sqlite(e) => write_error(path, e.clone()),
            Failure::Unsaved { doc, disk_full } => StoreError::Unsaved {
                path: path.to_path_buf(),
                doc: doc.clone(),
                disk_full: *disk_full,
            },
            Failure::WalLost => StoreError::WalLost {
                path: path.to_path_buf(),
                wal: crate::db::wal_path(path),
            },
        }
    }
}

/// Watches that the WAL file the writer's connection uses is still the file at its path.
///
/// Commits go to the WAL and reach the database file only at a checkpoint. If someone
/// deletes (or replaces) `accord.sqlite3-wal` while the profile is open, SQLite goes on
/// appending to the unlinked file through its open descriptor: every commit "succeeds" and
/// is lost when the process dies. SQLite does not notice, so the writer does: it records the
/// WAL's device and inode when it first sees it, and compares them before and after every
/// batch and once a second while idle (a `stat`, no IO on the data). On a mismatch it first
/// copies what the unlinked log holds into the database file (a checkpoint through the
/// descriptor that is still open: the commits acknowledged so far survive a crash after
/// all), then refuses every later write with [`StoreError::WalLost`] and logs it: nothing is
/// acknowledged that could not be made durable. Only the writer's own connection closing
/// (the last one) removes the WAL legitimately, and that ends the watch.
///
/// Chosen over a commit counter in a file beside the database (which would catch the loss
/// only at the next open, after the data is gone, and costs a write per commit): a check
/// in the running process both stops the acknowledgements and saves what can be saved. A
/// process killed before it noticed leaves SQLite's `-shm` behind, which says how many
/// frames the log held: the next open refuses the profile then (`db::check_wal_not_lost`),
/// at no cost per commit.
struct WalWatch {
    path: PathBuf,
    id: Option<(u64, u64)>,
    lost: bool,
}

impl WalWatch {
    fn new(db: &std::path::Path) -> WalWatch {
        let mut w = WalWatch {
            path: crate::db::wal_path(db),
            id: None,
            lost: false,
        };
        w.id = w.file_id();
        w
    }

    #[cfg(unix)]
    fn file_id(&self) -> Option<(u64, u64)> {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata(&self.path)
            .ok()
            .map(|m| (m.dev(), m.ino()))
    }

    #[cfg(not(unix))]
    fn file_id(&self) -> Option<(u64, u64)> {
        None
    }

    /// Whether the WAL is lost now (or was before). The first time it is found lost, what
    /// the connection still holds of it is checkpointed into the database file.
    fn check(&mut self, conn: &Connection, db: &std::path::Path) -> bool {
        if self.lost {
            return true;
        }
        let now = self.file_id();
        match (self.id, now) {
            (None, now) => {
                self.id = now;
                return false;
            }
            (Some(a), Some(b)) if a == b => return false,
            _ => {}
        }
        self.lost = true;
        let rescued = conn.query_row("PRAGMA wal_checkpoint(FULL)", [], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        });
        tracing::error!(
            wal = %self.path.display(),
            db = %db.display(),
            checkpoint = ?rescued,
            "the database's write-ahead log was deleted or replaced while open; every later \
             write is refused (what the log held was copied into the database: busy, frames, \
             copied)"
        );
        true
    }
}

/// Where a job's outcome goes: an async waiter or a blocking one (a tokio oneshot cannot
/// be waited on blocking from inside a runtime, a std channel can).
#[derive(Debug)]
pub(crate) enum Ack {
    Async(oneshot::Sender<Result<(), StoreError>>),
    Blocking(std::sync::mpsc::SyncSender<Result<(), StoreError>>),
}

impl Ack {
    fn send(self, r: Result<(), StoreError>) {
        // The waiter may have gone away (a dropped ticket): that is fine.
        let _ = match self {
            Ack::Async(tx) => tx.send(r).map_err(|_| ()),
            Ack::Blocking(tx) => tx.send(r).map_err(|_| ()),
        };
    }
}

#[derive(Debug)]
pub(crate) enum Op {
    Put {
        key: String,
        data: Vec<u8>,
        /// Made or kept here: its commit is synced to the disk. `false` only for a peer's
        /// change, which the peer holds too (see the module's introduction).
        durable: bool,
    },
    Delete {
        key: String,
    },
    Index(IndexOp),
    /// Records the heads a document rests at (see [`crate::Store::resting_heads`]).
    RecordHeads {
        doc: String,
        heads: Vec<u8>,
    },
    /// Forgets them: the document is about to change.
    ForgetHeads {
        doc: String,
    },
    /// Writes `data` under `key` and deletes every other key of document `doc`: the whole
    /// document as one piece, replacing the pieces it was stored in.
    Rest {
        doc: String,
        key: String,
        data: Vec<u8>,
    },
    /// Writes the pieces `keys` still there as one piece `into` (their bytes in order), then
    /// deletes them (see `crate::store::CHUNK_SINGLES`).
    Merge {
        into: String,
        keys: Vec<String>,
    },
    /// Records the documents last worked on (see [`crate::Store::recent_documents`]).
    RecordRecent {
        docs: String,
    },
    /// Sets one `meta` value (the device id the profile is used with).
    SetMeta {
        key: &'static str,
        value: String,
    },
    /// Completes when everything queued before it is committed, with an error if any write
    /// since the previous flush failed.
    Flush,
    /// Completes when everything queued before it is committed; reports nothing else (a
    /// read waits on it to see every write acknowledged before it).
    Barrier,
    /// Ends the thread after this batch.
    Close,
}

#[derive(Debug)]
pub(crate) struct Job {
    pub op: Op,
    pub ack: Option<Ack>,
}

/// What the writer reports back outside of acknowledgements.
pub(crate) struct WriterHooks {
    /// Called after a rebuild commits.
    pub on_index_ready: Box<dyn Fn() + Send>,
    /// Set while commits exist that no fsync has covered yet (see [`Commit`]).
    pub unsynced: Arc<AtomicBool>,
    /// Counts the transactions committed.
    pub commits: Arc<std::sync::atomic::AtomicU64>,
}

/// How a batch commits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Commit {
    /// `synchronous=NORMAL`: every job of the batch is held elsewhere too.
    Unsynced,
    /// `synchronous=FULL`: the commit fsyncs the WAL, and with it every commit before.
    Synced,
    /// As `Synced`, with a write of its own, because earlier commits are unsynced: SQLite
    /// syncs only a commit that writes, and a batch may write nothing (a flush; a deletion
    /// of a key already gone; an op rolled back).
    SyncedWithMarker,
}

impl Commit {
    pub(crate) fn of(batch: &[Job], unsynced: bool) -> Commit {
        if !batch.iter().any(|j| j.op.needs_sync()) {
            Commit::Unsynced
        } else if unsynced {
            Commit::SyncedWithMarker
        } else {
            Commit::Synced
        }
    }
}

/// Waits for a job, then takes whatever else is queued, up to the caps and a `Close`. A
/// batch of nothing but jobs that may wait (peers' changes: no fsync, no one waiting on
/// them) waits up to [`COALESCE`] for more, so that a room's keystrokes cost one commit. It
/// sleeps rather than listens to the queue, so that each of them arriving does not wake it;
/// whoever sends a job that must not wait unparks it (`Shared::send`). `None` once every
/// sender is gone.
fn take_batch(rx: &Receiver<Job>, mut idle: impl FnMut()) -> Option<Vec<Job>> {
    let first = loop {
        match rx.recv_timeout(IDLE_CHECK) {
            Ok(job) => break job,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => idle(),
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => return None,
        }
    };
    let mut bytes = first.op.size();
    let mut may_wait = first.op.may_wait();
    let mut batch = vec![first];
    let until = std::time::Instant::now() + COALESCE;
    loop {
        while batch.len() < MAX_BATCH_JOBS
            && bytes < MAX_BATCH_BYTES
            && !matches!(batch.last().map(|j| &j.op), Some(Op::Close))
        {
            match rx.try_recv() {
                Ok(job) => {
                    bytes += job.op.size();
                    may_wait &= job.op.may_wait();
                    batch.push(job);
                }
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => return Some(batch),
            }
        }
        let full = batch.len() >= MAX_BATCH_JOBS || bytes >= MAX_BATCH_BYTES;
        let left = until.saturating_duration_since(std::time::Instant::now());
        if !may_wait || full || left.is_zero() {
            return Some(batch);
        }
        // An unpark between the look above and this returns at once.
        std::thread::park_timeout(left);
    }
}

pub(crate) fn run(
    mut conn: Connection,
    path: PathBuf,
    rx: Receiver<Job>,
    hooks: WriterHooks,
    lock: std::fs::File,
) {
    let mut failed_since_flush: Option<Failure> = None;
    let mut closing = false;
    // `synchronous` as the connection has it (`open_writer` sets FULL).
    let mut synced_mode = true;
    // The documents a write of which failed, and whether the disk was full: nothing more of
    // them is written in this session (see `StoreError::Unsaved`).
    let mut unsaved: HashMap<String, bool> = HashMap::new();
    let mut wal = WalWatch::new(&path);
    while !closing {
        let Some(batch) = take_batch(&rx, || {
            wal.check(&conn, &path);
        }) else {
            break; // every sender is gone
        };
        closing = matches!(batch.last().map(|j| &j.op), Some(Op::Close));
        let commit = Commit::of(&batch, hooks.unsynced.load(Ordering::SeqCst));
        let want_synced = commit != Commit::Unsynced;
        // A batch that writes nothing (reads' barriers) commits nothing to sync either way.
        let writes = batch.iter().any(|j| j.op.writes());
        // A flush promises durability too: it fails once the WAL is lost.
        let durable = writes || batch.iter().any(|j| matches!(j.op, Op::Flush | Op::Close));
        let results: Vec<Result<(), Failure>> = if durable && wal.check(&conn, &path) {
            batch.iter().map(|_| Err(Failure::WalLost)).collect()
        } else {
            if want_synced != synced_mode && (writes || want_synced) {
                let mode = if want_synced { "FULL" } else { "NORMAL" };
                match conn.pragma_update(None, "synchronous", mode) {
                    Ok(()) => synced_mode = want_synced,
                    // Left as it was: FULL only costs time; a batch that needs FULL under
                    // NORMAL is reported failed below rather than acknowledged unsynced.
                    Err(e) => {
                        tracing::warn!(path = %path.display(), error = %e, mode, "synchronous not set")
                    }
                }
            }
            let results = if want_synced && !synced_mode {
                let e = Arc::new(rusqlite::Error::SqliteFailure(
                    rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_IOERR),
                    Some("could not turn synchronous=FULL back on".into()),
                ));
                batch
                    .iter()
                    .map(|_| Err(Failure::Sqlite(e.clone())))
                    .collect()
            } else {
                run_batch(&mut conn, &batch, commit, &hooks, &mut unsaved)
            };
            // Committed into a WAL that is gone: not acknowledged (its commits were copied
            // into the database file as the loss was found, but nothing later will be).
            if durable && wal.check(&conn, &path) {
                batch.iter().map(|_| Err(Failure::WalLost)).collect()
            } else {
                results
            }
        };
        for (job, result) in batch.into_iter().zip(results) {
            if let (Err(f), Some(doc)) = (&result, job.op.unsaved_on_failure())
                && !matches!(f, Failure::Unsaved { .. })
                && !unsaved.contains_key(doc)
            {
                tracing::error!(path = %path.display(), doc, "a write of the document failed; \
                    nothing more of it is written until the profile is reopened");
                unsaved.insert(doc.to_string(), f.disk_full());
            }
            let result = match (result, &job.op) {
                // A flush whose batch did not commit reports what failed of the writes it
                // reports (they come before it in the batch, and set `failed_since_flush`);
                // housekeeping in the same batch that failed loses nothing. A lost WAL fails
                // every flush. The next flush starts clean.
                (Err(Failure::WalLost), Op::Flush | Op::Close) => {
                    failed_since_flush = None;
                    Err(Failure::WalLost)
                }
                (Err(_), Op::Flush | Op::Close) => match failed_since_flush.take() {
                    Some(e) => Err(e),
                    None => Ok(()),
                },
                (Err(e), op) => {
                    if op.reports_failure() {
                        tracing::error!(path = %path.display(), error = %e.to_error(&path), "write failed");
                        failed_since_flush = Some(e.clone());
                    } else {
                        // Nothing is lost: what it would have written is kept elsewhere
                        // (the pieces a snapshot or rest replaces) or derived (the index).
                        tracing::warn!(path = %path.display(), error = %e.to_error(&path), op = op.name(), "write failed; nothing is lost");
                    }
                    Err(e)
                }
                (Ok(()), Op::Flush | Op::Close) => match failed_since_flush.take() {
                    Some(e) => Err(e),
                    None => Ok(()),
                },
                (Ok(()), _) => Ok(()),
            };
            if let Some(ack) = job.ack {
                ack.send(result.map_err(|e| e.to_error(&path)));
            }
        }
    }
    // Drain what arrived after Close so that its waiters hear "closed" at once rather than
    // when the channel is dropped.
    while let Ok(job) = rx.try_recv() {
        if let Some(ack) = job.ack {
            ack.send(Err(StoreError::Closed));
        }
    }
    drop(conn); // checkpoints the WAL when it is the last connection
    drop(lock); // only now may another process open the profile
    tracing::debug!(path = %path.display(), "writer stopped");
}

fn write_error(path: &std::path::Path, e: Arc<rusqlite::Error>) -> StoreError {
    StoreError::Write {
        path: path.to_path_buf(),
        disk_full: is_full(&e),
        source: e,
    }
}

/// The document of a samod key (its first component), for keys with more than one.
fn doc_of_key(key: &str) -> Option<&str> {
    key.split_once('/').map(|(doc, _)| doc)
}

fn is_snapshot_key(key: &str) -> bool {
    key.split('/').nth(1) == Some("snapshot")
}

impl Op {
    /// The document whose stored state this changes: refused once a write of that document
    /// failed. Forgetting resting heads is always allowed (a record that is not there is
    /// never wrong).
    fn doc(&self) -> Option<&str> {
        match self {
            Op::Put { key, .. } | Op::Delete { key } => doc_of_key(key),
            Op::Rest { doc, .. } | Op::RecordHeads { doc, .. } => Some(doc),
            Op::Merge { into, .. } => doc_of_key(into),
            Op::Index(IndexOp::Put(d)) => Some(d.id().as_str()),
            Op::Index(IndexOp::Remove(id)) => Some(id.as_str()),
            _ => None,
        }
    }

    /// The document left unsaved when this fails: a change of it not written (a piece that
    /// is not a snapshot: a snapshot replaces pieces that are kept when it fails), or its
    /// resting heads not forgotten before it changes.
    fn unsaved_on_failure(&self) -> Option<&str> {
        match self {
            Op::Put { key, .. } if !is_snapshot_key(key) => doc_of_key(key),
            Op::ForgetHeads { doc } => Some(doc),
            _ => None,
        }
    }

    /// Whether its failure is reported by the next flush: a write of this device's own data
    /// that is not kept anywhere else. A snapshot, a rest or a merge that fails leaves the
    /// pieces it would replace; an index update is derived data; a deletion that fails keeps
    /// what it would delete; the records of heads and recent documents are hints; a peer's
    /// change is held by the peer, which sends it again.
    fn reports_failure(&self) -> bool {
        matches!(self, Op::Put { key, durable: true, .. } if !is_snapshot_key(key))
    }

    fn name(&self) -> &'static str {
        match self {
            Op::Put { .. } => "put",
            Op::Delete { .. } => "delete",
            Op::Index(_) => "index",
            Op::RecordHeads { .. } => "record heads",
            Op::ForgetHeads { .. } => "forget heads",
            Op::Rest { .. } => "rest",
            Op::Merge { .. } => "merge",
            Op::RecordRecent { .. } => "record recent",
            Op::SetMeta { .. } => "set meta",
            Op::Flush => "flush",
            Op::Barrier => "barrier",
            Op::Close => "close",
        }
    }

    /// Whether a batch holding this must reach the disk before it is acknowledged.
    fn needs_sync(&self) -> bool {
        match self {
            Op::Put { durable, .. } => *durable,
            // Pieces moved or dropped: what they held is stored (or synced) already.
            Op::Delete { .. } | Op::Merge { .. } | Op::ForgetHeads { .. } | Op::Barrier => false,
            Op::Index(_)
            | Op::RecordHeads { .. }
            | Op::Rest { .. }
            | Op::RecordRecent { .. }
            | Op::SetMeta { .. }
            | Op::Flush
            | Op::Close => true,
        }
    }

    /// Whether it may wait in the queue for company: it needs no fsync and no one waits on
    /// its commit (a barrier has a reader behind it).
    pub(crate) fn may_wait(&self) -> bool {
        !self.needs_sync() && !matches!(self, Op::Barrier)
    }

    /// Whether it writes to the database at all.
    fn writes(&self) -> bool {
        !matches!(self, Op::Flush | Op::Barrier | Op::Close)
    }

    fn size(&self) -> usize {
        match self {
            Op::Put { key, data, .. } => key.len() + data.len(),
            Op::Delete { key } => key.len(),
            Op::Index(_) => 4096,
            Op::RecordHeads { doc, heads } => doc.len() + heads.len(),
            Op::ForgetHeads { doc } => doc.len(),
            Op::RecordRecent { docs } => docs.len(),
            Op::SetMeta { value, .. } => value.len(),
            Op::Rest { key, data, .. } => key.len() + data.len(),
            Op::Merge { keys, .. } => keys.len() * 128,
            Op::Flush | Op::Barrier | Op::Close => 0,
        }
    }
}

/// Runs one batch in one transaction. Each op gets a savepoint, so one failing op (say, an
/// index update that hits a constraint) is rolled back alone and the rest still commit. If
/// the commit fails — or SQLite rolled the whole transaction back itself, as it may on a full
/// disk — every op of the batch fails, and the database keeps its previous state. An op of a
/// document in `unsaved` is refused, and a failed op that leaves its document unsaved adds
/// it at once, so that no later op of the batch writes the document either.
fn run_batch(
    conn: &mut Connection,
    batch: &[Job],
    commit: Commit,
    hooks: &WriterHooks,
    unsaved: &mut HashMap<String, bool>,
) -> Vec<Result<(), Failure>> {
    let all_fail = |e: rusqlite::Error| {
        let e = Arc::new(e);
        batch
            .iter()
            .map(|_| Err(Failure::Sqlite(e.clone())))
            .collect::<Vec<_>>()
    };
    let changes_before = conn.total_changes();
    let tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => return all_fail(e),
    };
    if commit == Commit::SyncedWithMarker
        && let Err(e) = crate::db::set_meta(&tx, crate::db::SYNCED_KEY, "1")
    {
        return all_fail(e);
    }
    let mut tx = tx;
    let mut results: Vec<Result<(), Failure>> = Vec::with_capacity(batch.len());
    let mut rebuilt = false;
    let mut aborted: Option<Arc<rusqlite::Error>> = None;
    for job in batch {
        if let Some(e) = &aborted {
            results.push(Err(Failure::Sqlite(e.clone())));
            continue;
        }
        if let Some(doc) = job.op.doc()
            && let Some(&disk_full) = unsaved.get(doc)
        {
            results.push(Err(Failure::Unsaved {
                doc: doc.to_string(),
                disk_full,
            }));
            continue;
        }
        let r = (|| -> rusqlite::Result<()> {
            let sp = tx.savepoint_with_name("op")?;
            let r = apply(&sp, &job.op);
            match r {
                Ok(()) => sp.commit(),
                Err(e) => {
                    // Dropping the savepoint rolls it back (its default drop behaviour).
                    drop(sp);
                    Err(e)
                }
            }
        })();
        if r.is_ok() && matches!(job.op, Op::Index(IndexOp::Rebuild(_))) {
            rebuilt = true;
        }
        match r {
            Ok(()) => results.push(Ok(())),
            Err(e) => {
                let e = Arc::new(e);
                if let Some(doc) = job.op.unsaved_on_failure() {
                    unsaved.entry(doc.to_string()).or_insert(is_full(&e));
                }
                if tx.is_autocommit() {
                    // SQLite abandoned the transaction (e.g. SQLITE_FULL): nothing of it is left.
                    aborted = Some(e.clone());
                }
                results.push(Err(Failure::Sqlite(e)));
            }
        }
    }
    if let Some(e) = aborted {
        let _ = tx.rollback();
        return results
            .into_iter()
            .map(|r| match r {
                Ok(()) => Err(Failure::Sqlite(e.clone())),
                Err(x) => Err(x),
            })
            .collect();
    }
    let wrote = tx.total_changes() != changes_before;
    match tx.commit() {
        Ok(()) => {
            // SQLite syncs a commit only if it wrote something: one that wrote nothing
            // leaves the earlier commits as they were.
            if wrote {
                hooks
                    .unsynced
                    .store(commit == Commit::Unsynced, Ordering::SeqCst);
                hooks.commits.fetch_add(1, Ordering::SeqCst);
            }
            if rebuilt {
                (hooks.on_index_ready)();
            }
            results
        }
        Err(e) => {
            // A failed COMMIT leaves the transaction open; roll it back explicitly so the
            // connection is usable for the next batch.
            let _ = conn.execute_batch("ROLLBACK");
            let e = Arc::new(e);
            results
                .into_iter()
                .map(|r| match r {
                    Ok(()) => Err(Failure::Sqlite(e.clone())),
                    Err(x) => Err(x),
                })
                .collect()
        }
    }
}

fn apply(conn: &Connection, op: &Op) -> rusqlite::Result<()> {
    match op {
        Op::Put { key, data, .. } => put_kv(conn, key, data)?,
        Op::Delete { key } => {
            conn.prepare_cached("DELETE FROM samod_kv WHERE key = ?1")?
                .execute([key])?;
        }
        Op::Index(op) => index::apply(conn, op)?,
        Op::RecordHeads { doc, heads } => {
            conn.prepare_cached(
                "INSERT INTO resting_heads (doc, heads) VALUES (?1, ?2) ON CONFLICT (doc) DO UPDATE SET heads = excluded.heads",
            )?
            .execute((doc, heads))?;
        }
        Op::ForgetHeads { doc } => {
            conn.prepare_cached("DELETE FROM resting_heads WHERE doc = ?1")?
                .execute([doc])?;
        }
        Op::Rest { doc, key, data } => {
            put_kv(conn, key, data)?;
            let (from, to) = crate::db::keys_under(doc);
            conn.prepare_cached("DELETE FROM samod_kv WHERE key >= ?1 AND key < ?2 AND key != ?3")?
                .execute((from, to, key))?;
        }
        Op::Merge { into, keys } => {
            use rusqlite::OptionalExtension;
            let mut data = Vec::new();
            let mut read = conn.prepare_cached("SELECT data FROM samod_kv WHERE key = ?1")?;
            for k in keys {
                if let Some(piece) = read.query_row([k], |r| r.get::<_, Vec<u8>>(0)).optional()? {
                    data.extend_from_slice(&piece);
                }
            }
            if !data.is_empty() {
                put_kv(conn, into, &data)?;
            }
            let mut delete = conn.prepare_cached("DELETE FROM samod_kv WHERE key = ?1")?;
            for k in keys {
                delete.execute([k])?;
            }
        }
        Op::RecordRecent { docs } => crate::db::set_meta(conn, crate::db::RECENT_KEY, docs)?,
        Op::SetMeta { key, value } => crate::db::set_meta(conn, key, value)?,
        Op::Flush | Op::Barrier | Op::Close => {}
    }
    Ok(())
}

fn put_kv(conn: &Connection, key: &str, data: &[u8]) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO samod_kv (key, data) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET data = excluded.data",
    )?
    .execute((key, data))?;
    Ok(())
}
