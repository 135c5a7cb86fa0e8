//! Markdown in the fixture's shape: numbered paragraphs at the margin, lettered sub-items
//! indented under them so that CommonMark keeps them inside the paragraph's list item.
//! Labels are written out (numbering is computed by Accord, not by the viewer); a blank
//! line separates every clause.

use super::{Doc, Mode, Seg};

pub(crate) fn render(doc: &Doc) -> String {
    let mut out = String::new();
    if !doc.title.is_empty() {
        out.push_str("# ");
        out.push_str(&escape_line(&doc.title));
        out.push_str("\n\n");
    }
    if doc.mode == Mode::Working {
        out.push_str(&format!("*{}*\n\n", doc.lang.labels().working_text));
    }
    for p in &doc.opening {
        out.push_str(&escape_block(p, ""));
        out.push_str("\n\n");
    }
    for item in &doc.clauses {
        // Sub-items sit in the content column of their paragraph's list item ("2. " → 3
        // spaces), one more space per level below that: CommonMark keeps them in the
        // item as paragraphs (down to four levels, where the indentation would become a
        // code block), and the importer tells the levels apart by it.
        let indent = if item.depth == 0 {
            String::new()
        } else {
            " ".repeat(item.top_label.chars().count() + item.depth)
        };
        let cont = if item.depth == 0 {
            " ".repeat(item.label.chars().count() + 1)
        } else {
            indent.clone()
        };
        let mut body = String::new();
        for seg in &item.segments {
            match seg {
                Seg::Text(t) => body.push_str(&escape_inline(t)),
                Seg::Bracket(t) if doc.mode == Mode::Working => {
                    body.push_str("**");
                    body.push_str(&escape_inline(t));
                    body.push_str("**");
                }
                Seg::Bracket(t) => body.push_str(&escape_inline(t)),
            }
        }
        let body = hard_breaks(&body, &cont);
        let body = if item.deleted() {
            format!("~~{body}~~")
        } else {
            body
        };
        out.push_str(&indent);
        out.push_str(&item.label);
        out.push(' ');
        out.push_str(&body);
        if let Some(st) = item.status {
            out.push_str(&format!(" *({})*", doc.lang.status(st)));
        }
        out.push_str("\n\n");
    }
    if let Some(rows) = &doc.actions {
        let l = doc.lang.labels();
        out.push_str(&format!("## {}\n\n", l.action_items));
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n|---|---|---|---|\n",
            l.paragraph, l.action, l.owners, l.due
        ));
        for r in rows {
            out.push_str(&format!(
                "| {} | {} | {} | {} |\n",
                cell(&r.paragraph),
                cell(&r.text),
                cell(&r.owners),
                cell(&r.due)
            ));
        }
        out.push('\n');
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

fn cell(s: &str) -> String {
    escape_inline(s).replace('|', "\\|").replace('\n', " ")
}

/// Newlines inside a clause become hard breaks (a trailing backslash), the next line
/// indented to stay in the clause.
fn hard_breaks(body: &str, indent: &str) -> String {
    body.split('\n')
        .collect::<Vec<_>>()
        .join(&format!("\\\n{indent}"))
}

fn escape_block(p: &str, indent: &str) -> String {
    let lines: Vec<String> = p.split('\n').map(escape_line).collect();
    lines.join(&format!("\\\n{indent}"))
}

/// A line that starts a block: also keep it from reading as a heading, list or quote.
fn escape_line(line: &str) -> String {
    let e = escape_inline(line);
    let starts_block = e.starts_with(['#', '-', '+', '>', '=']) || {
        let digits = e.chars().take_while(char::is_ascii_digit).count();
        digits > 0 && e[digits..].starts_with(['.', ')'])
    };
    if starts_block {
        let n = e.chars().take_while(char::is_ascii_digit).count();
        if n > 0 {
            format!("{}\\{}", &e[..n], &e[n..])
        } else {
            format!("\\{e}")
        }
    } else {
        e
    }
}

/// Escapes what CommonMark would read as markup. Square brackets stay as typed — they are
/// the negotiators' brackets — except where they could form a link.
pub(crate) fn escape_inline(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let next = chars.get(i + 1).copied();
        let escape = match c {
            '\\' | '*' | '_' | '`' | '<' | '~' => true,
            ']' => matches!(next, Some('(' | '[' | ':')),
            '!' => next == Some('['),
            // Only what would read as an entity: "&amp;", "&#233;" — not "AT&T".
            '&' => {
                let name: String = chars[i + 1..]
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric() || **c == '#')
                    .collect();
                !name.is_empty() && chars.get(i + 1 + name.chars().count()) == Some(&';')
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_characters_are_escaped_but_brackets_stay() {
        assert_eq!(escape_inline("a *b* [c] d_e"), "a \\*b\\* [c] d\\_e");
        assert_eq!(escape_inline("[x](y)"), "[x\\](y)");
        assert_eq!(escape_inline("AT&T &amp;"), "AT&T \\&amp;");
        assert_eq!(escape_line("1. not a list"), "1\\. not a list");
        assert_eq!(escape_line("# not a heading"), "\\# not a heading");
    }
}
