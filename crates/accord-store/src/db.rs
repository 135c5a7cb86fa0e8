//! Opening the database file: refuse what we must not touch (a damaged file, a foreign
//! database, a newer format) *before* anything writes to it, then set up the schema.

use std::fs::OpenOptions;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, OptionalExtension};

use crate::error::{Result, StoreError, is_corruption};
use crate::index;

/// The layout of the store's own tables (`meta`, `samod_kv`). A profile with a higher
/// number was written by a newer Accord and is refused; a lower one is migrated.
pub const FORMAT_VERSION: i64 = 2;

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// How the index tables compare with the code's [`index::INDEX_FORMAT`] after opening.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum IndexState {
    /// Current and complete.
    Ready,
    /// (Re)created empty, or a rebuild was started and never finished: the caller must feed
    /// every document to `rebuild`.
    NeedsRebuild,
}

/// Checks an existing database file without writing to it. `Ok(())` for a file that is
/// absent or empty (SQLite treats an empty file as a new database, and a crash between
/// creating the file and the first commit leaves exactly that: nothing can be lost).
pub(crate) fn check_existing(path: &Path) -> Result<()> {
    let corrupt = |reason: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        reason,
        source: None,
    };
    let mut file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(StoreError::io("open", path, e)),
    };
    let len = file
        .metadata()
        .map_err(|e| StoreError::io("inspect", path, e))?
        .len();
    if len == 0 {
        return Ok(());
    }
    // The 100-byte header is checked by hand first, so that SQLite never even opens a file
    // that is not a database (it would not write to it, but we need not rely on that).
    let mut header = [0u8; 100];
    if len < 100 {
        return Err(corrupt(format!(
            "it is {len} bytes long, shorter than a database header"
        )));
    }
    file.read_exact(&mut header)
        .map_err(|e| StoreError::io("read", path, e))?;
    if &header[..16] != SQLITE_MAGIC {
        return Err(corrupt("it is not a SQLite database (bad header)".into()));
    }
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65536u64,
        n if n >= 512 && n.is_power_of_two() => u64::from(n),
        n => {
            return Err(corrupt(format!(
                "the header gives an impossible page size {n}"
            )));
        }
    };
    // The page count in the header is valid when the "version-valid-for" number matches the
    // change counter (SQLite ≥ 3.7). A file shorter than that was truncated — unless a WAL
    // holds frames, because a checkpoint that was interrupted writes page 1 before the rest
    // and is redone from the WAL on the next open.
    let change_counter = u32::from_be_bytes([header[24], header[25], header[26], header[27]]);
    let valid_for = u32::from_be_bytes([header[92], header[93], header[94], header[95]]);
    let pages = u64::from(u32::from_be_bytes([
        header[28], header[29], header[30], header[31],
    ]));
    let wal_has_frames = std::fs::metadata(wal_path(path))
        .map(|m| m.len() > 32)
        .unwrap_or(false);
    if change_counter == valid_for && pages > 0 && len < pages * page_size && !wal_has_frames {
        return Err(corrupt(format!(
            "it is truncated: {len} bytes, but the header says {pages} pages of {page_size} bytes"
        )));
    }
    if len % page_size != 0 && !wal_has_frames {
        return Err(corrupt(format!(
            "it is truncated: {len} bytes is not a whole number of {page_size}-byte pages"
        )));
    }
    Ok(())
}

/// Refuses a database whose WAL lost commits: SQLite's wal-index (`-shm`, left behind by a
/// process that died) says the log held frames not yet copied into the database, and the
/// `-wal` file is gone or shorter than those frames (someone deleted it, then the process was
/// killed). SQLite would open what is left without a word, and the next write would seal the
/// loss. Where the `-shm` is gone too nothing tells, so this is a check where feasible. A
/// WAL rescued by the writer (see `writer::WalWatch`) was checkpointed to the end, and is
/// not refused.
pub(crate) fn check_wal_not_lost(path: &Path) -> Result<()> {
    let shm = shm_path(path);
    let Ok(index) = std::fs::read(&shm) else {
        return Ok(());
    };
    if index.len() < 136 {
        return Ok(());
    }
    let u32_at = |at: usize| u32::from_ne_bytes(index[at..at + 4].try_into().expect("4 bytes"));
    // The wal-index header (SQLite's `WalIndexHdr`, native byte order): `isInit` at 12,
    // `szPage` at 14, `mxFrame` at 16; then the checkpoint info's `nBackfill` at 96.
    let initialised = index[12] == 1;
    let page_size = match u16::from_ne_bytes([index[14], index[15]]) {
        1 => 65536u64,
        n => u64::from(n),
    };
    let frames = u64::from(u32_at(16));
    let backfilled = u64::from(u32_at(96));
    if !initialised || page_size == 0 || frames <= backfilled {
        return Ok(());
    }
    let wal = wal_path(path);
    let needed = 32 + frames * (24 + page_size);
    let len = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
    if len >= needed {
        return Ok(());
    }
    Err(StoreError::Corrupt {
        path: path.to_path_buf(),
        reason: format!(
            "its write-ahead log {} is missing or truncated ({len} bytes), but {} held {} \
             committed pages not yet copied into the database: the latest changes are lost. \
             Restore the profile from a backup; or, to open what is left, delete {}",
            wal.display(),
            shm.display(),
            frames - backfilled,
            shm.display()
        ),
        source: None,
    })
}

fn shm_path(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push("-shm");
    PathBuf::from(s)
}

pub(crate) fn wal_path(db: &Path) -> PathBuf {
    let mut s = db.as_os_str().to_owned();
    s.push("-wal");
    PathBuf::from(s)
}

/// Creates the database file with mode 0600 if it does not exist, so that SQLite (which
/// gives the `-wal` and `-shm` files the database's mode) never makes a world-readable file.
pub(crate) fn precreate(path: &Path) -> Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::io("create", path, e)),
    }
}

/// What [`inspect`] found in a database that may be opened.
#[derive(Debug, Default)]
pub(crate) struct Inspected {
    /// The database holds documents.
    pub has_data: bool,
    /// The device the profile was used with (`meta` key `device_id`), if recorded.
    pub device: Option<String>,
}

/// The `meta` key holding the device id the profile is used with.
pub(crate) const DEVICE_KEY: &str = "device_id";

/// Reads what must be known before the first write — is this our database, undamaged, and
/// of which format — on a **read-only** connection, so that a file refused here is never
/// written: no WAL checkpoint, no migration, no meta row happens before these checks pass.
/// `PRAGMA quick_check` reads every page once (b-tree structure, cell and overflow bounds,
/// free list), which finds one damaged page anywhere in the file; it costs a read of the
/// database at each open (a few milliseconds per MiB), which is what a promise of "a
/// damaged file is left as it was" needs — a damaged page found later would be found after
/// the open wrote to the file.
pub(crate) fn inspect(path: &Path) -> Result<Inspected> {
    let open_err = |source: rusqlite::Error| classify_open(path, source);
    let corrupt = |reason: String| StoreError::Corrupt {
        path: path.to_path_buf(),
        reason,
        source: None,
    };
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(open_err)?;
    let problems: Vec<String> = (|| {
        let mut st = conn.prepare("PRAGMA quick_check(10)")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
    })()
    .map_err(open_err)?;
    if problems.iter().any(|p| p != "ok") {
        return Err(corrupt(format!(
            "the integrity check failed: {}",
            problems.join("; ")
        )));
    }
    let tables: Vec<String> = (|| {
        let mut st = conn.prepare("SELECT name FROM sqlite_master WHERE type = 'table'")?;
        let rows = st.query_map([], |r| r.get::<_, String>(0))?;
        rows.collect::<rusqlite::Result<Vec<_>>>()
    })()
    .map_err(open_err)?;
    if tables.is_empty() {
        return Ok(Inspected::default());
    }
    if !tables.iter().any(|t| t == "meta") {
        return Err(StoreError::NotAProfile {
            path: path.to_path_buf(),
        });
    }
    let meta = |key: &str| -> Result<Option<String>> {
        conn.query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()
            .map_err(open_err)
    };
    let found: Option<i64> = meta("format_version")?.and_then(|v| v.trim().parse().ok());
    if let Some(found) = found
        && found > FORMAT_VERSION
    {
        return Err(StoreError::NewerFormat {
            path: path.to_path_buf(),
            found,
            supported: FORMAT_VERSION,
        });
    }
    let has_data = tables.iter().any(|t| t == "samod_kv")
        && conn
            .query_row("SELECT EXISTS (SELECT 1 FROM samod_kv)", [], |r| r.get(0))
            .map_err(open_err)?;
    Ok(Inspected {
        has_data,
        device: meta(DEVICE_KEY)?,
    })
}

pub(crate) fn classify_open(path: &Path, source: rusqlite::Error) -> StoreError {
    if is_corruption(&source) {
        StoreError::Corrupt {
            path: path.to_path_buf(),
            reason: source.to_string(),
            source: Some(source),
        }
    } else {
        StoreError::Open {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// Opens the writer connection: WAL, `synchronous=FULL`, then creates or migrates tables.
pub(crate) fn open_writer(
    path: &Path,
    max_page_count: Option<u32>,
) -> Result<(Connection, IndexState)> {
    let err = |source: rusqlite::Error| classify_open(path, source);
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(err)?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(err)?;
    if !mode.eq_ignore_ascii_case("wal") {
        tracing::warn!(%mode, "SQLite refused WAL mode");
    }
    // FULL: in WAL mode this fsyncs the WAL at every commit, so an acknowledged write
    // survives power loss, not just a process crash. Group commit pays it once per batch;
    // the writer turns it to NORMAL for batches of peers' changes only (see `writer`).
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(err)?;
    conn.pragma_update(None, "foreign_keys", true)
        .map_err(err)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(err)?;
    if let Some(n) = max_page_count {
        let _: i64 = conn
            .pragma_update_and_check(None, "max_page_count", n, |r| r.get(0))
            .map_err(err)?;
    }
    let state = migrate(&conn).map_err(err)?;
    Ok((conn, state))
}

/// Creates the store's tables, records the format, and (re)creates the index tables when
/// their format differs from the code's.
fn migrate(conn: &Connection) -> rusqlite::Result<IndexState> {
    conn.execute_batch(
        "BEGIN IMMEDIATE;
         CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS samod_kv (key TEXT PRIMARY KEY, data BLOB NOT NULL);
         CREATE TABLE IF NOT EXISTS resting_heads (doc TEXT PRIMARY KEY, heads BLOB NOT NULL) WITHOUT ROWID;",
    )?;
    let result = (|| {
        let found: Option<i64> = conn
            .query_row(
                "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'format_version'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        if found != Some(FORMAT_VERSION) {
            // 1 → 2: the `resting_heads` table (created above). Version 1 code would write
            // documents without forgetting their resting heads, hence the new version.
            // Future migrations go here, one step per version, inside this transaction.
            set_meta(conn, "format_version", &FORMAT_VERSION.to_string())?;
        }
        let index_format: Option<i64> = conn
            .query_row(
                "SELECT CAST(value AS INTEGER) FROM meta WHERE key = 'index_format'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let index_ready: Option<String> = conn
            .query_row(
                "SELECT value FROM meta WHERE key = 'index_state'",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let state = if index_format != Some(index::INDEX_FORMAT) {
            index::drop_tables(conn)?;
            index::create_tables(conn)?;
            set_meta(conn, "index_format", &index::INDEX_FORMAT.to_string())?;
            // A brand-new profile has no documents, so its empty index is complete.
            let has_docs: bool =
                conn.query_row("SELECT EXISTS (SELECT 1 FROM samod_kv)", [], |r| r.get(0))?;
            if has_docs {
                tracing::info!(from = ?index_format, to = index::INDEX_FORMAT, "index format changed; a rebuild is needed");
                set_meta(conn, "index_state", "needs_rebuild")?;
                IndexState::NeedsRebuild
            } else {
                set_meta(conn, "index_state", "ready")?;
                IndexState::Ready
            }
        } else if index_ready.as_deref() == Some("ready") {
            IndexState::Ready
        } else {
            IndexState::NeedsRebuild
        };
        Ok(state)
    })();
    match result {
        Ok(state) => {
            conn.execute_batch("COMMIT")?;
            Ok(state)
        }
        Err(e) => {
            let _ = conn.execute_batch("ROLLBACK");
            Err(e)
        }
    }
}

/// The bounds of the keys under `prefix/` in `samod_kv` (`key >= .0 AND key < .1`): '0' is
/// the character after '/', so the range is exactly the keys starting with "prefix/" — not
/// those of a document whose id merely starts with the same characters.
pub(crate) fn keys_under(prefix: &str) -> (String, String) {
    (format!("{prefix}/"), format!("{prefix}0"))
}

/// The `meta` key holding the documents last worked on, ids separated by spaces. Optional:
/// a profile without it (or code that ignores it) loses nothing but a faster first open.
pub(crate) const RECENT_KEY: &str = "recent_documents";
/// Written by a batch that must sync earlier unsynced commits but writes nothing else.
pub(crate) const SYNCED_KEY: &str = "synced";

pub(crate) fn set_meta(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (key, value),
    )?;
    Ok(())
}

/// A connection for queries and samod loads. WAL lets it read while the writer writes.
pub(crate) fn open_reader(path: &Path) -> Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .map_err(|e| classify_open(path, e))?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(|e| classify_open(path, e))?;
    Ok(conn)
}
