//! The patches of remote changes, at the cost of the changes that carry them.
//!
//! Automerge's `diff` between two heads walks every op of the document: on a long text about
//! 70 ms for a one-character change, paid by every device that receives a peer's keystroke.
//! The patches can be found from the changes themselves. In a map or a list (clauses, their
//! status, the tree, action items, the meeting's details) what an editor needs is the signal
//! for the path an op wrote at, and the path of an object is found from the object up. In a
//! text, each inserted or deleted element is looked up by its id in the current document (an
//! indexed seek) and the edits are emitted in document order.
//!
//! Emitting in document order is what makes this exact. Walking the touched elements from
//! the start of the text, everything before an element is already in its new state and
//! everything after it still in its old one, so an element's position in the text being
//! patched is the number of elements visible *now* before it — what a cursor on it gives,
//! for a deleted element as for an inserted one. Two touched elements at the same position
//! are a deleted one before an inserted one (an inserted one would count for whatever
//! follows it), so deletions go first.
//!
//! This needs to know which touched elements were visible before. An inserted element was
//! not. A deleted one was, unless a change this device already had deleted it too: one
//! concurrent with the arriving changes (two delegates deleting the same word at once), as
//! a change they descend from cannot have (its deletion was seen). So the changes here that
//! the arriving ones do not descend from — usually the last few keystrokes typed here — are
//! read for what they deleted. Texts with other ops (marks, blocks, values put on an existing
//! element), objects no longer in the document, a change built on nothing, a large batch or a
//! long concurrent history return `None` for the diff.
//!
//! Left as it is: a change that deletes a character already deleted in its own history —
//! automerge accepts one, no correct peer makes one — shows that character deleted a second
//! time in the views of devices that had the first deletion (the document itself is right,
//! and a view read afresh is too). Telling it apart would take the text's state at the
//! reported heads, which is the walk this module avoids.

use std::collections::{HashMap, HashSet};

use automerge::legacy::{ElementId, Key, ObjectId, OpId, OpType};
use automerge::{
    Automerge, ChangeHash, Cursor, ObjId, ObjType, Prop, ReadDoc, ScalarValue, TextEncoding,
};

use crate::change::{DocPatch, signal_for, text_field};

/// Past this many ops in the arriving changes, a diff (a long paste, a catch-up): each
/// touched character costs an indexed seek of 10–40 µs, a diff of S1 about 70 ms.
const MOST_ELEMENTS: usize = 512;

/// What the arriving changes did to one object.
#[derive(Default)]
struct Touched {
    /// Sequence elements inserted as strings, with their text.
    inserted: HashMap<OpId, String>,
    /// Sequence elements deleted.
    deleted: HashSet<OpId>,
    /// Map keys set, made or deleted.
    keys: HashSet<String>,
    /// Any other sequence op (an element put, a non-string inserted, a mark).
    other_seq: bool,
}

/// One edit at a position of the text, before merging neighbours.
enum Edit {
    Delete(usize),
    Insert(String),
}

/// The patches of the changes since `seen` (the heads last reported), unless the diff is
/// needed (see the module's documentation).
pub(crate) fn typed_patches(doc: &Automerge, seen: &[ChangeHash]) -> Option<Vec<DocPatch>> {
    if doc.text_encoding() != TextEncoding::Utf16CodeUnit {
        return None;
    }
    let changes = doc.get_changes(seen);
    let arrived: HashSet<ChangeHash> = changes.iter().map(|c| c.hash()).collect();
    let deleted_here = deleted_concurrently(doc, seen, &changes, &arrived)?;
    // What the arriving changes did, object by object (`None` for the document's root).
    let mut objects: HashMap<Option<OpId>, Touched> = HashMap::new();
    let mut count = 0;
    for change in &changes {
        let expanded = change.decode();
        let start = expanded.start_op.get();
        for (i, op) in expanded.operations.into_iter().enumerate() {
            count += 1;
            if count > MOST_ELEMENTS {
                return None;
            }
            let obj = match op.obj {
                ObjectId::Id(obj) => Some(obj),
                ObjectId::Root => None,
            };
            let touched = objects.entry(obj).or_default();
            match (op.insert, op.action, op.key) {
                (true, OpType::Put(ScalarValue::Str(s)), Key::Seq(_)) => {
                    let id = OpId(start + i as u64, expanded.actor_id.clone());
                    touched.inserted.insert(id, s.to_string());
                }
                (false, OpType::Delete, Key::Seq(ElementId::Id(elem)))
                    if op.pred.len() == 1 && op.pred.iter().next() == Some(&elem) =>
                {
                    touched.deleted.insert(elem);
                }
                (_, _, Key::Map(key)) => {
                    touched.keys.insert(key.to_string());
                }
                (_, _, Key::Seq(_)) => touched.other_seq = true,
            }
        }
    }
    let mut patches = Vec::new();
    let mut found = Found::default();
    for (obj, touched) in objects {
        let (exid, kind) = match &obj {
            Some(obj) => doc.import(&opid_string(obj)).ok()?,
            None => (ObjId::Root, ObjType::Map),
        };
        let path: Vec<String> = match obj {
            Some(_) => doc
                .parents(&exid)
                .ok()?
                // An object no longer in the document (inside a deleted clause, say): the
                // diff says what, if anything, is to be seen of it.
                .visible_path()?
                .into_iter()
                .map(|(_, prop)| match prop {
                    Prop::Map(k) => k,
                    Prop::Seq(i) => i.to_string(),
                })
                .collect(),
            None => Vec::new(),
        };
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        if kind != ObjType::Text {
            // Maps and lists: the signal for what changed, as the diff would give it.
            let mut signal = |p: &[&str]| {
                let s = signal_for(p);
                if !patches.contains(&s) {
                    patches.push(s);
                }
            };
            for key in &touched.keys {
                let mut at = path.clone();
                at.push(key);
                signal(&at);
            }
            if touched.other_seq || !touched.inserted.is_empty() || !touched.deleted.is_empty() {
                signal(&path);
            }
            continue;
        }
        if touched.other_seq || !touched.keys.is_empty() {
            return None; // marks or blocks in a text: not plain typing
        }
        let target = text_field(&path)?;
        let mut edits: Vec<(usize, Edit)> = Vec::new();
        for (id, text) in &touched.inserted {
            if !touched.deleted.contains(id) {
                edits.push((position(doc, &exid, id)?, Edit::Insert(text.clone())));
            }
        }
        for id in &touched.deleted {
            if touched.inserted.contains_key(id) || deleted_here.contains(id) {
                continue; // typed and deleted in the batch, or deleted here already
            }
            let width = found.width(doc, obj.as_ref()?, id)?;
            edits.push((position(doc, &exid, id)?, Edit::Delete(width)));
        }
        // Document order; a deleted element before an inserted one at the same position.
        edits.sort_by_key(|(pos, e)| (*pos, matches!(e, Edit::Insert(_))));
        merge_into(&mut patches, &target, edits);
    }
    Some(patches)
}

/// Past this many changes here that the arriving ones do not descend from, a diff.
const MOST_CONCURRENT: usize = 256;

/// The elements deleted by the changes this device had that `arrived` (the changes since
/// the heads last reported) do not descend from; `None` if they are too many to read.
fn deleted_concurrently(
    doc: &Automerge,
    seen: &[ChangeHash],
    changes: &[automerge::Change],
    arrived: &HashSet<ChangeHash>,
) -> Option<HashSet<OpId>> {
    // What the arriving changes were made on: the same dependencies from before them for
    // each that has any (the others build on arriving ones), so that every arriving change
    // descends from all of it and from nothing else that was here.
    let mut base: Option<Vec<ChangeHash>> = None;
    for change in changes {
        if change.deps().is_empty() {
            return None; // built on nothing: a document's first change, or a faulty peer's
        }
        let mut before: Vec<ChangeHash> = change
            .deps()
            .iter()
            .copied()
            .filter(|d| !arrived.contains(d))
            .collect();
        if before.is_empty() {
            continue;
        }
        before.sort();
        match &base {
            None => base = Some(before),
            Some(b) if *b == before => {}
            Some(_) => return None,
        }
    }
    let Some(base) = base else {
        // Nothing from before: no change arrived, or they start the document.
        return changes.is_empty().then(HashSet::new);
    };
    let mut reported = seen.to_vec();
    reported.sort();
    if base == reported {
        return Some(HashSet::new()); // built on all that was here: nothing concurrent
    }
    let since_base = doc.get_changes_meta(&base);
    if since_base.len() > changes.len() + MOST_CONCURRENT {
        return None;
    }
    let mut deleted = HashSet::new();
    for meta in since_base.iter().filter(|m| !arrived.contains(&m.hash)) {
        let change = doc.get_change_by_hash(&meta.hash)?.decode();
        for op in change.operations {
            match (op.insert, op.action, op.key) {
                (false, OpType::Delete, Key::Seq(ElementId::Id(elem))) => {
                    deleted.insert(elem);
                }
                // A value put on an existing element keeps it visible against a concurrent
                // deletion: what is visible is then the diff's to say.
                (false, _, Key::Seq(_)) => return None,
                _ => {}
            }
        }
    }
    Some(deleted)
}

/// Joins neighbouring edits into splices: deletions at one position, insertions that follow
/// each other.
fn merge_into(out: &mut Vec<DocPatch>, target: &crate::TextField, edits: Vec<(usize, Edit)>) {
    let first = out.len();
    for (pos, edit) in edits {
        if out.len() > first
            && let Some(DocPatch::Splice {
                index,
                delete,
                insert,
                ..
            }) = out.last_mut()
        {
            match &edit {
                Edit::Delete(w) if insert.is_empty() && *index == pos => {
                    *delete += w;
                    continue;
                }
                Edit::Insert(s)
                    if *delete == 0 && *index + crate::text::utf16_len(insert) == pos =>
                {
                    insert.push_str(s);
                    continue;
                }
                _ => {}
            }
        }
        out.push(match edit {
            Edit::Delete(w) => DocPatch::Splice {
                target: target.clone(),
                index: pos,
                delete: w,
                insert: String::new(),
            },
            Edit::Insert(s) => DocPatch::Splice {
                target: target.clone(),
                index: pos,
                delete: 0,
                insert: s,
            },
        });
    }
}

/// The position of an element in the text as it is now: its index if it is visible, else
/// the number of visible elements before it.
fn position(doc: &Automerge, text: &ObjId, id: &OpId) -> Option<usize> {
    let cursor = Cursor::try_from(opid_string(id).as_str()).ok()?;
    doc.get_cursor_position(text, &cursor, None).ok()
}

fn opid_string(id: &OpId) -> String {
    format!("{}@{}", id.0, id.1)
}

/// The changes read to learn what deleted elements held, by the change that inserted them.
#[derive(Default)]
struct Found {
    changes: HashMap<ChangeHash, automerge::ExpandedChange>,
}

impl Found {
    /// The UTF-16 width of an element of `text` inserted before the arriving changes: from
    /// the change that inserted it. `None` unless it was inserted into `text` as a string (a
    /// change from a faulty peer may name an element of another object).
    fn width(&mut self, doc: &Automerge, text: &OpId, id: &OpId) -> Option<usize> {
        let hash = doc.hash_for_opid(&ObjId::Id(id.0, id.1.clone(), usize::MAX))?;
        let change = match self.changes.entry(hash) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => {
                e.insert(doc.get_change_by_hash(&hash)?.decode())
            }
        };
        let op = change
            .operations
            .get(usize::try_from(id.0.checked_sub(change.start_op.get())?).ok()?)?;
        match (&op.action, &op.obj) {
            (OpType::Put(ScalarValue::Str(s)), ObjectId::Id(obj)) if op.insert && obj == text => {
                Some(crate::text::utf16_len(s))
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        ChangeCtx, ClauseId, ClauseStatus, DeviceId, DocId, Placement, Splice, TextField,
        apply_splices, change, draft, patches_between, patches_since,
    };
    use proptest::prelude::*;

    fn ctx(n: u8) -> ChangeCtx {
        ChangeCtx::new(
            DeviceId::from_bytes([n; 32]),
            jiff::Timestamp::from_second(1_700_000_000).unwrap(),
        )
    }

    fn clause(s: &str) -> ClauseId {
        ClauseId::new(s).unwrap()
    }

    /// A draft with a title, a preamble and two clauses, as every device starts from.
    fn base() -> Automerge {
        let mut doc = Automerge::new();
        change(&mut doc, &ctx(1), |tx| {
            draft::create(
                tx,
                &DocId::new("m1").unwrap(),
                "Declaración 😀",
                "The parties,",
            )?;
            draft::insert_clause(tx, &clause("a"), &Placement::top_end(), "Urge 🌎 all", &[])?;
            draft::insert_clause(tx, &clause("b"), &Placement::top_end(), "Note", &[])
        })
        .unwrap();
        doc
    }

    fn fields() -> [TextField; 4] {
        [
            TextField::Title,
            TextField::Preamble,
            TextField::Clause(clause("a")),
            TextField::Clause(clause("b")),
        ]
    }

    fn text_of(doc: &Automerge, field: &TextField) -> String {
        let view = draft::read(doc).unwrap();
        match field {
            TextField::Title => view.title,
            TextField::Preamble => view.preamble,
            TextField::Clause(id) => view
                .clauses
                .iter()
                .find(|c| &c.id == id)
                .map(|c| c.text.clone())
                .unwrap(),
            _ => unreachable!(),
        }
    }

    /// One keystroke as a test writes it: a field, a place (a fraction of the text, in
    /// characters), characters to delete and text to insert.
    #[derive(Debug, Clone)]
    struct Key {
        field: usize,
        at: f64,
        delete: usize,
        insert: String,
    }

    fn key() -> impl Strategy<Value = Key> {
        (
            0..4usize,
            0.0..=1.0f64,
            prop_oneof![3 => Just(0usize), 1 => 1..4usize],
            prop_oneof![
                1 => Just(String::new()),
                4 => proptest::collection::vec(
                    prop_oneof![Just("a"), Just("b"), Just(" "), Just("é"), Just("😀")],
                    1..3
                )
                .prop_map(|v| v.concat()),
            ],
        )
            .prop_map(|(field, at, delete, insert)| Key {
                field,
                at,
                delete,
                insert,
            })
    }

    /// Types `k` on `doc` as device `n`, one change per keystroke, at character boundaries.
    fn type_key(doc: &mut Automerge, n: u8, k: &Key) {
        let field = &fields()[k.field];
        let text = text_of(doc, field);
        let chars: Vec<char> = text.chars().collect();
        let at = ((chars.len() as f64) * k.at) as usize;
        let delete = k.delete.min(chars.len() - at);
        let units = |cs: &[char]| cs.iter().map(|c| c.len_utf16()).sum::<usize>();
        let splice = Splice::new(
            units(&chars[..at]),
            units(&chars[at..at + delete]),
            k.insert.clone(),
        );
        if splice.del == 0 && splice.insert.is_empty() {
            return;
        }
        change(doc, &ctx(n), |tx| match field {
            TextField::Title => draft::splice_title(tx, &splice),
            TextField::Preamble => draft::splice_preamble(tx, &splice),
            TextField::Clause(id) => draft::splice_clause(tx, id, &splice),
            _ => unreachable!(),
        })
        .unwrap();
    }

    /// Types every key of `keys` on `doc` as device `n`.
    fn type_all(doc: &mut Automerge, n: u8, keys: &[Key]) {
        for k in keys {
            type_key(doc, n, k);
        }
    }

    /// `here` receives what `from` has; returns `here` as it was before.
    fn receive(here: &mut Automerge, from: &mut Automerge) -> Automerge {
        let before = here.clone();
        here.merge(from).unwrap();
        before
    }

    /// A peer's edit: a keystroke, a new clause with some text, or a clause's new status.
    #[derive(Debug, Clone)]
    enum PeerEdit {
        Type(Key),
        NewClause(String),
        Status(bool, bool),
    }

    fn edit() -> impl Strategy<Value = PeerEdit> {
        prop_oneof![
            3 => key().prop_map(PeerEdit::Type),
            1 => "[a-z ]{0,6}".prop_map(PeerEdit::NewClause),
            1 => (any::<bool>(), any::<bool>()).prop_map(|(a, agreed)| PeerEdit::Status(a, agreed)),
        ]
    }

    /// Makes `e` on `doc` as device `n`, its `i`-th edit.
    fn make_edit(doc: &mut Automerge, n: u8, i: usize, e: &PeerEdit) {
        match e {
            PeerEdit::Type(k) => type_key(doc, n, k),
            PeerEdit::NewClause(text) => {
                change(doc, &ctx(n), |tx| {
                    let id = clause(&format!("n{n}x{i}"));
                    draft::insert_clause(tx, &id, &Placement::top_end(), text, &[])
                })
                .unwrap();
            }
            PeerEdit::Status(a, agreed) => {
                let id = clause(if *a { "a" } else { "b" });
                let status = if *agreed {
                    ClauseStatus::AgreedAdRef
                } else {
                    ClauseStatus::Open
                };
                // Refused while brackets remain; that is no change, and fine here.
                let _ = change(doc, &ctx(n), |tx| draft::set_status(tx, &id, status));
            }
        }
    }

    /// Every field of `before`, patched, reads as in `after`.
    fn assert_patches_rebuild(before: &Automerge, after: &Automerge, patches: &[DocPatch]) {
        for field in fields() {
            assert_eq!(
                apply_splices(&text_of(before, &field), patches, &field),
                text_of(after, &field),
                "{field:?} after {patches:?}"
            );
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

        /// Two peers type, the second having seen the first's keystrokes or not; a third
        /// device receives the first's, reports them, then the second's (concurrent with the
        /// first's when it had not seen them). Each batch is typed and rebuilds every field.
        #[test]
        fn typed_patches_rebuild_every_field(
            first in proptest::collection::vec(key(), 0..12),
            second in proptest::collection::vec(key(), 0..12),
            second_saw_first in any::<bool>(),
        ) {
            let start = base();
            let (mut p, mut q, mut here) = (start.fork(), start.fork(), start.fork());
            type_all(&mut p, 2, &first);
            if second_saw_first {
                q.merge(&mut p.clone()).unwrap();
            }
            type_all(&mut q, 3, &second);
            for peer in [&mut p, &mut q] {
                let before = receive(&mut here, peer);
                let typed = typed_patches(&here, &before.get_heads());
                prop_assert!(typed.is_some());
                assert_patches_rebuild(&before, &here, &typed.unwrap());
            }
        }

        /// Two peers type at once and one of them passes both's keystrokes on: one batch of
        /// changes concurrent with each other, both descending from what was reported.
        #[test]
        fn concurrent_typing_arriving_together_is_typed(
            first in proptest::collection::vec(key(), 1..12),
            second in proptest::collection::vec(key(), 1..12),
        ) {
            let start = base();
            let (mut p, mut q, mut here) = (start.fork(), start.fork(), start.fork());
            type_all(&mut p, 2, &first);
            type_all(&mut q, 3, &second);
            p.merge(&mut q).unwrap();
            let before = receive(&mut here, &mut p);
            let typed = typed_patches(&here, &before.get_heads());
            prop_assert!(typed.is_some());
            assert_patches_rebuild(&before, &here, &typed.unwrap());
        }

        /// Peers add clauses (with their text), change statuses and type, at once: the
        /// typed way gives the diff's signals, and splices that rebuild every field.
        #[test]
        fn structure_and_status_changes_give_the_diffs_signals(
            first in proptest::collection::vec(edit(), 1..8),
            second in proptest::collection::vec(edit(), 0..8),
        ) {
            let start = base();
            let (mut p, mut q, mut here) = (start.fork(), start.fork(), start.fork());
            for (i, e) in first.iter().enumerate() {
                make_edit(&mut p, 2, i, e);
            }
            for (i, e) in second.iter().enumerate() {
                make_edit(&mut q, 3, i, e);
            }
            p.merge(&mut q).unwrap();
            let before = receive(&mut here, &mut p);
            let seen = before.get_heads();
            let typed = typed_patches(&here, &seen);
            prop_assert!(typed.is_some());
            let typed = typed.unwrap();
            assert_patches_rebuild(&before, &here, &typed);
            let signals = |ps: &[DocPatch]| -> HashSet<String> {
                ps.iter()
                    .filter(|p| !matches!(p, DocPatch::Splice { .. }))
                    .map(|p| format!("{p:?}"))
                    .collect()
            };
            let diffed = patches_between(&here, &seen, &here.get_heads());
            prop_assert_eq!(signals(&typed), signals(&diffed));
        }

        /// Keystrokes made here meanwhile make the arriving ones concurrent with what was
        /// reported (deleting what was deleted here too, typing beside it): still typed, and
        /// the patches rebuild every field. When the arriving changes were made on different
        /// states of this device's history (one peer saw the keystrokes made here, the other
        /// not), the diff answers, and rebuilds them as well.
        #[test]
        fn typing_concurrent_with_changes_made_here_rebuilds_every_field(
            local in proptest::collection::vec(key(), 1..8),
            first in proptest::collection::vec(key(), 1..8),
            second in proptest::collection::vec(key(), 0..8),
            second_saw_local in any::<bool>(),
        ) {
            let start = base();
            let (mut p, mut q, mut here) = (start.fork(), start.fork(), start.fork());
            type_all(&mut here, 1, &local);
            type_all(&mut p, 2, &first);
            if second_saw_local {
                q.merge(&mut here.clone()).unwrap();
            }
            type_all(&mut q, 3, &second);
            p.merge(&mut q).unwrap();
            let before = receive(&mut here, &mut p);
            let seen = before.get_heads();
            if !second_saw_local {
                prop_assert!(typed_patches(&here, &seen).is_some());
            }
            assert_patches_rebuild(&before, &here, &patches_since(&here, &seen));
        }
    }

    #[test]
    fn a_character_deleted_here_and_by_a_peer_at_once_is_deleted_once() {
        let start = base();
        let (mut peer, mut here) = (start.fork(), start.fork());
        for doc in [&mut peer, &mut here] {
            change(doc, &ctx(2), |tx| {
                draft::splice_clause(tx, &clause("a"), &Splice::new(0, 4, "Ask"))
            })
            .unwrap();
        }
        let before = receive(&mut here, &mut peer);
        let patches = typed_patches(&here, &before.get_heads()).unwrap();
        assert_patches_rebuild(&before, &here, &patches);
        assert_eq!(
            text_of(&here, &TextField::Clause(clause("a"))),
            "AskAsk 🌎 all"
        );
    }

    #[test]
    fn two_peers_deleting_the_same_character_delete_it_once() {
        let start = base();
        let (mut p, mut q, mut here) = (start.fork(), start.fork(), start.fork());
        let del = |doc: &mut Automerge, n| {
            change(doc, &ctx(n), |tx| {
                draft::splice_clause(tx, &clause("a"), &Splice::delete(0, 5))
            })
            .unwrap()
        };
        del(&mut p, 2);
        del(&mut q, 3);
        p.merge(&mut q).unwrap();
        let before = receive(&mut here, &mut p);
        let patches = typed_patches(&here, &before.get_heads()).unwrap();
        assert_eq!(
            patches,
            vec![DocPatch::Splice {
                target: TextField::Clause(clause("a")),
                index: 0,
                delete: 5,
                insert: String::new(),
            }]
        );
    }

    #[test]
    fn a_faulty_peers_delete_naming_another_texts_character_does_not_break_the_patches() {
        let mut peer = base();
        let mut here = peer.fork();
        let seen = here.get_heads();
        // A correct deletion in clause a, then the same change rewritten to say it deletes
        // in the preamble: the element it names is not the preamble's. automerge 0.12 takes
        // it, and then panics re-encoding it; the patches come from the diff.
        change(&mut peer, &ctx(2), |tx| {
            draft::splice_clause(tx, &clause("a"), &Splice::delete(0, 1))
        })
        .unwrap();
        let mut faulty = peer.get_changes(&seen).pop().unwrap().decode();
        let (_, preamble_obj) = peer.get(automerge::ROOT, "preamble").unwrap().unwrap();
        let ObjId::Id(ctr, actor, _) = preamble_obj else {
            panic!("the preamble is an object")
        };
        for op in &mut faulty.operations {
            op.obj = ObjectId::Id(OpId(ctr, actor.clone()));
        }
        faulty.hash = None;
        let faulty = automerge::Change::from(faulty);
        let before = here.clone();
        if here.apply_changes([faulty]).is_err() {
            return; // automerge refuses it: nothing to patch
        }
        let patches = patches_since(&here, &seen);
        assert_patches_rebuild(&before, &here, &patches);
    }

    /// The title's text object and the id of its `i`-th character.
    fn title_elem(doc: &Automerge, i: usize) -> (ObjId, OpId) {
        let (_, t) = doc.get(automerge::ROOT, "title").unwrap().unwrap();
        let c = doc.get_cursor(&t, i, None).unwrap().to_string();
        let (ctr, actor) = c.split_once('@').unwrap();
        let id = OpId(
            ctr.parse().unwrap(),
            automerge::ActorId::try_from(actor).unwrap(),
        );
        (t, id)
    }

    #[test]
    fn a_value_put_here_on_a_character_a_peer_deletes_is_left_to_the_diff() {
        use automerge::transaction::Transactable;
        let mut peer = base();
        let mut here = peer.fork();
        let (title, _) = title_elem(&here, 0);
        // A put on an existing character outlives a concurrent deletion of it.
        let mut tx = here.transaction();
        tx.put(&title, 0, "X").unwrap();
        tx.commit();
        change(&mut peer, &ctx(2), |tx| {
            draft::splice_title(tx, &Splice::delete(0, 1))
        })
        .unwrap();
        let before = receive(&mut here, &mut peer);
        let seen = before.get_heads();
        assert!(typed_patches(&here, &seen).is_none());
        assert_patches_rebuild(&before, &here, &patches_since(&here, &seen));
    }

    #[test]
    fn a_change_built_on_nothing_is_left_to_the_diff() {
        let mut peer = base();
        let (_, second) = title_elem(&peer, 1);
        change(&mut peer, &ctx(2), |tx| {
            draft::splice_title(tx, &Splice::delete(1, 1))
        })
        .unwrap();
        let mut here = peer.fork();
        let seen = here.get_heads();
        change(&mut peer, &ctx(2), |tx| {
            draft::splice_title(tx, &Splice::insert(0, "x"))
        })
        .unwrap();
        let honest = peer.get_changes(&seen).pop().unwrap();
        // A faulty peer's change with no dependencies deletes the character deleted before.
        let mut faulty = honest.decode();
        faulty.actor_id = automerge::ActorId::from(vec![9; 16]);
        faulty.seq = 1;
        faulty.start_op = std::num::NonZeroU64::new(100).unwrap();
        faulty.deps = Vec::new();
        faulty.hash = None;
        faulty.operations = vec![automerge::legacy::Op {
            action: OpType::Delete,
            obj: faulty.operations[0].obj.clone(),
            key: automerge::legacy::Key::Seq(ElementId::Id(second.clone())),
            pred: vec![second].into(),
            insert: false,
        }];
        let before = here.clone();
        here.apply_changes([honest, automerge::Change::from(faulty)])
            .unwrap();
        assert!(typed_patches(&here, &seen).is_none());
        assert_patches_rebuild(&before, &here, &patches_since(&here, &seen));
    }

    #[test]
    fn a_long_paste_is_left_to_the_diff() {
        let mut peer = base();
        let mut here = peer.fork();
        let seen = here.get_heads();
        let paste = "x".repeat(MOST_ELEMENTS + 1);
        change(&mut peer, &ctx(2), |tx| {
            draft::splice_clause(tx, &clause("b"), &Splice::insert(0, paste.clone()))
        })
        .unwrap();
        let before = receive(&mut here, &mut peer);
        assert!(typed_patches(&here, &seen).is_none());
        assert_patches_rebuild(&before, &here, &patches_since(&here, &seen));
    }
}
