//! Minutes: the meeting's running notes, one Markdown text.
//!
//! Stored shape: `schema: "accord/minutes", schema_version: 1, meeting: <doc id>, text: Text`.

use automerge::{ObjId, ObjType, ROOT, ReadDoc, transaction::Transactable};
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::ids::DocId;
use crate::schema::{self, DocKind};
use crate::text::{self, Splice};

const KIND: DocKind = DocKind::Minutes;
const MEETING: &str = "meeting";
const TEXT: &str = "text";

/// Creates minutes in an empty document.
pub fn create<T: Transactable>(tx: &mut T, meeting: &DocId, initial: &str) -> Result<()> {
    schema::init(tx, KIND)?;
    tx.put(ROOT, MEETING, meeting.as_str())?;
    let t = tx.put_object(ROOT, TEXT, ObjType::Text)?;
    tx.splice_text(&t, 0, 0, initial)?;
    Ok(())
}

/// Edits the text.
pub fn splice<T: Transactable>(tx: &mut T, splice: &Splice) -> Result<()> {
    let t = text_obj(tx)?;
    text::apply(tx, &t, splice)
}

/// The text object, after the schema check: what [`splice`] edits.
pub(crate) fn text_obj<D: ReadDoc>(doc: &D) -> Result<ObjId> {
    schema::expect(doc, KIND)?;
    schema::obj(doc, KIND, &ROOT, TEXT, ObjType::Text)
}

/// Adds a paragraph at the end, separated from what is there by a blank line.
pub fn append<T: Transactable>(tx: &mut T, paragraph: &str) -> Result<()> {
    schema::expect(tx, KIND)?;
    let t = schema::obj(tx, KIND, &ROOT, TEXT, ObjType::Text)?;
    let len = tx.length(&t);
    // Only the last two units are read: appending does not depend on the text's size.
    let unit = |i: usize| -> Option<String> {
        match tx.get(&t, i) {
            Ok(Some((automerge::Value::Scalar(v), _))) => v.as_str().map(str::to_string),
            _ => None,
        }
    };
    let last = if len >= 1 { unit(len - 1) } else { None };
    let before_last = if len >= 2 { unit(len - 2) } else { None };
    let sep = match (before_last.as_deref(), last.as_deref()) {
        (_, None) => "",
        (Some("\n"), Some("\n")) => "",
        (None, Some("\n")) => "",
        (_, Some("\n")) => "\n",
        _ => "\n\n",
    };
    let mut s = String::with_capacity(sep.len() + paragraph.len() + 1);
    s.push_str(sep);
    s.push_str(paragraph.trim_end_matches('\n'));
    s.push('\n');
    tx.splice_text(&t, len, 0, &s)?;
    Ok(())
}

/// A read-only view of the minutes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MinutesView {
    pub meeting: DocId,
    pub text: String,
}

pub fn read<D: ReadDoc>(doc: &D) -> Result<MinutesView> {
    schema::expect(doc, KIND)?;
    let meeting = schema::string(doc, &ROOT, MEETING)?
        .ok_or_else(|| ModelError::malformed(KIND, "meeting is missing"))
        .and_then(|s| {
            DocId::new(s).map_err(|e| ModelError::malformed(KIND, format!("meeting: {e}")))
        })?;
    Ok(MinutesView {
        meeting,
        text: schema::text(doc, KIND, &ROOT, TEXT)?,
    })
}
