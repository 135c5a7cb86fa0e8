//! From lines to a clause tree. Every format is first turned into [`Line`]s (a DOCX
//! paragraph is one line followed by a blank one); the tree is then built by the usual
//! rule for outlines: a label in a style already open (same kind, same delimiter, no
//! deeper indentation) is a sibling at that level, any other label opens a level below.
//! That reads "1." / "a." / "i.", "1)" / "a)", "(a)" / "(i)", dashes and bullets, and
//! Word's own list levels, without being told which a document uses.

use accord_model::ClauseStatus;

use super::limits::Limit;
use super::{ImportNote, ImportPlan, ImportedClause, InputKind, NoteKind};
use crate::error::ImportError;
use crate::lang::Lang;

#[derive(Debug, Clone)]
pub(crate) struct Line {
    /// 1-based line, or paragraph for DOCX.
    pub no: usize,
    /// Leading spaces (a tab counts 4).
    pub indent: usize,
    pub text: String,
    pub kind: LineKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum LineKind {
    Blank,
    Text,
    /// A Markdown heading, or a DOCX paragraph in a Title or Heading style.
    Heading,
    /// A Markdown table row, or a DOCX table cell paragraph.
    TableRow,
    /// A paragraph Word numbers itself: its abstract list and level.
    WordList {
        list: u32,
        level: u32,
    },
}

impl Line {
    pub fn is_blank(&self) -> bool {
        self.kind == LineKind::Blank
    }
}

/// Splits text into lines. For Markdown, headings and table rows are told apart here; the
/// inline markup is removed once a clause's text is complete. Refuses more than
/// [`MAX_LINES`](super::limits::MAX_LINES) lines, or a line longer than
/// [`MAX_LINE_BYTES`](super::limits::MAX_LINE_BYTES), before any line is made.
pub(crate) fn text_lines(text: &str, markdown: bool) -> Result<Vec<Line>, ImportError> {
    let count = text.bytes().filter(|&b| b == b'\n').count() as u64 + 1;
    if Limit::Lines.exceeded_by(count) {
        return Err(Limit::Lines.error(format!("the number of lines ({count})")));
    }
    if let Some((i, raw)) = text
        .split('\n')
        .enumerate()
        .find(|(_, l)| Limit::LineBytes.exceeded_by(l.len() as u64))
    {
        return Err(Limit::LineBytes.error(format!("line {} ({} bytes)", i + 1, raw.len())));
    }
    Ok(text
        .split('\n')
        .enumerate()
        .map(|(i, raw)| {
            let expanded = raw.replace('\t', "    ");
            let trimmed = expanded.trim_start();
            let indent = expanded.len() - trimmed.len();
            let t = trimmed.trim_end();
            // Markdown keeps its trailing-backslash hard break until the line is joined.
            let kind = if t.is_empty() {
                LineKind::Blank
            } else if markdown && is_heading(t) {
                LineKind::Heading
            } else if markdown && t.starts_with('|') {
                LineKind::TableRow
            } else {
                LineKind::Text
            };
            let text = if kind == LineKind::Heading {
                t.trim_start_matches('#').trim().to_string()
            } else {
                t.to_string()
            };
            Line {
                no: i + 1,
                indent,
                text,
                kind,
            }
        })
        .collect())
}

fn is_heading(t: &str) -> bool {
    let hashes = t.chars().take_while(|c| *c == '#').count();
    (1..=6).contains(&hashes) && t[hashes..].starts_with(' ')
}

// ---- labels ------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Decimal,
    LowerAlpha,
    LowerRoman,
    UpperAlpha,
    UpperRoman,
    /// "2.1", "2.1.3": the number of parts.
    Dotted(usize),
    Bullet(char),
    Word {
        list: u32,
        level: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Delim {
    Dot,
    Paren,
    Both,
    None,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Style {
    kind: Kind,
    delim: Delim,
}

/// A label before it is decided whether letters are alphabetic or roman.
#[derive(Debug, Clone)]
struct RawLabel {
    raw: String,
    /// Byte length of label plus the space after it.
    len: usize,
    delim: Delim,
    decimal: Option<usize>,
    dotted: Option<usize>,
    alpha: Option<usize>,
    roman: Option<usize>,
    upper: bool,
    bullet: Option<char>,
    /// A number that reads as a year (four digits, 1900 to 2200): "2015." starting a line
    /// is more often a wrapped date than paragraph 2015.
    year: bool,
}

/// A number written as a year is one: four digits, 1900 to 2200 (the years a deadline is
/// read in, see [`super::dates`]).
fn reads_as_year(digits: &str) -> bool {
    digits.len() == 4
        && digits
            .parse::<u32>()
            .is_ok_and(|y| (1900..=2200).contains(&y))
}

const BULLETS: [char; 8] = ['-', '*', '•', '–', '—', '·', '▪', '◦'];

fn parse_label(s: &str) -> Option<RawLabel> {
    let mut chars = s.char_indices();
    let (_, first) = chars.next()?;
    if BULLETS.contains(&first) {
        let rest = &s[first.len_utf8()..];
        if rest.starts_with([' ', '\u{a0}']) && !rest.trim().is_empty() {
            return Some(RawLabel {
                raw: first.to_string(),
                len: first.len_utf8() + rest.chars().next().map_or(0, char::len_utf8),
                delim: Delim::None,
                decimal: None,
                dotted: None,
                alpha: None,
                roman: None,
                upper: false,
                bullet: Some(first),
                year: false,
            });
        }
        return None;
    }
    let (open, body_start) = if first == '(' { (true, 1) } else { (false, 0) };
    let body: String = s[body_start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '.')
        .collect();
    // Trailing dots belong to the delimiter, inner ones to a dotted number.
    let core = body.trim_end_matches('.');
    // Numbers may be of any size (paragraph 12345 is a paragraph); a word is no label.
    let numeric = core.chars().all(|c| c.is_ascii_digit() || c == '.');
    if core.is_empty() || (core.len() > 8 && !numeric) {
        return None;
    }
    let after_core = body_start + core.len();
    let rest = &s[after_core..];
    let (delim, dlen) = if open {
        if rest.starts_with(')') {
            (Delim::Both, 1)
        } else {
            return None;
        }
    } else if core.contains('.') && rest.starts_with([' ', '\t']) {
        (Delim::None, 0) // "2.1 Text": a dotted number needs no closing dot
    } else if rest.starts_with('.') {
        (Delim::Dot, 1)
    } else if rest.starts_with(')') {
        (Delim::Paren, 1)
    } else {
        return None;
    };
    let end = after_core + dlen;
    let tail = &s[end..];
    if !(tail.starts_with([' ', '\u{a0}']) || tail.starts_with('\t')) || tail.trim().is_empty() {
        return None;
    }
    let mut l = RawLabel {
        raw: s[..end].to_string(),
        len: end + tail.chars().next().map_or(0, char::len_utf8),
        delim,
        decimal: None,
        dotted: None,
        alpha: None,
        roman: None,
        upper: false,
        bullet: None,
        year: false,
    };
    if core.contains('.') {
        let parts: Vec<&str> = core.split('.').collect();
        if parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
        {
            l.dotted = Some(parts.len());
            l.decimal = parts.last().and_then(|p| p.parse().ok());
            l.year = parts.iter().any(|p| reads_as_year(p));
            return l.decimal.map(|_| l);
        }
        return None;
    }
    if core.chars().all(|c| c.is_ascii_digit()) {
        l.decimal = core.parse().ok();
        l.year = reads_as_year(core);
        return l.decimal.map(|_| l);
    }
    if core.chars().all(|c| c.is_ascii_alphabetic()) {
        let lower = core.to_ascii_lowercase();
        l.upper = core.chars().all(|c| c.is_ascii_uppercase());
        if !l.upper && !core.chars().all(|c| c.is_ascii_lowercase()) {
            return None;
        }
        let first = lower.as_bytes()[0];
        if lower.bytes().all(|b| b == first) {
            l.alpha = Some(usize::from(first - b'a') + 1 + 26 * (lower.len() - 1));
        }
        l.roman = roman_value(&lower);
        if l.alpha.is_none() && l.roman.is_none() {
            return None;
        }
        return Some(l);
    }
    None
}

/// The value of a lower-case roman numeral up to 100, in canonical form only ("iiii" or
/// "ic" are not numbers anyone writes).
fn roman_value(s: &str) -> Option<usize> {
    use accord_model::numbering::{NumberStyle, label};
    if s.is_empty() || s.len() > 8 || !s.chars().all(|c| "ivxlc".contains(c)) {
        return None;
    }
    (1..=100).find(|&n| label(NumberStyle::LowerRoman, n) == s)
}

// ---- the builder -------------------------------------------------------------------------

#[derive(Debug)]
struct Level {
    style: Style,
    indent: usize,
    last: usize,
}

#[derive(Debug, Clone, PartialEq)]
enum Target {
    None,
    Preamble,
    Clause,
}

struct Builder {
    kind: InputKind,
    title: Option<String>,
    title_line: usize,
    preamble: Vec<(usize, String, bool)>, // (line, text, single line)
    clauses: Vec<ImportedClause>,
    path: Vec<usize>,
    levels: Vec<Level>,
    notes: Vec<ImportNote>,
    target: Target,
    /// The previous line was text of the current target (a following plain line continues it).
    open: bool,
    table: Option<(usize, Vec<String>)>,
}

pub(crate) fn build(lines: &[Line], kind: InputKind, notes: Vec<ImportNote>) -> ImportPlan {
    let mut b = Builder {
        kind,
        title: None,
        title_line: 0,
        preamble: Vec::new(),
        clauses: Vec::new(),
        path: Vec::new(),
        levels: Vec::new(),
        notes,
        target: Target::None,
        open: false,
        table: None,
    };
    for line in lines {
        if line.kind != LineKind::TableRow {
            b.flush_table();
        }
        match &line.kind {
            LineKind::Blank => b.open = false,
            LineKind::TableRow => {
                let t = b.table.get_or_insert_with(|| (line.no, Vec::new()));
                t.1.push(line.text.clone());
                b.open = false;
            }
            LineKind::Heading => b.heading(line),
            LineKind::WordList { list, level } => {
                let style = Style {
                    kind: Kind::Word {
                        list: *list,
                        level: *level,
                    },
                    delim: Delim::None,
                };
                b.item(line, style, None, None, &line.text);
            }
            LineKind::Text => b.text(line),
        }
    }
    b.flush_table();
    b.finish()
}

impl Builder {
    fn markdown(&self) -> bool {
        self.kind == InputKind::Markdown
    }

    fn note(&mut self, line: usize, kind: NoteKind, message: String, text: &str) {
        self.notes.push(ImportNote {
            line,
            kind,
            message,
            text: text.to_string(),
        });
    }

    fn flush_table(&mut self) {
        if let Some((no, rows)) = self.table.take() {
            let text = rows.join("\n");
            self.note(
                no,
                NoteKind::Table,
                format!("a table of {} rows is not imported as clauses", rows.len()),
                &text,
            );
        }
    }

    fn heading(&mut self, line: &Line) {
        let text = clean(&line.text, self.markdown());
        if self.title.is_none() && self.clauses.is_empty() && self.preamble.is_empty() {
            self.title = Some(text);
            self.title_line = line.no;
        } else {
            self.note(
                line.no,
                NoteKind::Heading,
                "a heading inside the text is not a clause".into(),
                &text,
            );
        }
        self.open = false;
    }

    fn text(&mut self, line: &Line) {
        if let Some(label) = parse_label(&line.text)
            && let Some((style, ordinal)) = self.decide(&label, line.indent)
        {
            let after_open_sentence = self.open && !ends_sentence(self.current_text());
            let fits = self.fits(style, ordinal, line.indent);
            // A year is a label only as the next number of an open level (after 2014).
            let year_ok = !label.year || self.continues(style, ordinal, line.indent);
            if year_ok && (fits || !after_open_sentence) {
                let body = line.text[label.len.min(line.text.len())..]
                    .trim_start()
                    .to_string();
                self.item(line, style, ordinal, Some(label.raw.clone()), &body);
                return;
            }
        }
        // Plain text: continues the open paragraph, or starts an unnumbered one.
        if self.open {
            self.append_line(&line.text);
            return;
        }
        if self.clauses.is_empty() {
            self.preamble.push((line.no, line.text.clone(), true));
            self.target = Target::Preamble;
        } else {
            let label = self.current_label();
            self.note(
                line.no,
                NoteKind::UnnumberedParagraph,
                format!("a paragraph without a number; appended to paragraph {label}"),
                &line.text,
            );
            let c = self.current_mut();
            c.text.push('\n');
            c.text.push_str(&line.text);
            self.target = Target::Clause;
        }
        self.open = true;
    }

    /// The style and number of a label, deciding "i" between letter and roman numeral by
    /// what is open: "i." after "h." is a letter, "i." anywhere else starts roman numbers.
    fn decide(&self, l: &RawLabel, _indent: usize) -> Option<(Style, Option<usize>)> {
        let style = |kind| Style {
            kind,
            delim: l.delim,
        };
        if let Some(c) = l.bullet {
            return Some((
                Style {
                    kind: Kind::Bullet(c),
                    delim: Delim::None,
                },
                None,
            ));
        }
        if let Some(parts) = l.dotted {
            return Some((style(Kind::Dotted(parts)), l.decimal));
        }
        if l.decimal.is_some() {
            return Some((style(Kind::Decimal), l.decimal));
        }
        let (alpha_kind, roman_kind) = if l.upper {
            (Kind::UpperAlpha, Kind::UpperRoman)
        } else {
            (Kind::LowerAlpha, Kind::LowerRoman)
        };
        let open_next = |kind| {
            self.levels
                .iter()
                .rev()
                .find(|lv| lv.style == style(kind))
                .map(|lv| lv.last + 1)
        };
        if let (Some(a), Some(next)) = (l.alpha, open_next(alpha_kind))
            && a == next
        {
            return Some((style(alpha_kind), Some(a)));
        }
        if let (Some(r), Some(next)) = (l.roman, open_next(roman_kind))
            && r == next
        {
            return Some((style(roman_kind), Some(r)));
        }
        match (l.alpha, l.roman) {
            (_, Some(1)) => Some((style(roman_kind), Some(1))),
            (Some(a), _) => Some((style(alpha_kind), Some(a))),
            (None, Some(r)) => Some((style(roman_kind), Some(r))),
            (None, None) => None,
        }
    }

    /// The open level a label continues: same style at (about) the same indentation —
    /// "1." at the margin is not the "1." four levels down — or, failing that, same style
    /// and not indented deeper (people indent by hand, and not always alike).
    fn sibling_level(&self, style: Style, indent: usize) -> Option<usize> {
        self.levels
            .iter()
            .rposition(|lv| lv.style == style && indent.abs_diff(lv.indent) <= 1)
            .or_else(|| {
                self.levels
                    .iter()
                    .rposition(|lv| lv.style == style && indent <= lv.indent + 1)
            })
    }

    /// Whether a label is where one would expect it: the next number of an open level, or
    /// the first of a new one. A label that does not fit, right after a sentence that has
    /// not ended, is more likely a wrapped line ("…February 27th,\n2015. The…").
    fn fits(&self, style: Style, ordinal: Option<usize>, indent: usize) -> bool {
        let Some(n) = ordinal else { return true };
        match self.sibling_level(style, indent) {
            Some(i) => self.levels[i].last + 1 == n,
            None => n == 1,
        }
    }

    /// Whether a label is the next number of an open level (not the first of a new one).
    fn continues(&self, style: Style, ordinal: Option<usize>, indent: usize) -> bool {
        ordinal.is_some_and(|n| {
            self.sibling_level(style, indent)
                .is_some_and(|i| self.levels[i].last + 1 == n)
        })
    }

    fn item(
        &mut self,
        line: &Line,
        style: Style,
        ordinal: Option<usize>,
        label: Option<String>,
        body: &str,
    ) {
        let depth = match self.sibling_level(style, line.indent) {
            Some(i) => {
                let expected = self.levels[i].last + 1;
                if let Some(n) = ordinal
                    && n != expected
                {
                    let raw = label.clone().unwrap_or_default();
                    self.note(
                            line.no,
                            NoteKind::NumberingGap,
                            format!("label {raw} where number {expected} of its level was expected; numbered in sequence"),
                            body,
                        );
                }
                self.levels.truncate(i + 1);
                self.levels[i].last = ordinal.unwrap_or(expected);
                i
            }
            None => {
                if ordinal.is_some_and(|n| n != 1) {
                    let raw = label.clone().unwrap_or_default();
                    self.note(
                        line.no,
                        NoteKind::NumberingGap,
                        format!("a new level starts at {raw} rather than at its first number; numbered from 1"),
                        body,
                    );
                }
                self.levels.push(Level {
                    style,
                    indent: line.indent,
                    last: ordinal.unwrap_or(1),
                });
                self.levels.len() - 1
            }
        };
        let clause = ImportedClause {
            text: body.to_string(),
            label,
            status: None,
            line: line.no,
            children: Vec::new(),
        };
        self.path.truncate(depth);
        let siblings = self.children_at_path_mut();
        siblings.push(clause);
        let idx = siblings.len() - 1;
        self.path.push(idx);
        self.target = Target::Clause;
        self.open = true;
    }

    fn children_at_path_mut(&mut self) -> &mut Vec<ImportedClause> {
        let mut list = &mut self.clauses;
        for &i in &self.path {
            list = &mut list[i].children;
        }
        list
    }

    fn current_mut(&mut self) -> &mut ImportedClause {
        let (last, init) = self.path.split_last().expect("a current clause");
        let mut list = &mut self.clauses;
        for &i in init {
            list = &mut list[i].children;
        }
        &mut list[*last]
    }

    fn current_text(&self) -> &str {
        match self.target {
            Target::Clause => {
                let mut list = &self.clauses;
                let mut c = None;
                for &i in &self.path {
                    c = list.get(i);
                    list = &list[i].children;
                }
                c.map(|c| c.text.as_str()).unwrap_or("")
            }
            Target::Preamble => self.preamble.last().map(|p| p.1.as_str()).unwrap_or(""),
            Target::None => "",
        }
    }

    fn current_label(&self) -> String {
        let mut list = &self.clauses;
        let mut parts = Vec::new();
        for &i in &self.path {
            parts.push(
                list[i]
                    .label
                    .clone()
                    .unwrap_or_else(|| format!("{}", i + 1)),
            );
            list = &list[i].children;
        }
        parts.join(" ")
    }

    /// Joins a wrapped line to the paragraph it continues; Markdown's hard break (a
    /// trailing backslash) keeps a line break.
    fn append_line(&mut self, text: &str) {
        let md = self.markdown();
        let push = |s: &mut String| {
            if md && s.ends_with('\\') && !s.ends_with("\\\\") {
                s.pop();
                s.push('\n');
            } else {
                s.push(' ');
            }
            s.push_str(text);
        };
        match self.target {
            Target::Clause => push(&mut self.current_mut().text),
            Target::Preamble => {
                if let Some(p) = self.preamble.last_mut() {
                    push(&mut p.1);
                    p.2 = false;
                }
            }
            Target::None => {}
        }
    }

    fn finish(mut self) -> ImportPlan {
        let md = self.markdown();
        // Accord's own working export starts with a "Working text" line.
        let mode_lines = ["Working text", "Texto de trabajo"];
        let mut preamble = Vec::new();
        for (no, text, single) in std::mem::take(&mut self.preamble) {
            let cleaned = clean(&text, md);
            if md && mode_lines.contains(&cleaned.as_str()) && text.starts_with('*') {
                self.note(
                    no,
                    NoteKind::ModeLine,
                    "the working-text line of an Accord export, skipped".into(),
                    &cleaned,
                );
                continue;
            }
            preamble.push((no, cleaned, single));
        }
        // A short first line that is not a sentence, followed by more text, is the title.
        if self.title.is_none()
            && let Some((no, first, single)) = preamble.first()
        {
            let more = preamble.len() > 1 || !self.clauses.is_empty();
            let short = first.chars().count() <= 160;
            if *single && more && short && !ends_sentence(first) && !first.ends_with(',') {
                self.title = Some(first.clone());
                self.title_line = *no;
                let t = first.clone();
                self.note(
                    *no,
                    NoteKind::Title,
                    "the first line was read as the title".into(),
                    &t,
                );
                preamble.remove(0);
            }
        }
        finish_clauses(&mut self.clauses, md);
        let body: String = preamble
            .iter()
            .map(|p| p.1.as_str())
            .chain(self.all_text())
            .collect::<Vec<_>>()
            .join(" ");
        let lang = detect_lang(&body);
        let _ = self.title_line;
        ImportPlan {
            kind: self.kind,
            lang,
            title: self.title,
            preamble: preamble
                .into_iter()
                .map(|p| p.1)
                .collect::<Vec<_>>()
                .join("\n\n"),
            clauses: self.clauses,
            actions: Vec::new(),
            notes: self.notes,
        }
    }

    fn all_text(&self) -> Vec<&str> {
        fn walk<'a>(cs: &'a [ImportedClause], out: &mut Vec<&'a str>) {
            for c in cs {
                out.push(&c.text);
                walk(&c.children, out);
            }
        }
        let mut out = Vec::new();
        walk(&self.clauses, &mut out);
        out
    }
}

fn ends_sentence(s: &str) -> bool {
    let t = s
        .trim_end()
        .trim_end_matches(['*', '_', ')', '"', '”', '’', '\'']);
    t.is_empty() || t.ends_with(['.', ':', ';', '!', '?'])
}

fn finish_clauses(cs: &mut [ImportedClause], md: bool) {
    for c in cs.iter_mut() {
        let (text, status) = if md {
            status_tag(&c.text)
        } else {
            (c.text.clone(), None)
        };
        let (text, struck) = if md {
            strikethrough(&text)
        } else {
            (text, false)
        };
        c.text = clean(&text, md);
        c.status = status.or(struck.then_some(ClauseStatus::Deleted));
        finish_clauses(&mut c.children, md);
    }
}

/// Accord's working Markdown ends a clause with `*(agreed ad ref)*`.
fn status_tag(text: &str) -> (String, Option<ClauseStatus>) {
    let t = text.trim_end();
    if let Some(inner) = t.strip_suffix(")*")
        && let Some(open) = inner.rfind(" *(")
    {
        let word = &inner[open + 3..];
        for lang in [Lang::En, Lang::Es] {
            for st in ClauseStatus::ALL {
                if lang.status(st) == word {
                    return (t[..open].to_string(), Some(st));
                }
            }
        }
    }
    (text.to_string(), None)
}

fn strikethrough(text: &str) -> (String, bool) {
    let t = text.trim();
    match t.strip_prefix("~~").and_then(|r| r.strip_suffix("~~")) {
        Some(inner) if !inner.contains("~~") => (inner.to_string(), true),
        _ => (text.to_string(), false),
    }
}

/// Normalises whitespace (runs of spaces become one; line breaks stay), and for Markdown
/// removes emphasis, code and strikethrough marks and resolves backslash escapes.
pub(crate) fn clean(text: &str, markdown: bool) -> String {
    let text = if markdown {
        strip_markdown(text)
    } else {
        text.to_string()
    };
    text.split('\n')
        .map(|l| {
            l.split([' ', '\u{a0}'])
                .filter(|w| !w.is_empty())
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect::<Vec<_>>()
        .join("\n")
        .trim()
        .to_string()
}

fn strip_markdown(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let prev = if i > 0 { Some(chars[i - 1]) } else { None };
        let next = chars.get(i + 1).copied();
        match c {
            '\\' if next.is_some_and(|n| n.is_ascii_punctuation()) => {
                out.push(next.unwrap_or('\\'));
                i += 2;
                continue;
            }
            '*' | '`' => {}
            '~' if next == Some('~') => {
                i += 2;
                continue;
            }
            // `_` is emphasis only at a word's edge; inside a word it is a character.
            '_' if !(prev.is_some_and(char::is_alphanumeric)
                && next.is_some_and(char::is_alphanumeric)) => {}
            c => out.push(c),
        }
        i += 1;
    }
    out
}

/// Spanish or English, by counting the commonest short words.
pub(crate) fn detect_lang(text: &str) -> Lang {
    let (mut es, mut en) = (0, 0);
    for w in text.split(|c: char| !c.is_alphabetic()) {
        match w.to_lowercase().as_str() {
            "de" | "la" | "el" | "los" | "las" | "que" | "y" | "en" | "del" | "para" | "por" => {
                es += 1
            }
            "the" | "of" | "and" | "to" | "in" | "for" | "on" | "by" | "with" => en += 1,
            _ => {}
        }
    }
    if es > en { Lang::Es } else { Lang::En }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn label(s: &str) -> Option<String> {
        parse_label(s).map(|l| l.raw)
    }

    #[test]
    fn labels_in_the_usual_forms() {
        for s in [
            "1. x", "12) x", "a. x", "a) x", "(a) x", "(iv) x", "i. x", "A. x", "IV. x", "2.1 x",
            "2.1. x",
        ] {
            assert!(label(s).is_some(), "{s}");
        }
        assert_eq!(label("- x").as_deref(), Some("-"));
        assert_eq!(label("• x").as_deref(), Some("•"));
        for s in [
            "1.x",
            "Mr. Smith",
            "e.g. this",
            "abc. x",
            "1.",
            "(a x",
            "-x",
            "Ab. x",
        ] {
            assert!(label(s).is_none(), "{s}");
        }
        // Numbers of any size are labels; one that reads as a year is marked so.
        for (s, n, year) in [
            ("999. x", 999, false),
            ("1000. x", 1000, false),
            ("12345. x", 12345, false),
            ("2015. x", 2015, true),
            ("1000.1 x", 1, false),
            ("2015.1 x", 1, true),
        ] {
            let l = parse_label(s).unwrap_or_else(|| panic!("{s}"));
            assert_eq!((l.decimal, l.year), (Some(n), year), "{s}");
        }
        let l = parse_label("iv. x").unwrap();
        assert_eq!((l.alpha, l.roman), (None, Some(4)));
        let l = parse_label("i. x").unwrap();
        assert_eq!((l.alpha, l.roman), (Some(9), Some(1)));
        let l = parse_label("bb. x").unwrap();
        assert_eq!(l.alpha, Some(28));
        // A no-break space after the label (Word's "save as text" writes one) is two bytes.
        assert_eq!(parse_label("a.\u{a0}x").unwrap().len, 4);
        assert_eq!(parse_label("•\u{a0}x").unwrap().len, 5);
    }

    #[test]
    fn markdown_marks_are_removed() {
        assert_eq!(
            clean("a \\*b\\* **[c]** d\\_e `f` snake_case", true),
            "a *b* [c] d_e f snake_case"
        );
        assert_eq!(
            status_tag("Urge all. *(agreed ad ref)*"),
            ("Urge all.".to_string(), Some(ClauseStatus::AgreedAdRef))
        );
        assert_eq!(
            status_tag("Hold it. *(entre corchetes)*").1,
            Some(ClauseStatus::Bracketed)
        );
        assert_eq!(status_tag("(agreed)").1, None);
    }
}
