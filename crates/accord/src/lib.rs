//! `accord`: the application API — **API boundary**. The CLI and the desktop app both call
//! this crate and hold no domain logic of their own, so a behaviour tested through one is
//! the behaviour of both.
//!
//! A [`Workspace`] is one open profile: a samod repository (automerge-repo in Rust) whose
//! storage is the profile's SQLite database ([`accord_store`]), and the operations on
//! meetings, drafts, minutes and action items ([`accord_model`]). An edit is applied at once
//! and reaches the disk through samod's put (or the Workspace's own write, when samod lags);
//! [`Workspace::flush`] completes when everything so far is durable.
//! Every change, local or remote, is reported on [`Workspace::subscribe`] with patches in
//! UTF-16 terms.
//!
//! **Architecture invariant:** this crate knows neither SQL nor the network protocol: storage
//! is `accord-store`'s, domain rules are `accord-model`'s. It owns the clock and the random
//! ids that the model refuses to know.

#[doc(hidden)]
mod admit;
pub mod bench_support;
pub mod bundle;
mod error;
mod events;
pub mod files;
mod jsonfile;
mod ops;
mod pins;
pub mod presence;
pub mod report;
mod settings;
mod share;
mod sync;
mod workspace;

pub use accord_export as export;
pub use accord_model as model;
pub use accord_store as store;
pub use admit::HeldChanges;
pub use error::{Error, Result};
pub use events::{Event, Origin};
pub use ops::{DraftSummary, MeetingFull, TextEdit};
pub use presence::{Cursor, PeerPresence, Presence};
pub use settings::{Settings, SettingsPatch};
pub use sync::{
    DEFAULT_INVITE_VALIDITY, DocPeerSync, DocSync, Invitation, NetMode, PeerInfo, Revoked,
    SyncState, VersionInfo,
};
pub use workspace::{OpenOptions, TrafficFigures, Workspace};
