//! The one event stream of a workspace.

use accord_model::{DocId, DocKind, DocPatch};
use serde::Serialize;

/// Where a change came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// Made through this workspace.
    Local,
    /// Arrived from a peer (or was applied to the document by something else).
    Remote,
}

/// Something that happened in the workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
#[non_exhaustive]
pub enum Event {
    /// A document changed; `patches` say how, in UTF-16 terms, from the state of the
    /// document's previous event to this one's: a view kept from the events applies them in
    /// order.
    DocChanged {
        doc: DocId,
        kind: DocKind,
        meeting: DocId,
        origin: Origin,
        patches: Vec<DocPatch>,
        /// The workspace's count of document events, strictly increasing: an editor names
        /// the last one it applied as the base of its edits ([`crate::Workspace::edit_text`]).
        version: u64,
        /// The tag given with the edit that made it ([`crate::Workspace::edit_text`]).
        tag: Option<u64>,
    },
    /// The query index caught up with a document's changes: lists and search are current.
    Indexed { doc: DocId },
    /// A device connected (its first sync connection opened).
    PeerUp { device: accord_model::DeviceId },
    /// A device disconnected (its last sync connection closed).
    PeerDown { device: accord_model::DeviceId },
    /// Who else is present in a meeting now (the whole list).
    Presence {
        meeting: DocId,
        peers: Vec<crate::presence::PeerPresence>,
    },
}
