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
