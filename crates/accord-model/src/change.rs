//! Changing a document: one transaction, written by one device at one time, and the
//! patches that say what changed — for local and remote changes alike.

use automerge::{
    Automerge, ChangeHash, PatchAction, Prop,
    transaction::{CommitOptions, Transaction},
};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::ids::{ActionId, ClauseId, DeviceId};

/// Who makes a change and when. Time comes in from the caller: the model reads no clock.
#[derive(Debug, Clone)]
pub struct ChangeCtx {
    pub device: DeviceId,
    pub time: Timestamp,
    pub message: Option<String>,
}

impl ChangeCtx {
    pub fn new(device: DeviceId, time: Timestamp) -> Self {
        Self {
            device,
            time,
            message: None,
        }
    }
    pub fn with_message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

/// The result of a change: the closure's value, the change made (none if nothing changed),
/// the new heads and what changed.
#[derive(Debug)]
pub struct Changed<T> {
    pub value: T,
    pub hash: Option<ChangeHash>,
    pub heads: Vec<ChangeHash>,
    pub patches: Vec<DocPatch>,
}

/// Runs `f` in one transaction authored by `ctx.device`. If `f` fails nothing is changed.
pub fn change<T>(
    doc: &mut Automerge,
    ctx: &ChangeCtx,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<T>,
) -> Result<Changed<T>> {
    // Same author as last time keeps the same actor id: one actor per device and session.
    doc.set_author(Some(ctx.device.author()));
    let opts = {
        let o = CommitOptions::default().with_time(ctx.time.as_second());
        match &ctx.message {
            Some(m) => o.with_message(m.clone()),
            None => o,
        }
    };
    // The transaction logs its own patches: this costs what the change touched, where a
    // diff between heads would walk the whole document.
    let mut done = doc
        .transact_and_log_patches_with(|_| opts, f)
        .map_err(|failure| failure.error)?;
    let patches = translate(doc.make_patches(&mut done.patch_log));
    Ok(Changed {
        value: done.result,
        hash: done.hash,
        heads: doc.get_heads(),
        patches,
    })
}

/// Like [`change`] without computing patches, for callers that only need the heads.
pub fn change_quiet<T>(
    doc: &mut Automerge,
    ctx: &ChangeCtx,
    f: impl FnOnce(&mut Transaction<'_>) -> Result<T>,
) -> Result<T> {
    doc.set_author(Some(ctx.device.author()));
    doc.transact_with(
        |_| CommitOptions::default().with_time(ctx.time.as_second()),
        f,
    )
    .map(|s| s.result)
    .map_err(|failure| failure.error)
}

/// A text field of an Accord document.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "field", content = "id", rename_all = "snake_case")]
pub enum TextField {
    /// The title of a meeting or a draft.
    Title,
    Preamble,
    Minutes,
    Clause(ClauseId),
    Action(ActionId),
}

/// What changed in a document, in terms an editor can apply without re-reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DocPatch {
    /// Replace `delete` UTF-16 code units at `index` by `insert`.
    Splice {
        target: TextField,
        index: usize,
        delete: usize,
        insert: String,
    },
    /// The clause tree changed (clauses added, moved, indented, deleted): numbers may move.
    Structure,
    /// A clause's status or proposers changed.
    Clause { id: ClauseId },
    /// The meeting's details, parties or list of documents changed.
    Details,
    /// An action item was added, removed, or changed other than in its text.
    Action { id: ActionId },
}

/// The patches of the changes that arrived since `seen`, the heads last reported, up to the
/// document's heads now, at the cost of those changes (see the `typed` module); what that
/// cannot answer is diffed, which walks the whole document.
pub fn patches_since(doc: &Automerge, seen: &[ChangeHash]) -> Vec<DocPatch> {
    // The typed way only reads, through automerge's indexed lookups, which assert on ids
    // that break its invariants (a faulty peer's change could name one): a panic there
    // leaves the document as it was, and the diff answers instead.
    let typed = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::typed::typed_patches(doc, seen)
    }));
    match typed {
        Ok(Some(patches)) => patches,
        Ok(None) | Err(_) => patches_between(doc, seen, &doc.get_heads()),
    }
}

/// The patches that take `doc` from `before` to `after`, by automerge's diff, which walks
/// the document. (Local changes use the transaction's own patch log instead, see
/// [`change`]; remote ones [`patches_since`].)
pub fn patches_between(
    doc: &Automerge,
    before: &[ChangeHash],
    after: &[ChangeHash],
) -> Vec<DocPatch> {
    translate(doc.diff(before, after))
}

/// Turns automerge patches into Accord's.
pub fn translate(patches: Vec<automerge::Patch>) -> Vec<DocPatch> {
    let mut out: Vec<DocPatch> = Vec::new();
    let mut push = |p: DocPatch| {
        let signal = !matches!(p, DocPatch::Splice { .. });
        if !(signal && out.contains(&p)) {
            out.push(p);
        }
    };
    for patch in patches {
        let mut path: Vec<String> = patch
            .path
            .iter()
            .map(|(_, prop)| match prop {
                Prop::Map(k) => k.to_string(),
                Prop::Seq(i) => i.to_string(),
            })
            .collect();
        // The key the action writes at, for map actions on the object itself.
        if let PatchAction::PutMap { key, .. } | PatchAction::DeleteMap { key } = &patch.action {
            path.push(key.clone());
        }
        let p: Vec<&str> = path.iter().map(String::as_str).collect();
        if let Some(target) = text_target(&p, &patch.action) {
            match patch.action {
                PatchAction::SpliceText { index, value, .. } => push(DocPatch::Splice {
                    target,
                    index,
                    delete: 0,
                    insert: value.make_string(),
                }),
                PatchAction::DeleteSeq { index, length } => push(DocPatch::Splice {
                    target,
                    index,
                    delete: length,
                    insert: String::new(),
                }),
                _ => {}
            }
            continue;
        }
        push(signal_for(&p));
    }
    coalesce(out)
}

/// Applies the splices of `patches` meant for `field` to `text`, in order and in UTF-16
/// units, as an editor does: what a face that keeps a text from the events applies.
pub fn apply_splices(text: &str, patches: &[DocPatch], field: &TextField) -> String {
    let mut units: Vec<u16> = text.encode_utf16().collect();
    for p in patches {
        if let DocPatch::Splice {
            target,
            index,
            delete,
            insert,
        } = p
            && target == field
        {
            units.splice(*index..*index + *delete, insert.encode_utf16());
        }
    }
    String::from_utf16_lossy(&units)
}

/// Joins an insertion followed by a deletion right after it (automerge reports a
/// replacement that way) into one splice, which is what an editor applies most simply.
fn coalesce(patches: Vec<DocPatch>) -> Vec<DocPatch> {
    let mut out: Vec<DocPatch> = Vec::with_capacity(patches.len());
    for p in patches {
        if let (
            Some(DocPatch::Splice {
                target: t1,
                index: i1,
                delete: 0,
                insert: s1,
            }),
            DocPatch::Splice {
                target: t2,
                index: i2,
                delete: d2,
                insert: s2,
            },
        ) = (out.last_mut(), &p)
            && t1 == t2
            && s2.is_empty()
            && *i2 == *i1 + crate::text::utf16_len(s1)
        {
            let (target, index, insert) = (t1.clone(), *i1, std::mem::take(s1));
            *out.last_mut().expect("checked above") = DocPatch::Splice {
                target,
                index,
                delete: *d2,
                insert,
            };
            continue;
        }
        out.push(p);
    }
    out
}

/// The device that wrote the changes of `actor`: automerge records the author once per
/// actor (in its first change), so look it up through the actor.
pub fn author_of(doc: &Automerge, actor: &automerge::ActorId) -> Option<DeviceId> {
    doc.get_author_for_actor(actor)
        .and_then(|a| DeviceId::from_author(&a))
}

/// The text field a text patch applies to, if the patch is an edit inside a text.
fn text_target(p: &[&str], action: &PatchAction) -> Option<TextField> {
    if !matches!(
        action,
        PatchAction::SpliceText { .. } | PatchAction::DeleteSeq { .. }
    ) {
        return None;
    }
    text_field(p)
}

/// The text field at a path from the document's root, if there is one.
pub(crate) fn text_field(p: &[&str]) -> Option<TextField> {
    match p {
        ["title"] => Some(TextField::Title),
        ["preamble"] => Some(TextField::Preamble),
        ["text"] => Some(TextField::Minutes),
        ["clauses", id, "text"] => ClauseId::new(*id).ok().map(TextField::Clause),
        ["actions", id, "text"] => ActionId::new(*id).ok().map(TextField::Action),
        _ => None,
    }
}

pub(crate) fn signal_for(p: &[&str]) -> DocPatch {
    match p {
        ["clauses", id, "status" | "proposed_by", ..] => match ClauseId::new(*id) {
            Ok(id) => DocPatch::Clause { id },
            Err(_) => DocPatch::Structure,
        },
        ["clauses", ..] | ["children", ..] => DocPatch::Structure,
        ["actions", id, ..] => match ActionId::new(*id) {
            Ok(id) => DocPatch::Action { id },
            Err(_) => DocPatch::Details,
        },
        _ => DocPatch::Details,
    }
}

impl From<automerge::transaction::Failure<ModelError>> for ModelError {
    fn from(f: automerge::transaction::Failure<ModelError>) -> Self {
        f.error
    }
}
