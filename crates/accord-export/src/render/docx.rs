//! A Word document written part by part: `document.xml` with named paragraph styles,
//! `numbering.xml` with one multilevel list (decimal, lower letter, lower roman, repeating)
//! that every clause paragraph references by `numId`/`ilvl` — so Word and LibreOffice
//! number the paragraphs themselves and renumber them when someone edits the file.
//!
//! The XML is written by hand rather than through a DOCX builder: the parts are few and
//! fixed, the output must be byte-for-byte deterministic (snapshots, no clock: every zip
//! entry carries the DOS epoch), and the importer reads the same parts back.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipWriter};

use super::{Doc, Mode, Seg};
use crate::error::ExportError;
use crate::lang::Lang;

pub(crate) const W_NS: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
/// Word knows nine list levels (0–8); deeper clauses are printed at the ninth.
const MAX_LEVEL: usize = 8;
/// The one list every clause belongs to.
pub(crate) const CLAUSE_NUM_ID: u32 = 1;

pub(crate) fn render(doc: &Doc) -> Result<Vec<u8>, ExportError> {
    let parts: [(&str, String); 8] = [
        ("[Content_Types].xml", CONTENT_TYPES.to_string()),
        ("_rels/.rels", ROOT_RELS.to_string()),
        ("docProps/app.xml", APP.to_string()),
        ("word/_rels/document.xml.rels", DOC_RELS.to_string()),
        ("word/document.xml", document_xml(doc)),
        ("word/styles.xml", styles_xml(doc.lang)),
        ("word/numbering.xml", numbering_xml(doc.lang)),
        ("word/settings.xml", settings_xml(doc.lang)),
    ];
    let mut zip = ZipWriter::new(Cursor::new(Vec::new()));
    let opts = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    for (name, body) in parts {
        zip.start_file(name, opts)?;
        zip.write_all(body.as_bytes())?;
    }
    Ok(zip.finish()?.into_inner())
}

/// `document.xml` alone, for snapshot tests.
pub(crate) fn document_xml(doc: &Doc) -> String {
    let mut b = String::new();
    b.push_str(&format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"{W_NS}\">\n<w:body>\n"
    ));
    if !doc.title.is_empty() {
        para(&mut b, "Title", None, &[run(&doc.title, "")]);
    }
    if doc.mode == Mode::Working {
        para(
            &mut b,
            "ModeNote",
            None,
            &[run(doc.lang.labels().working_text, "")],
        );
    }
    for p in &doc.opening {
        para(&mut b, "Opening", None, &[run(p, "")]);
    }
    for item in &doc.clauses {
        let level = item.depth.min(MAX_LEVEL);
        let style = format!("Clause{}", level.min(2) + 1);
        let strike = if item.deleted() { "<w:strike/>" } else { "" };
        let mut runs = Vec::new();
        for seg in &item.segments {
            match seg {
                Seg::Text(t) => runs.push(run(t, strike)),
                Seg::Bracket(t) if doc.mode == Mode::Working => runs.push(run(
                    t,
                    &format!("<w:b/>{strike}<w:highlight w:val=\"yellow\"/>"),
                )),
                Seg::Bracket(t) => runs.push(run(t, strike)),
            }
        }
        if let Some(st) = item.status {
            runs.push(run(
                &format!(" ({})", doc.lang.status(st)),
                "<w:i/><w:color w:val=\"595959\"/><w:sz w:val=\"20\"/>",
            ));
        }
        para(&mut b, &style, Some(level), &runs);
    }
    if let Some(rows) = &doc.actions {
        let l = doc.lang.labels();
        para(&mut b, "Heading1", None, &[run(l.action_items, "")]);
        b.push_str("<w:tbl><w:tblPr><w:tblStyle w:val=\"ActionTable\"/><w:tblW w:w=\"9400\" w:type=\"dxa\"/><w:tblLayout w:type=\"fixed\"/></w:tblPr>\n");
        b.push_str("<w:tblGrid><w:gridCol w:w=\"1000\"/><w:gridCol w:w=\"4400\"/><w:gridCol w:w=\"2000\"/><w:gridCol w:w=\"1600\"/></w:tblGrid>\n");
        row(&mut b, &[l.paragraph, l.action, l.owners, l.due], true);
        for r in rows {
            row(&mut b, &[&r.paragraph, &r.text, &r.owners, &r.due], false);
        }
        b.push_str("</w:tbl>\n");
    }
    b.push_str("<w:sectPr><w:pgSz w:w=\"11906\" w:h=\"16838\"/><w:pgMar w:top=\"1418\" w:right=\"1247\" w:bottom=\"1418\" w:left=\"1247\" w:header=\"709\" w:footer=\"709\" w:gutter=\"0\"/></w:sectPr>\n");
    b.push_str("</w:body>\n</w:document>\n");
    b
}

fn para(b: &mut String, style: &str, level: Option<usize>, runs: &[String]) {
    b.push_str(&format!("<w:p><w:pPr><w:pStyle w:val=\"{style}\"/>"));
    if let Some(l) = level {
        b.push_str(&format!(
            "<w:numPr><w:ilvl w:val=\"{l}\"/><w:numId w:val=\"{CLAUSE_NUM_ID}\"/></w:numPr>"
        ));
    }
    b.push_str("</w:pPr>");
    for r in runs {
        b.push_str(r);
    }
    b.push_str("</w:p>\n");
}

fn row(b: &mut String, cells: &[&str], header: bool) {
    b.push_str("<w:tr>");
    if header {
        b.push_str("<w:trPr><w:tblHeader/></w:trPr>");
    }
    for c in cells {
        let props = if header { "<w:b/>" } else { "" };
        b.push_str("<w:tc><w:p><w:pPr><w:pStyle w:val=\"TableText\"/></w:pPr>");
        b.push_str(&run(c, props));
        b.push_str("</w:p></w:tc>");
    }
    b.push_str("</w:tr>\n");
}

/// One run; tabs and newlines become `<w:tab/>` and `<w:br/>`.
fn run(text: &str, props: &str) -> String {
    let mut r = String::from("<w:r>");
    if !props.is_empty() {
        r.push_str(&format!("<w:rPr>{props}</w:rPr>"));
    }
    let mut cur = String::new();
    let flush = |r: &mut String, cur: &mut String| {
        if !cur.is_empty() {
            r.push_str(&format!(
                "<w:t xml:space=\"preserve\">{}</w:t>",
                xml_escape(cur)
            ));
            cur.clear();
        }
    };
    for c in text.chars() {
        match c {
            '\n' => {
                flush(&mut r, &mut cur);
                r.push_str("<w:br/>");
            }
            '\t' => {
                flush(&mut r, &mut cur);
                r.push_str("<w:tab/>");
            }
            c => cur.push(c),
        }
    }
    flush(&mut r, &mut cur);
    r.push_str("</w:r>");
    r
}

/// Escapes for XML text and attributes, and leaves out the control characters XML 1.0
/// cannot carry at all.
pub(crate) fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => {}
            '\u{FFFE}' | '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

/// `numbering.xml`: one abstract list whose levels cycle decimal → letter → roman like
/// Accord's own numbering, with Spanish sub-items closing in `)`.
pub(crate) fn numbering_xml(lang: Lang) -> String {
    let mut b = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:numbering xmlns:w=\"{W_NS}\">\n<w:abstractNum w:abstractNumId=\"0\">\n<w:multiLevelType w:val=\"multilevel\"/>\n"
    );
    for level in 0..=MAX_LEVEL {
        let fmt = match level % 3 {
            0 => "decimal",
            1 => "lowerLetter",
            _ => "lowerRoman",
        };
        let text = format!("%{}{}", level + 1, lang.delimiter(level));
        let left = 567 * (level + 1);
        b.push_str(&format!(
            "<w:lvl w:ilvl=\"{level}\"><w:start w:val=\"1\"/><w:numFmt w:val=\"{fmt}\"/><w:lvlText w:val=\"{text}\"/><w:lvlJc w:val=\"left\"/><w:pPr><w:ind w:left=\"{left}\" w:hanging=\"567\"/></w:pPr></w:lvl>\n"
        ));
    }
    b.push_str(&format!(
        "</w:abstractNum>\n<w:num w:numId=\"{CLAUSE_NUM_ID}\"><w:abstractNumId w:val=\"0\"/></w:num>\n</w:numbering>\n"
    ));
    b
}

fn styles_xml(lang: Lang) -> String {
    let locale = match lang {
        Lang::En => "en-US",
        Lang::Es => "es-ES",
    };
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:styles xmlns:w="{W_NS}">
<w:docDefaults>
<w:rPrDefault><w:rPr><w:rFonts w:ascii="Times New Roman" w:hAnsi="Times New Roman" w:eastAsia="Times New Roman" w:cs="Times New Roman"/><w:sz w:val="24"/><w:szCs w:val="24"/><w:lang w:val="{locale}"/></w:rPr></w:rPrDefault>
<w:pPrDefault><w:pPr><w:spacing w:after="160" w:line="264" w:lineRule="auto"/></w:pPr></w:pPrDefault>
</w:docDefaults>
<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/><w:qFormat/><w:pPr><w:jc w:val="both"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Title"><w:name w:val="Title"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:after="360"/><w:jc w:val="center"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/><w:sz w:val="28"/><w:szCs w:val="28"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Heading1"><w:name w:val="heading 1"/><w:basedOn w:val="Normal"/><w:next w:val="Normal"/><w:qFormat/><w:pPr><w:keepNext/><w:spacing w:before="360" w:after="160"/><w:jc w:val="left"/><w:outlineLvl w:val="0"/></w:pPr><w:rPr><w:b/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="ModeNote"><w:name w:val="Mode Note"/><w:basedOn w:val="Normal"/><w:pPr><w:jc w:val="center"/></w:pPr><w:rPr><w:i/><w:color w:val="595959"/></w:rPr></w:style>
<w:style w:type="paragraph" w:styleId="Opening"><w:name w:val="Opening"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="240"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Clause1"><w:name w:val="Clause 1"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:before="120" w:after="160"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Clause2"><w:name w:val="Clause 2"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="120"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="Clause3"><w:name w:val="Clause 3"/><w:basedOn w:val="Normal"/><w:qFormat/><w:pPr><w:spacing w:after="100"/></w:pPr></w:style>
<w:style w:type="paragraph" w:styleId="TableText"><w:name w:val="Table Text"/><w:basedOn w:val="Normal"/><w:pPr><w:spacing w:after="0"/><w:jc w:val="left"/></w:pPr><w:rPr><w:sz w:val="20"/><w:szCs w:val="20"/></w:rPr></w:style>
<w:style w:type="table" w:styleId="ActionTable"><w:name w:val="Action Table"/><w:tblPr><w:tblBorders><w:top w:val="single" w:sz="4" w:space="0" w:color="808080"/><w:left w:val="single" w:sz="4" w:space="0" w:color="808080"/><w:bottom w:val="single" w:sz="4" w:space="0" w:color="808080"/><w:right w:val="single" w:sz="4" w:space="0" w:color="808080"/><w:insideH w:val="single" w:sz="4" w:space="0" w:color="808080"/><w:insideV w:val="single" w:sz="4" w:space="0" w:color="808080"/></w:tblBorders><w:tblCellMar><w:left w:w="80" w:type="dxa"/><w:right w:w="80" w:type="dxa"/></w:tblCellMar></w:tblPr></w:style>
</w:styles>
"#
    )
}

fn settings_xml(lang: Lang) -> String {
    let locale = match lang {
        Lang::En => "en-US",
        Lang::Es => "es-ES",
    };
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:settings xmlns:w=\"{W_NS}\"><w:defaultTabStop w:val=\"567\"/><w:characterSpacingControl w:val=\"doNotCompress\"/><w:themeFontLang w:val=\"{locale}\"/><w:compat><w:compatSetting w:name=\"compatibilityMode\" w:uri=\"http://schemas.microsoft.com/office/word\" w:val=\"15\"/></w:compat></w:settings>\n"
    )
}

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>
<Override PartName="/word/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>
<Override PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.numbering+xml"/>
<Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/>
<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>
</Types>
"#;

const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>
</Relationships>
"#;

const DOC_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/numbering" Target="numbering.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/>
</Relationships>
"#;

const APP: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Application>Accord</Application></Properties>
"#;
