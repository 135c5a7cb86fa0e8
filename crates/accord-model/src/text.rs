//! Text edits in UTF-16 code units — the units of the web editor (CodeMirror counts in
//! JavaScript string offsets). Every Accord text is an automerge `Text` object and the crate
//! is built with automerge's `utf16-indexing`, so positions pass through unchanged.

use automerge::{ObjId, ReadDoc, transaction::Transactable};
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};

/// Replace `del` code units at `pos` with `insert`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Splice {
    pub pos: usize,
    pub del: usize,
    pub insert: String,
}

impl Splice {
    pub fn new(pos: usize, del: usize, insert: impl Into<String>) -> Self {
        Self { pos, del, insert: insert.into() }
    }
    pub fn insert(pos: usize, text: impl Into<String>) -> Self {
        Self::new(pos, 0, text)
    }
    pub fn delete(pos: usize, del: usize) -> Self {
        Self::new(pos, del, "")
    }
}

/// The length of a text in UTF-16 code units.
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Applies a splice, refusing one that reaches past the end or cuts a character in two.
/// Costs O(log n) in the length of the text, never a full read.
pub(crate) fn apply<T: Transactable>(tx: &mut T, obj: &ObjId, splice: &Splice) -> Result<()> {
    let len = tx.length(obj);
    let Splice { pos, del, insert } = splice;
    let (pos, del) = (*pos, *del);
    if pos > len || del > len - pos {
        return Err(ModelError::SpliceOutOfRange { pos, del, len });
    }
    for edge in [pos, pos + del] {
        if splits_pair(tx, obj, edge, len)? {
            return Err(ModelError::SpliceSplitsCharacter { pos: edge });
        }
    }
    if del == 0 && insert.is_empty() {
        return Ok(());
    }
    tx.splice_text(obj, pos, del as isize, insert)?;
    Ok(())
}

/// Replaces a whole text by the smallest splices (automerge's diff), so concurrent edits
/// elsewhere in the text survive.
pub(crate) fn replace<T: Transactable>(tx: &mut T, obj: &ObjId, new: &str) -> Result<()> {
    tx.update_text(obj, new)?;
    Ok(())
}

/// Whether UTF-16 position `pos` falls between the two halves of a surrogate pair. With
/// UTF-16 indexing automerge answers `get(i)` with the character covering unit `i`, so the
/// units on both sides of `pos` belonging to one character means a split.
fn splits_pair<D: ReadDoc>(doc: &D, obj: &ObjId, pos: usize, len: usize) -> Result<bool> {
    if pos == 0 || pos >= len {
        return Ok(false);
    }
    let before = doc.get(obj, pos - 1)?;
    let at = doc.get(obj, pos)?;
    Ok(match (before, at) {
        (Some((_, a)), Some((_, b))) => a == b,
        _ => false,
    })
}
