//! Rendering a report: the meeting's draft as Markdown, HTML or DOCX, clean or working.
//!
//! Every format is written from one intermediate [`Doc`], so the three agree on what is in
//! the report (opening, labels, statuses, action table) and differ only in markup.

mod docx;
mod html;
mod markdown;

use accord_model::{ClauseStatus, ClauseView, DraftView, MeetingView, PartyId, PartyKind};
use serde::{Deserialize, Serialize};

use crate::error::ExportError;
use crate::lang::Lang;
use crate::opening::opening_paragraph;

/// The output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Format {
    /// CommonMark (with GFM tables and strikethrough in working texts).
    Markdown,
    /// One self-contained HTML page with print-ready CSS (A4).
    Html,
    /// A Word document with real list numbering (`numbering.xml`) and named styles.
    Docx,
}

impl Format {
    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Markdown => "md",
            Format::Html => "html",
            Format::Docx => "docx",
        }
    }
    /// The media type, for a save dialog or an HTTP response.
    pub fn media_type(self) -> &'static str {
        match self {
            Format::Markdown => "text/markdown; charset=utf-8",
            Format::Html => "text/html; charset=utf-8",
            Format::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
        }
    }
}

/// `md`/`markdown`, `html`/`htm`, `docx`: what a `--format` flag or a file extension says.
impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s
            .trim()
            .trim_start_matches('.')
            .to_ascii_lowercase()
            .as_str()
        {
            "md" | "markdown" => Ok(Format::Markdown),
            "html" | "htm" => Ok(Format::Html),
            "docx" | "word" => Ok(Format::Docx),
            other => Err(format!(
                "unknown format {other:?}; expected markdown, html or docx"
            )),
        }
    }
}

/// `clean` or `working`.
impl std::str::FromStr for Mode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "clean" => Ok(Mode::Clean),
            "working" => Ok(Mode::Working),
            other => Err(format!("unknown mode {other:?}; expected clean or working")),
        }
    }
}

/// Which text of the draft to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Mode {
    /// The text as agreed: clauses the parties deleted are left out and the rest
    /// renumbered ([`DraftView::clean`]); no status marks, brackets printed as typed.
    #[default]
    Clean,
    /// The negotiating text: every clause with its status, deleted clauses struck
    /// through (and still numbered), bracketed wording highlighted.
    Working,
}

/// Where the opening paragraph comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Opening {
    /// The draft's preamble when it has one — it is negotiated text and may have been
    /// edited — else the paragraph generated from the meeting's metadata.
    #[default]
    Auto,
    /// Always the generated paragraph ([`opening_paragraph`]).
    Generated,
    /// Always the draft's preamble, even when it is empty (then there is no opening).
    Preamble,
    /// No opening paragraph.
    Omit,
}

/// How to render a report. `RenderOptions::new(Format::Docx)` gives a clean text in the
/// meeting's language with the default opening and no action table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RenderOptions {
    pub format: Format,
    pub mode: Mode,
    /// The report's language; `None` takes the meeting's first language.
    pub lang: Option<Lang>,
    pub opening: Opening,
    /// Append an "Action items" table with the meeting's action items that come from this
    /// draft (or from no draft). The reports Accord imitates have none, so it is off by
    /// default.
    pub action_items: bool,
}

impl RenderOptions {
    pub fn new(format: Format) -> Self {
        RenderOptions {
            format,
            mode: Mode::Clean,
            lang: None,
            opening: Opening::Auto,
            action_items: false,
        }
    }
    pub fn mode(mut self, mode: Mode) -> Self {
        self.mode = mode;
        self
    }
    pub fn lang(mut self, lang: Lang) -> Self {
        self.lang = Some(lang);
        self
    }
    pub fn opening(mut self, opening: Opening) -> Self {
        self.opening = opening;
        self
    }
    pub fn with_action_items(mut self, on: bool) -> Self {
        self.action_items = on;
        self
    }
}

/// Renders one draft of a meeting as a report. Pure: the same views and options give the
/// same bytes (the DOCX archive carries a fixed timestamp).
///
/// `meeting` gives the metadata (opening paragraph, language, party names for the action
/// table) and `draft` the text.
pub fn render(
    meeting: &MeetingView,
    draft: &DraftView,
    opts: &RenderOptions,
) -> Result<Vec<u8>, ExportError> {
    let doc = Doc::build(meeting, draft, opts);
    tracing::trace!(format = ?opts.format, clauses = doc.clauses.len(), "render report");
    match opts.format {
        Format::Markdown => Ok(markdown::render(&doc).into_bytes()),
        Format::Html => Ok(html::render(&doc).into_bytes()),
        Format::Docx => docx::render(&doc),
    }
}

/// The report's language for these options.
pub fn report_lang(meeting: &MeetingView, opts: &RenderOptions) -> Lang {
    opts.lang.unwrap_or_else(|| {
        meeting
            .details
            .languages
            .first()
            .map(|l| Lang::from_code(l))
            .unwrap_or(Lang::En)
    })
}

// ---- the intermediate document ------------------------------------------------------------

/// A report, laid out, before markup.
#[derive(Debug)]
pub(crate) struct Doc {
    pub lang: Lang,
    pub mode: Mode,
    pub title: String,
    /// Paragraphs of the opening (a preamble may have several).
    pub opening: Vec<String>,
    /// Every clause in document order.
    pub clauses: Vec<Item>,
    pub actions: Option<Vec<ActionRow>>,
}

#[derive(Debug)]
pub(crate) struct Item {
    pub depth: usize,
    /// The printed label: `2.`, `b.`, `b)`.
    pub label: String,
    /// The label of the top-level paragraph this clause is in (for Markdown indentation).
    pub top_label: String,
    pub segments: Vec<Seg>,
    /// Shown in working texts only.
    pub status: Option<ClauseStatus>,
}

impl Item {
    pub fn deleted(&self) -> bool {
        self.status == Some(ClauseStatus::Deleted)
    }
}

/// A piece of clause text: plain, or an outermost bracketed passage (brackets included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Seg {
    Text(String),
    Bracket(String),
}

#[derive(Debug)]
pub(crate) struct ActionRow {
    pub text: String,
    pub owners: String,
    pub due: String,
    pub paragraph: String,
}

impl Doc {
    fn build(meeting: &MeetingView, draft: &DraftView, opts: &RenderOptions) -> Doc {
        let lang = report_lang(meeting, opts);
        let view = match opts.mode {
            Mode::Clean => draft.clean(),
            Mode::Working => draft.clone(),
        };
        let title = if draft.title.trim().is_empty() {
            meeting.details.title.trim()
        } else {
            draft.title.trim()
        };
        let preamble = draft.preamble.trim();
        let opening_text = match opts.opening {
            Opening::Auto if !preamble.is_empty() => preamble.to_string(),
            Opening::Auto | Opening::Generated => opening_paragraph(meeting, lang),
            Opening::Preamble => preamble.to_string(),
            Opening::Omit => String::new(),
        };
        let opening = split_paragraphs(&opening_text);
        let mut clauses = Vec::new();
        let mut refs = Vec::new();
        flatten(
            &view.clauses,
            lang,
            opts.mode,
            "",
            &[],
            &mut clauses,
            &mut refs,
        );
        let actions = opts
            .action_items
            .then(|| action_rows(meeting, draft, lang, &refs));
        Doc {
            lang,
            mode: opts.mode,
            title: title.to_string(),
            opening,
            clauses,
            actions,
        }
    }
}

/// Blank lines separate paragraphs; single newlines inside one are kept as line breaks.
fn split_paragraphs(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !cur.is_empty() {
                out.push(cur.join("\n"));
                cur.clear();
            }
        } else {
            cur.push(line.trim());
        }
    }
    if !cur.is_empty() {
        out.push(cur.join("\n"));
    }
    out
}

/// (clause id, printed reference such as "4 (b)") for the action table.
type Ref = (accord_model::ClauseId, String);

fn flatten(
    cs: &[ClauseView],
    lang: Lang,
    mode: Mode,
    top_label: &str,
    path: &[String],
    out: &mut Vec<Item>,
    refs: &mut Vec<Ref>,
) {
    for c in cs {
        let label = lang.clause_label(c.number.ordinal, c.number.depth);
        let top = if c.number.depth == 0 {
            label.clone()
        } else {
            top_label.to_string()
        };
        let bare = c.number.label();
        let mut p = path.to_vec();
        p.push(if c.number.depth == 0 {
            bare
        } else {
            format!("({bare})")
        });
        refs.push((c.id.clone(), p.join(" ")));
        out.push(Item {
            depth: c.number.depth,
            label,
            top_label: top.clone(),
            segments: segments(&c.text, c),
            status: (mode == Mode::Working).then_some(c.status),
        });
        flatten(&c.children, lang, mode, &top, &p, out, refs);
    }
}

/// Splits clause text at its outermost balanced bracket pairs. The analysis counts UTF-16
/// units; this walks the characters to find the byte offsets.
fn segments(text: &str, c: &ClauseView) -> Vec<Seg> {
    let spans: Vec<(usize, usize)> = c
        .brackets
        .spans
        .iter()
        .filter(|s| s.depth == 0)
        .map(|s| (s.start, s.end))
        .collect();
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_span: Option<usize> = None; // end (utf16) of the span we are in
    let mut pos = 0usize;
    for ch in text.chars() {
        if in_span.is_none()
            && let Some(&(_, end)) = spans.iter().find(|(s, _)| *s == pos)
        {
            if !cur.is_empty() {
                out.push(Seg::Text(std::mem::take(&mut cur)));
            }
            in_span = Some(end);
        }
        cur.push(ch);
        pos += ch.len_utf16();
        if in_span == Some(pos) {
            out.push(Seg::Bracket(std::mem::take(&mut cur)));
            in_span = None;
        }
    }
    if !cur.is_empty() {
        out.push(if in_span.is_some() {
            Seg::Bracket(cur)
        } else {
            Seg::Text(cur)
        });
    }
    out
}

fn action_rows(
    meeting: &MeetingView,
    draft: &DraftView,
    lang: Lang,
    refs: &[Ref],
) -> Vec<ActionRow> {
    let members: Vec<&PartyId> = meeting
        .parties
        .iter()
        .filter(|p| p.kind == PartyKind::Member)
        .map(|p| &p.id)
        .collect();
    let mut rows = Vec::new();
    for a in &meeting.actions {
        let paragraph = match &a.source {
            // A `DraftView` does not know its own document id, so an action belongs to this
            // draft when its clause is in it.
            Some(src) if draft.find(&src.clause).is_none() => continue,
            Some(src) => refs
                .iter()
                .find(|(id, _)| *id == src.clause)
                .map(|(_, r)| r.clone())
                .unwrap_or_default(),
            None => String::new(),
        };
        let all_members = members.len() > 1 && members.iter().all(|m| a.owners.contains(m));
        let mut names: Vec<&str> = Vec::new();
        if all_members {
            names.push(match lang {
                Lang::En => "Member Countries",
                Lang::Es => "Países Miembros",
            });
        }
        for o in &a.owners {
            if all_members && members.contains(&o) {
                continue;
            }
            names.push(meeting.party(o).map(|p| p.label()).unwrap_or(o.as_str()));
        }
        rows.push(ActionRow {
            text: a.text.clone(),
            owners: lang.join(&names),
            due: a
                .due
                .map(|d| lang.date(d))
                .unwrap_or_else(|| lang.labels().no_due.to_string()),
            paragraph,
        });
    }
    rows
}
