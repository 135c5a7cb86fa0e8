//! Helpers shared by the model's integration tests.
#![allow(dead_code)]

use accord_model::{ChangeCtx, ClauseId, DeviceId, DeviceKey, DocId, Result, change, draft};
use automerge::{Automerge, transaction::Transaction};

pub fn ctx(n: u8) -> ChangeCtx {
    ChangeCtx::new(
        DeviceId::from_bytes([n; 32]),
        jiff::Timestamp::from_second(1_700_000_000 + n as i64).unwrap(),
    )
}

pub fn id(s: &str) -> ClauseId {
    ClauseId::new(s).unwrap()
}

pub fn meeting_id() -> DocId {
    DocId::new("m1").unwrap()
}

/// Runs a change by device 1 and panics on error.
pub fn edit<T>(doc: &mut Automerge, f: impl FnOnce(&mut Transaction<'_>) -> Result<T>) -> T {
    change(doc, &ctx(1), f).unwrap().value
}

/// A new draft.
pub fn new_draft() -> Automerge {
    let mut doc = Automerge::new();
    edit(&mut doc, |tx| {
        draft::create(tx, &meeting_id(), "Declaration", "The parties,")
    });
    doc
}

/// The outline as `number text` lines, indented by depth.
pub fn outline(doc: &Automerge) -> String {
    draft::read(doc).unwrap().to_plain_text()
}

/// The signing key of roster device `n`.
pub fn key(n: u8) -> DeviceKey {
    DeviceKey::from_secret(&[n; 32])
}

/// A change context whose author is roster device `n` (the device of [`key`]).
pub fn keyed_ctx(n: u8) -> ChangeCtx {
    ChangeCtx::new(key(n).device(), now())
}

/// The meeting of the roster tests.
pub fn mid() -> DocId {
    DocId::new("meeting-1").unwrap()
}

/// The time of the roster tests.
pub fn now() -> jiff::Timestamp {
    jiff::Timestamp::from_second(1_800_000_000).unwrap()
}
