//! The one error type of the crate.

use std::path::PathBuf;
use std::sync::Arc;

/// What can go wrong with a profile on disk. Every variant that concerns a file names it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// Another process (or another `Profile` in this one) holds the profile's lock.
    #[error("profile {} is in use by another Accord process", path.display())]
    ProfileInUse { path: PathBuf },

    /// The database exists but is not a readable SQLite database (not a database at all,
    /// truncated, or malformed). The file has not been touched.
    #[error("database {} is corrupt and was left untouched: {reason}", path.display())]
    Corrupt {
        path: PathBuf,
        reason: String,
        #[source]
        source: Option<rusqlite::Error>,
    },

    /// A SQLite database that is not an Accord profile (it has tables but no `meta`).
    #[error("{} is a SQLite database but not an Accord profile; it was left untouched", path.display())]
    NotAProfile { path: PathBuf },

    /// The profile was written by a newer version of Accord.
    #[error(
        "profile {} has format version {found}, but this version of Accord reads only up to {supported}; please update Accord",
        path.display()
    )]
    NewerFormat {
        path: PathBuf,
        found: i64,
        supported: i64,
    },

    /// The database could not be opened or set up.
    #[error("cannot open database {}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    /// A write (a put, delete or index update) was not committed: the disk is full, the
    /// device failed, or the database was damaged while open. What was committed before is
    /// unchanged.
    #[error("cannot write to database {}{}", path.display(), if *disk_full { " (the disk is full)" } else { "" })]
    Write {
        path: PathBuf,
        disk_full: bool,
        #[source]
        source: Arc<rusqlite::Error>,
    },

    /// A query failed.
    #[error("cannot read database {}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    /// A file of the profile (directory, lock, device key) could not be used.
    #[error("cannot {action} {}", path.display())]
    Io {
        action: &'static str,
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },

    /// The device key file exists but does not hold a key.
    #[error("device key {} is invalid: {reason}", path.display())]
    InvalidDeviceKey { path: PathBuf, reason: String },

    /// Neither `ACCORD_DATA_DIR` nor the platform's data directory is known.
    #[error("no data directory: set ACCORD_DATA_DIR or pass --data-dir")]
    NoDataDir,

    /// A write of a document refused because an earlier write of it failed in this session:
    /// anything written of it now would hold the change that was not saved (every later
    /// change of a document depends on the earlier ones). Nothing of it is written again
    /// until the profile is reopened, so the stored document stays as it was before the
    /// failed write.
    #[error(
        "document {doc} was not saved to database {}: an earlier write of it failed{}, and its later changes are not saved either; make room, then reopen the profile",
        path.display(), if *disk_full { " (the disk is full)" } else { "" }
    )]
    Unsaved {
        path: PathBuf,
        doc: String,
        disk_full: bool,
    },

    /// The database's write-ahead log was deleted or replaced while the profile was open:
    /// commits made since the last checkpoint would be lost with it. Every later write is
    /// refused.
    #[error(
        "the write-ahead log {} of database {} was deleted or replaced while Accord had it open; nothing more is saved: restart Accord (what the log held was copied into the database where possible)",
        wal.display(), path.display()
    )]
    WalLost { path: PathBuf, wal: PathBuf },

    /// The database is missing or empty although the profile's other files show it was
    /// used: its documents are gone, and a new empty profile must not replace them.
    #[error(
        "database {} is missing or empty, but {evidence}; restore it from a backup (Accord does not start a new, empty profile in its place)",
        path.display()
    )]
    MissingDatabase { path: PathBuf, evidence: String },

    /// The device key is missing, but the database holds data made with it.
    #[error(
        "device key {} is missing, but this profile's database {}; restore device.key from a backup (a new key would be a new identity, not a member of this profile's meetings)",
        path.display(),
        match device { Some(d) => format!("belongs to device {d}"), None => "holds documents".to_string() }
    )]
    MissingDeviceKey {
        path: PathBuf,
        device: Option<String>,
    },

    /// The device key is not the one the database was used with.
    #[error(
        "device key {} is the key of device {found}, but this profile's database belongs to device {expected}; restore the original device.key from a backup",
        path.display()
    )]
    DeviceKeyChanged {
        path: PathBuf,
        expected: String,
        found: String,
    },

    /// The store was closed; nothing more can be written.
    #[error("the store is closed")]
    Closed,
}

impl StoreError {
    /// Whether this is a write that failed because the disk (or the profile's quota) is full.
    pub fn is_disk_full(&self) -> bool {
        matches!(
            self,
            StoreError::Write {
                disk_full: true,
                ..
            } | StoreError::Unsaved {
                disk_full: true,
                ..
            }
        )
    }

    pub(crate) fn io(
        action: &'static str,
        path: impl Into<PathBuf>,
        source: std::io::Error,
    ) -> Self {
        StoreError::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// The SQLite error codes that mean the file itself is damaged.
pub(crate) fn is_corruption(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase)
    )
}

pub(crate) fn is_full(e: &rusqlite::Error) -> bool {
    matches!(e.sqlite_error_code(), Some(rusqlite::ErrorCode::DiskFull))
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;
