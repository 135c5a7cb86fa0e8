//! Import: a report or draft in plain text, Markdown or DOCX read into an [`ImportPlan`] —
//! title, opening paragraph, a tree of clauses — with suggested action items (owners and
//! deadlines found in the text) and notes on everything that was not understood.
//!
//! Nothing is dropped silently: every line of the input ends up in the title, the
//! preamble, a clause, or the text of an [`ImportNote`].

pub(crate) mod actions;
pub mod dates;
pub(crate) mod docx;
pub mod limits;
pub(crate) mod owners;
pub(crate) mod structure;

use accord_model::{ClauseStatus, Party, PartyId};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::ImportError;
use crate::lang::Lang;
pub use dates::Due;
use limits::Limit;

/// What the input is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum InputKind {
    /// Decide from the bytes: a zip archive is DOCX; text with Markdown headings,
    /// emphasis, escapes or tables is Markdown; other text is plain text.
    #[default]
    Auto,
    Text,
    Markdown,
    Docx,
}

impl InputKind {
    /// The kind a file name's extension suggests (`.docx`, `.md`, `.txt`); `Auto` for
    /// anything else, which then looks at the bytes.
    pub fn from_file_name(name: &str) -> InputKind {
        let ext = name
            .rsplit_once('.')
            .map(|(_, e)| e.to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "docx" => InputKind::Docx,
            "md" | "markdown" => InputKind::Markdown,
            "txt" | "text" | "eml" => InputKind::Text,
            _ => InputKind::Auto,
        }
    }
}

/// What to import with.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions<'a> {
    pub kind: InputKind,
    /// The meeting's parties: owners found in the text are matched against their names,
    /// short names ("TS", "IOM"), common Spanish/English equivalents ("ST", "OIM",
    /// "México") and group words ("Member Countries", "Países Miembros" → every member).
    pub parties: &'a [Party],
    /// The day a date without a year ("by 15 May") is counted from — usually the
    /// meeting's date. Without it such dates are reported in a note, not guessed.
    pub reference: Option<Date>,
}

impl<'a> ImportOptions<'a> {
    pub fn new(kind: InputKind, parties: &'a [Party]) -> Self {
        ImportOptions {
            kind,
            parties,
            reference: None,
        }
    }
    pub fn reference(mut self, date: Date) -> Self {
        self.reference = Some(date);
        self
    }
}

/// What an import understood.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportPlan {
    /// The kind the input was read as (never `Auto`).
    pub kind: InputKind,
    /// The language most of the text is in.
    pub lang: Lang,
    pub title: Option<String>,
    /// The opening paragraph(s) before the first numbered paragraph, separated by a
    /// blank line.
    pub preamble: String,
    pub clauses: Vec<ImportedClause>,
    pub actions: Vec<SuggestedAction>,
    pub notes: Vec<ImportNote>,
}

/// One numbered paragraph or sub-item.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedClause {
    /// The text, without its label; a paragraph break that belonged to it is `\n`.
    pub text: String,
    /// The label as found ("3.", "b)", "(ii)", "-"); `None` for Word's own numbering.
    pub label: Option<String>,
    /// A status mark found in the text (Accord's working Markdown writes
    /// `*(agreed ad ref)*`); `None` when there was none.
    pub status: Option<ClauseStatus>,
    /// The 1-based line (for DOCX: paragraph) where it starts.
    pub line: usize,
    pub children: Vec<ImportedClause>,
}

/// An obligation found in a clause: who owes what by when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SuggestedAction {
    /// The sentence it was found in.
    pub text: String,
    pub owners: Vec<Owner>,
    pub due: Due,
    /// The words the deadline was read from: "no later than February 27th, 2015".
    pub due_text: Option<String>,
    /// Where the clause is in [`ImportPlan::clauses`]: `[3, 1]` is the second sub-item of
    /// the fourth paragraph.
    pub clause_path: Vec<usize>,
}

/// An owner of a suggested action.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Owner {
    Party(PartyId),
    /// A body the text names that is none of the meeting's parties.
    Unmatched(String),
}

/// Something the import did not understand, or decided on the reader's behalf.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportNote {
    /// 1-based line (for DOCX: paragraph); 0 for the input as a whole.
    pub line: usize,
    pub kind: NoteKind,
    pub message: String,
    /// The input text concerned, so that nothing is lost.
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum NoteKind {
    /// The first line was taken as the title.
    Title,
    /// A paragraph without a number after the numbered ones, appended to the clause
    /// before it.
    UnnumberedParagraph,
    /// Labels that skip or repeat ("5." after "3."): the draft numbers them in sequence.
    NumberingGap,
    /// A heading after the title: not a clause; its text is here.
    Heading,
    /// A table: not imported as clauses; its text is here.
    Table,
    /// The "Working text" line of Accord's working export, skipped.
    ModeLine,
    /// A date without a year and no reference date to place it.
    DateWithoutYear,
    /// A date that reads both ways (03/04/2015): read day first.
    AmbiguousDate,
    /// An owner named in the text that is none of the meeting's parties.
    UnmatchedOwner,
    /// The text was not UTF-8 and was read as Windows-1252.
    Encoding,
    /// A part of a DOCX that was skipped (footnotes, comments, text boxes are not read).
    Skipped,
}

impl ImportPlan {
    /// Every clause with its path, in document order.
    pub fn outline(&self) -> Vec<(Vec<usize>, &ImportedClause)> {
        fn walk<'a>(
            cs: &'a [ImportedClause],
            path: &mut Vec<usize>,
            out: &mut Vec<(Vec<usize>, &'a ImportedClause)>,
        ) {
            for (i, c) in cs.iter().enumerate() {
                path.push(i);
                out.push((path.clone(), c));
                walk(&c.children, path, out);
                path.pop();
            }
        }
        let mut out = Vec::new();
        walk(&self.clauses, &mut Vec::new(), &mut out);
        out
    }

    /// The clause at `path`.
    pub fn clause(&self, path: &[usize]) -> Option<&ImportedClause> {
        let (first, rest) = path.split_first()?;
        let mut c = self.clauses.get(*first)?;
        for i in rest {
            c = c.children.get(*i)?;
        }
        Some(c)
    }

    /// One line for a CLI or a dialog: "5 paragraphs, 10 sub-items, 9 suggested action
    /// items, 1 note".
    pub fn summary(&self) -> String {
        let all = self.outline();
        let top = self.clauses.len();
        let sub = all.len() - top;
        let plural =
            |n: usize, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
        format!(
            "{}, {}, {}, {}",
            plural(top, "paragraph", "paragraphs"),
            plural(sub, "sub-item", "sub-items"),
            plural(
                self.actions.len(),
                "suggested action item",
                "suggested action items"
            ),
            plural(self.notes.len(), "note", "notes")
        )
    }
}

/// Imports a report or draft. Fails only when the input cannot be read at all (empty,
/// binary, a broken DOCX, beyond one of the [`limits`]); everything short of that is a
/// note in the plan.
pub fn import(bytes: &[u8], opts: &ImportOptions<'_>) -> Result<ImportPlan, ImportError> {
    if bytes.is_empty() {
        return Err(ImportError::Empty);
    }
    let len = bytes.len() as u64;
    if Limit::InputBytes.exceeded_by(len) {
        return Err(Limit::InputBytes.error(format!("the input ({len} bytes)")));
    }
    // Text is refused by its size before it is decoded (which sniffing does too): decoding
    // makes at most three bytes of one.
    if !is_zip(bytes) && opts.kind != InputKind::Docx && Limit::TextBytes.exceeded_by(len) {
        return Err(Limit::TextBytes.error(format!("the text ({len} bytes)")));
    }
    let kind = match opts.kind {
        InputKind::Auto => sniff(bytes)?,
        k => k,
    };
    let mut notes = Vec::new();
    let lines = match kind {
        InputKind::Docx => docx::lines(bytes, &mut notes)?,
        _ => {
            if bytes.starts_with(b"PK\x03\x04") {
                return Err(ImportError::Binary { offset: 0 });
            }
            let text = decode_text(bytes, &mut notes)?;
            structure::text_lines(&text, kind == InputKind::Markdown)?
        }
    };
    let kind = match kind {
        InputKind::Auto => InputKind::Text,
        k => k,
    };
    if lines.iter().all(|l| l.is_blank()) {
        return Err(ImportError::NoText);
    }
    let mut plan = structure::build(&lines, kind, notes);
    actions::suggest(&mut plan, opts);
    tracing::trace!(summary = %plan.summary(), "import");
    Ok(plan)
}

/// Tells DOCX from Markdown from text, and refuses formats Accord does not read.
fn sniff(bytes: &[u8]) -> Result<InputKind, ImportError> {
    if is_zip(bytes) {
        return Ok(InputKind::Docx);
    }
    let unsupported = |what: &str| ImportError::Unsupported {
        what: what.to_string(),
    };
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(unsupported("a legacy Word .doc file; save it as .docx"));
    }
    if bytes.starts_with(b"%PDF") {
        return Err(unsupported("a PDF file; export it as .docx or text"));
    }
    if bytes.starts_with(b"{\\rtf") {
        return Err(unsupported("an RTF file; save it as .docx"));
    }
    let mut scratch = Vec::new();
    let text = decode_text(bytes, &mut scratch)?;
    Ok(if looks_like_markdown(&text) {
        InputKind::Markdown
    } else {
        InputKind::Text
    })
}

/// A zip archive (a DOCX), by its first local header or, when empty, its end record.
fn is_zip(bytes: &[u8]) -> bool {
    bytes.starts_with(b"PK\x03\x04") || bytes.starts_with(b"PK\x05\x06")
}

fn looks_like_markdown(text: &str) -> bool {
    text.lines().any(|l| {
        let t = l.trim_start();
        t.starts_with("# ")
            || t.starts_with("## ")
            || t.starts_with("### ")
            || t.starts_with("|---")
            || t.starts_with("| ---")
            || t.starts_with("```")
            || t.contains("**")
            || t.contains("\\*")
            || t.contains("\\_")
            || t.contains("](")
    })
}

/// UTF-8 (a BOM is dropped), UTF-16 with a BOM, or — for old e-mail and Word "save as
/// text" files — Windows-1252. Control characters other than tab, line and page breaks
/// mean the bytes are not text.
fn decode_text(bytes: &[u8], notes: &mut Vec<ImportNote>) -> Result<String, ImportError> {
    let text = if let Some(rest) = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]) {
        utf8(rest, 3, notes)?
    } else if let Some(rest) = bytes.strip_prefix(&[0xFF, 0xFE]) {
        utf16(rest, u16::from_le_bytes)?
    } else if let Some(rest) = bytes.strip_prefix(&[0xFE, 0xFF]) {
        utf16(rest, u16::from_be_bytes)?
    } else {
        utf8(bytes, 0, notes)?
    };
    // The offset is in the decoded text, which for UTF-8 input is the input's offset.
    let mut offset = 0;
    for c in text.chars() {
        if c.is_control() && !matches!(c, '\t' | '\n' | '\r' | '\u{0C}') {
            return Err(ImportError::Binary { offset });
        }
        offset += c.len_utf8();
    }
    Ok(text.replace("\r\n", "\n").replace(['\r', '\u{0C}'], "\n"))
}

fn utf8(bytes: &[u8], base: usize, notes: &mut Vec<ImportNote>) -> Result<String, ImportError> {
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(s.to_string()),
        Err(e) => {
            // Binary data has NULs and control bytes; Windows-1252 text has neither.
            if let Some(i) = bytes
                .iter()
                .position(|&b| b < 0x20 && !matches!(b, b'\t' | b'\n' | b'\r' | 0x0C))
            {
                return Err(ImportError::Binary { offset: base + i });
            }
            notes.push(ImportNote {
                line: 0,
                kind: NoteKind::Encoding,
                message: format!(
                    "not UTF-8 (byte {}); read as Windows-1252",
                    base + e.valid_up_to()
                ),
                text: String::new(),
            });
            Ok(bytes.iter().map(|&b| cp1252(b)).collect())
        }
    }
}

fn utf16(bytes: &[u8], read: fn([u8; 2]) -> u16) -> Result<String, ImportError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(ImportError::Binary {
            offset: bytes.len() + 1,
        });
    }
    let units: Vec<u16> = bytes.chunks_exact(2).map(|c| read([c[0], c[1]])).collect();
    String::from_utf16(&units).map_err(|_| ImportError::Binary { offset: 2 })
}

fn cp1252(b: u8) -> char {
    const HIGH: [char; 32] = [
        '€', '\u{81}', '‚', 'ƒ', '„', '…', '†', '‡', 'ˆ', '‰', 'Š', '‹', 'Œ', '\u{8D}', 'Ž',
        '\u{8F}', '\u{90}', '‘', '’', '“', '”', '•', '–', '—', '˜', '™', 'š', '›', 'œ', '\u{9D}',
        'ž', 'Ÿ',
    ];
    match b {
        0x80..=0x9F => HIGH[usize::from(b - 0x80)],
        b => char::from(b),
    }
}
