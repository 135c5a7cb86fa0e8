//! Reading a DOCX: the paragraphs of `word/document.xml` in order, each with its style
//! and Word list level (from the paragraph or its style, resolved through
//! `numbering.xml` to the abstract list), table cells apart. Text typed as "1." or "a)" is
//! left to the structure parser like any text.

use std::collections::HashMap;
use std::io::{Cursor, Read};

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use zip::ZipArchive;
use zip::result::ZipError;

use super::limits::{Limit, MAX_DOCX_PART_BYTES, MAX_LINE_BYTES, MAX_LINES, MAX_TEXT_BYTES};
use super::structure::{Line, LineKind};
use super::{ImportNote, NoteKind};
use crate::error::ImportError;

fn open(bytes: &[u8]) -> Result<ZipArchive<Cursor<&[u8]>>, ImportError> {
    if !bytes.starts_with(b"PK") {
        return Err(ImportError::NotDocx {
            reason: "zip header missing".into(),
        });
    }
    ZipArchive::new(Cursor::new(bytes)).map_err(|e| ImportError::NotDocx {
        reason: format!("broken zip archive: {e}"),
    })
}

/// A part of the archive as text, within [`MAX_DOCX_PART_BYTES`]: the size the archive
/// claims is checked before anything is decompressed, and decompression stops one byte
/// past the limit whatever the claim said (a zip bomb can lie about its sizes).
fn read_part(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    name: &str,
) -> Result<Option<String>, ImportError> {
    let file = match zip.by_name(name) {
        Ok(f) => f,
        Err(ZipError::FileNotFound) => return Ok(None),
        Err(e) => return Err(malformed(name, e.to_string())),
    };
    let claimed = file.size();
    if Limit::DocxPartBytes.exceeded_by(claimed) {
        return Err(Limit::DocxPartBytes.error(format!("{name} ({claimed} bytes)")));
    }
    // The claim sizes the buffer only once it is known to be within the limit.
    let mut buf = Vec::with_capacity(claimed as usize + 1);
    file.take(MAX_DOCX_PART_BYTES + 1)
        .read_to_end(&mut buf)
        .map_err(|e| malformed(name, e.to_string()))?;
    if Limit::DocxPartBytes.exceeded_by(buf.len() as u64) {
        return Err(Limit::DocxPartBytes.error(format!(
            "{name} (more than {MAX_DOCX_PART_BYTES} bytes, though it claims {claimed})"
        )));
    }
    let text = String::from_utf8(buf).map_err(|e| {
        malformed(
            name,
            format!("not UTF-8 at byte {}", e.utf8_error().valid_up_to()),
        )
    })?;
    Ok(Some(text))
}

fn malformed(part: &str, reason: impl Into<String>) -> ImportError {
    ImportError::MalformedDocx {
        part: part.to_string(),
        reason: reason.into(),
    }
}

/// Every entry of the archive as text, for tests and debugging.
pub(crate) fn parts(bytes: &[u8]) -> Result<Vec<(String, String)>, ImportError> {
    let mut zip = open(bytes)?;
    let names: Vec<String> = zip
        .file_names()
        .map(|n| n.map(|n| n.into_owned()).unwrap_or_default())
        .collect();
    let mut order: Vec<(usize, String)> = names
        .into_iter()
        .map(|n| (zip.index_for_name(&n).unwrap_or(usize::MAX), n))
        .collect();
    order.sort();
    let mut out = Vec::new();
    for (_, name) in order {
        if let Some(text) = read_part(&mut zip, &name)? {
            out.push((name, text));
        }
    }
    Ok(out)
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn attr(e: &BytesStart<'_>, name: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| local(a.key.as_ref()) == name)
        .and_then(|a| {
            a.normalized_value(quick_xml::XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

#[derive(Debug, Default, Clone)]
struct StyleInfo {
    heading: bool,
    num: Option<(u32, u32)>,
    based_on: Option<String>,
}

fn styles(xml: &str) -> Result<HashMap<String, StyleInfo>, ImportError> {
    let mut out = HashMap::new();
    let mut r = Reader::from_str(xml);
    let mut cur: Option<(String, StyleInfo)> = None;
    let mut in_numpr = false;
    loop {
        let ev = r
            .read_event()
            .map_err(|e| malformed("word/styles.xml", e.to_string()))?;
        match &ev {
            Event::Start(e) | Event::Empty(e) => {
                let n = e.name();
                match local(n.as_ref()) {
                    "style" => {
                        let id = attr(e, "styleId").unwrap_or_default();
                        let heading = {
                            let l = id.to_ascii_lowercase();
                            l == "title"
                                || l.starts_with("heading")
                                || l.starts_with("titulo")
                                || l.starts_with("ttulo")
                        };
                        cur = Some((
                            id,
                            StyleInfo {
                                heading,
                                ..Default::default()
                            },
                        ));
                    }
                    "name" => {
                        if let (Some((_, info)), Some(v)) = (&mut cur, attr(e, "val")) {
                            let l = v.to_ascii_lowercase();
                            info.heading |= l == "title" || l.starts_with("heading");
                        }
                    }
                    "basedOn" => {
                        if let Some((_, info)) = &mut cur {
                            info.based_on = attr(e, "val");
                        }
                    }
                    "numPr" => in_numpr = true,
                    "numId" if in_numpr => {
                        if let Some((_, info)) = &mut cur {
                            let id = attr(e, "val").and_then(|v| v.parse().ok()).unwrap_or(0);
                            info.num = Some((id, info.num.map(|n| n.1).unwrap_or(0)));
                        }
                    }
                    "ilvl" if in_numpr => {
                        if let Some((_, info)) = &mut cur {
                            let lvl = attr(e, "val").and_then(|v| v.parse().ok()).unwrap_or(0);
                            info.num = Some((info.num.map(|n| n.0).unwrap_or(0), lvl));
                        }
                    }
                    _ => {}
                }
                if matches!(ev, Event::Empty(_)) && local(e.name().as_ref()) == "numPr" {
                    in_numpr = false;
                }
            }
            Event::End(e) => match local(e.name().as_ref()) {
                "style" => {
                    if let Some((id, info)) = cur.take() {
                        out.insert(id, info);
                    }
                }
                "numPr" => in_numpr = false,
                _ => {}
            },
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(out)
}

/// numId → abstractNumId. (Numbering formats do not matter: a Word list's levels are
/// its levels, whatever it prints.)
fn numbering(xml: &str) -> Result<HashMap<u32, u32>, ImportError> {
    let mut nums = HashMap::new();
    let mut r = Reader::from_str(xml);
    let mut num: Option<u32> = None;
    loop {
        let ev = r
            .read_event()
            .map_err(|e| malformed("word/numbering.xml", e.to_string()))?;
        match &ev {
            Event::Start(e) | Event::Empty(e) => match local(e.name().as_ref()) {
                "num" => num = attr(e, "numId").and_then(|v| v.parse().ok()),
                "abstractNumId" => {
                    if let (Some(n), Some(a)) = (num, attr(e, "val").and_then(|v| v.parse().ok())) {
                        nums.insert(n, a);
                    }
                }
                _ => {}
            },
            Event::End(e) if local(e.name().as_ref()) == "num" => num = None,
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(nums)
}

#[derive(Debug, Default)]
struct Para {
    style: Option<String>,
    num_id: Option<u32>,
    ilvl: Option<u32>,
    text: String,
}

/// The document's paragraphs as lines, each followed by a blank line (a DOCX paragraph
/// never continues the one before it).
pub(crate) fn lines(bytes: &[u8], notes: &mut Vec<ImportNote>) -> Result<Vec<Line>, ImportError> {
    let mut zip = open(bytes)?;
    let Some(doc) = read_part(&mut zip, "word/document.xml")? else {
        let what = if zip.index_for_name("xl/workbook.xml").is_some() {
            " (it is a spreadsheet)"
        } else if zip.index_for_name("ppt/presentation.xml").is_some() {
            " (it is a presentation)"
        } else {
            ""
        };
        return Err(ImportError::NotDocx {
            reason: format!("word/document.xml missing{what}"),
        });
    };
    let styles = match read_part(&mut zip, "word/styles.xml")? {
        Some(x) => styles(&x)?,
        None => HashMap::new(),
    };
    let nums = match read_part(&mut zip, "word/numbering.xml")? {
        Some(x) => numbering(&x)?,
        None => HashMap::new(),
    };
    for (part, what) in [
        ("word/footnotes.xml", "footnotes"),
        ("word/comments.xml", "comments"),
    ] {
        if let Some(x) = read_part(&mut zip, part)?
            && x.matches("<w:t").count() > 2
        {
            notes.push(ImportNote {
                line: 0,
                kind: NoteKind::Skipped,
                message: format!("the document's {what} are not imported"),
                text: String::new(),
            });
        }
    }
    let style_of = |id: &str| -> (bool, Option<(u32, u32)>) {
        let mut heading = false;
        let mut num = None;
        let mut cur = Some(id.to_string());
        for _ in 0..8 {
            let Some(s) = cur.as_deref().and_then(|i| styles.get(i)) else {
                break;
            };
            heading |= s.heading;
            num = num.or(s.num);
            cur = s.based_on.clone();
        }
        if styles.is_empty() {
            let l = id.to_ascii_lowercase();
            heading = l == "title" || l.starts_with("heading");
        }
        (heading, num)
    };

    let mut r = Reader::from_str(&doc);
    let mut out = Vec::new();
    let mut para: Option<Para> = None;
    let mut p_depth = 0usize;
    let mut tbl_depth = 0usize;
    let mut in_t = false;
    let mut in_numpr = false;
    let mut in_ppr = false;
    let mut count = 0usize;
    let mut text_bytes = 0u64;
    loop {
        let ev = r.read_event().map_err(|e| {
            malformed(
                "word/document.xml",
                format!("{e} at byte {}", r.buffer_position()),
            )
        })?;
        match &ev {
            Event::Start(e) | Event::Empty(e) => {
                let empty = matches!(ev, Event::Empty(_));
                let name = e.name();
                match local(name.as_ref()) {
                    "p" => {
                        p_depth += 1;
                        if p_depth == 1 {
                            para = Some(Para::default());
                        } else {
                            // A paragraph inside a text box: its text joins the outer one.
                            push(&mut para, &mut text_bytes, count, " ")?;
                        }
                        if empty {
                            p_depth -= 1;
                            if p_depth == 0
                                && let Some(p) = para.take()
                            {
                                let no = counted(&mut count)?;
                                emit(&mut out, p, no, tbl_depth > 0, &style_of, &nums);
                            }
                        }
                    }
                    "pPr" if p_depth == 1 && !empty => in_ppr = true,
                    "pStyle" if in_ppr => {
                        if let Some(p) = &mut para {
                            p.style = attr(e, "val");
                        }
                    }
                    "numPr" if in_ppr && !empty => in_numpr = true,
                    "numId" if in_numpr => {
                        if let Some(p) = &mut para {
                            p.num_id = attr(e, "val").and_then(|v| v.parse().ok());
                        }
                    }
                    "ilvl" if in_numpr => {
                        if let Some(p) = &mut para {
                            p.ilvl = attr(e, "val").and_then(|v| v.parse().ok());
                        }
                    }
                    "t" if !empty => in_t = true,
                    "tab" if !in_ppr => push(&mut para, &mut text_bytes, count, "\t")?,
                    "br" | "cr" => push(&mut para, &mut text_bytes, count, "\n")?,
                    "noBreakHyphen" => push(&mut para, &mut text_bytes, count, "-")?,
                    "tbl" if !empty => tbl_depth += 1,
                    _ => {}
                }
            }
            Event::End(e) => match local(e.name().as_ref()) {
                "p" => {
                    p_depth = p_depth.saturating_sub(1);
                    if p_depth == 0
                        && let Some(p) = para.take()
                    {
                        let no = counted(&mut count)?;
                        emit(&mut out, p, no, tbl_depth > 0, &style_of, &nums);
                    }
                }
                "pPr" => in_ppr = false,
                "numPr" => in_numpr = false,
                "t" => in_t = false,
                "tbl" => {
                    tbl_depth = tbl_depth.saturating_sub(1);
                    // One blank line ends a table; more would mean nothing more, and a
                    // bomb of empty tables would grow the lines past the paragraphs.
                    if tbl_depth == 0 && !out.last().is_some_and(Line::is_blank) {
                        out.push(Line {
                            no: count,
                            indent: 0,
                            text: String::new(),
                            kind: LineKind::Blank,
                        });
                    }
                }
                _ => {}
            },
            Event::Text(t) if in_t => push(&mut para, &mut text_bytes, count, &t.xml10_content())?,
            Event::CData(t) if in_t => push(&mut para, &mut text_bytes, count, &t.xml10_content())?,
            Event::GeneralRef(g) if in_t => {
                let c = match g.resolve_char_ref() {
                    Ok(Some(c)) => Some(c),
                    _ => match g.as_ref() {
                        "amp" => Some('&'),
                        "lt" => Some('<'),
                        "gt" => Some('>'),
                        "quot" => Some('"'),
                        "apos" => Some('\''),
                        _ => None,
                    },
                };
                if let Some(c) = c {
                    push(
                        &mut para,
                        &mut text_bytes,
                        count,
                        c.encode_utf8(&mut [0; 4]),
                    )?;
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if p_depth != 0 || tbl_depth != 0 {
        return Err(malformed(
            "word/document.xml",
            "the document ends inside a paragraph or table",
        ));
    }
    Ok(out)
}

/// Adds text to the paragraph being read (paragraph `count + 1`), within
/// [`MAX_LINE_BYTES`] for it and [`MAX_TEXT_BYTES`] for all of them (`total` so far).
fn push(
    para: &mut Option<Para>,
    total: &mut u64,
    count: usize,
    s: &str,
) -> Result<(), ImportError> {
    let Some(p) = para else { return Ok(()) };
    *total += s.len() as u64;
    if Limit::TextBytes.exceeded_by(*total) {
        return Err(Limit::TextBytes.error(format!(
            "the text of word/document.xml (more than {MAX_TEXT_BYTES} bytes by paragraph {})",
            count + 1
        )));
    }
    let len = (p.text.len() + s.len()) as u64;
    if Limit::LineBytes.exceeded_by(len) {
        return Err(Limit::LineBytes.error(format!(
            "paragraph {} (more than {MAX_LINE_BYTES} bytes)",
            count + 1
        )));
    }
    p.text.push_str(s);
    Ok(())
}

/// Counts a paragraph read, within [`MAX_LINES`] (empty ones count: a few bytes of XML
/// each, and the count is what a bomb of them would grow).
fn counted(count: &mut usize) -> Result<usize, ImportError> {
    *count += 1;
    if Limit::Lines.exceeded_by(*count as u64) {
        return Err(Limit::Lines.error(format!("the number of paragraphs (more than {MAX_LINES})")));
    }
    Ok(*count)
}

/// A paragraph style → (is a heading, its list numbering).
type StyleOf<'a> = dyn Fn(&str) -> (bool, Option<(u32, u32)>) + 'a;

fn emit(
    out: &mut Vec<Line>,
    p: Para,
    no: usize,
    in_table: bool,
    style_of: &StyleOf<'_>,
    nums: &HashMap<u32, u32>,
) {
    let (heading, style_num) = p.style.as_deref().map(style_of).unwrap_or((false, None));
    let num = match (p.num_id, style_num) {
        (Some(id), s) => Some((id, p.ilvl.or(s.map(|s| s.1)).unwrap_or(0))),
        (None, Some((id, lvl))) => Some((id, p.ilvl.unwrap_or(lvl))),
        (None, None) => None,
    }
    .filter(|(id, _)| *id != 0);
    let text: String = p
        .text
        .replace('\t', " ")
        .lines()
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("\n");
    let text = text.trim().to_string();
    if text.is_empty() {
        return;
    }
    let kind = if in_table {
        LineKind::TableRow
    } else if heading {
        LineKind::Heading
    } else if let Some((id, level)) = num {
        let list = nums.get(&id).copied().unwrap_or(id);
        LineKind::WordList { list, level }
    } else {
        LineKind::Text
    };
    let blank_after = !in_table;
    out.push(Line {
        no,
        indent: 0,
        text,
        kind,
    });
    if blank_after {
        out.push(Line {
            no,
            indent: 0,
            text: String::new(),
            kind: LineKind::Blank,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_tables_add_no_lines_beyond_one_blank() {
        let tables = "<w:tbl></w:tbl>".repeat(10_000);
        let doc = format!(
            "<w:document xmlns:w=\"x\"><w:body>{tables}<w:p><w:r><w:t>Text</w:t></w:r></w:p>{tables}</w:body></w:document>"
        );
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        z.start_file(
            "word/document.xml",
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        std::io::Write::write_all(&mut z, doc.as_bytes()).unwrap();
        let bytes = z.finish().unwrap().into_inner();
        let got: Vec<(bool, String)> = lines(&bytes, &mut Vec::new())
            .unwrap()
            .into_iter()
            .map(|l| (l.is_blank(), l.text))
            .collect();
        assert_eq!(
            got,
            [
                (true, String::new()),
                (false, "Text".to_string()),
                (true, String::new())
            ]
        );
    }
}
