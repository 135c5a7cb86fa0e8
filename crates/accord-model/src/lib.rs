//! `accord-model`: the Automerge schema of Accord's documents and the domain rules over them.
//!
//! A meeting is a small set of Automerge documents: the [`meeting`] document (details,
//! parties, the list of the other documents, [`action`] items), one [`minutes`] document and
//! one [`draft`] per agreement text, whose clauses form a tree numbered on the fly
//! ([`numbering`], [`tree`]). Every document carries a [`schema`] that is checked before
//! anything is read.
//!
//! Operations take an automerge transaction (`impl Transactable`), so they run inside the
//! transactions of the `automerge::Automerge` documents that samod hands out; [`change`] runs
//! one with the device as author and returns the [`DocPatch`]es it made. Views are plain
//! serialisable structs for the UI and for export.
//!
//! **Architecture invariant:** this crate does no IO, reads no clock and draws no random
//! numbers — times and ids come in as arguments — so every rule is testable with plain data.
//! It knows nothing of storage, networking, samod or the UI.
//!
//! ```
//! use accord_model::{change, draft, ChangeCtx, ClauseId, DeviceId, DocId, Placement, Splice};
//! let mut doc = automerge::Automerge::new();
//! let ctx = ChangeCtx::new(DeviceId::from_bytes([1; 32]), jiff::Timestamp::UNIX_EPOCH);
//! let c1 = ClauseId::new("c1").unwrap();
//! change(&mut doc, &ctx, |tx| {
//!     draft::create(tx, &DocId::new("m1").unwrap(), "Declaration", "")?;
//!     draft::insert_clause(tx, &c1, &Placement::top_end(), "Urge [all] parties.", &[])
//! })
//! .unwrap();
//! let done = change(&mut doc, &ctx, |tx| draft::splice_clause(tx, &c1, &Splice::insert(0, "😀 "))).unwrap();
//! assert_eq!(done.patches.len(), 1); // one splice, in UTF-16 units
//! let view = draft::read(&doc).unwrap();
//! assert_eq!(view.to_plain_text(), "1. 😀 Urge [all] parties.\n");
//! assert_eq!(view.clauses[0].brackets.clean_text, "😀 Urge all parties.");
//! ```

pub mod action;
pub mod admission;
pub mod at;
pub mod brackets;
mod change;
pub mod demo;
pub mod draft;
mod error;
mod ids;
pub mod meeting;
pub mod minutes;
pub mod numbering;
pub mod roster;
pub mod schema;
mod status;
pub mod text;
pub mod tree;
mod typed;
mod typing;

pub use action::{ActionView, ClauseRef, NewAction};
pub use change::{
    ChangeCtx, Changed, DocPatch, TextField, apply_splices, author_of, change, change_quiet,
    patches_between, patches_since, translate,
};
pub use draft::{ClauseView, DraftView, Placement, StatusSummary};
pub use error::{ModelError, Result};
pub use ids::{ActionId, ClauseId, DeviceId, DocId, PartyId};
pub use meeting::{DocRef, MeetingDetails, MeetingKind, MeetingView, Party, PartyKind};
pub use minutes::MinutesView;
pub use numbering::ClauseNumber;
pub use roster::{DeviceKey, Invite, JoinRefusal, Role, RosterEntry, RosterView, Version};
pub use schema::DocKind;
pub use status::{ActionStatus, ClauseStatus};
pub use text::Splice;
pub use typing::Typing;

pub use automerge;
pub use jiff;
