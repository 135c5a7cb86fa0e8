use std::path::PathBuf;

use accord_model::{DocId, DocKind, ModelError};
use accord_store::StoreError;

/// What can go wrong in the application API. Each variant has a stable [`Error::code`] so
/// faces (the CLI's exit messages, the desktop app's IPC error `{code, message}`) can react
/// without parsing messages.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    #[error(transparent)]
    Model(#[from] ModelError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("no document {0} in this profile")]
    NotFound(DocId),
    #[error("document {doc} is a {found} document, not a {expected} document")]
    WrongKind {
        doc: DocId,
        expected: DocKind,
        found: DocKind,
    },
    #[error("{what} {value:?} is not valid: {reason}")]
    Invalid {
        what: &'static str,
        value: String,
        reason: String,
    },
    #[error("the workspace is closed")]
    Closed,
    #[error(
        "the network is off: start Accord with sharing on (the desktop app, `accord serve`, `accord sync`)"
    )]
    Offline,
    #[error("network: {0}")]
    Network(String),
    #[error("the host refused to admit this device: {0}")]
    JoinRefused(String),
    /// A file named by path (a report to import, a bundle) could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A file named by path is larger than its kind may be ([`crate::files::FileKind`]);
    /// refused from its size, before it is read.
    #[error("{} is {size} bytes, over the limit of {} MiB for {what}", path.display(), limit / (1024 * 1024))]
    FileTooLarge {
        path: PathBuf,
        what: &'static str,
        size: u64,
        limit: u64,
    },
    /// An edit on a meeting where this device's role is observer: its peers would not take
    /// the change.
    #[error(
        "this device is an observer in {title:?} (meeting {meeting}): it can read but not edit"
    )]
    Observer { meeting: DocId, title: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A short stable code: `not_found`, `invalid`, `read_only`, `profile_in_use`, `disk_full`, …
    pub fn code(&self) -> &'static str {
        match self {
            Error::NotFound(_) => "not_found",
            Error::WrongKind { .. } => "wrong_kind",
            Error::Invalid { .. } => "invalid",
            Error::Closed => "closed",
            Error::Offline => "offline",
            Error::Network(_) => "network",
            Error::JoinRefused(_) => "join_refused",
            Error::Read { .. } => "cannot_read",
            Error::FileTooLarge { .. } => "too_large",
            Error::Observer { .. } => "read_only",
            Error::Model(e) => match e {
                ModelError::NoSuchClause(_)
                | ModelError::NoSuchAction(_)
                | ModelError::NoSuchParty(_) => "not_found",
                ModelError::NewerSchema { .. } => "newer_schema",
                ModelError::BracketsRemain { .. } => "brackets_remain",
                ModelError::CannotIndent(_) => "cannot_indent",
                ModelError::CannotOutdent(_) => "cannot_outdent",
                ModelError::MoveIntoItself { .. } => "move_into_itself",
                ModelError::SpliceOutOfRange { .. } => "bad_splice",
                ModelError::SchemaMissing
                | ModelError::UnknownSchema { .. }
                | ModelError::Malformed { .. } => "malformed_document",
                _ => "rejected",
            },
            Error::Store(e) => match e {
                StoreError::ProfileInUse { .. } => "profile_in_use",
                StoreError::Corrupt { .. } => "corrupt_profile",
                StoreError::NewerFormat { .. } => "newer_profile",
                e if e.is_disk_full() => "disk_full",
                _ => "storage",
            },
        }
    }

    pub(crate) fn invalid(
        what: &'static str,
        value: impl Into<String>,
        reason: impl Into<String>,
    ) -> Self {
        Error::Invalid {
            what,
            value: value.into(),
            reason: reason.into(),
        }
    }
}
