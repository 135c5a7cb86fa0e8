use crate::ids::{ActionId, ClauseId, PartyId};
use crate::schema::DocKind;

/// Everything that can go wrong when reading or changing an Accord document.
///
/// Messages are lowercase without a trailing period so callers can wrap them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    #[error("the document has no schema field: it is not an Accord document")]
    SchemaMissing,
    #[error("the document has an unknown schema {found:?}")]
    UnknownSchema { found: String },
    #[error("expected a {expected} document but found a {found} document")]
    WrongKind { expected: DocKind, found: DocKind },
    #[error(
        "the {kind} document uses schema version {version}, newer than this version of Accord understands ({supported}); update Accord to open it"
    )]
    NewerSchema {
        kind: DocKind,
        version: u64,
        supported: u64,
    },
    #[error("the {kind} document is malformed: {what}")]
    Malformed { kind: DocKind, what: String },
    #[error("no clause {0} in this draft")]
    NoSuchClause(ClauseId),
    #[error("a clause with id {0} already exists")]
    DuplicateClause(ClauseId),
    #[error("no action item {0} in this meeting")]
    NoSuchAction(ActionId),
    #[error("an action item with id {0} already exists")]
    DuplicateAction(ActionId),
    #[error("no party {0} in this meeting")]
    NoSuchParty(PartyId),
    #[error("clause {clause} cannot be moved under itself or one of its sub-items")]
    MoveIntoItself { clause: ClauseId },
    #[error("clause {0} has no previous sibling to become a sub-item of")]
    CannotIndent(ClauseId),
    #[error("clause {0} is already at the top level")]
    CannotOutdent(ClauseId),
    #[error(
        "clause {clause} cannot be marked {status} while its text still has brackets; resolve them first"
    )]
    BracketsRemain {
        clause: ClauseId,
        status: crate::ClauseStatus,
    },
    #[error(
        "splice out of range: position {pos} and delete {del} exceed the text length {len} (UTF-16 code units)"
    )]
    SpliceOutOfRange { pos: usize, del: usize, len: usize },
    #[error("invalid {what}: {reason}")]
    Invalid { what: &'static str, reason: String },
    #[error("automerge: {0}")]
    Automerge(#[from] automerge::AutomergeError),
}

pub type Result<T, E = ModelError> = std::result::Result<T, E>;

impl ModelError {
    pub(crate) fn invalid(what: &'static str, reason: impl Into<String>) -> Self {
        ModelError::Invalid {
            what,
            reason: reason.into(),
        }
    }
    pub(crate) fn malformed(kind: DocKind, what: impl Into<String>) -> Self {
        ModelError::Malformed {
            kind,
            what: what.into(),
        }
    }
}
