//! The `schema` field every Accord document carries, and the check that refuses documents
//! this version does not understand before anything is read from them.

use std::fmt;

use automerge::{ObjType, ROOT, ReadDoc, ScalarValue, Value, transaction::Transactable};
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};

/// The kinds of document a meeting is made of.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocKind {
    Meeting,
    Minutes,
    Draft,
}

impl DocKind {
    pub const ALL: [DocKind; 3] = [DocKind::Meeting, DocKind::Minutes, DocKind::Draft];

    /// The value of the `schema` field.
    pub fn schema_name(self) -> &'static str {
        match self {
            DocKind::Meeting => "accord/meeting",
            DocKind::Minutes => "accord/minutes",
            DocKind::Draft => "accord/draft",
        }
    }

    /// The newest `schema_version` this build reads and writes.
    ///
    /// Meetings are at version 2: their roster is a map of signed, append-only records
    /// (version 1 kept plain maps, still read until an admin converts them).
    pub fn current_version(self) -> u64 {
        match self {
            DocKind::Meeting => 2,
            DocKind::Minutes | DocKind::Draft => 1,
        }
    }

    fn from_schema_name(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.schema_name() == s)
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DocKind::Meeting => "meeting",
            DocKind::Minutes => "minutes",
            DocKind::Draft => "draft",
        })
    }
}

pub(crate) const SCHEMA: &str = "schema";
pub(crate) const SCHEMA_VERSION: &str = "schema_version";

/// Which kind of Accord document this is, refusing documents without a schema, with an
/// unknown one, or with a newer version than this build understands.
pub fn detect<D: ReadDoc>(doc: &D) -> Result<DocKind> {
    let name = match doc.get(ROOT, SCHEMA)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Str(s) => s.to_string(),
            other => {
                return Err(ModelError::UnknownSchema {
                    found: format!("{other}"),
                });
            }
        },
        Some((Value::Object(_), _)) => {
            return Err(ModelError::UnknownSchema {
                found: "an object".into(),
            });
        }
        None => return Err(ModelError::SchemaMissing),
    };
    let kind = DocKind::from_schema_name(&name).ok_or(ModelError::UnknownSchema { found: name })?;
    let version = match doc.get(ROOT, SCHEMA_VERSION)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Uint(v) => *v,
            ScalarValue::Int(v) if *v >= 0 => *v as u64,
            _ => {
                return Err(ModelError::malformed(
                    kind,
                    "schema_version is not a number",
                ));
            }
        },
        _ => return Err(ModelError::malformed(kind, "schema_version is missing")),
    };
    if version > kind.current_version() {
        return Err(ModelError::NewerSchema {
            kind,
            version,
            supported: kind.current_version(),
        });
    }
    if version == 0 {
        return Err(ModelError::malformed(kind, "schema_version is 0"));
    }
    Ok(kind)
}

/// The meeting a minutes or draft document belongs to (`None` for a meeting document).
pub fn meeting_of<D: ReadDoc>(doc: &D) -> Result<Option<crate::DocId>> {
    let kind = detect(doc)?;
    if kind == DocKind::Meeting {
        return Ok(None);
    }
    let id = string(doc, &ROOT, "meeting")?
        .ok_or_else(|| ModelError::malformed(kind, "meeting is missing"))?;
    crate::DocId::new(id)
        .map(Some)
        .map_err(|e| ModelError::malformed(kind, format!("meeting: {e}")))
}

/// Checks that `doc` is a readable document of the `expected` kind.
pub fn expect<D: ReadDoc>(doc: &D, expected: DocKind) -> Result<()> {
    let found = detect(doc)?;
    if found != expected {
        return Err(ModelError::WrongKind { expected, found });
    }
    Ok(())
}

/// Marks a document as written in this build's version of its kind.
pub(crate) fn set_version<T: Transactable>(tx: &mut T, kind: DocKind) -> Result<()> {
    tx.put(
        ROOT,
        SCHEMA_VERSION,
        ScalarValue::Uint(kind.current_version()),
    )?;
    Ok(())
}

/// Writes the schema fields of a new document. Refuses a document that already has content,
/// so that two documents are never mixed into one.
pub(crate) fn init<T: Transactable>(tx: &mut T, kind: DocKind) -> Result<()> {
    if tx.get(ROOT, SCHEMA)?.is_some() || tx.length(ROOT) > 0 {
        return Err(ModelError::invalid(
            "new document",
            "the document is not empty",
        ));
    }
    tx.put(ROOT, SCHEMA, kind.schema_name())?;
    tx.put(
        ROOT,
        SCHEMA_VERSION,
        ScalarValue::Uint(kind.current_version()),
    )?;
    Ok(())
}

// ---- small typed accessors shared by the document modules -------------------------------

use automerge::ObjId;

pub(crate) fn obj<D: ReadDoc>(
    doc: &D,
    kind: DocKind,
    parent: &ObjId,
    key: &str,
    ty: ObjType,
) -> Result<ObjId> {
    match doc.get(parent, key)? {
        Some((Value::Object(t), id)) if t == ty => Ok(id),
        Some(_) => Err(ModelError::malformed(
            kind,
            format!("{key} is not a {ty:?}"),
        )),
        None => Err(ModelError::malformed(kind, format!("{key} is missing"))),
    }
}

pub(crate) fn string<D: ReadDoc>(doc: &D, parent: &ObjId, key: &str) -> Result<Option<String>> {
    Ok(match doc.get(parent, key)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Str(s) => Some(s.to_string()),
            _ => None,
        },
        _ => None,
    })
}

pub(crate) fn int<D: ReadDoc>(doc: &D, parent: &ObjId, key: &str) -> Result<Option<i64>> {
    Ok(match doc.get(parent, key)? {
        Some((Value::Scalar(s), _)) => match s.as_ref() {
            ScalarValue::Int(v) => Some(*v),
            ScalarValue::Uint(v) => i64::try_from(*v).ok(),
            ScalarValue::Timestamp(v) => Some(*v),
            _ => None,
        },
        _ => None,
    })
}

pub(crate) fn boolean<D: ReadDoc>(doc: &D, parent: &ObjId, key: &str) -> Result<bool> {
    Ok(
        matches!(doc.get(parent, key)?, Some((Value::Scalar(s), _)) if matches!(s.as_ref(), ScalarValue::Boolean(true))),
    )
}

pub(crate) fn text<D: ReadDoc>(
    doc: &D,
    kind: DocKind,
    parent: &ObjId,
    key: &str,
) -> Result<String> {
    let id = obj(doc, kind, parent, key, ObjType::Text)?;
    Ok(doc.text(&id)?)
}

/// The strings of a list, in order, skipping anything that is not a string.
pub(crate) fn string_list<D: ReadDoc>(doc: &D, list: &ObjId) -> Vec<String> {
    indexed_strings(doc, list).map(|(_, s)| s).collect()
}

/// The strings of a list with their indices in the list.
pub(crate) fn indexed_strings<'a, D: ReadDoc>(
    doc: &'a D,
    list: &ObjId,
) -> impl Iterator<Item = (usize, String)> + 'a {
    doc.list_range(list, ..)
        .filter_map(|item| match item.value {
            automerge::ValueRef::Scalar(automerge::ScalarValueRef::Str(s)) => {
                Some((item.index, s.to_string()))
            }
            _ => None,
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use automerge::{AutoCommit, transaction::Transactable};

    #[test]
    fn a_document_without_schema_is_refused() {
        let doc = AutoCommit::new();
        assert!(matches!(detect(&doc), Err(ModelError::SchemaMissing)));
    }

    #[test]
    fn an_unknown_schema_is_refused() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, SCHEMA, "someone-else/notes").unwrap();
        let err = detect(&doc).unwrap_err();
        assert!(err.to_string().contains("someone-else/notes"), "{err}");
    }

    #[test]
    fn a_newer_schema_version_is_refused_with_both_versions_named() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, SCHEMA, "accord/draft").unwrap();
        doc.put(ROOT, SCHEMA_VERSION, 7u64).unwrap();
        let err = detect(&doc).unwrap_err();
        assert!(matches!(
            err,
            ModelError::NewerSchema {
                version: 7,
                supported: 1,
                ..
            }
        ));
        assert!(err.to_string().contains("version 7"), "{err}");
    }

    #[test]
    fn a_missing_version_is_malformed() {
        let mut doc = AutoCommit::new();
        doc.put(ROOT, SCHEMA, "accord/minutes").unwrap();
        assert!(matches!(detect(&doc), Err(ModelError::Malformed { .. })));
    }

    #[test]
    fn the_wrong_kind_is_refused() {
        let mut doc = AutoCommit::new();
        init(&mut doc, DocKind::Minutes).unwrap();
        assert!(matches!(
            expect(&doc, DocKind::Draft),
            Err(ModelError::WrongKind {
                expected: DocKind::Draft,
                found: DocKind::Minutes
            })
        ));
    }
}
