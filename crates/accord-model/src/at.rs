//! Reading a document as it was at given heads, without copying it: [`At`] answers every
//! [`ReadDoc`] call with automerge's `*_at` reads, so each of the model's readers (all generic
//! over `ReadDoc`) reads a past version — a draft's outline, the minutes, the roster.
//!
//! automerge's reads at heads a document does not have return nothing rather than an error,
//! so [`At::new`] refuses heads whose changes have not all arrived: such a version is
//! *pending*, never shown as an empty or half text.

use std::ops::RangeBounds;

use automerge::iter::{DocIter, Keys, ListRange, MapRange, Spans, Values};
use automerge::marks::{Mark, MarkSet};
use automerge::{
    AutomergeError, Change, ChangeHash, Cursor, CursorPosition, MoveCursor, ObjId, ObjType,
    Parents, Prop, ReadDoc, Stats, TextEncoding, Value, hydrate,
};

use crate::error::{ModelError, Result};

/// A document read at `heads`.
#[derive(Debug, Clone)]
pub struct At<'a, D> {
    doc: &'a D,
    heads: Vec<ChangeHash>,
}

impl<'a, D: ReadDoc> At<'a, D> {
    /// The document at `heads`; an error naming how many changes are missing when the
    /// document does not hold them all yet.
    pub fn new(doc: &'a D, heads: &[ChangeHash]) -> Result<Self> {
        let missing = doc.get_missing_deps(heads);
        if !missing.is_empty() {
            return Err(ModelError::invalid(
                "version",
                format!(
                    "it is pending: {} of its changes have not arrived on this device yet",
                    missing.len()
                ),
            ));
        }
        Ok(At {
            doc,
            heads: heads.to_vec(),
        })
    }

    pub fn heads(&self) -> &[ChangeHash] {
        &self.heads
    }
}

impl<D: ReadDoc> ReadDoc for At<'_, D> {
    fn parents<O: AsRef<ObjId>>(&self, obj: O) -> std::result::Result<Parents<'_>, AutomergeError> {
        self.doc.parents_at(obj, &self.heads)
    }
    fn parents_at<O: AsRef<ObjId>>(
        &self,
        obj: O,
        heads: &[ChangeHash],
    ) -> std::result::Result<Parents<'_>, AutomergeError> {
        self.doc.parents_at(obj, heads)
    }
    fn keys<O: AsRef<ObjId>>(&self, obj: O) -> Keys<'_> {
        self.doc.keys_at(obj, &self.heads)
    }
    fn keys_at<O: AsRef<ObjId>>(&self, obj: O, heads: &[ChangeHash]) -> Keys<'_> {
        self.doc.keys_at(obj, heads)
    }
    fn iter_at<O: AsRef<ObjId>>(&self, obj: O, heads: Option<&[ChangeHash]>) -> DocIter<'_> {
        self.doc.iter_at(obj, Some(heads.unwrap_or(&self.heads)))
    }
    fn map_range<'b, O: AsRef<ObjId>, R: RangeBounds<String> + 'b>(
        &'b self,
        obj: O,
        range: R,
    ) -> MapRange<'b> {
        self.doc.map_range_at(obj, range, &self.heads)
    }
    fn map_range_at<'b, O: AsRef<ObjId>, R: RangeBounds<String> + 'b>(
        &'b self,
        obj: O,
        range: R,
        heads: &[ChangeHash],
    ) -> MapRange<'b> {
        self.doc.map_range_at(obj, range, heads)
    }
    fn list_range<O: AsRef<ObjId>, R: RangeBounds<usize>>(
        &self,
        obj: O,
        range: R,
    ) -> ListRange<'_> {
        self.doc.list_range_at(obj, range, &self.heads)
    }
    fn list_range_at<O: AsRef<ObjId>, R: RangeBounds<usize>>(
        &self,
        obj: O,
        range: R,
        heads: &[ChangeHash],
    ) -> ListRange<'_> {
        self.doc.list_range_at(obj, range, heads)
    }
    fn values<O: AsRef<ObjId>>(&self, obj: O) -> Values<'_> {
        self.doc.values_at(obj, &self.heads)
    }
    fn values_at<O: AsRef<ObjId>>(&self, obj: O, heads: &[ChangeHash]) -> Values<'_> {
        self.doc.values_at(obj, heads)
    }
    fn length<O: AsRef<ObjId>>(&self, obj: O) -> usize {
        self.doc.length_at(obj, &self.heads)
    }
    fn length_at<O: AsRef<ObjId>>(&self, obj: O, heads: &[ChangeHash]) -> usize {
        self.doc.length_at(obj, heads)
    }
    fn object_type<O: AsRef<ObjId>>(&self, obj: O) -> std::result::Result<ObjType, AutomergeError> {
        // An object's type never changes once it is made.
        self.doc.object_type(obj)
    }
    fn marks<O: AsRef<ObjId>>(&self, obj: O) -> std::result::Result<Vec<Mark>, AutomergeError> {
        self.doc.marks_at(obj, &self.heads)
    }
    fn marks_at<O: AsRef<ObjId>>(
        &self,
        obj: O,
        heads: &[ChangeHash],
    ) -> std::result::Result<Vec<Mark>, AutomergeError> {
        self.doc.marks_at(obj, heads)
    }
    fn get_marks<O: AsRef<ObjId>>(
        &self,
        obj: O,
        index: usize,
        heads: Option<&[ChangeHash]>,
    ) -> std::result::Result<MarkSet, AutomergeError> {
        self.doc
            .get_marks(obj, index, Some(heads.unwrap_or(&self.heads)))
    }
    fn text<O: AsRef<ObjId>>(&self, obj: O) -> std::result::Result<String, AutomergeError> {
        self.doc.text_at(obj, &self.heads)
    }
    fn text_at<O: AsRef<ObjId>>(
        &self,
        obj: O,
        heads: &[ChangeHash],
    ) -> std::result::Result<String, AutomergeError> {
        self.doc.text_at(obj, heads)
    }
    fn spans<O: AsRef<ObjId>>(&self, obj: O) -> std::result::Result<Spans<'_>, AutomergeError> {
        self.doc.spans_at(obj, &self.heads)
    }
    fn spans_at<O: AsRef<ObjId>>(
        &self,
        obj: O,
        heads: &[ChangeHash],
    ) -> std::result::Result<Spans<'_>, AutomergeError> {
        self.doc.spans_at(obj, heads)
    }
    fn get_cursor<O: AsRef<ObjId>, I: Into<CursorPosition>>(
        &self,
        obj: O,
        position: I,
        at: Option<&[ChangeHash]>,
    ) -> std::result::Result<Cursor, AutomergeError> {
        self.doc
            .get_cursor(obj, position, Some(at.unwrap_or(&self.heads)))
    }
    fn get_cursor_moving<O: AsRef<ObjId>, I: Into<CursorPosition>>(
        &self,
        obj: O,
        position: I,
        at: Option<&[ChangeHash]>,
        move_cursor: MoveCursor,
    ) -> std::result::Result<Cursor, AutomergeError> {
        self.doc
            .get_cursor_moving(obj, position, Some(at.unwrap_or(&self.heads)), move_cursor)
    }
    fn get_cursor_position<O: AsRef<ObjId>>(
        &self,
        obj: O,
        cursor: &Cursor,
        at: Option<&[ChangeHash]>,
    ) -> std::result::Result<usize, AutomergeError> {
        self.doc
            .get_cursor_position(obj, cursor, Some(at.unwrap_or(&self.heads)))
    }
    fn get<O: AsRef<ObjId>, P: Into<Prop>>(
        &self,
        obj: O,
        prop: P,
    ) -> std::result::Result<Option<(Value<'_>, ObjId)>, AutomergeError> {
        self.doc.get_at(obj, prop, &self.heads)
    }
    fn get_at<O: AsRef<ObjId>, P: Into<Prop>>(
        &self,
        obj: O,
        prop: P,
        heads: &[ChangeHash],
    ) -> std::result::Result<Option<(Value<'_>, ObjId)>, AutomergeError> {
        self.doc.get_at(obj, prop, heads)
    }
    fn hydrate<O: AsRef<ObjId>>(
        &self,
        obj: O,
        heads: Option<&[ChangeHash]>,
    ) -> std::result::Result<hydrate::Value, AutomergeError> {
        self.doc.hydrate(obj, Some(heads.unwrap_or(&self.heads)))
    }
    fn get_all<O: AsRef<ObjId>, P: Into<Prop>>(
        &self,
        obj: O,
        prop: P,
    ) -> std::result::Result<Vec<(Value<'_>, ObjId)>, AutomergeError> {
        self.doc.get_all_at(obj, prop, &self.heads)
    }
    fn get_all_at<O: AsRef<ObjId>, P: Into<Prop>>(
        &self,
        obj: O,
        prop: P,
        heads: &[ChangeHash],
    ) -> std::result::Result<Vec<(Value<'_>, ObjId)>, AutomergeError> {
        self.doc.get_all_at(obj, prop, heads)
    }
    fn get_missing_deps(&self, heads: &[ChangeHash]) -> Vec<ChangeHash> {
        self.doc.get_missing_deps(heads)
    }
    fn get_change_by_hash(&self, hash: &ChangeHash) -> Option<Change> {
        self.doc.get_change_by_hash(hash)
    }
    fn stats(&self) -> Stats {
        self.doc.stats()
    }
    fn text_encoding(&self) -> TextEncoding {
        self.doc.text_encoding()
    }
}
