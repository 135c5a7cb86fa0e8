//! Bracket analysis. In negotiated texts `[square brackets]` mark wording that is not yet
//! agreed; brackets may nest (`[the [three] parties]`). Positions are UTF-16 code units, the
//! units of the web editor, so the UI can highlight spans without converting.

use serde::{Deserialize, Serialize};

/// One bracketed passage, brackets included: `text[start..end]` in UTF-16 code units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BracketSpan {
    pub start: usize,
    pub end: usize,
    /// 0 for an outermost pair, 1 inside it, and so on.
    pub depth: usize,
}

/// A bracket without its partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Unbalanced {
    /// A `]` with no `[` before it.
    UnmatchedClose { pos: usize },
    /// A `[` that is never closed.
    Unclosed { pos: usize },
}

/// What the brackets of one clause say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BracketAnalysis {
    /// Balanced pairs, ordered by their opening bracket.
    pub spans: Vec<BracketSpan>,
    pub unbalanced: Vec<Unbalanced>,
    /// The text as it reads if every bracketed proposal is accepted: bracket marks removed.
    pub clean_text: String,
    /// The text as it reads if no bracketed proposal is accepted: bracketed passages removed.
    pub agreed_text: String,
}

impl BracketAnalysis {
    pub fn has_brackets(&self) -> bool {
        !self.spans.is_empty() || !self.unbalanced.is_empty()
    }
    pub fn is_balanced(&self) -> bool {
        self.unbalanced.is_empty()
    }
}

/// Analyses the brackets of `text`.
pub fn analyze(text: &str) -> BracketAnalysis {
    let mut spans = Vec::new();
    let mut unbalanced = Vec::new();
    let mut open: Vec<(usize, usize)> = Vec::new(); // (pos, index into spans)
    let mut pos = 0usize;
    for c in text.chars() {
        match c {
            '[' => {
                spans.push(BracketSpan {
                    start: pos,
                    end: pos,
                    depth: open.len(),
                });
                open.push((pos, spans.len() - 1));
            }
            ']' => match open.pop() {
                Some((_, i)) => spans[i].end = pos + 1,
                None => unbalanced.push(Unbalanced::UnmatchedClose { pos }),
            },
            _ => {}
        }
        pos += c.len_utf16();
    }
    // Unclosed openers are not spans.
    let unclosed: Vec<usize> = open.iter().map(|&(_, i)| i).collect();
    for &(p, _) in &open {
        unbalanced.push(Unbalanced::Unclosed { pos: p });
    }
    let mut keep = Vec::with_capacity(spans.len());
    for (i, s) in spans.into_iter().enumerate() {
        if !unclosed.contains(&i) {
            keep.push(s);
        }
    }
    // Depth counts balanced pairs only: an unclosed `[` encloses nothing.
    let depths: Vec<usize> = keep
        .iter()
        .map(|s| {
            keep.iter()
                .filter(|o| o.start < s.start && s.end <= o.end)
                .count()
        })
        .collect();
    for (s, d) in keep.iter_mut().zip(depths) {
        s.depth = d;
    }
    unbalanced.sort_by_key(|u| match u {
        Unbalanced::UnmatchedClose { pos } | Unbalanced::Unclosed { pos } => *pos,
    });
    let clean_text = tidy(&text.replace(['[', ']'], ""));
    let agreed_text = tidy(&drop_outermost(text, &keep));
    BracketAnalysis {
        spans: keep,
        unbalanced,
        clean_text,
        agreed_text,
    }
}

/// `text` without the outermost balanced spans; stray brackets are dropped too.
fn drop_outermost(text: &str, spans: &[BracketSpan]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut pos = 0usize;
    let outer: Vec<&BracketSpan> = spans.iter().filter(|s| s.depth == 0).collect();
    let mut next = 0;
    for c in text.chars() {
        while next < outer.len() && outer[next].end <= pos {
            next += 1;
        }
        let inside = next < outer.len() && outer[next].start <= pos && pos < outer[next].end;
        if !inside && c != '[' && c != ']' {
            out.push(c);
        }
        pos += c.len_utf16();
    }
    out
}

/// Collapses runs of spaces and removes spaces before punctuation, left behind by removal.
fn tidy(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c == ' ' && (out.ends_with(' ') || out.is_empty()) {
            continue;
        }
        if matches!(c, ',' | '.' | ';' | ':' | ')') && out.ends_with(' ') {
            out.pop();
        }
        out.push(c);
    }
    while out.ends_with(' ') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        text: &str,
        spans: &[(usize, usize, usize)],
        unbalanced: &[Unbalanced],
        clean: &str,
        agreed: &str,
    ) {
        let a = analyze(text);
        let got: Vec<_> = a.spans.iter().map(|s| (s.start, s.end, s.depth)).collect();
        assert_eq!(got, spans, "spans of {text:?}");
        assert_eq!(a.unbalanced, unbalanced, "unbalanced of {text:?}");
        assert_eq!(a.clean_text, clean, "clean text of {text:?}");
        assert_eq!(a.agreed_text, agreed, "agreed text of {text:?}");
    }

    #[test]
    fn no_brackets() {
        check(
            "Urge the Member Countries.",
            &[],
            &[],
            "Urge the Member Countries.",
            "Urge the Member Countries.",
        );
        assert!(!analyze("plain").has_brackets());
    }

    #[test]
    fn one_pair() {
        check(
            "Urge [all] Member Countries.",
            &[(5, 10, 0)],
            &[],
            "Urge all Member Countries.",
            "Urge Member Countries.",
        );
    }

    #[test]
    fn nested_pairs() {
        check(
            "a [b [c] d] e",
            &[(2, 11, 0), (5, 8, 1)],
            &[],
            "a b c d e",
            "a e",
        );
    }

    #[test]
    fn bracket_at_end_before_punctuation() {
        check("by [2015].", &[(3, 9, 0)], &[], "by 2015.", "by.");
    }

    #[test]
    fn unmatched_close_and_unclosed_open() {
        check(
            "a ] b [ c",
            &[],
            &[
                Unbalanced::UnmatchedClose { pos: 2 },
                Unbalanced::Unclosed { pos: 6 },
            ],
            "a b c",
            "a b c",
        );
        check(
            "[x [y] z",
            &[(3, 6, 0)],
            &[Unbalanced::Unclosed { pos: 0 }],
            "x y z",
            "x z",
        );
        assert!(!analyze("[").is_balanced());
    }

    #[test]
    fn positions_count_utf16_code_units() {
        // The emoji is two UTF-16 code units, 'é' one.
        let a = analyze("é😀 [ñ]");
        assert_eq!(
            a.spans,
            vec![BracketSpan {
                start: 4,
                end: 7,
                depth: 0
            }]
        );
        assert_eq!(a.clean_text, "é😀 ñ");
    }
}
