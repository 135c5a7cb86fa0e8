//! Text edits in UTF-16 code units — the units of the web editor (CodeMirror counts in
//! JavaScript string offsets). Every Accord text is an automerge `Text` object and the crate
//! is built with automerge's `utf16-indexing`, so positions pass through unchanged.

use automerge::{ObjId, transaction::Transactable};
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
        Self {
            pos,
            del,
            insert: insert.into(),
        }
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

/// Applies a splice, refusing one that reaches past the end.
///
/// A position inside a character made of two UTF-16 code units (an emoji) cannot split it:
/// automerge stores characters, and moves such a position to the character's end for an
/// insertion and deletes the whole character for a deletion that touches it. We do not
/// check for it beforehand — asking automerge which character covers a position walks the
/// text, and this is the path of every keystroke; editors never produce such positions.
pub(crate) fn apply<T: Transactable>(tx: &mut T, obj: &ObjId, splice: &Splice) -> Result<()> {
    let len = tx.length(obj);
    let Splice { pos, del, insert } = splice;
    let (pos, del) = (*pos, *del);
    if pos > len || del > len - pos {
        return Err(ModelError::SpliceOutOfRange { pos, del, len });
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
