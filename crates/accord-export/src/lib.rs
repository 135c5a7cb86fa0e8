//! `accord-export`: a meeting's report as Markdown, HTML or DOCX, and the way back — a
//! report or draft in plain text, Markdown or DOCX read into clauses, with the deadlines
//! and owners it mentions suggested as action items.
//!
//! **Owns:** the shape of the report (an opening paragraph generated from the meeting's
//! metadata, numbered paragraphs, lettered sub-items, numbering computed at render time),
//! the Spanish and English conventions of such reports, the DOCX parts Accord writes and
//! reads, and the recognition of numbering styles, owners and dates in imported text.
//!
//! **Architecture invariant:** pure — bytes in, bytes out. No file or network IO, no
//! clock, no RNG: the caller reads and writes files, and passes in any date the import
//! needs (a reference date for "15 May" without a year). The same input gives the same
//! bytes, DOCX included. It knows the model's views ([`accord_model::MeetingView`],
//! [`accord_model::DraftView`]), never Automerge documents, storage or the UI; turning an
//! [`ImportPlan`] into clause inserts and action items is the `accord` API's job.
//!
//! **Entry points:** [`render`] (one draft of a meeting → bytes, with [`RenderOptions`]:
//! [`Format`], [`Mode`], [`Lang`], [`Opening`], action table on/off), [`opening_paragraph`],
//! [`import`] (bytes → [`ImportPlan`], within the [`limits`]) and [`find_due`].
//!
//! Decisions worth knowing:
//! - The opening is the draft's preamble when it has one (it is negotiated text), else the
//!   paragraph generated from the metadata ([`Opening::Auto`]); either can be forced.
//! - Clean mode is [`accord_model::DraftView::clean`]: deleted clauses gone, the rest
//!   renumbered, no marks; brackets still print as typed (they are part of the text).
//!   Working mode keeps every clause with its status, strikes deleted ones through and
//!   highlights the outermost bracketed passages.
//! - Spanish reports (the meeting's first language, or [`RenderOptions::lang`]) write
//!   sub-items `a)`, dates "27 de febrero de 2015" and Spanish labels.
//! - DOCX parts are written by hand and zipped with a fixed timestamp, so the output is
//!   deterministic; numbering is Word's own (`numbering.xml`), never typed in.
//!
//! ```
//! use accord_export::{render, import, Format, ImportOptions, InputKind, Mode, RenderOptions};
//! use accord_model::{demo, draft, meeting, ChangeCtx, DeviceId};
//!
//! let ctx = ChangeCtx::new(DeviceId::from_bytes([7; 32]), jiff::Timestamp::UNIX_EPOCH);
//! let d = demo::build(&demo::DemoIds::default(), &ctx).unwrap();
//! let (meeting, draft) = (meeting::read(&d.meeting).unwrap(), draft::read(&d.draft).unwrap());
//!
//! let md = render(&meeting, &draft, &RenderOptions::new(Format::Markdown)).unwrap();
//! let text = String::from_utf8(md.clone()).unwrap();
//! assert!(text.contains("2. Regarding the progress"));
//! assert!(text.contains("   a. Urge the Member Countries"));
//!
//! let plan = import(&md, &ImportOptions::new(InputKind::Auto, &meeting.parties)).unwrap();
//! assert_eq!(plan.clauses.len(), draft.clean().clauses.len());
//! let first = &plan.actions[0];
//! assert_eq!(first.due.date(), Some(jiff::civil::date(2015, 2, 27)));
//! ```

mod error;
mod import;
mod lang;
mod opening;
mod render;

pub use error::{ExportError, ImportError};
pub use import::dates::{Due, FoundDue, find_due};
pub use import::limits;
pub use import::{
    ImportNote, ImportOptions, ImportPlan, ImportedClause, InputKind, NoteKind, Owner,
    SuggestedAction, import,
};
pub use lang::Lang;
pub use opening::opening_paragraph;
pub use render::{Format, Mode, Opening, RenderOptions, render, report_lang};

/// The parts of a DOCX that Accord writes, as text, for tests and debugging: `(name,
/// contents)` of every entry of the archive, in archive order.
pub fn docx_parts(bytes: &[u8]) -> Result<Vec<(String, String)>, ImportError> {
    import::docx::parts(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_and_file_names_name_formats() {
        assert_eq!("md".parse::<Format>(), Ok(Format::Markdown));
        assert_eq!(".DOCX".parse::<Format>(), Ok(Format::Docx));
        assert!(
            "pdf"
                .parse::<Format>()
                .unwrap_err()
                .contains("expected markdown, html or docx")
        );
        assert_eq!("working".parse::<Mode>(), Ok(Mode::Working));
        assert_eq!(
            InputKind::from_file_name("Informe final.DOCX"),
            InputKind::Docx
        );
        assert_eq!(InputKind::from_file_name("notes.md"), InputKind::Markdown);
        assert_eq!(InputKind::from_file_name("report"), InputKind::Auto);
        assert_eq!(Format::Docx.extension(), "docx");
    }
}
