//! A draft: an agreement or report text — a title, a preamble and an ordered tree of
//! clauses. See [`crate::tree`] for how the stored structure becomes one outline under any
//! concurrent edits.
//!
//! Stored shape (root map):
//!
//! ```text
//! schema: "accord/draft", schema_version: 1, meeting: <doc id>,
//! title: Text, preamble: Text,
//! children: [clause id, …]                      // top-level order
//! clauses: { <id>: { text: Text, status: str, proposed_by: [party id, …],
//!                    parent: str ("" = top level), children: [clause id, …],
//!                    removed: bool } }
//! ```
//!
//! Every container object a clause needs is created with the clause, never later: two
//! devices creating the same list concurrently would each make their own and one would lose.

use automerge::{ObjId, ObjType, ROOT, ReadDoc, transaction::Transactable};
use serde::{Deserialize, Serialize};

use crate::brackets::{self, BracketAnalysis};
use crate::error::{ModelError, Result};
use crate::ids::{ClauseId, DocId, PartyId};
use crate::numbering::ClauseNumber;
use crate::schema::{self, DocKind};
use crate::status::ClauseStatus;
use crate::text::{self, Splice};
use crate::tree::{self, RawClause, RawTree};

const KIND: DocKind = DocKind::Draft;

pub(crate) mod keys {
    pub const MEETING: &str = "meeting";
    pub const TITLE: &str = "title";
    pub const PREAMBLE: &str = "preamble";
    pub const CHILDREN: &str = "children";
    pub const CLAUSES: &str = "clauses";
    pub const TEXT: &str = "text";
    pub const STATUS: &str = "status";
    pub const PROPOSED_BY: &str = "proposed_by";
    pub const PARENT: &str = "parent";
    pub const REMOVED: &str = "removed";
}
use keys::*;

/// Where to put a new or moved clause.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "at", rename_all = "snake_case")]
pub enum Placement {
    /// First among the sub-items of `parent` (the top level when `None`).
    Start { parent: Option<ClauseId> },
    /// Last among the sub-items of `parent` (the top level when `None`).
    End { parent: Option<ClauseId> },
    /// Right after a clause, at its level.
    After { clause: ClauseId },
    /// Right before a clause, at its level.
    Before { clause: ClauseId },
}

impl Placement {
    pub fn top_end() -> Self {
        Placement::End { parent: None }
    }
    pub fn end_of(parent: &ClauseId) -> Self {
        Placement::End {
            parent: Some(parent.clone()),
        }
    }
    pub fn after(clause: &ClauseId) -> Self {
        Placement::After {
            clause: clause.clone(),
        }
    }
}

/// Creates a draft in an empty document.
pub fn create<T: Transactable>(
    tx: &mut T,
    meeting: &DocId,
    title: &str,
    preamble: &str,
) -> Result<()> {
    schema::init(tx, KIND)?;
    tx.put(ROOT, MEETING, meeting.as_str())?;
    let t = tx.put_object(ROOT, TITLE, ObjType::Text)?;
    tx.splice_text(&t, 0, 0, title)?;
    let p = tx.put_object(ROOT, PREAMBLE, ObjType::Text)?;
    tx.splice_text(&p, 0, 0, preamble)?;
    tx.put_object(ROOT, CHILDREN, ObjType::List)?;
    tx.put_object(ROOT, CLAUSES, ObjType::Map)?;
    Ok(())
}

/// Adds a clause with `text` at `at`, proposed by `proposed_by`.
pub fn insert_clause<T: Transactable>(
    tx: &mut T,
    id: &ClauseId,
    at: &Placement,
    text: &str,
    proposed_by: &[PartyId],
) -> Result<()> {
    schema::expect(tx, KIND)?;
    let clauses = clauses_obj(tx)?;
    if tx.get(&clauses, id.as_str())?.is_some() {
        return Err(ModelError::DuplicateClause(id.clone()));
    }
    let raw = read_raw(tx)?;
    let placed = tree::resolve(&raw);
    let (parent, index) = locate(tx, &raw, &placed, at)?;
    let c = tx.put_object(&clauses, id.as_str(), ObjType::Map)?;
    let t = tx.put_object(&c, TEXT, ObjType::Text)?;
    tx.splice_text(&t, 0, 0, text)?;
    tx.put(&c, STATUS, ClauseStatus::Open.as_str())?;
    let by = tx.put_object(&c, PROPOSED_BY, ObjType::List)?;
    for (i, p) in dedup(proposed_by).into_iter().enumerate() {
        tx.insert(&by, i, p.as_str())?;
    }
    tx.put(
        &c,
        PARENT,
        parent.as_ref().map(ClauseId::as_str).unwrap_or(""),
    )?;
    tx.put_object(&c, CHILDREN, ObjType::List)?;
    tx.put(&c, REMOVED, false)?;
    let list = children_obj(tx, parent.as_ref())?;
    tx.insert(&list, index, id.as_str())?;
    Ok(())
}

/// Moves a clause, with its sub-items, to `at`.
pub fn move_clause<T: Transactable>(tx: &mut T, id: &ClauseId, at: &Placement) -> Result<()> {
    schema::expect(tx, KIND)?;
    let raw = read_raw(tx)?;
    let placed = tree::resolve(&raw);
    visible(&placed, id)?;
    // The target must not be the clause itself or inside it.
    let subtree = subtree(&placed, id);
    let anchor = match at {
        Placement::Start { parent } | Placement::End { parent } => parent.clone(),
        Placement::After { clause } | Placement::Before { clause } => Some(clause.clone()),
    };
    if let Some(a) = &anchor {
        let anchor_is_sibling = matches!(at, Placement::After { .. } | Placement::Before { .. });
        if subtree.contains(a) && !(anchor_is_sibling && a == id) {
            return Err(ModelError::MoveIntoItself { clause: id.clone() });
        }
        if anchor_is_sibling && a == id {
            return Ok(()); // "after itself": nowhere to go
        }
    }
    // Take it out of its current list and out of the target list (stale entries from
    // concurrent moves must not decide its new place), then insert.
    let old_parent = raw.clauses[id]
        .parent
        .clone()
        .filter(|p| raw.clauses.contains_key(p));
    remove_from_list(tx, old_parent.as_ref(), id)?;
    let raw = read_raw(tx)?;
    let (new_parent, _) = locate(tx, &raw, &placed, at)?;
    remove_from_list(tx, new_parent.as_ref(), id)?;
    let raw = read_raw(tx)?;
    let (new_parent, index) = locate(tx, &raw, &placed, at)?;
    let c = clause_obj(tx, id)?;
    tx.put(
        &c,
        PARENT,
        new_parent.as_ref().map(ClauseId::as_str).unwrap_or(""),
    )?;
    let list = children_obj(tx, new_parent.as_ref())?;
    tx.insert(&list, index, id.as_str())?;
    Ok(())
}

/// Makes a clause the last sub-item of the clause before it.
pub fn indent<T: Transactable>(tx: &mut T, id: &ClauseId) -> Result<()> {
    schema::expect(tx, KIND)?;
    let placed = tree::resolve(&read_raw(tx)?);
    let me = visible(&placed, id)?;
    let prev = placed
        .iter()
        .take_while(|p| p.id != *id)
        .filter(|p| p.parent == me.parent && p.depth == me.depth)
        .last()
        .map(|p| p.id.clone())
        .ok_or_else(|| ModelError::CannotIndent(id.clone()))?;
    move_clause(tx, id, &Placement::End { parent: Some(prev) })
}

/// Makes a sub-item a clause of its parent's level, right after its parent.
pub fn outdent<T: Transactable>(tx: &mut T, id: &ClauseId) -> Result<()> {
    schema::expect(tx, KIND)?;
    let placed = tree::resolve(&read_raw(tx)?);
    let me = visible(&placed, id)?;
    let parent = me
        .parent
        .clone()
        .ok_or_else(|| ModelError::CannotOutdent(id.clone()))?;
    move_clause(tx, id, &Placement::After { clause: parent })
}

/// Deletes a clause and its sub-items from the draft. (To record that the parties agreed to
/// drop a clause while keeping it visible, set its status to [`ClauseStatus::Deleted`].)
pub fn delete_clause<T: Transactable>(tx: &mut T, id: &ClauseId) -> Result<()> {
    schema::expect(tx, KIND)?;
    let placed = tree::resolve(&read_raw(tx)?);
    visible(&placed, id)?;
    for c in subtree(&placed, id) {
        let obj = clause_obj(tx, &c)?;
        tx.put(&obj, REMOVED, true)?;
    }
    Ok(())
}

/// Sets a clause's status. A clause whose text still has brackets cannot be agreed.
pub fn set_status<T: Transactable>(tx: &mut T, id: &ClauseId, status: ClauseStatus) -> Result<()> {
    schema::expect(tx, KIND)?;
    let c = live_clause_obj(tx, id)?;
    if status.is_agreed() {
        let text = schema::text(tx, KIND, &c, TEXT)?;
        if brackets::analyze(&text).has_brackets() {
            return Err(ModelError::BracketsRemain {
                clause: id.clone(),
                status,
            });
        }
    }
    tx.put(&c, STATUS, status.as_str())?;
    Ok(())
}

/// Records that `party` proposed (or co-sponsors) a clause.
pub fn add_proposer<T: Transactable>(tx: &mut T, id: &ClauseId, party: &PartyId) -> Result<()> {
    schema::expect(tx, KIND)?;
    let c = live_clause_obj(tx, id)?;
    let list = schema::obj(tx, KIND, &c, PROPOSED_BY, ObjType::List)?;
    if !schema::string_list(tx, &list)
        .iter()
        .any(|p| p == party.as_str())
    {
        let n = tx.length(&list);
        tx.insert(&list, n, party.as_str())?;
    }
    Ok(())
}

/// Removes `party` from a clause's proposers.
pub fn remove_proposer<T: Transactable>(tx: &mut T, id: &ClauseId, party: &PartyId) -> Result<()> {
    schema::expect(tx, KIND)?;
    let c = live_clause_obj(tx, id)?;
    let list = schema::obj(tx, KIND, &c, PROPOSED_BY, ObjType::List)?;
    let hits: Vec<usize> = schema::indexed_strings(tx, &list)
        .filter(|(_, s)| s == party.as_str())
        .map(|(i, _)| i)
        .collect();
    for i in hits.into_iter().rev() {
        tx.delete(&list, i)?;
    }
    Ok(())
}

/// Edits a clause's text.
pub fn splice_clause<T: Transactable>(tx: &mut T, id: &ClauseId, splice: &Splice) -> Result<()> {
    let t = clause_text_obj(tx, id)?;
    text::apply(tx, &t, splice)
}

/// A live clause's text object, after the schema check: what [`splice_clause`] edits.
pub(crate) fn clause_text_obj<D: ReadDoc>(doc: &D, id: &ClauseId) -> Result<ObjId> {
    schema::expect(doc, KIND)?;
    let c = live_clause_obj(doc, id)?;
    schema::obj(doc, KIND, &c, TEXT, ObjType::Text)
}

/// Replaces a clause's whole text (by the smallest edits, so concurrent edits survive).
pub fn set_clause_text<T: Transactable>(tx: &mut T, id: &ClauseId, new: &str) -> Result<()> {
    schema::expect(tx, KIND)?;
    let c = live_clause_obj(tx, id)?;
    let t = schema::obj(tx, KIND, &c, TEXT, ObjType::Text)?;
    text::replace(tx, &t, new)
}

/// Edits the draft's title.
pub fn splice_title<T: Transactable>(tx: &mut T, splice: &Splice) -> Result<()> {
    let t = root_text_obj(tx, TITLE)?;
    text::apply(tx, &t, splice)
}

/// Edits the draft's preamble.
pub fn splice_preamble<T: Transactable>(tx: &mut T, splice: &Splice) -> Result<()> {
    let t = root_text_obj(tx, PREAMBLE)?;
    text::apply(tx, &t, splice)
}

/// The title's or the preamble's text object, after the schema check.
fn root_text_obj<D: ReadDoc>(doc: &D, key: &str) -> Result<ObjId> {
    schema::expect(doc, KIND)?;
    schema::obj(doc, KIND, &ROOT, key, ObjType::Text)
}

/// The title's text object, after the schema check: what [`splice_title`] edits.
pub(crate) fn title_obj<D: ReadDoc>(doc: &D) -> Result<ObjId> {
    root_text_obj(doc, TITLE)
}

/// The preamble's text object, after the schema check: what [`splice_preamble`] edits.
pub(crate) fn preamble_obj<D: ReadDoc>(doc: &D) -> Result<ObjId> {
    root_text_obj(doc, PREAMBLE)
}

// ---- views ---------------------------------------------------------------------------

/// A read-only view of a whole draft, for the UI and for export.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DraftView {
    pub meeting: DocId,
    pub title: String,
    pub preamble: String,
    /// The top-level clauses, each with its sub-items.
    pub clauses: Vec<ClauseView>,
}

/// One clause in a [`DraftView`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseView {
    pub id: ClauseId,
    /// Computed from the tree, never stored.
    pub number: ClauseNumber,
    pub text: String,
    pub status: ClauseStatus,
    pub proposed_by: Vec<PartyId>,
    pub brackets: BracketAnalysis,
    pub children: Vec<ClauseView>,
}

/// How many clauses stand at each status: "7 of 12 agreed, 3 bracketed".
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StatusSummary {
    pub total: usize,
    pub open: usize,
    pub bracketed: usize,
    pub agreed_ad_ref: usize,
    pub agreed: usize,
    pub adopted: usize,
    pub deleted: usize,
    /// Clauses whose text has brackets, whatever their status says.
    pub with_brackets: usize,
}

impl DraftView {
    /// Every clause in document order, with its depth.
    pub fn outline(&self) -> Vec<&ClauseView> {
        fn walk<'a>(cs: &'a [ClauseView], out: &mut Vec<&'a ClauseView>) {
            for c in cs {
                out.push(c);
                walk(&c.children, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.clauses, &mut out);
        out
    }

    pub fn find(&self, id: &ClauseId) -> Option<&ClauseView> {
        self.outline().into_iter().find(|c| c.id == *id)
    }

    /// The text as agreed: clauses the parties deleted are gone and the rest renumbered.
    pub fn clean(&self) -> DraftView {
        fn keep(cs: &[ClauseView]) -> Vec<ClauseView> {
            cs.iter()
                .filter(|c| c.status != ClauseStatus::Deleted)
                .map(|c| ClauseView {
                    children: keep(&c.children),
                    ..c.clone()
                })
                .collect()
        }
        let mut out = DraftView {
            clauses: keep(&self.clauses),
            ..self.clone()
        };
        renumber(&mut out.clauses, 0);
        out
    }

    pub fn summary(&self) -> StatusSummary {
        let mut s = StatusSummary::default();
        for c in self.outline() {
            s.total += 1;
            match c.status {
                ClauseStatus::Open => s.open += 1,
                ClauseStatus::Bracketed => s.bracketed += 1,
                ClauseStatus::AgreedAdRef => s.agreed_ad_ref += 1,
                ClauseStatus::Agreed => s.agreed += 1,
                ClauseStatus::Adopted => s.adopted += 1,
                ClauseStatus::Deleted => s.deleted += 1,
            }
            if c.brackets.has_brackets() {
                s.with_brackets += 1;
            }
        }
        s
    }

    /// The numbered text, one clause per line, indented by level: what `make run` prints.
    pub fn to_plain_text(&self) -> String {
        let mut out = String::new();
        for c in self.outline() {
            out.push_str(&"    ".repeat(c.number.depth));
            out.push_str(&c.number.to_string());
            out.push(' ');
            out.push_str(&c.text);
            out.push('\n');
        }
        out
    }
}

fn renumber(cs: &mut [ClauseView], depth: usize) {
    for (i, c) in cs.iter_mut().enumerate() {
        c.number = ClauseNumber {
            ordinal: i + 1,
            depth,
        };
        renumber(&mut c.children, depth + 1);
    }
}

/// Reads a whole draft. A draft with a missing or newer schema, or a malformed clause, is
/// refused rather than half-read.
pub fn read<D: ReadDoc>(doc: &D) -> Result<DraftView> {
    schema::expect(doc, KIND)?;
    let meeting = schema::string(doc, &ROOT, MEETING)?
        .ok_or_else(|| ModelError::malformed(KIND, "meeting is missing"))
        .and_then(|s| {
            DocId::new(s).map_err(|e| ModelError::malformed(KIND, format!("meeting: {e}")))
        })?;
    let title = schema::text(doc, KIND, &ROOT, TITLE)?;
    let preamble = schema::text(doc, KIND, &ROOT, PREAMBLE)?;
    let raw = read_raw(doc)?;
    let placed = tree::resolve(&raw);
    let clauses_obj = clauses_obj(doc)?;
    // Build the nested views from the flat, ordered placement.
    let mut stack: Vec<ClauseView> = Vec::new();
    let mut top: Vec<ClauseView> = Vec::new();
    for p in &placed {
        while stack.len() > p.depth {
            let done = stack.pop().expect("stack is deeper than depth");
            attach(&mut stack, &mut top, done);
        }
        let c = schema::obj(doc, KIND, &clauses_obj, p.id.as_str(), ObjType::Map)?;
        let text = schema::text(doc, KIND, &c, TEXT)?;
        let status = schema::string(doc, &c, STATUS)?
            .ok_or_else(|| ModelError::malformed(KIND, format!("clause {} has no status", p.id)))?
            .parse::<ClauseStatus>()
            .map_err(|e| ModelError::malformed(KIND, format!("clause {}: {e}", p.id)))?;
        let by = schema::obj(doc, KIND, &c, PROPOSED_BY, ObjType::List)?;
        let proposed_by = dedup_strings(schema::string_list(doc, &by))
            .into_iter()
            .map(|s| {
                PartyId::new(s)
                    .map_err(|e| ModelError::malformed(KIND, format!("clause {}: {e}", p.id)))
            })
            .collect::<Result<Vec<_>>>()?;
        let brackets = brackets::analyze(&text);
        let ordinal = stack.last().map(|s| s.children.len()).unwrap_or(top.len()) + 1;
        stack.push(ClauseView {
            id: p.id.clone(),
            number: ClauseNumber {
                ordinal,
                depth: p.depth,
            },
            text,
            status,
            proposed_by,
            brackets,
            children: Vec::new(),
        });
    }
    while let Some(done) = stack.pop() {
        attach(&mut stack, &mut top, done);
    }
    Ok(DraftView {
        meeting,
        title,
        preamble,
        clauses: top,
    })
}

fn attach(stack: &mut [ClauseView], top: &mut Vec<ClauseView>, done: ClauseView) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(done),
        None => top.push(done),
    }
}

/// The stored structure, for [`tree::resolve`].
pub fn read_raw<D: ReadDoc>(doc: &D) -> Result<RawTree> {
    let top_obj = schema::obj(doc, KIND, &ROOT, CHILDREN, ObjType::List)?;
    let top = ids_in(doc, &top_obj);
    let clauses_obj = clauses_obj(doc)?;
    let mut clauses = std::collections::BTreeMap::new();
    for item in doc.map_range(&clauses_obj, ..) {
        let id = ClauseId::new(item.key.to_string())
            .map_err(|e| ModelError::malformed(KIND, format!("clause key: {e}")))?;
        let c = item.id();
        let parent = match schema::string(doc, &c, PARENT)? {
            Some(p) if p.is_empty() => None,
            Some(p) => Some(
                ClauseId::new(p)
                    .map_err(|e| ModelError::malformed(KIND, format!("clause {id} parent: {e}")))?,
            ),
            None => {
                return Err(ModelError::malformed(
                    KIND,
                    format!("clause {id} has no parent field"),
                ));
            }
        };
        let children_obj = schema::obj(doc, KIND, &c, CHILDREN, ObjType::List)?;
        let children = ids_in(doc, &children_obj);
        let removed = schema::boolean(doc, &c, REMOVED)?;
        clauses.insert(
            id,
            RawClause {
                parent,
                children,
                removed,
            },
        );
    }
    Ok(RawTree { top, clauses })
}

/// The valid clause ids in a list; anything else in it is ignored (it cannot name a clause).
fn ids_in<D: ReadDoc>(doc: &D, list: &ObjId) -> Vec<ClauseId> {
    schema::string_list(doc, list)
        .into_iter()
        .filter_map(|s| ClauseId::new(s).ok())
        .collect()
}

// ---- helpers ----------------------------------------------------------------------------

fn clauses_obj<D: ReadDoc>(doc: &D) -> Result<ObjId> {
    schema::obj(doc, KIND, &ROOT, CLAUSES, ObjType::Map)
}

fn clause_obj<D: ReadDoc>(doc: &D, id: &ClauseId) -> Result<ObjId> {
    let clauses = clauses_obj(doc)?;
    match doc.get(&clauses, id.as_str())? {
        Some((automerge::Value::Object(ObjType::Map), obj)) => Ok(obj),
        _ => Err(ModelError::NoSuchClause(id.clone())),
    }
}

/// A clause that exists and has not been deleted from the draft.
fn live_clause_obj<D: ReadDoc>(doc: &D, id: &ClauseId) -> Result<ObjId> {
    let c = clause_obj(doc, id)?;
    if schema::boolean(doc, &c, REMOVED)? {
        return Err(ModelError::NoSuchClause(id.clone()));
    }
    Ok(c)
}

fn children_obj<D: ReadDoc>(doc: &D, parent: Option<&ClauseId>) -> Result<ObjId> {
    match parent {
        None => schema::obj(doc, KIND, &ROOT, CHILDREN, ObjType::List),
        Some(p) => {
            let c = clause_obj(doc, p)?;
            schema::obj(doc, KIND, &c, CHILDREN, ObjType::List)
        }
    }
}

fn visible<'a>(placed: &'a [tree::Placed], id: &ClauseId) -> Result<&'a tree::Placed> {
    placed
        .iter()
        .find(|p| p.id == *id)
        .ok_or_else(|| ModelError::NoSuchClause(id.clone()))
}

/// A visible clause and all its visible descendants.
fn subtree(placed: &[tree::Placed], id: &ClauseId) -> Vec<ClauseId> {
    let Some(start) = placed.iter().position(|p| p.id == *id) else {
        return Vec::new();
    };
    let depth = placed[start].depth;
    let mut out = vec![id.clone()];
    for p in &placed[start + 1..] {
        if p.depth <= depth {
            break;
        }
        out.push(p.id.clone());
    }
    out
}

/// The stored container (parent) and list index that realise a placement.
fn locate<D: ReadDoc>(
    doc: &D,
    raw: &RawTree,
    placed: &[tree::Placed],
    at: &Placement,
) -> Result<(Option<ClauseId>, usize)> {
    match at {
        Placement::Start { parent } | Placement::End { parent } => {
            if let Some(p) = parent {
                visible(placed, p)?;
            }
            let list = children_obj(doc, parent.as_ref())?;
            let index = if matches!(at, Placement::Start { .. }) {
                0
            } else {
                doc.length(&list)
            };
            Ok((parent.clone(), index))
        }
        Placement::After { clause } | Placement::Before { clause } => {
            visible(placed, clause)?;
            // The sibling's stored container: if that is a deleted clause, the new clause is
            // hoisted with it and shows right beside it.
            let container = raw.clauses[clause]
                .parent
                .clone()
                .filter(|p| raw.clauses.contains_key(p));
            let list = children_obj(doc, container.as_ref())?;
            let at_list = schema::indexed_strings(doc, &list).find(|(_, s)| s == clause.as_str());
            let index = match (at_list, at) {
                (Some((i, _)), Placement::After { .. }) => i + 1,
                (Some((i, _)), _) => i,
                // Not in its list (a concurrent move left it only in its parent field):
                // it shows after the listed members, so go to the end.
                (None, _) => doc.length(&list),
            };
            Ok((container, index))
        }
    }
}

fn remove_from_list<T: Transactable>(
    tx: &mut T,
    container: Option<&ClauseId>,
    id: &ClauseId,
) -> Result<()> {
    let list = children_obj(tx, container)?;
    let hits: Vec<usize> = schema::indexed_strings(tx, &list)
        .filter(|(_, s)| s == id.as_str())
        .map(|(i, _)| i)
        .collect();
    for i in hits.into_iter().rev() {
        tx.delete(&list, i)?;
    }
    Ok(())
}

fn dedup(parties: &[PartyId]) -> Vec<&PartyId> {
    let mut out: Vec<&PartyId> = Vec::new();
    for p in parties {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    out
}

fn dedup_strings(items: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in items {
        if !out.contains(&s) {
            out.push(s);
        }
    }
    out
}
