//! Action items: who owes what by when. They live in the meeting document so that one
//! meeting's obligations travel together, and each may point at the clause it came from.
//!
//! Stored shape: `actions: { <id>: { text: Text, owners: [party id, …], due: "YYYY-MM-DD" |
//! "", status: str, draft: doc id | "", clause: clause id | "", created: unix ms } }`.

use automerge::{ObjId, ObjType, ROOT, ReadDoc, ScalarValue, transaction::Transactable};
use jiff::{Timestamp, civil::Date};
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::ids::{ActionId, ClauseId, DocId, PartyId};
use crate::meeting::{self, keys::ACTIONS};
use crate::schema::{self, DocKind};
use crate::status::ActionStatus;
use crate::text::{self, Splice};

const KIND: DocKind = DocKind::Meeting;
const TEXT: &str = "text";
const OWNERS: &str = "owners";
const DUE: &str = "due";
const STATUS: &str = "status";
const DRAFT: &str = "draft";
const CLAUSE: &str = "clause";
const CREATED: &str = "created";

/// The clause an action item comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClauseRef {
    pub draft: DocId,
    pub clause: ClauseId,
}

/// A new action item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewAction {
    pub text: String,
    pub owners: Vec<PartyId>,
    pub due: Option<Date>,
    pub source: Option<ClauseRef>,
}

/// A read-only view of one action item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionView {
    pub id: ActionId,
    pub text: String,
    pub owners: Vec<PartyId>,
    pub due: Option<Date>,
    pub status: ActionStatus,
    pub source: Option<ClauseRef>,
    pub created: Timestamp,
}

impl ActionView {
    /// Open and due before `today` (in the meeting's or the user's calendar: the caller
    /// decides which day it is).
    pub fn is_overdue(&self, today: Date) -> bool {
        self.status == ActionStatus::Open && self.due.is_some_and(|d| d < today)
    }
}

/// Adds an action item. Its owners must be parties of the meeting.
pub fn add<T: Transactable>(
    tx: &mut T,
    id: &ActionId,
    new: &NewAction,
    created: Timestamp,
) -> Result<()> {
    schema::expect(tx, KIND)?;
    check_owners(tx, &new.owners)?;
    let actions = actions_obj(tx)?;
    if tx.get(&actions, id.as_str())?.is_some() {
        return Err(ModelError::DuplicateAction(id.clone()));
    }
    let a = tx.put_object(&actions, id.as_str(), ObjType::Map)?;
    let t = tx.put_object(&a, TEXT, ObjType::Text)?;
    tx.splice_text(&t, 0, 0, &new.text)?;
    let owners = tx.put_object(&a, OWNERS, ObjType::List)?;
    let mut written: Vec<&PartyId> = Vec::new();
    for o in &new.owners {
        if !written.contains(&o) {
            tx.insert(&owners, written.len(), o.as_str())?;
            written.push(o);
        }
    }
    tx.put(&a, DUE, new.due.map(|d| d.to_string()).unwrap_or_default())?;
    tx.put(&a, STATUS, ActionStatus::Open.as_str())?;
    let (draft, clause) = match &new.source {
        Some(r) => (r.draft.to_string(), r.clause.to_string()),
        None => (String::new(), String::new()),
    };
    tx.put(&a, DRAFT, draft)?;
    tx.put(&a, CLAUSE, clause)?;
    tx.put(
        &a,
        CREATED,
        ScalarValue::Timestamp(created.as_millisecond()),
    )?;
    Ok(())
}

pub fn set_status<T: Transactable>(tx: &mut T, id: &ActionId, status: ActionStatus) -> Result<()> {
    let a = action_obj(tx, id)?;
    tx.put(&a, STATUS, status.as_str())?;
    Ok(())
}

pub fn set_due<T: Transactable>(tx: &mut T, id: &ActionId, due: Option<Date>) -> Result<()> {
    let a = action_obj(tx, id)?;
    tx.put(&a, DUE, due.map(|d| d.to_string()).unwrap_or_default())?;
    Ok(())
}

pub fn add_owner<T: Transactable>(tx: &mut T, id: &ActionId, owner: &PartyId) -> Result<()> {
    let a = action_obj(tx, id)?;
    check_owners(tx, std::slice::from_ref(owner))?;
    let list = schema::obj(tx, KIND, &a, OWNERS, ObjType::List)?;
    if !schema::string_list(tx, &list)
        .iter()
        .any(|o| o == owner.as_str())
    {
        let n = tx.length(&list);
        tx.insert(&list, n, owner.as_str())?;
    }
    Ok(())
}

pub fn remove_owner<T: Transactable>(tx: &mut T, id: &ActionId, owner: &PartyId) -> Result<()> {
    let a = action_obj(tx, id)?;
    let list = schema::obj(tx, KIND, &a, OWNERS, ObjType::List)?;
    let hits: Vec<usize> = schema::indexed_strings(tx, &list)
        .filter(|(_, s)| s == owner.as_str())
        .map(|(i, _)| i)
        .collect();
    for i in hits.into_iter().rev() {
        tx.delete(&list, i)?;
    }
    Ok(())
}

pub fn splice_text<T: Transactable>(tx: &mut T, id: &ActionId, splice: &Splice) -> Result<()> {
    let t = text_obj(tx, id)?;
    text::apply(tx, &t, splice)
}

/// An action item's text object, after the schema check: what [`splice_text`] edits.
pub(crate) fn text_obj<D: ReadDoc>(doc: &D, id: &ActionId) -> Result<ObjId> {
    let a = action_obj(doc, id)?;
    schema::obj(doc, KIND, &a, TEXT, ObjType::Text)
}

/// Removes an action item altogether (to keep it on record, set it cancelled instead).
pub fn remove<T: Transactable>(tx: &mut T, id: &ActionId) -> Result<()> {
    action_obj(tx, id)?;
    let actions = actions_obj(tx)?;
    tx.delete(&actions, id.as_str())?;
    Ok(())
}

/// Reads one action item.
pub fn read_one<D: ReadDoc>(doc: &D, id: &ActionId) -> Result<ActionView> {
    let a = action_obj(doc, id)?;
    read_item(doc, id.clone(), &a)
}

/// Every action item of the meeting, oldest first.
pub fn read_all<D: ReadDoc>(doc: &D) -> Result<Vec<ActionView>> {
    schema::expect(doc, KIND)?;
    let actions = actions_obj(doc)?;
    let mut out = Vec::new();
    for item in doc.map_range(&actions, ..) {
        let id = ActionId::new(item.key.to_string())
            .map_err(|e| ModelError::malformed(KIND, e.to_string()))?;
        out.push(read_item(doc, id, &item.id())?);
    }
    out.sort_by(|a, b| a.created.cmp(&b.created).then_with(|| a.id.cmp(&b.id)));
    Ok(out)
}

fn read_item<D: ReadDoc>(doc: &D, id: ActionId, a: &ObjId) -> Result<ActionView> {
    let bad = |what: String| ModelError::malformed(KIND, format!("action item {id}: {what}"));
    let text = schema::text(doc, KIND, a, TEXT)?;
    let owners_obj = schema::obj(doc, KIND, a, OWNERS, ObjType::List)?;
    let mut owners: Vec<PartyId> = Vec::new();
    for o in schema::string_list(doc, &owners_obj) {
        let o = PartyId::new(o).map_err(|e| bad(e.to_string()))?;
        if !owners.contains(&o) {
            owners.push(o);
        }
    }
    let due = match schema::string(doc, a, DUE)?.unwrap_or_default() {
        s if s.is_empty() => None,
        s => Some(
            s.parse::<Date>()
                .map_err(|e| bad(format!("due date {s:?}: {e}")))?,
        ),
    };
    let status = schema::string(doc, a, STATUS)?
        .ok_or_else(|| bad("no status".into()))?
        .parse::<ActionStatus>()
        .map_err(|e| bad(e.to_string()))?;
    let draft = schema::string(doc, a, DRAFT)?.unwrap_or_default();
    let clause = schema::string(doc, a, CLAUSE)?.unwrap_or_default();
    let source = if draft.is_empty() || clause.is_empty() {
        None
    } else {
        Some(ClauseRef {
            draft: DocId::new(draft).map_err(|e| bad(e.to_string()))?,
            clause: ClauseId::new(clause).map_err(|e| bad(e.to_string()))?,
        })
    };
    let created = schema::int(doc, a, CREATED)?.unwrap_or(0);
    let created = Timestamp::from_millisecond(created).map_err(|e| bad(format!("created: {e}")))?;
    Ok(ActionView {
        id,
        text,
        owners,
        due,
        status,
        source,
        created,
    })
}

fn actions_obj<D: ReadDoc>(doc: &D) -> Result<ObjId> {
    schema::obj(doc, KIND, &ROOT, ACTIONS, ObjType::Map)
}

fn action_obj<D: ReadDoc>(doc: &D, id: &ActionId) -> Result<ObjId> {
    schema::expect(doc, KIND)?;
    let actions = actions_obj(doc)?;
    match doc.get(&actions, id.as_str())? {
        Some((automerge::Value::Object(ObjType::Map), obj)) => Ok(obj),
        _ => Err(ModelError::NoSuchAction(id.clone())),
    }
}

fn check_owners<D: ReadDoc>(doc: &D, owners: &[PartyId]) -> Result<()> {
    let parties = meeting::party_ids(doc)?;
    match owners.iter().find(|o| !parties.contains(o)) {
        Some(missing) => Err(ModelError::NoSuchParty(missing.clone())),
        None => Ok(()),
    }
}
