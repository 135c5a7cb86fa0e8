use thiserror::Error;

/// Why a report could not be rendered.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ExportError {
    /// Writing the DOCX container failed (only a bug or memory exhaustion can cause it:
    /// the archive is written into memory).
    #[error("cannot write the docx archive: {0}")]
    Zip(#[from] zip::result::ZipError),
    #[error("cannot write the docx archive: {0}")]
    Io(#[from] std::io::Error),
}

/// Why an input could not be imported at all. Anything less than that (a line that is
/// not understood, a date without a year) is an [`crate::ImportNote`] in the plan instead.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ImportError {
    #[error("input is empty")]
    Empty,
    /// The input has no text in it: only whitespace, or a DOCX without paragraphs.
    #[error("input has no text")]
    NoText,
    /// The bytes are not UTF-8 (or UTF-16 with a byte order mark) text.
    #[error("binary data at byte {offset}, expected text")]
    Binary { offset: usize },
    /// A format Accord recognises but does not read (PDF, RTF, legacy .doc).
    #[error("unsupported input: {what}")]
    Unsupported { what: String },
    #[error("not a DOCX file: {reason}")]
    NotDocx { reason: String },
    /// A DOCX whose zip container opens but whose parts are broken.
    #[error("malformed DOCX: {part}: {reason}")]
    MalformedDocx { part: String, reason: String },
    /// The input goes past one of the [`crate::limits`]: `what` says what, with its size
    /// ("line 1 (10485763 bytes)"). Nothing of the input is imported.
    #[error("{what} is over the limit of {limit}")]
    TooLarge {
        what: String,
        limit: crate::limits::Limit,
    },
}
