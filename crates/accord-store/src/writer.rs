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
fn take_batch(rx: &Receiver<Job>) -> Option<Vec<Job>> {
    let first = rx.recv().ok()?;
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
    let mut failed_since_flush: Option<Arc<rusqlite::Error>> = None;
    let mut closing = false;
    // `synchronous` as the connection has it (`open_writer` sets FULL).
    let mut synced_mode = true;
    while !closing {
        let Some(batch) = take_batch(&rx) else {
            break; // every sender is gone
        };
        closing = matches!(batch.last().map(|j| &j.op), Some(Op::Close));
        let commit = Commit::of(&batch, hooks.unsynced.load(Ordering::SeqCst));
        let want_synced = commit != Commit::Unsynced;
        // A batch that writes nothing (reads' barriers) commits nothing to sync either way.
        let writes = batch.iter().any(|j| j.op.writes());
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
            batch.iter().map(|_| Err(clone_err(&e))).collect()
        } else {
            run_batch(&mut conn, &batch, commit, &hooks)
        };
        for (job, result) in batch.into_iter().zip(results) {
            let result = match (result, &job.op) {
                // A flush that fails (its batch did not commit) reports that failure, and so
                // everything up to it: the next flush starts clean.
                (Err(e), Op::Flush | Op::Close) => {
                    failed_since_flush = None;
                    Err(Arc::new(e))
                }
                (Err(e), _) => {
                    let e = Arc::new(e);
                    tracing::error!(path = %path.display(), error = %e, "write failed");
                    failed_since_flush = Some(e.clone());
                    Err(e)
                }
                (Ok(()), Op::Flush | Op::Close) => match failed_since_flush.take() {
                    Some(e) => Err(e),
                    None => Ok(()),
                },
                (Ok(()), _) => Ok(()),
            };
            if let Some(ack) = job.ack {
                ack.send(result.map_err(|e| write_error(&path, e)));
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

pub(crate) fn write_error(path: &std::path::Path, e: Arc<rusqlite::Error>) -> StoreError {
    StoreError::Write {
        path: path.to_path_buf(),
        disk_full: is_full(&e),
        source: e,
    }
}

impl Op {
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
            Op::Rest { key, data, .. } => key.len() + data.len(),
            Op::Merge { keys, .. } => keys.len() * 128,
            Op::Flush | Op::Barrier | Op::Close => 0,
        }
    }
}

/// Runs one batch in one transaction. Each op gets a savepoint, so one failing op (say, an
/// index update that hits a constraint) is rolled back alone and the rest still commit. If
/// the commit fails — or SQLite rolled the whole transaction back itself, as it may on a full
/// disk — every op of the batch fails, and the database keeps its previous state.
fn run_batch(
    conn: &mut Connection,
    batch: &[Job],
    commit: Commit,
    hooks: &WriterHooks,
) -> Vec<Result<(), rusqlite::Error>> {
    let changes_before = conn.total_changes();
    let tx = match conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate) {
        Ok(tx) => tx,
        Err(e) => {
            let e = Arc::new(e);
            return batch.iter().map(|_| Err(clone_err(&e))).collect();
        }
    };
    if commit == Commit::SyncedWithMarker
        && let Err(e) = crate::db::set_meta(&tx, crate::db::SYNCED_KEY, "1")
    {
        let e = Arc::new(e);
        return batch.iter().map(|_| Err(clone_err(&e))).collect();
    }
    let mut tx = tx;
    let mut results = Vec::with_capacity(batch.len());
    let mut rebuilt = false;
    let mut aborted: Option<rusqlite::Error> = None;
    for job in batch {
        if let Some(e) = &aborted {
            results.push(Err(clone_err_ref(e)));
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
        if let Err(e) = &r
            && tx.is_autocommit()
        {
            // SQLite abandoned the transaction (e.g. SQLITE_FULL): nothing of it is left.
            aborted = Some(clone_err_ref(e));
        }
        results.push(r);
    }
    if let Some(e) = aborted {
        let _ = tx.rollback();
        return results
            .into_iter()
            .map(|r| match r {
                Ok(()) => Err(clone_err_ref(&e)),
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
            results
                .into_iter()
                .map(|r| match r {
                    Ok(()) => Err(clone_err_ref(&e)),
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

/// `rusqlite::Error` is not `Clone`; a batch-wide failure is reported to every op as an
/// equivalent error carrying the same SQLite code and message.
fn clone_err_ref(e: &rusqlite::Error) -> rusqlite::Error {
    match e {
        rusqlite::Error::SqliteFailure(code, msg) => {
            rusqlite::Error::SqliteFailure(*code, msg.clone())
        }
        other => rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_ERROR),
            Some(other.to_string()),
        ),
    }
}

fn clone_err(e: &Arc<rusqlite::Error>) -> rusqlite::Error {
    clone_err_ref(e)
}
