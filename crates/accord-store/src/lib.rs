//! `accord-store`: a profile on disk — the only crate that knows `rusqlite`.
//!
//! A *profile* is one directory (by default [`default_data_dir`]; `ACCORD_DATA_DIR` or the
//! CLI's `--data-dir` choose another) holding:
//!
//! - `LOCK` — an exclusive OS lock for as long as the profile is open, so a second process
//!   gets [`StoreError::ProfileInUse`]; the OS drops it when a process dies, even by `kill -9`;
//! - `accord.sqlite3` — one SQLite database (bundled SQLite, WAL, `synchronous=FULL` for
//!   everything this device made or keeps, `NORMAL` for batches of peers' changes) with
//!   the automerge-repo documents behind samod's `Storage` trait ([`SqliteStorage`]) and a
//!   query index (full-text search, action items across meetings, the meeting list);
//! - `device.key` — the device's 32 secret bytes (the iroh secret key), mode 0600.
//!
//! **Writes** go through one writer thread that commits whatever is queued in one
//! transaction and only then acknowledges (group commit): an acknowledged write is committed
//! and survives `kill -9` and power loss, and a burst of edits costs one fsync. A batch of
//! nothing but peers' changes (and moves of pieces already stored) skips the fsync: it
//! survives `kill -9`, and a power cut may take it only as the latest commits, which the
//! peers send again (see `writer`; [`Store::has_unsynced_commits`]). (samod's puts
//! other than snapshots are acknowledged to samod once queued; see [`SqliteStorage`] and
//! [`Store::expect_change`] for how a device knows its own changes are on disk.) A failed write
//! (a full disk) is an error to whoever waits for it or calls [`Store::flush`] (for writes
//! of data kept nowhere else); the committed state stays readable, and a document a write of
//! which failed is written no more in the session ([`StoreError::Unsaved`]). A WAL deleted
//! while the profile is open is noticed, and ends all writing ([`StoreError::WalLost`]). **Reads** use separate read-only connections.
//!
//! **Architecture invariants.** This crate knows SQLite, files and samod's storage trait; it
//! does not know iroh (the device key is just 32 bytes), automerge documents (the index is
//! fed [`accord_model`] views by the caller), sync, the UI or JSON. Nothing outside it
//! depends on rusqlite. It never writes to, moves or recreates a database file that fails
//! its checks: a damaged file is reported ([`StoreError::Corrupt`], naming the file) and left
//! byte for byte as it was: it is checked on a read-only connection before anything writes.
//! A lost database or device key of a used profile is an error naming the file, never a new
//! profile or identity. The index is derived data: it can always be rebuilt from the
//! documents, and is when its format changes ([`Store::index_needs_rebuild`]).
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! use accord_store::{ActionFilter, Profile};
//! let dir = tempfile::tempdir()?;
//! let profile = Profile::open(dir.path())?;
//! let secret: [u8; 32] = profile.device_secret(); // the same on every start
//! let store = profile.store().clone();
//!
//! // Documents: hand the storage to samod; or write a change yourself and wait for the disk.
//! let storage = store.samod_storage();
//! let key = samod::storage::StorageKey::from_parts(["doc1", "incremental", "abc"])?;
//! let _ticket = store.put_durable(&key, b"change bytes".to_vec());
//! store.flush().await?; // everything enqueued before is committed
//! assert_eq!(samod::storage::Storage::load(&storage, key).await.as_deref(), Some(&b"change bytes"[..]));
//!
//! // The index: fed with views, queried across meetings.
//! let ctx = accord_model::ChangeCtx::new(accord_model::DeviceId::from_bytes(secret), jiff::Timestamp::UNIX_EPOCH);
//! let ids = accord_model::demo::DemoIds::default();
//! let demo = accord_model::demo::build(&ids, &ctx)?;
//! store.index_meeting(ids.meeting.clone(), accord_model::meeting::read(&demo.meeting)?).await?;
//! assert_eq!(store.meetings()?.len(), 1);
//! let overdue = store.actions(&ActionFilter { overdue_on: Some(jiff::civil::date(2015, 3, 1)), ..Default::default() })?;
//! assert_eq!(overdue.len(), 2);
//! profile.close()?;
//! # Ok(()) }
//! ```

mod db;
mod error;
mod index;
mod profile;
mod store;
mod writer;

pub use db::FORMAT_VERSION;
pub use error::{Result, StoreError};
pub use index::{
    ActionFilter, ActionRow, HitKind, INDEX_FORMAT, IndexDoc, MeetingRow, SearchHit, Snippet,
    fts_query,
};
pub use profile::{
    DATA_DIR_ENV, DATABASE_FILE, DEVICE_KEY_FILE, LOCK_FILE, Profile, data_dir_from,
    default_data_dir,
};
pub use store::{SqliteStorage, Store, StoreOptions, WriteTicket};
