//! Snapshot tests of every format for the demo meeting (`UPDATE_EXPECT=1 cargo test -p
//! accord-export` rewrites them), plus structural checks of the DOCX that need no office
//! suite.

mod common;

use accord_export::{
    Format, Lang, Mode, Opening, RenderOptions, docx_parts, opening_paragraph, render,
};
use accord_model::{DraftView, MeetingView, demo};
use expect_test::{ExpectFile, expect_file};

fn text(m: &MeetingView, d: &DraftView, opts: &RenderOptions) -> String {
    String::from_utf8(render(m, d, opts).expect("renders")).expect("utf-8")
}

fn part(docx: &[u8], name: &str) -> String {
    docx_parts(docx)
        .expect("our docx opens")
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap_or_else(|| panic!("{name} missing"))
        .1
}

fn check_docx(
    m: &MeetingView,
    d: &DraftView,
    opts: &RenderOptions,
    document: ExpectFile,
    numbering: Option<ExpectFile>,
) {
    let bytes = render(m, d, opts).expect("renders");
    document.assert_eq(&part(&bytes, "word/document.xml"));
    if let Some(n) = numbering {
        n.assert_eq(&part(&bytes, "word/numbering.xml"));
    }
}

#[test]
fn demo_markdown_clean() {
    let (m, d) = common::demo();
    expect_file!["snapshots/demo-clean.md"].assert_eq(&text(
        &m,
        &d,
        &RenderOptions::new(Format::Markdown),
    ));
}

#[test]
fn demo_markdown_working_with_action_items() {
    let (m, d) = common::negotiation();
    let opts = RenderOptions::new(Format::Markdown)
        .mode(Mode::Working)
        .with_action_items(true);
    expect_file!["snapshots/demo-working.md"].assert_eq(&text(&m, &d, &opts));
}

#[test]
fn demo_html_clean() {
    let (m, d) = common::demo();
    expect_file!["snapshots/demo-clean.html"].assert_eq(&text(
        &m,
        &d,
        &RenderOptions::new(Format::Html),
    ));
}

#[test]
fn demo_html_working_with_action_items() {
    let (m, d) = common::negotiation();
    let opts = RenderOptions::new(Format::Html)
        .mode(Mode::Working)
        .with_action_items(true);
    expect_file!["snapshots/demo-working.html"].assert_eq(&text(&m, &d, &opts));
}

#[test]
fn demo_docx_clean() {
    let (m, d) = common::demo();
    check_docx(
        &m,
        &d,
        &RenderOptions::new(Format::Docx),
        expect_file!["snapshots/demo-clean.document.xml"],
        Some(expect_file!["snapshots/demo-clean.numbering.xml"]),
    );
}

#[test]
fn demo_docx_working_with_action_items() {
    let (m, d) = common::negotiation();
    let opts = RenderOptions::new(Format::Docx)
        .mode(Mode::Working)
        .with_action_items(true);
    check_docx(
        &m,
        &d,
        &opts,
        expect_file!["snapshots/demo-working.document.xml"],
        None,
    );
}

#[test]
fn spanish_meeting_in_every_format() {
    let (m, d) = common::spanish();
    let opts = RenderOptions::new(Format::Markdown).mode(Mode::Working);
    expect_file!["snapshots/es-working.md"].assert_eq(&text(&m, &d, &opts));
    expect_file!["snapshots/es-clean.html"].assert_eq(&text(
        &m,
        &d,
        &RenderOptions::new(Format::Html),
    ));
    check_docx(
        &m,
        &d,
        &RenderOptions::new(Format::Docx),
        expect_file!["snapshots/es-clean.document.xml"],
        Some(expect_file!["snapshots/es-clean.numbering.xml"]),
    );
}

#[test]
fn generated_opening_reads_like_the_fixture() {
    let (m, _) = common::demo();
    // The demo's preamble is the fixture's opening paragraph; the generated one must match it.
    assert_eq!(opening_paragraph(&m, Lang::En), demo::PREAMBLE);
    let fixture =
        String::from_utf8(common::fixture("rcm-liaison-network-2014-managua.txt")).expect("utf-8");
    let first = fixture
        .lines()
        .find(|l| !l.trim().is_empty())
        .expect("a first line");
    let normalise = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
    assert_eq!(
        normalise(&opening_paragraph(&m, Lang::En)),
        normalise(first)
    );
}

#[test]
fn spanish_opening_uses_spanish_conventions() {
    let (m, _) = common::spanish();
    expect_test::expect![[r#"La Red de Funcionarios de Enlace para el Combate al Tráfico Ilícito de Migrantes y la Trata de Personas celebró una reunión extraordinaria en Ciudad de Guatemala, Guatemala, del 9 al 10 de marzo de 2016, con la participación de representantes de Belice, Costa Rica, El Salvador, Guatemala, Honduras, México, Panamá y República Dominicana. La Red presenta el siguiente informe al Grupo Regional de Consulta sobre Migración (GRCM) para su consideración. El informe incluye lo siguiente:"#]]
    .assert_eq(&opening_paragraph(&m, Lang::Es));
}

#[test]
fn opening_leaves_out_what_the_metadata_lacks() {
    let (mut m, _) = common::demo();
    m.details.venue.clear();
    m.details.start_date = None;
    m.details.addressee.clear();
    m.parties.clear();
    expect_test::expect![[r#"The Liaison Officer Network to Combat Migrant Smuggling and Trafficking in Persons of the RCM Member Countries held its regular meeting. The report includes the following:"#]]
    .assert_eq(&opening_paragraph(&m, Lang::En));
}

#[test]
fn preamble_wins_unless_the_generated_opening_is_asked_for() {
    let (m, mut d) = common::demo();
    d.preamble = "Our own opening.".into();
    let md = |o| text(&m, &d, &RenderOptions::new(Format::Markdown).opening(o));
    assert!(md(Opening::Auto).contains("Our own opening."));
    assert!(md(Opening::Generated).contains("held its regular meeting in Managua"));
    assert!(!md(Opening::Omit).contains("Our own opening."));
    d.preamble = "  ".into();
    let auto = text(&m, &d, &RenderOptions::new(Format::Markdown));
    assert!(
        auto.contains("held its regular meeting in Managua"),
        "an empty preamble falls back to the generated opening"
    );
}

#[test]
fn clean_mode_drops_deleted_clauses_and_renumbers() {
    let (m, d) = common::negotiation();
    let clean = text(&m, &d, &RenderOptions::new(Format::Markdown));
    assert!(!clean.contains("working group on statistics"));
    assert!(
        clean.contains("8. Thank Nicaragua"),
        "the clause after the deleted one moves up:\n{clean}"
    );
    assert!(!clean.contains("*("), "no status marks in a clean text");
    let working = text(
        &m,
        &d,
        &RenderOptions::new(Format::Markdown).mode(Mode::Working),
    );
    assert!(working.contains("8. ~~Create a working group on statistics.~~ *(deleted)*"));
    assert!(working.contains("9. Thank Nicaragua"));
    assert!(working.contains("**[San José, Costa Rica]**"));
}

#[test]
fn docx_has_real_word_numbering_and_the_text() {
    let (m, d) = common::negotiation();
    let bytes = render(
        &m,
        &d,
        &RenderOptions::new(Format::Docx).mode(Mode::Working),
    )
    .expect("renders");
    assert_eq!(&bytes[..4], b"PK\x03\x04");
    let parts = docx_parts(&bytes).expect("opens");
    let names: Vec<&str> = parts.iter().map(|(n, _)| n.as_str()).collect();
    for needed in [
        "[Content_Types].xml",
        "_rels/.rels",
        "word/document.xml",
        "word/styles.xml",
        "word/numbering.xml",
        "word/_rels/document.xml.rels",
    ] {
        assert!(names.contains(&needed), "{needed} missing from {names:?}");
    }
    let numbering = part(&bytes, "word/numbering.xml");
    assert!(numbering.contains("<w:abstractNum w:abstractNumId=\"0\">"));
    assert!(numbering.contains("<w:num w:numId=\"1\"><w:abstractNumId w:val=\"0\"/></w:num>"));
    assert!(numbering.contains("<w:numFmt w:val=\"lowerLetter\"/><w:lvlText w:val=\"%2.\"/>"));
    let doc = part(&bytes, "word/document.xml");
    let outline = d.outline();
    assert_eq!(
        doc.matches("<w:numId w:val=\"1\"/>").count(),
        outline.len(),
        "one numbered paragraph per clause"
    );
    for c in &outline {
        let want = format!(
            "<w:numPr><w:ilvl w:val=\"{}\"/><w:numId w:val=\"1\"/></w:numPr>",
            c.number.depth
        );
        assert!(doc.contains(&want));
    }
    // Numbers are Word's, not typed in.
    assert!(!doc.contains(">1. ") && !doc.contains(">a. "));
    assert!(doc.contains("San José, Costa Rica"));
    assert!(
        doc.contains("<w:highlight w:val=\"yellow\"/>"),
        "brackets are highlighted in a working text"
    );
    assert!(
        doc.contains("<w:strike/>"),
        "deleted clauses are struck through"
    );
    let styles = part(&bytes, "word/styles.xml");
    for s in ["Normal", "Title", "Opening", "Clause1", "Clause2"] {
        assert!(styles.contains(&format!("w:styleId=\"{s}\"")), "style {s}");
    }
}

#[test]
fn rendering_is_deterministic() {
    let (m, d) = common::negotiation();
    for f in [Format::Markdown, Format::Html, Format::Docx] {
        let opts = RenderOptions::new(f)
            .mode(Mode::Working)
            .with_action_items(true);
        assert_eq!(
            render(&m, &d, &opts).unwrap(),
            render(&m, &d, &opts).unwrap(),
            "{f:?}"
        );
    }
}

#[test]
fn spanish_reports_letter_sub_items_with_a_parenthesis() {
    let (m, d) = common::spanish();
    let md = text(&m, &d, &RenderOptions::new(Format::Markdown));
    assert!(md.contains("   a) Instar a los Países Miembros"));
    let bytes = render(&m, &d, &RenderOptions::new(Format::Docx)).unwrap();
    assert!(part(&bytes, "word/numbering.xml").contains("<w:lvlText w:val=\"%2)\"/>"));
    // The same meeting in English on request.
    let en = text(&m, &d, &RenderOptions::new(Format::Markdown).lang(Lang::En));
    assert!(en.contains("   a. Instar"));
}
