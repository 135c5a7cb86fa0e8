//! Typing: a run of keystrokes into one text, with the text found once.
//!
//! Each `splice_*` rule checks the document's schema and finds the text it edits: map
//! lookups from the document's root which, on a long document, cost about as much as the
//! splice itself. A [`Typing`] does that once; a splice through it touches only the text.
//!
//! It stays valid while the document changes only by splices through it: a splice changes
//! neither the schema fields, nor which object a field is, nor whether a clause or an action
//! item is there. Its holder keeps it with the heads it left the document at and finds the
//! text again whenever the heads moved otherwise (another kind of edit, a peer's change).

use automerge::{ObjId, ReadDoc, transaction::Transactable};

use crate::change::TextField;
use crate::error::{ModelError, Result};
use crate::schema::DocKind;
use crate::text::{self, Splice};
use crate::{action, draft, meeting, minutes};

/// A text of a document, found and checked for typing into.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typing {
    field: TextField,
    obj: ObjId,
}

impl Typing {
    /// Finds `field` in a document of `kind`, with every check its `splice_*` rule makes.
    pub fn find<D: ReadDoc>(doc: &D, kind: DocKind, field: &TextField) -> Result<Typing> {
        let obj = match (kind, field) {
            (DocKind::Minutes, TextField::Minutes) => minutes::text_obj(doc)?,
            (DocKind::Draft, TextField::Title) => draft::title_obj(doc)?,
            (DocKind::Draft, TextField::Preamble) => draft::preamble_obj(doc)?,
            (DocKind::Draft, TextField::Clause(c)) => draft::clause_text_obj(doc, c)?,
            (DocKind::Meeting, TextField::Title) => meeting::title_obj(doc)?,
            (DocKind::Meeting, TextField::Action(a)) => action::text_obj(doc, a)?,
            (kind, field) => {
                return Err(ModelError::invalid(
                    "text field",
                    format!("a {kind} document has no {field:?} text"),
                ));
            }
        };
        Ok(Typing {
            field: field.clone(),
            obj,
        })
    }

    /// The field it types into.
    pub fn field(&self) -> &TextField {
        &self.field
    }

    /// Applies one keystroke's splice, refusing one that reaches past the end of the text.
    pub fn splice<T: Transactable>(&self, tx: &mut T, splice: &Splice) -> Result<()> {
        text::apply(tx, &self.obj, splice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ChangeCtx, ClauseId, DeviceId, DocId, change, jiff};
    use automerge::Automerge;

    fn ctx() -> ChangeCtx {
        ChangeCtx::new(
            DeviceId::from_bytes([7; 32]),
            jiff::Timestamp::from_second(1_700_000_000).unwrap(),
        )
    }

    fn minutes_doc(text: &str) -> Automerge {
        let mut doc = Automerge::new();
        let meeting = DocId::new("m1").unwrap();
        change(&mut doc, &ctx(), |tx| minutes::create(tx, &meeting, text)).unwrap();
        doc
    }

    #[test]
    fn typing_through_a_found_text_is_the_same_as_the_rule() {
        let mut by_rule = minutes_doc("Opening.");
        let mut by_typing = by_rule.fork();
        let typing = Typing::find(&by_typing, DocKind::Minutes, &TextField::Minutes).unwrap();
        for (i, s) in [
            Splice::insert(8, " Welcome"),
            Splice::delete(0, 1),
            Splice::new(0, 1, "Op"),
        ]
        .iter()
        .enumerate()
        {
            change(&mut by_rule, &ctx(), |tx| minutes::splice(tx, s)).unwrap();
            change(&mut by_typing, &ctx(), |tx| typing.splice(tx, s)).unwrap();
            assert_eq!(
                minutes::read(&by_rule).unwrap().text,
                minutes::read(&by_typing).unwrap().text,
                "after splice {i}"
            );
        }
        assert_eq!(minutes::read(&by_typing).unwrap().text, "Opening. Welcome");
    }

    #[test]
    fn a_splice_past_the_end_is_refused() {
        let mut doc = minutes_doc("abc");
        let typing = Typing::find(&doc, DocKind::Minutes, &TextField::Minutes).unwrap();
        let err = change(&mut doc, &ctx(), |tx| {
            typing.splice(tx, &Splice::delete(2, 5))
        })
        .unwrap_err();
        assert!(matches!(
            err,
            ModelError::SpliceOutOfRange {
                pos: 2,
                del: 5,
                len: 3
            }
        ));
        assert_eq!(minutes::read(&doc).unwrap().text, "abc");
    }

    #[test]
    fn finding_checks_what_the_rules_check() {
        let doc = minutes_doc("x");
        // A field the kind has not.
        assert!(matches!(
            Typing::find(&doc, DocKind::Minutes, &TextField::Preamble),
            Err(ModelError::Invalid {
                what: "text field",
                ..
            })
        ));
        // The document is not of the kind the caller expects.
        assert!(matches!(
            Typing::find(&doc, DocKind::Draft, &TextField::Title),
            Err(ModelError::WrongKind { .. })
        ));
        // A clause that is not there.
        let mut draft = Automerge::new();
        let meeting = DocId::new("m1").unwrap();
        change(&mut draft, &ctx(), |tx| {
            draft::create(tx, &meeting, "Draft", "")
        })
        .unwrap();
        assert!(matches!(
            Typing::find(
                &draft,
                DocKind::Draft,
                &TextField::Clause(ClauseId::new("p9").unwrap())
            ),
            Err(ModelError::NoSuchClause(_))
        ));
    }
}
