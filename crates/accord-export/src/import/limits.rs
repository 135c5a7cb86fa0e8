//! How much of an input an import reads before it refuses it. Every limit is far above any
//! real report (a 300-page report is about 1 MiB of text in about 10 000 lines) and far
//! below what would exhaust a laptop: whatever the input claims or expands to, the import
//! holds at most about [`MAX_DOCX_PART_BYTES`] of XML and [`MAX_TEXT_BYTES`] of text, and
//! its work grows in proportion to them.
//!
//! An input beyond a limit is refused as a whole with [`ImportError::TooLarge`], which
//! names the limit and what went past it; nothing of it is imported.

use std::fmt;

use crate::error::ImportError;

const MIB: u64 = 1024 * 1024;

/// The bytes given to [`crate::import`]: a DOCX with its pictures, or a text file. Faces
/// that read the input from a file check its size against this before reading it.
pub const MAX_INPUT_BYTES: u64 = 64 * MIB;

/// The text of one input: the bytes of a text or Markdown file, or the text of a DOCX's
/// paragraphs once read from its XML.
pub const MAX_TEXT_BYTES: u64 = 16 * MIB;

/// One line of a text or Markdown file, or one paragraph of a DOCX. A report's longest
/// paragraph is a few kilobytes; a longer "line" is a data dump, not a report.
pub const MAX_LINE_BYTES: u64 = MIB;

/// The lines of a text or Markdown file, or the paragraphs of a DOCX (empty ones
/// included: they cost memory too).
pub const MAX_LINES: u64 = 200_000;

/// One part of a DOCX (`word/document.xml`, `word/styles.xml`, …) once decompressed. A
/// zip entry can expand a thousandfold: the size it claims is checked before it is
/// decompressed, and decompression stops one byte past the limit whatever it claimed.
pub const MAX_DOCX_PART_BYTES: u64 = 64 * MIB;

/// One of the limits above, as [`ImportError::TooLarge`] names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`MAX_INPUT_BYTES`]
    InputBytes,
    /// [`MAX_TEXT_BYTES`]
    TextBytes,
    /// [`MAX_LINE_BYTES`]
    LineBytes,
    /// [`MAX_LINES`]
    Lines,
    /// [`MAX_DOCX_PART_BYTES`]
    DocxPartBytes,
}

impl Limit {
    /// The limit's value: bytes, or lines for [`Limit::Lines`].
    pub const fn value(self) -> u64 {
        match self {
            Limit::InputBytes => MAX_INPUT_BYTES,
            Limit::TextBytes => MAX_TEXT_BYTES,
            Limit::LineBytes => MAX_LINE_BYTES,
            Limit::Lines => MAX_LINES,
            Limit::DocxPartBytes => MAX_DOCX_PART_BYTES,
        }
    }

    /// Whether `n` (bytes or lines) is beyond the limit.
    pub(crate) fn exceeded_by(self, n: u64) -> bool {
        n > self.value()
    }

    /// The error for `what` ("line 3 (2000000 bytes)") going past this limit.
    pub(crate) fn error(self, what: impl Into<String>) -> ImportError {
        ImportError::TooLarge {
            what: what.into(),
            limit: self,
        }
    }
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mib = self.value() / MIB;
        match self {
            Limit::InputBytes => write!(f, "{mib} MiB per input"),
            Limit::TextBytes => write!(f, "{mib} MiB of text per input"),
            Limit::LineBytes => write!(f, "{mib} MiB per line or paragraph"),
            Limit::Lines => write!(f, "{} lines or paragraphs per input", self.value()),
            Limit::DocxPartBytes => write!(f, "{mib} MiB per DOCX part, uncompressed"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_errors_name_the_limit_and_what_exceeded_it() {
        let cases = [
            (
                Limit::InputBytes,
                "the input (70000000 bytes)",
                "the input (70000000 bytes) is over the limit of 64 MiB per input",
            ),
            (
                Limit::LineBytes,
                "line 1 (10485763 bytes)",
                "line 1 (10485763 bytes) is over the limit of 1 MiB per line or paragraph",
            ),
            (
                Limit::Lines,
                "the number of lines (200001)",
                "the number of lines (200001) is over the limit of 200000 lines or paragraphs per input",
            ),
            (
                Limit::DocxPartBytes,
                "word/document.xml (80000000 bytes)",
                "word/document.xml (80000000 bytes) is over the limit of 64 MiB per DOCX part, uncompressed",
            ),
        ];
        for (limit, what, want) in cases {
            assert_eq!(limit.error(what).to_string(), want);
        }
        assert!(!Limit::Lines.exceeded_by(MAX_LINES));
        assert!(Limit::Lines.exceeded_by(MAX_LINES + 1));
    }
}
