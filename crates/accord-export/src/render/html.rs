//! One self-contained HTML page: semantic paragraphs with the computed labels in a
//! `<span class="num">`, hanging indents per level, and CSS for A4 printing.

use super::{Doc, Mode, Seg};

const CSS: &str = r#"@page { size: A4; margin: 2.5cm 2.2cm; }
html { font-family: "Times New Roman", "Liberation Serif", Georgia, serif; font-size: 12pt; line-height: 1.4; color: #000; }
body { max-width: 44em; margin: 2em auto; padding: 0 1em; }
h1 { font-size: 14pt; text-align: center; margin: 0 0 1.5em; }
h2 { font-size: 12pt; margin: 2em 0 0.8em; }
p { margin: 0 0 0.8em; text-align: justify; hyphens: auto; }
p.mode { font-style: italic; text-align: center; color: #555; }
p.clause { padding-left: var(--indent); text-indent: -2.4em; }
p.clause .num { display: inline-block; min-width: 2.4em; text-indent: 0; }
p.depth-0 { --indent: 2.4em; }
p.depth-1 { --indent: 4.8em; }
p.depth-2 { --indent: 7.2em; }
p.depth-3 { --indent: 9.6em; }
p.depth-4, p.depth-5, p.depth-6, p.depth-7, p.depth-8 { --indent: 12em; }
mark.bracket { background: #fff59d; font-weight: bold; }
.status { font-style: italic; font-size: 0.85em; color: #555; white-space: nowrap; }
p.deleted .text { text-decoration: line-through; color: #666; }
table.actions { border-collapse: collapse; width: 100%; font-size: 11pt; }
table.actions th, table.actions td { border: 1px solid #999; padding: 0.3em 0.5em; vertical-align: top; text-align: left; }
table.actions th { background: #eee; }
@media print {
  body { max-width: none; margin: 0; padding: 0; }
  p.clause, tr { break-inside: avoid; }
  p { orphans: 3; widows: 3; }
  h1, h2 { break-after: avoid; }
  mark.bracket { background: none; border-bottom: 2px solid #000; }
}
"#;

pub(crate) fn render(doc: &Doc) -> String {
    let mut o = String::new();
    o.push_str("<!DOCTYPE html>\n");
    o.push_str(&format!(
        "<html lang=\"{}\">\n<head>\n<meta charset=\"utf-8\">\n",
        doc.lang.code()
    ));
    o.push_str(&format!("<title>{}</title>\n", esc(&doc.title)));
    o.push_str("<style>\n");
    o.push_str(CSS);
    o.push_str("</style>\n</head>\n<body>\n");
    let mode = match doc.mode {
        Mode::Clean => "clean",
        Mode::Working => "working",
    };
    o.push_str(&format!("<article class=\"report {mode}\">\n"));
    if !doc.title.is_empty() {
        o.push_str(&format!("<h1>{}</h1>\n", esc(&doc.title)));
    }
    if doc.mode == Mode::Working {
        o.push_str(&format!(
            "<p class=\"mode\">{}</p>\n",
            esc(doc.lang.labels().working_text)
        ));
    }
    for p in &doc.opening {
        o.push_str(&format!("<p class=\"opening\">{}</p>\n", br(&esc(p))));
    }
    for item in &doc.clauses {
        let mut class = format!("clause depth-{}", item.depth);
        if item.deleted() {
            class.push_str(" deleted");
        }
        o.push_str(&format!(
            "<p class=\"{class}\"><span class=\"num\">{}</span><span class=\"text\">",
            esc(&item.label)
        ));
        for seg in &item.segments {
            match seg {
                Seg::Text(t) => o.push_str(&br(&esc(t))),
                Seg::Bracket(t) if doc.mode == Mode::Working => {
                    o.push_str(&format!("<mark class=\"bracket\">{}</mark>", br(&esc(t))))
                }
                Seg::Bracket(t) => o.push_str(&br(&esc(t))),
            }
        }
        o.push_str("</span>");
        if let Some(st) = item.status {
            o.push_str(&format!(
                " <span class=\"status {}\">({})</span>",
                st.as_str(),
                esc(doc.lang.status(st))
            ));
        }
        o.push_str("</p>\n");
    }
    if let Some(rows) = &doc.actions {
        let l = doc.lang.labels();
        o.push_str(&format!(
            "<section>\n<h2>{}</h2>\n<table class=\"actions\">\n",
            esc(l.action_items)
        ));
        o.push_str(&format!(
            "<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\n<tbody>\n",
            esc(l.paragraph),
            esc(l.action),
            esc(l.owners),
            esc(l.due)
        ));
        for r in rows {
            o.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                esc(&r.paragraph),
                esc(&r.text),
                esc(&r.owners),
                esc(&r.due)
            ));
        }
        o.push_str("</tbody>\n</table>\n</section>\n");
    }
    o.push_str("</article>\n</body>\n</html>\n");
    o
}

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c => out.push(c),
        }
    }
    out
}

fn br(s: &str) -> String {
    s.replace('\n', "<br>\n")
}
