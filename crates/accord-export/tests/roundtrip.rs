//! Property: exporting a random draft and importing the result gives back the same clause
//! tree (structure and text), through Markdown and through DOCX.

mod common;

use accord_export::{
    Format, ImportOptions, ImportPlan, InputKind, Lang, RenderOptions, import, render,
};
use accord_model::{ClauseStatus, ClauseView, DraftView};
use proptest::prelude::*;

/// Words that are hard on a Markdown or DOCX writer and on a label parser: markup
/// characters, brackets, labels inside text, non-ASCII, XML specials.
const WORDS: &[&str] = &[
    "Urge",
    "the",
    "Member",
    "Countries",
    "to",
    "send",
    "TS",
    "[all]",
    "[the",
    "parties]",
    "a*b",
    "x_y",
    "`code`",
    "<tag>",
    "&amp;",
    "1.",
    "a)",
    "(i)",
    "-",
    "#",
    "50%",
    "ñandú",
    "Panamá",
    "😀",
    "\\",
    "~~",
    "|",
    "[x](y)",
    "2015.",
    "no",
    "later",
    "than",
    "February",
    "27th,",
    "2015",
    "*",
    "_",
    "!",
    "\"quoted\"",
    "it's",
    "e.g.",
    "U.S.",
    "ii.",
    ":",
];

fn text() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(WORDS), 1..14).prop_map(|ws| ws.join(" "))
}

#[derive(Debug, Clone)]
struct Node {
    text: String,
    children: Vec<Node>,
}

fn node(depth: u32) -> BoxedStrategy<Node> {
    let leaf = text().prop_map(|text| Node {
        text,
        children: Vec::new(),
    });
    if depth == 0 {
        return leaf.boxed();
    }
    (text(), prop::collection::vec(node(depth - 1), 0..4))
        .prop_map(|(text, children)| Node { text, children })
        .boxed()
}

fn draft(nodes: &[Node]) -> DraftView {
    fn conv(ns: &[Node], n: &mut usize) -> Vec<ClauseView> {
        ns.iter()
            .map(|x| {
                *n += 1;
                let children = conv(&x.children, n);
                common::clause(&format!("c{n}"), &x.text, ClauseStatus::Adopted, children)
            })
            .collect()
    }
    let mut n = 0;
    DraftView {
        meeting: accord_model::DocId::new("m").unwrap(),
        title: "Random draft".into(),
        preamble: "The opening paragraph.".into(),
        clauses: common::numbered(conv(nodes, &mut n)),
    }
}

fn shape_of_draft(d: &DraftView) -> Vec<(usize, String)> {
    d.outline()
        .into_iter()
        .map(|c| (c.number.depth, c.text.clone()))
        .collect()
}

fn shape_of_plan(p: &ImportPlan) -> Vec<(usize, String)> {
    p.outline()
        .into_iter()
        .map(|(path, c)| (path.len() - 1, c.text.clone()))
        .collect()
}

fn round_trip(nodes: &[Node], format: Format, lang: Lang) -> Result<(), TestCaseError> {
    let (m, _) = common::demo();
    let d = draft(nodes);
    let bytes = render(&m, &d, &RenderOptions::new(format).lang(lang)).expect("renders");
    let plan = import(&bytes, &ImportOptions::new(InputKind::Auto, &m.parties)).expect("imports");
    prop_assert_eq!(plan.title.as_deref(), Some("Random draft"));
    prop_assert_eq!(&plan.preamble, "The opening paragraph.");
    prop_assert_eq!(
        shape_of_plan(&plan),
        shape_of_draft(&d),
        "{}",
        String::from_utf8_lossy(&bytes)
    );
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn markdown_export_then_import_gives_back_the_clause_tree(nodes in prop::collection::vec(node(3), 1..7), es in any::<bool>()) {
        round_trip(&nodes, Format::Markdown, if es { Lang::Es } else { Lang::En })?;
    }

    #[test]
    fn docx_export_then_import_gives_back_the_clause_tree(nodes in prop::collection::vec(node(3), 1..7)) {
        round_trip(&nodes, Format::Docx, Lang::En)?;
    }
}

/// Pieces of lines that look like reports: labels of every kind, dates, owners, markup.
const PIECES: &[&str] = &[
    "1.",
    "2)",
    "a.",
    "(b)",
    "iv.",
    "- ",
    "• ",
    "\u{a0}",
    "  ",
    "\t",
    "# ",
    "| x |",
    "Urge",
    "the TS",
    "to send",
    "by 15 May",
    "2016",
    "no later than",
    "February 27th,",
    "27 de febrero de",
    "la última semana de abril de",
    "during the next meeting",
    "Member Countries",
    "will",
    "ñ",
    "😀",
    "[",
    "]",
    "*",
    "\\",
    "~~",
    ".",
    ";",
    ":",
    "\n",
    "\n\n",
    "\r\n",
];

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever the bytes, import returns a plan or an error: it never panics.
    #[test]
    fn import_never_panics_on_arbitrary_bytes(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = import(&bytes, &ImportOptions::new(InputKind::Auto, &[]));
        let _ = import(&bytes, &ImportOptions::new(InputKind::Docx, &[]));
    }

    /// Report-like text in every kind: never a panic, and every clause has text.
    #[test]
    fn import_never_panics_on_report_like_text(pieces in prop::collection::vec(prop::sample::select(PIECES), 0..80), md in any::<bool>()) {
        let (m, _) = common::demo();
        let text = pieces.join(" ");
        let kind = if md { InputKind::Markdown } else { InputKind::Text };
        if let Ok(plan) = import(text.as_bytes(), &ImportOptions::new(kind, &m.parties)) {
            for (_, c) in plan.outline() {
                prop_assert!(c.line >= 1);
            }
            for a in &plan.actions {
                prop_assert!(plan.clause(&a.clause_path).is_some());
            }
        }
    }
}
