//! Shared test helpers (included with `mod common;`).
#![allow(dead_code)]

use std::path::PathBuf;

use accord_model::{ChangeCtx, DeviceId, DraftView, MeetingView, demo, draft, meeting};

pub fn demo() -> (MeetingView, DraftView) {
    let ctx = ChangeCtx::new(DeviceId::from_bytes([7; 32]), jiff::Timestamp::UNIX_EPOCH);
    let d = demo::build(&demo::DemoIds::default(), &ctx).expect("demo builds");
    (
        meeting::read(&d.meeting).expect("meeting reads"),
        draft::read(&d.draft).expect("draft reads"),
    )
}

/// This crate's directory as cargo gives it when the test runs (the checkout may have moved
/// since the test was built: the target directory is kept warm across checkouts).
fn manifest_dir() -> PathBuf {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")))
}

/// The shared fixture, read from `shared/fixtures` beside the checkout.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = manifest_dir().join("../../../shared/fixtures").join(name);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "fixture {} is missing ({e}); these tests read the shared fixtures that sit beside the \
             repository as ../shared/fixtures — check them out there",
            path.display()
        )
    })
}

/// One of this crate's own test inputs.
pub fn input(name: &str) -> Vec<u8> {
    let path = manifest_dir().join("tests/inputs").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("test input {} is missing: {e}", path.display()))
}

use accord_model::{
    ClauseId, ClauseNumber, ClauseStatus, ClauseView, MeetingDetails, MeetingKind, Party,
    PartyKind, brackets,
};

/// A clause for hand-built drafts.
pub fn clause(id: &str, text: &str, status: ClauseStatus, children: Vec<ClauseView>) -> ClauseView {
    ClauseView {
        id: ClauseId::new(id).expect("valid id"),
        number: ClauseNumber {
            ordinal: 0,
            depth: 0,
        },
        text: text.to_string(),
        status,
        proposed_by: Vec::new(),
        brackets: brackets::analyze(text),
        children,
    }
}

/// Numbers a hand-built tree as the model does.
pub fn numbered(mut cs: Vec<ClauseView>) -> Vec<ClauseView> {
    fn walk(cs: &mut [ClauseView], depth: usize) {
        for (i, c) in cs.iter_mut().enumerate() {
            c.number = ClauseNumber {
                ordinal: i + 1,
                depth,
            };
            walk(&mut c.children, depth + 1);
        }
    }
    walk(&mut cs, 0);
    cs
}

/// The demo draft with three clauses still under negotiation: bracketed alternatives, an
/// agreed ad ref paragraph and one the parties deleted.
pub fn negotiation() -> (MeetingView, DraftView) {
    let (m, mut d) = demo();
    let mut cs = d.clauses.clone();
    cs.push(clause(
        "n6",
        "Hold the next meeting of the Network in [San José, Costa Rica] [Tegucigalpa, Honduras] in the first semester of 2015.",
        ClauseStatus::Bracketed,
        vec![clause("n6a", "The host country will cover [the venue] [and interpretation].", ClauseStatus::Open, vec![])],
    ));
    cs.push(clause(
        "n7",
        "Request the TS to circulate this report to the Member Countries.",
        ClauseStatus::AgreedAdRef,
        vec![],
    ));
    cs.push(clause(
        "n8",
        "Create a working group on statistics.",
        ClauseStatus::Deleted,
        vec![],
    ));
    cs.push(clause(
        "n9",
        "Thank Nicaragua for hosting the meeting.",
        ClauseStatus::Agreed,
        vec![],
    ));
    d.clauses = numbered(cs);
    (m, d)
}

/// A Spanish meeting: the report of a (made-up) extraordinary meeting over two days.
pub fn spanish() -> (MeetingView, DraftView) {
    let (mut m, _) = demo();
    m.details = MeetingDetails {
        title: "Reunión Extraordinaria de la Red de Funcionarios de Enlace".into(),
        forum: "Conferencia Regional sobre Migración (CRM)".into(),
        body: "La Red de Funcionarios de Enlace para el Combate al Tráfico Ilícito de Migrantes y la Trata de Personas".into(),
        kind: MeetingKind::Extraordinary,
        venue: "Ciudad de Guatemala, Guatemala".into(),
        start_date: Some(jiff::civil::date(2016, 3, 9)),
        end_date: Some(jiff::civil::date(2016, 3, 10)),
        time_zone: "America/Guatemala".into(),
        languages: vec!["es".into()],
        addressee: "el Grupo Regional de Consulta sobre Migración (GRCM)".into(),
    };
    let names = [
        "Belice",
        "Costa Rica",
        "El Salvador",
        "Guatemala",
        "Honduras",
        "México",
        "Panamá",
        "República Dominicana",
    ];
    let mut parties: Vec<Party> = names
        .iter()
        .map(|n| Party::new(n, PartyKind::Member).expect("valid"))
        .collect();
    parties.push(
        Party::new("Secretaría Técnica", PartyKind::Secretariat)
            .expect("valid")
            .with_short_name("ST"),
    );
    parties.push(
        Party::new(
            "Organización Internacional para las Migraciones",
            PartyKind::Observer,
        )
        .expect("valid")
        .with_short_name("OIM"),
    );
    m.parties = parties;
    m.actions.clear();
    let d = DraftView {
        meeting: accord_model::DocId::new("es-meeting").expect("valid"),
        title: "Informe de la Reunión Extraordinaria (Guatemala, 2016)".into(),
        preamble: String::new(),
        clauses: numbered(vec![
            clause(
                "e1",
                "Agradecer al Gobierno de Guatemala por la organización de la reunión.",
                ClauseStatus::Adopted,
                vec![],
            ),
            clause(
                "e2",
                "En relación con los indicadores, se acordó lo siguiente:",
                ClauseStatus::Adopted,
                vec![
                    clause(
                        "e2a",
                        "Instar a los Países Miembros a enviar la información a la ST a más tardar el 15 de abril de 2016.",
                        ClauseStatus::Adopted,
                        vec![],
                    ),
                    clause(
                        "e2b",
                        "La ST presentará un informe consolidado durante la próxima reunión de la Red.",
                        ClauseStatus::Adopted,
                        vec![],
                    ),
                ],
            ),
            clause(
                "e3",
                "Solicitar a la OIM que actualice las matrices [en el primer semestre de 2016].",
                ClauseStatus::Bracketed,
                vec![],
            ),
        ]),
    };
    (m, d)
}
