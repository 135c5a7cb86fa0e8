//! Import tests: the fixture, inputs of other shapes written for these tests (Spanish,
//! "1)"/"a)", "(a)"/"(i)", upper-case roman, hard-wrapped e-mail, Word's own numbering), and
//! inputs that are not reports at all.

mod common;

use std::io::Write;

use accord_export::limits::{self, Limit};
use accord_export::{
    Due, Format, ImportError, ImportOptions, ImportPlan, InputKind, Lang, NoteKind, Owner,
    RenderOptions, import, render,
};
use accord_model::{ClauseStatus, DraftView, Party, PartyId};
use jiff::civil::date;

const FIXTURE: &str = "rcm-liaison-network-2014-managua.txt";

fn plan(bytes: &[u8], parties: &[Party]) -> ImportPlan {
    import(bytes, &ImportOptions::new(InputKind::Auto, parties))
        .unwrap_or_else(|e| panic!("import failed: {e}"))
}

fn tree(p: &ImportPlan) -> Vec<(Vec<usize>, String)> {
    p.outline()
        .into_iter()
        .map(|(path, c)| (path, c.text.clone()))
        .collect()
}

fn owners(a: &accord_export::SuggestedAction) -> Vec<String> {
    a.owners
        .iter()
        .map(|o| match o {
            Owner::Party(p) => p.to_string(),
            Owner::Unmatched(n) => format!("?{n}"),
        })
        .collect()
}

/// Every word of the input is somewhere in the plan: title, preamble, a clause or a note.
fn assert_nothing_dropped(input: &str, p: &ImportPlan) {
    let mut kept = String::new();
    kept.push_str(p.title.as_deref().unwrap_or(""));
    kept.push(' ');
    kept.push_str(&p.preamble);
    for (_, c) in p.outline() {
        kept.push(' ');
        kept.push_str(&c.text);
    }
    for n in &p.notes {
        kept.push(' ');
        kept.push_str(&n.text);
    }
    let words = |s: &str| -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|w| w.chars().count() >= 3)
            .map(str::to_string)
            .collect()
    };
    let have = words(&kept);
    for w in words(input) {
        let roman = w.chars().all(|c| "IVXivx".contains(c));
        assert!(
            roman || have.contains(&w),
            "{w:?} from the input is nowhere in the plan:\n{p:#?}"
        );
    }
}

/// A plan turned into a draft the way the `accord` API will do it (ids c1, c2 …).
fn to_draft(p: &ImportPlan) -> DraftView {
    fn conv(cs: &[accord_export::ImportedClause], n: &mut usize) -> Vec<accord_model::ClauseView> {
        cs.iter()
            .map(|c| {
                *n += 1;
                let id = format!("c{n}");
                let children = conv(&c.children, n);
                common::clause(
                    &id,
                    &c.text,
                    c.status.unwrap_or(ClauseStatus::Adopted),
                    children,
                )
            })
            .collect()
    }
    let mut n = 0;
    DraftView {
        meeting: accord_model::DocId::new("m").unwrap(),
        title: p.title.clone().unwrap_or_default(),
        preamble: p.preamble.clone(),
        clauses: common::numbered(conv(&p.clauses, &mut n)),
    }
}

#[test]
fn fixture_imports_into_five_paragraphs_with_their_sub_items() {
    let (m, _) = common::demo();
    let input = common::fixture(FIXTURE);
    let p = plan(&input, &m.parties);
    assert_eq!(p.kind, InputKind::Text);
    assert_eq!(p.lang, Lang::En);
    assert_eq!(p.title, None);
    assert!(
        p.preamble.starts_with("The Liaison Officer Network")
            && p.preamble.ends_with("The report includes the following:")
    );
    let shape: Vec<usize> = p.clauses.iter().map(|c| c.children.len()).collect();
    assert_eq!(shape, [0, 5, 1, 3, 0]);
    assert_eq!(p.notes, []);
    assert_nothing_dropped(&String::from_utf8(input).unwrap(), &p);
}

#[test]
fn fixture_round_trips_through_markdown() {
    let (m, _) = common::demo();
    let input = String::from_utf8(common::fixture(FIXTURE)).unwrap();
    let first = plan(input.as_bytes(), &m.parties);
    let md = render(&m, &to_draft(&first), &RenderOptions::new(Format::Markdown)).unwrap();
    let second = plan(&md, &m.parties);
    assert_eq!(second.kind, InputKind::Markdown);
    assert_eq!(tree(&second), tree(&first));
    assert_eq!(second.preamble, first.preamble);
    // And against the fixture itself: each of its numbered lines is one clause, same text.
    let fixture_items: Vec<String> = input
        .lines()
        .map(str::trim)
        .filter(|l| {
            l.len() > 3 && l.as_bytes()[1] == b'.' && l.as_bytes()[0].is_ascii_alphanumeric()
        })
        .map(|l| l[2..].split_whitespace().collect::<Vec<_>>().join(" "))
        .collect();
    let exported: Vec<String> = second
        .outline()
        .into_iter()
        .map(|(_, c)| c.text.clone())
        .collect();
    assert_eq!(exported, fixture_items);
    assert_eq!(second.actions, first.actions);
}

#[test]
fn fixture_round_trips_through_docx() {
    let (m, _) = common::demo();
    let first = plan(&common::fixture(FIXTURE), &m.parties);
    let docx = render(&m, &to_draft(&first), &RenderOptions::new(Format::Docx)).unwrap();
    let second = plan(&docx, &m.parties);
    assert_eq!(second.kind, InputKind::Docx);
    assert_eq!(tree(&second), tree(&first));
    assert_eq!(second.preamble, first.preamble);
}

#[test]
fn fixture_obligations_become_suggested_actions() {
    let (m, _) = common::demo();
    let p = plan(&common::fixture(FIXTURE), &m.parties);
    let ts = PartyId::new("technical-secretariat").unwrap();
    let iom = PartyId::new("international-organization-for-migration").unwrap();
    let summary: Vec<(Vec<usize>, String, Due)> = p
        .actions
        .iter()
        .map(|a| (a.clause_path.clone(), owners(a).join("+"), a.due.clone()))
        .collect();
    let members = "belize+canada+costa-rica+dominican-republic+el-salvador+guatemala+honduras+mexico+nicaragua+panama+united-states-of-america";
    let want = [
        (
            vec![1, 0],
            members.to_string(),
            Due::Date(date(2015, 2, 27)),
        ),
        (
            vec![1, 1],
            format!("{ts}+{iom}"),
            Due::Event("the next Network meeting".into()),
        ),
        (vec![1, 2], members.to_string(), Due::None),
        (vec![1, 3], ts.to_string(), Due::None),
        (vec![2, 0], ts.to_string(), Due::None),
        (vec![3], members.to_string(), Due::Date(date(2015, 2, 27))),
        (vec![3, 0], members.to_string(), Due::None),
        (vec![3, 1], ts.to_string(), Due::None),
        (vec![3, 1], ts.to_string(), Due::Date(date(2015, 3, 31))),
        (
            vec![3, 1],
            members.to_string(),
            Due::Approximate {
                from: date(2015, 4, 24),
                to: date(2015, 4, 30),
            },
        ),
        (
            vec![3, 2],
            iom.to_string(),
            Due::Event("the XX RCM Vice-Ministerial meeting".into()),
        ),
    ];
    assert_eq!(summary, want);
    assert_eq!(
        p.actions[0].due_text.as_deref(),
        Some("no later than February 27th, 2015")
    );
    assert_eq!(p.actions[9].due.date(), Some(date(2015, 4, 30)));
    assert_eq!(
        p.summary(),
        "5 paragraphs, 9 sub-items, 11 suggested action items, 0 notes"
    );
}

#[test]
fn spanish_report_with_parenthesis_labels() {
    let (m, _) = common::spanish();
    let input = common::input("informe-es.txt");
    let p = plan(&input, &m.parties);
    assert_eq!(p.lang, Lang::Es);
    assert_eq!(
        p.title.as_deref(),
        Some("INFORME DE LA REUNIÓN DE LA RED DE FUNCIONARIOS DE ENLACE")
    );
    assert!(p.preamble.starts_with("La Red de Funcionarios"));
    let shape: Vec<usize> = p.clauses.iter().map(|c| c.children.len()).collect();
    assert_eq!(shape, [0, 3, 0, 0]);
    assert_eq!(p.clauses[1].children[0].label.as_deref(), Some("a)"));
    let got: Vec<(Vec<usize>, Vec<String>, Due)> = p
        .actions
        .iter()
        .map(|a| (a.clause_path.clone(), owners(a), a.due.clone()))
        .collect();
    let st = "secretaria-tecnica".to_string();
    let oim = "organizacion-internacional-para-las-migraciones".to_string();
    assert_eq!(got[0].0, [1, 0]);
    assert_eq!(got[0].1.len(), 8, "Países Miembros are the eight members");
    assert_eq!(got[0].2, Due::Date(date(2017, 2, 27)));
    assert_eq!(
        got[1],
        (
            vec![1, 1],
            vec![st.clone()],
            Due::Event("la próxima reunión de la Red".into())
        )
    );
    assert_eq!(got[2], (vec![1, 2], vec![oim], Due::Date(date(2017, 3, 1))));
    assert_eq!(
        got[3],
        (
            vec![2],
            vec![st],
            Due::Approximate {
                from: date(2017, 4, 24),
                to: date(2017, 4, 30)
            }
        )
    );
    assert_eq!(got[4].1.len(), 8);
    assert_eq!(
        got[4].2,
        Due::Approximate {
            from: date(2017, 1, 1),
            to: date(2017, 6, 30)
        }
    );
    assert_eq!(got.len(), 5);
    assert_nothing_dropped(&String::from_utf8(input).unwrap(), &p);
}

#[test]
fn markdown_with_parenthesised_letters_and_roman_numerals() {
    let (m, _) = common::demo();
    let input = common::input("minutes-parenthesised.md");
    let p = plan(&input, &m.parties);
    assert_eq!(p.kind, InputKind::Markdown);
    assert_eq!(
        p.title.as_deref(),
        Some("Outcome of the technical workshop on return and reintegration")
    );
    assert_eq!(
        tree(&p)
            .iter()
            .map(|(path, _)| path.clone())
            .collect::<Vec<_>>(),
        [
            vec![0],
            vec![0, 0],
            vec![0, 1],
            vec![0, 1, 0],
            vec![0, 1, 1],
            vec![0, 2],
            vec![1]
        ]
    );
    let c = p.clause(&[0, 2]).unwrap();
    assert_eq!(
        c.text,
        "IOM, together with the TS, will publish the compendium of good practices in mid-June 2016."
    );
    let by_path = |path: &[usize]| {
        p.actions
            .iter()
            .find(|a| a.clause_path == path)
            .unwrap_or_else(|| panic!("no action at {path:?}"))
    };
    assert_eq!(owners(by_path(&[0, 0])), ["mexico"]);
    assert_eq!(by_path(&[0, 0]).due, Due::Date(date(2016, 5, 15)));
    assert_eq!(
        by_path(&[0, 0]).due_text.as_deref(),
        Some("by 15 May 2016 at the latest")
    );
    assert_eq!(
        owners(by_path(&[0, 1])),
        ["?Ministry of Foreign Affairs of Chile"]
    );
    assert_eq!(
        by_path(&[0, 1]).due,
        Due::Approximate {
            from: date(2016, 9, 1),
            to: date(2016, 9, 7)
        }
    );
    assert_eq!(by_path(&[0, 1, 1]).due, Due::Date(date(2016, 8, 1)));
    assert_eq!(
        owners(by_path(&[0, 2])),
        [
            "international-organization-for-migration",
            "technical-secretariat"
        ]
    );
    assert_eq!(
        by_path(&[0, 2]).due,
        Due::Approximate {
            from: date(2016, 6, 11),
            to: date(2016, 6, 20)
        }
    );
    assert!(
        p.notes
            .iter()
            .any(|n| n.kind == NoteKind::UnmatchedOwner && n.message.contains("Chile"))
    );
    assert!(
        p.notes
            .iter()
            .any(|n| n.kind == NoteKind::Heading && n.text == "Annex")
    );
    assert!(
        p.notes
            .iter()
            .any(|n| n.kind == NoteKind::Table && n.text.contains("J. Pérez"))
    );
    assert_nothing_dropped(&String::from_utf8(input).unwrap(), &p);
}

#[test]
fn hard_wrapped_email_with_dashes_and_a_numbering_gap() {
    let (m, _) = common::demo();
    let input = common::input("email-wrapped.txt");
    let p = plan(&input, &m.parties);
    // Two header lines are one block of text, not a title.
    assert_eq!(p.title, None);
    assert!(p.preamble.starts_with(
        "From: secretariat@example.org Subject: draft conclusions\n\nDear colleagues"
    ));
    assert!(
        p.preamble
            .contains("held on 24 November 2014, for your comments."),
        "wrapped lines are joined: {:?}",
        p.preamble
    );
    assert_eq!(p.clauses.len(), 3);
    assert_eq!(
        p.clauses[0].text,
        "Thank the delegations for sharing their progress on new efforts to combat migrant smuggling, and request Member Countries to send their comments to the TS no later than February 27th, 2015. Comments received later will not be considered.",
        "\"2015.\" at the start of a wrapped line is not paragraph 2015"
    );
    assert_eq!(p.clauses[1].children.len(), 2);
    assert_eq!(p.clauses[1].children[0].label.as_deref(), Some("-"));
    assert!(
        p.notes
            .iter()
            .any(|n| n.kind == NoteKind::NumberingGap && n.line == 16),
        "{:#?}",
        p.notes
    );
    // "Best regards" after the last paragraph is kept, and said so.
    assert!(
        p.clauses[2]
            .text
            .ends_with("Best regards, The Technical Secretariat")
    );
    assert!(
        p.notes
            .iter()
            .any(|n| n.kind == NoteKind::UnnumberedParagraph)
    );
    let canada = p
        .actions
        .iter()
        .find(|a| owners(a) == ["canada"])
        .expect("Canada's action");
    assert_eq!(
        canada.due,
        Due::Event("the next meeting of the Network".into())
    );
    let panama = p
        .actions
        .iter()
        .find(|a| owners(a) == ["panama"])
        .expect("Panama's action");
    assert_eq!(panama.due, Due::Date(date(2015, 1, 30)));
    assert_nothing_dropped(&String::from_utf8(input).unwrap(), &p);
}

#[test]
fn upper_case_roman_and_letters() {
    let p = plan(&common::input("roman-upper.txt"), &[]);
    assert_eq!(p.title.as_deref(), Some("Conclusions"));
    let paths: Vec<Vec<usize>> = tree(&p).into_iter().map(|(path, _)| path).collect();
    assert_eq!(
        paths,
        [
            vec![0],
            vec![1],
            vec![1, 0],
            vec![1, 1],
            vec![1, 1, 0],
            vec![1, 1, 1],
            vec![2]
        ]
    );
    assert_eq!(p.actions[0].due, Due::Date(date(2015, 6, 30)));
    assert_eq!(
        owners(&p.actions[0]),
        ["?Secretariat"],
        "no parties given: the owner is reported unmatched"
    );
}

#[test]
fn dates_without_a_year_use_the_reference_date() {
    let text = "1. Mexico will send the report by 15 May.\n";
    let (m, _) = common::demo();
    let without = plan(text.as_bytes(), &m.parties);
    assert_eq!(without.actions[0].due, Due::None);
    assert!(
        without
            .notes
            .iter()
            .any(|n| n.kind == NoteKind::DateWithoutYear)
    );
    let opts = ImportOptions::new(InputKind::Text, &m.parties).reference(date(2015, 11, 24));
    let with = import(text.as_bytes(), &opts).unwrap();
    assert_eq!(with.actions[0].due, Due::Date(date(2016, 5, 15)));
}

#[test]
fn working_markdown_keeps_statuses() {
    let (m, d) = common::negotiation();
    let md = render(
        &m,
        &d,
        &RenderOptions::new(Format::Markdown).mode(accord_export::Mode::Working),
    )
    .unwrap();
    let p = plan(&md, &m.parties);
    assert!(p.notes.iter().any(|n| n.kind == NoteKind::ModeLine));
    let statuses: Vec<Option<ClauseStatus>> =
        p.outline().into_iter().map(|(_, c)| c.status).collect();
    let want: Vec<Option<ClauseStatus>> = d.outline().into_iter().map(|c| Some(c.status)).collect();
    assert_eq!(statuses, want);
    let texts: Vec<String> = p
        .outline()
        .into_iter()
        .map(|(_, c)| c.text.clone())
        .collect();
    let want: Vec<String> = d.outline().into_iter().map(|c| c.text.clone()).collect();
    assert_eq!(
        texts, want,
        "brackets survive, the bold around them does not"
    );
}

/// A DOCX as a delegation's Word would save it: a Title paragraph, Word's own numbering
/// (two levels of one list, bullets in another), a sub-item typed by hand and a table.
fn word_document() -> Vec<u8> {
    let w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
    let p = |style: &str, num: Option<(u32, u32)>, text: &str| {
        let num = num
            .map(|(id, l)| {
                format!("<w:numPr><w:ilvl w:val=\"{l}\"/><w:numId w:val=\"{id}\"/></w:numPr>")
            })
            .unwrap_or_default();
        format!(
            "<w:p><w:pPr><w:pStyle w:val=\"{style}\"/>{num}</w:pPr><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>"
        )
    };
    let body = [
        p("Title", None, "Draft Declaration of Tegucigalpa"),
        p(
            "Normal",
            None,
            "The Vice-Ministers, meeting in Tegucigalpa, agree to:",
        ),
        p(
            "ListParagraph",
            Some((5, 0)),
            "Strengthen cooperation &amp; exchange of information.",
        ),
        p(
            "ListParagraph",
            Some((5, 1)),
            "The TS will report on progress ",
        ),
        p(
            "ListParagraph",
            Some((5, 1)),
            "Member States will designate focal points by 30 June 2016.",
        ),
        p("ListParagraph", Some((6, 0)), "a bulleted remark"),
        p("ListParagraph", Some((5, 0)), "Adopt the work plan."),
        p("Normal", None, "c) a typed sub-item, not Word numbering"),
        "<w:tbl><w:tr><w:tc>".to_string()
            + &p("Normal", None, "Cell text")
            + "</w:tc></w:tr></w:tbl>",
    ]
    .concat();
    let document = format!(
        "<?xml version=\"1.0\"?><w:document xmlns:w=\"{w}\"><w:body>{body}</w:body></w:document>"
    );
    let numbering = format!(
        "<?xml version=\"1.0\"?><w:numbering xmlns:w=\"{w}\"><w:abstractNum w:abstractNumId=\"3\"><w:lvl w:ilvl=\"0\"><w:numFmt w:val=\"decimal\"/></w:lvl><w:lvl w:ilvl=\"1\"><w:numFmt w:val=\"lowerLetter\"/></w:lvl></w:abstractNum><w:abstractNum w:abstractNumId=\"4\"><w:lvl w:ilvl=\"0\"><w:numFmt w:val=\"bullet\"/></w:lvl></w:abstractNum><w:num w:numId=\"5\"><w:abstractNumId w:val=\"3\"/></w:num><w:num w:numId=\"6\"><w:abstractNumId w:val=\"4\"/></w:num></w:numbering>"
    );
    zip_of(&[
        ("[Content_Types].xml", "<Types/>"),
        ("word/document.xml", &document),
        ("word/numbering.xml", &numbering),
    ])
}

fn zip_of(files: &[(&str, &str)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, body) in files {
        z.start_file(*name, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(body.as_bytes()).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[test]
fn word_numbering_levels_become_the_clause_tree() {
    let (m, _) = common::demo();
    let p = plan(&word_document(), &m.parties);
    assert_eq!(p.kind, InputKind::Docx);
    assert_eq!(p.title.as_deref(), Some("Draft Declaration of Tegucigalpa"));
    assert_eq!(
        p.preamble,
        "The Vice-Ministers, meeting in Tegucigalpa, agree to:"
    );
    let got: Vec<(Vec<usize>, String)> = tree(&p);
    assert_eq!(
        got[0],
        (
            vec![0],
            "Strengthen cooperation & exchange of information.".to_string()
        )
    );
    assert_eq!(got[1].0, [0, 0]);
    assert_eq!(got[2].0, [0, 1]);
    assert_eq!(got[3], (vec![0, 1, 0], "a bulleted remark".to_string()));
    assert_eq!(got[4], (vec![1], "Adopt the work plan.".to_string()));
    assert_eq!(
        got[5],
        (
            vec![1, 0],
            "a typed sub-item, not Word numbering".to_string()
        )
    );
    assert!(
        p.notes
            .iter()
            .any(|n| n.kind == NoteKind::Table && n.text == "Cell text")
    );
    let a = p
        .actions
        .iter()
        .find(|a| a.clause_path == [0, 1])
        .expect("action");
    assert_eq!(a.owners.len(), 11);
    assert_eq!(a.due, Due::Date(date(2016, 6, 30)));
}

#[test]
fn inputs_that_are_not_reports_get_clear_errors() {
    let opts = ImportOptions::new(InputKind::Auto, &[]);
    let err = |bytes: &[u8]| import(bytes, &opts).expect_err("must fail").to_string();
    assert_eq!(err(b""), "input is empty");
    assert_eq!(err(b"  \n\n \t\n"), "input has no text");
    assert_eq!(
        err(b"hello\x00\x01\x02world"),
        "binary data at byte 5, expected text"
    );
    let garbage: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    assert!(
        err(&garbage).starts_with("binary data at byte "),
        "{}",
        err(&garbage)
    );
    assert!(err(b"PK\x03\x04 this is no zip").starts_with("not a DOCX file: broken zip archive"));
    assert_eq!(
        err(&zip_of(&[("xl/workbook.xml", "<x/>")])),
        "not a DOCX file: word/document.xml missing (it is a spreadsheet)"
    );
    let broken = zip_of(&[(
        "word/document.xml",
        "<w:document><w:body><w:p><w:r><w:t>unclosed",
    )]);
    assert!(
        err(&broken).starts_with("malformed DOCX: word/document.xml: "),
        "{}",
        err(&broken)
    );
    let empty_doc = zip_of(&[(
        "word/document.xml",
        "<w:document xmlns:w=\"x\"><w:body></w:body></w:document>",
    )]);
    assert_eq!(err(&empty_doc), "input has no text");
    assert_eq!(
        err(b"%PDF-1.7\n..."),
        "unsupported input: a PDF file; export it as .docx or text"
    );
    let docx_err = import(b"just text", &ImportOptions::new(InputKind::Docx, &[]))
        .expect_err("not a docx")
        .to_string();
    assert_eq!(docx_err, "not a DOCX file: zip header missing");
    assert!(matches!(import(b"", &opts), Err(ImportError::Empty)));
}

#[test]
fn other_text_encodings_are_read() {
    // UTF-16 with a byte order mark, as Windows "Unicode text" saves it.
    let mut utf16 = vec![0xFF, 0xFE];
    for u in "1. Urge Panamá to act.\n".encode_utf16() {
        utf16.extend(u.to_le_bytes());
    }
    let p = plan(&utf16, &[]);
    assert_eq!(p.clauses[0].text, "Urge Panamá to act.");
    // Windows-1252, as old mail clients send it: read, and said so.
    let p = plan(b"1. Urge Panam\xe1 to act.\n", &[]);
    assert_eq!(p.clauses[0].text, "Urge Panamá to act.");
    assert!(p.notes.iter().any(|n| n.kind == NoteKind::Encoding));
}

// ---- limits (issue #24: resource bombs before the check) ---------------------------------

fn too_large(bytes: &[u8], kind: InputKind) -> (Limit, String) {
    match import(bytes, &ImportOptions::new(kind, &[])) {
        Err(e @ ImportError::TooLarge { limit, .. }) => (limit, e.to_string()),
        Err(e) => panic!("refused, but not for a limit: {e}"),
        Ok(p) => panic!("imported: {}", p.summary()),
    }
}

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";

/// A DOCX whose `word/document.xml` holds `paragraphs`, deflated as Word would.
fn docx_of(paragraphs: impl Iterator<Item = String>) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    z.start_file(
        "word/document.xml",
        zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated),
    )
    .unwrap();
    write!(z, "<w:document xmlns:w=\"{W}\"><w:body>").unwrap();
    for p in paragraphs {
        z.write_all(p.as_bytes()).unwrap();
    }
    z.write_all(b"</w:body></w:document>").unwrap();
    z.finish().unwrap().into_inner()
}

fn paragraph(text: &str) -> String {
    format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
}

/// A 61 KB DOCX holding 60 MiB of text aborted the import on an allocation of 1.6 GB.
#[test]
fn a_docx_whose_text_expands_past_the_limit_is_refused_while_it_is_read() {
    let chunk = "word ".repeat(180_000); // 900 KB: under the limit for one paragraph
    let bomb = docx_of((0..70).map(|_| paragraph(&chunk)));
    assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
    let (limit, msg) = too_large(&bomb, InputKind::Auto);
    assert_eq!(limit, Limit::TextBytes);
    assert_eq!(
        msg,
        "the text of word/document.xml (more than 16777216 bytes by paragraph 19) is over the limit of 16 MiB of text per input"
    );

    let long = docx_of(std::iter::once(paragraph(&"word ".repeat(300_000))));
    let (limit, msg) = too_large(&long, InputKind::Docx);
    assert_eq!(limit, Limit::LineBytes);
    assert_eq!(
        msg,
        "paragraph 1 (more than 1048576 bytes) is over the limit of 1 MiB per line or paragraph"
    );

    let empty = docx_of((0..=limits::MAX_LINES).map(|_| "<w:p/>".to_string()));
    let (limit, msg) = too_large(&empty, InputKind::Docx);
    assert_eq!(limit, Limit::Lines);
    assert_eq!(
        msg,
        "the number of paragraphs (more than 200000) is over the limit of 200000 lines or paragraphs per input"
    );
}

/// A document part larger than the limit is refused by the size the archive gives for it,
/// before it is decompressed; one whose archive lies about its size is refused as soon as
/// the lie shows.
#[test]
fn a_docx_whose_document_part_expands_past_the_limit_is_refused_before_it_is_parsed() {
    let over = limits::MAX_DOCX_PART_BYTES as usize + 1024;
    let filler = " ".repeat(1024 * 1024);
    let bomb = docx_of((0..over / filler.len() + 1).map(|_| filler.clone()));
    assert!(bomb.len() < 1024 * 1024, "{} bytes", bomb.len());
    let (limit, msg) = too_large(&bomb, InputKind::Auto);
    assert_eq!(limit, Limit::DocxPartBytes);
    assert!(
        msg.starts_with("word/document.xml (")
            && msg.ends_with(" bytes) is over the limit of 64 MiB per DOCX part, uncompressed"),
        "{msg}"
    );

    // The same archive claiming 1000 bytes, in its local header and its central directory.
    let mut liar = bomb.clone();
    let at = |sig: &[u8]| liar.windows(4).position(|w| w == sig).unwrap();
    let (local, central) = (at(b"PK\x03\x04"), at(b"PK\x01\x02"));
    liar[local + 22..local + 26].copy_from_slice(&1000u32.to_le_bytes());
    liar[central + 24..central + 28].copy_from_slice(&1000u32.to_le_bytes());
    // The zip reader stops where the claim ends (and the import would one byte past the
    // limit, whatever the claim): the lie is refused, not read on.
    let err = import(&liar, &ImportOptions::new(InputKind::Auto, &[]))
        .expect_err("a lying archive")
        .to_string();
    assert_eq!(
        err,
        "malformed DOCX: word/document.xml: File is larger than its declared uncompressed size"
    );
}

/// A 10 MB line in a .txt took 55 s and 3 GB; now it is refused, while a long paragraph
/// within the limit imports.
#[test]
fn a_line_longer_than_the_limit_is_refused_and_one_within_it_imports() {
    let line = format!("1. {}", "The TS will send the report. ".repeat(360_000));
    let (limit, msg) = too_large(line.as_bytes(), InputKind::Text);
    assert_eq!(limit, Limit::LineBytes);
    assert_eq!(
        msg,
        format!(
            "line 1 ({} bytes) is over the limit of 1 MiB per line or paragraph",
            line.len()
        )
    );

    let long = format!("1. {}", "The TS will send the report. ".repeat(7_000));
    let p = plan(long.as_bytes(), &[]);
    assert_eq!((p.clauses.len(), p.actions.len()), (1, 7_000));
}

#[test]
fn text_beyond_the_size_or_line_limits_is_refused_before_it_is_decoded() {
    let cases: [(Vec<u8>, Limit, String); 3] = [
        (
            b"1. Short line.\n".repeat(1_200_000),
            Limit::TextBytes,
            "the text (18000000 bytes) is over the limit of 16 MiB of text per input".into(),
        ),
        (
            b"x\n".repeat(limits::MAX_LINES as usize),
            Limit::Lines,
            "the number of lines (200001) is over the limit of 200000 lines or paragraphs per input"
                .into(),
        ),
        (
            vec![b' '; limits::MAX_INPUT_BYTES as usize + 1],
            Limit::InputBytes,
            "the input (67108865 bytes) is over the limit of 64 MiB per input".into(),
        ),
    ];
    for (bytes, want_limit, want) in cases {
        for kind in [InputKind::Auto, InputKind::Text, InputKind::Markdown] {
            let (limit, msg) = too_large(&bytes, kind);
            assert_eq!(
                (limit, msg.as_str()),
                (want_limit, want.as_str()),
                "{kind:?}"
            );
        }
    }
    // Just within: every line counts, the one after the last break too.
    let p = plan(&b"x\n".repeat(limits::MAX_LINES as usize - 1), &[]);
    assert!(p.clauses.is_empty());
}

/// Paragraphs numbered 1000 and up were merged into paragraph 999: a number of more than
/// three digits was taken for a year.
#[test]
fn paragraphs_numbered_1000_and_up_are_their_own_clauses() {
    let mut text: String = (1..=1001)
        .map(|n| format!("{n}. Paragraph {n}.\n\n"))
        .collect();
    text.push_str("12345. Paragraph 12345.\n");
    let p = plan(text.as_bytes(), &[]);
    assert_eq!(p.clauses.len(), 1002);
    for (i, label, body) in [
        (998, "999.", "Paragraph 999."),
        (999, "1000.", "Paragraph 1000."),
        (1000, "1001.", "Paragraph 1001."),
        (1001, "12345.", "Paragraph 12345."),
    ] {
        let c = &p.clauses[i];
        assert_eq!((c.label.as_deref(), c.text.as_str()), (Some(label), body));
    }
    assert!(
        p.notes
            .iter()
            .any(|n| n.kind == NoteKind::NumberingGap && n.text == "Paragraph 12345.")
    );

    // A year starting a line is still a year: where it does not continue the numbering
    // (2015 after 1), even after a closed sentence.
    let p = plan(
        b"1. Adopted in May\n2015. The TS will report.\n\n2. Agreed.\n2015. Was a good year.\n",
        &[],
    );
    let texts: Vec<&str> = p.clauses.iter().map(|c| c.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Adopted in May 2015. The TS will report.",
            "Agreed. 2015. Was a good year."
        ]
    );
}
