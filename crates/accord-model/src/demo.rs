//! The demo meeting: the regular meeting of the Liaison Officer Network of the Regional
//! Conference on Migration in Managua, 24 November 2014 (the report in
//! `shared/fixtures/rcm-liaison-network-2014-managua.txt`), built by code — eleven
//! delegations, the Technical Secretariat, IOM, UNODC and RNCOM; five paragraphs with their
//! sub-items; and the follow-up obligations as action items with owners and deadlines.
//!
//! The functions fill documents inside transactions, so the application can create each
//! document through its repository and link them; [`build`] makes all three in memory.

use automerge::{Automerge, transaction::Transactable};
use jiff::{Timestamp, civil::date};

use crate::action::{self, ClauseRef, NewAction};
use crate::change::{ChangeCtx, change_quiet};
use crate::draft::{self, Placement};
use crate::error::Result;
use crate::ids::{ActionId, ClauseId, DocId, PartyId};
use crate::meeting::{self, DocRef, MeetingDetails, MeetingKind, Party, PartyKind};
use crate::minutes;
use crate::schema::DocKind;
use crate::status::ClauseStatus;

/// The member delegations in the order of the report's opening paragraph.
pub const MEMBERS: [&str; 11] = [
    "Belize",
    "Canada",
    "Costa Rica",
    "the Dominican Republic",
    "El Salvador",
    "Guatemala",
    "Honduras",
    "Mexico",
    "Nicaragua",
    "Panama",
    "the United States of America",
];

pub fn details() -> MeetingDetails {
    MeetingDetails {
        title: "Regular Meeting of the Liaison Officer Network to Combat Migrant Smuggling and Trafficking in Persons"
            .into(),
        forum: "Regional Conference on Migration (RCM)".into(),
        body: "The Liaison Officer Network to Combat Migrant Smuggling and Trafficking in Persons of the RCM Member Countries"
            .into(),
        kind: MeetingKind::Regular,
        venue: "Managua, Nicaragua".into(),
        start_date: Some(date(2014, 11, 24)),
        end_date: Some(date(2014, 11, 24)),
        time_zone: "America/Managua".into(),
        languages: vec!["en".into(), "es".into()],
        addressee: "the Regional Consultation Group on Migration (RCGM)".into(),
    }
}

pub fn parties() -> Vec<Party> {
    let mut out: Vec<Party> = MEMBERS
        .iter()
        .map(|m| Party::new(m.trim_start_matches("the "), PartyKind::Member).expect("valid name"))
        .collect();
    // Keep "the" where running text needs it, but not in the id.
    for (p, name) in out.iter_mut().zip(MEMBERS) {
        p.name = name.to_string();
    }
    out.push(
        Party::new("Technical Secretariat", PartyKind::Secretariat)
            .expect("valid")
            .with_short_name("TS"),
    );
    out.push(
        Party::new(
            "International Organization for Migration",
            PartyKind::Observer,
        )
        .expect("valid")
        .with_short_name("IOM"),
    );
    out.push(
        Party::new(
            "United Nations Office on Drugs and Crime",
            PartyKind::Observer,
        )
        .expect("valid")
        .with_short_name("UNODC"),
    );
    out.push(
        Party::new(
            "Regional Network of Civil Organizations on Migration",
            PartyKind::CivilSociety,
        )
        .expect("valid")
        .with_short_name("RNCOM"),
    );
    out
}

fn pid(p: &str) -> PartyId {
    PartyId::new(p).expect("demo party ids are valid")
}

pub fn ts() -> PartyId {
    pid("technical-secretariat")
}

pub fn iom() -> PartyId {
    pid("international-organization-for-migration")
}

fn members() -> Vec<PartyId> {
    MEMBERS
        .iter()
        .map(|m| PartyId::slug(m.trim_start_matches("the ")).expect("valid"))
        .collect()
}

/// The draft's title.
pub const DRAFT_TITLE: &str =
    "Report of the Regular Meeting of the Liaison Officer Network (Managua, 2014)";

/// The opening paragraph of the report, as the draft's preamble.
pub const PREAMBLE: &str = "The Liaison Officer Network to Combat Migrant Smuggling and Trafficking in Persons of the RCM Member Countries held its regular meeting in Managua, Nicaragua, on November 24, 2014, with participation of representatives from Belize, Canada, Costa Rica, the Dominican Republic, El Salvador, Guatemala, Honduras, Mexico, Nicaragua, Panama and the United States of America. The Network submits the following report to the Regional Consultation Group on Migration (RCGM) for consideration. The report includes the following:";

/// The paragraphs: (clause id, parent, text).
pub const CLAUSES: [(&str, Option<&str>, &str); 14] = [
    (
        "p1",
        None,
        "Thank the delegations from Belize, Canada, Costa Rica, El Salvador, the Dominican Republic, Guatemala, Honduras, Mexico, Nicaragua, Panama and the United States of America for sharing their progress on new efforts and best practices to combat migrant smuggling and trafficking in persons since the last meeting of this network.",
    ),
    (
        "p2",
        None,
        "Regarding the progress of RCM Member Countries on the implementation of the indicators elaborated by the IOM, at the request of the RCM, in compliance of the Palermo Protocols against Trafficking in Persons, the following was agreed to:",
    ),
    (
        "p2a",
        Some("p2"),
        "Urge the Member Countries to send the information to the Technical Secretariat no later than February 27th, 2015.",
    ),
    (
        "p2b",
        Some("p2"),
        "The Technical Secretariat, in coordination with IOM, will organize this information to be presented during the next Network meeting.",
    ),
    (
        "p2c",
        Some("p2"),
        "Urge Member Countries to fulfill reporting activities within the international framework, particularly those established by UNODC.",
    ),
    (
        "p2d",
        Some("p2"),
        "The TS will invite UNODC to the next meeting of the Network in order to present the results of the Global Report on Trafficking in Persons 2014, highlighting RCM Member Countries.",
    ),
    (
        "p2e",
        Some("p2"),
        "The Network recognizes the TS submission of the indicators as an example of best practices, to the IV Meeting of National Authorities on Trafficking in Persons from the Organization of American States.",
    ),
    (
        "p3",
        None,
        "Thank Guatemala in its position as the Presidency of the Regional Coalition against Trafficking in Persons and Migrant Smuggling, for the progress report regarding the agreements and work of the Coalition.",
    ),
    (
        "p3a",
        Some("p3"),
        "Request the TS to research on the Multi-Annual Indicative Program for Latin America 2014-2020 from the European Commission and consult on the terms of cooperation regarding migration matters for the RCM Member Countries.",
    ),
    (
        "p4",
        None,
        "Thank the IOM for its report regarding the update of the Comparative Matrices of the Legislation in Member States of RCM relating to Trafficking in Persons and Migrant Smuggling. In this regard Member Countries are urged to submit this information to the TS no later than February 27th, 2015.",
    ),
    (
        "p4a",
        Some("p4"),
        "The Member Countries commit to send the TS the information of their respective Focal Points in order to update these matrices.",
    ),
    (
        "p4b",
        Some("p4"),
        "The TS will compile a consolidated study of the matrices with the information received at the established date. The study will be sent to the Member Countries no later than March 31st, 2015 for their validation. Finally, the Network members will submit the validation no later than the last week of April, 2015.",
    ),
    (
        "p4c",
        Some("p4"),
        "The IOM will present the results of the consolidated study during the XX RCM Vice-Ministerial meeting.",
    ),
    (
        "p5",
        None,
        "Thank the Regional Network of Civil Organizations on Migration (RNCOM) for its presentation on the challenges and recommendations to combat the crimes of Migrant Smuggling and Trafficking in Persons, and encourage Member Countries to consult with Civil Society on a regular basis.",
    ),
];

/// Every paragraph of the report was adopted.
fn status_of(_id: &str) -> ClauseStatus {
    ClauseStatus::Adopted
}

/// One follow-up obligation: (id, text, owners, due, source clause).
type DemoAction = (
    &'static str,
    &'static str,
    Vec<PartyId>,
    Option<jiff::civil::Date>,
    &'static str,
);

/// The follow-up obligations of the report.
fn actions() -> Vec<DemoAction> {
    vec![
        (
            "a1",
            "Send the information on the implementation of the indicators to the Technical Secretariat",
            members(),
            Some(date(2015, 2, 27)),
            "p2a",
        ),
        (
            "a2",
            "Organize the information on the indicators, in coordination with IOM, for the next Network meeting",
            vec![ts(), iom()],
            None,
            "p2b",
        ),
        (
            "a3",
            "Invite UNODC to present the Global Report on Trafficking in Persons 2014 at the next Network meeting",
            vec![ts()],
            None,
            "p2d",
        ),
        (
            "a4",
            "Research the Multi-Annual Indicative Program for Latin America 2014-2020 of the European Commission and consult on the terms of cooperation",
            vec![ts()],
            None,
            "p3a",
        ),
        (
            "a5",
            "Submit the information for the Comparative Matrices of the Legislation to the TS",
            members(),
            Some(date(2015, 2, 27)),
            "p4",
        ),
        (
            "a6",
            "Send the TS the information of the respective Focal Points",
            members(),
            None,
            "p4a",
        ),
        (
            "a7",
            "Compile a consolidated study of the matrices and send it to the Member Countries for validation",
            vec![ts()],
            Some(date(2015, 3, 31)),
            "p4b",
        ),
        (
            "a8",
            "Submit the validation of the consolidated study (last week of April 2015)",
            members(),
            Some(date(2015, 4, 30)),
            "p4b",
        ),
        (
            "a9",
            "Present the results of the consolidated study at the XX RCM Vice-Ministerial meeting",
            vec![iom()],
            None,
            "p4c",
        ),
    ]
}

pub const MINUTES: &str = "# Liaison Officer Network — Managua, 24 November 2014

## Opening
The Technical Secretariat opened the meeting and welcomed the delegations of the eleven Member Countries, IOM, UNODC and RNCOM.

## National progress
Each delegation reported on its new efforts and best practices to combat migrant smuggling and trafficking in persons.

## Indicators of the Palermo Protocols
IOM presented the state of the indicators. Member Countries will send their information to the TS by 27 February 2015.

## Comparative Matrices of Legislation
IOM presented the update of the matrices. The TS will compile a consolidated study by 31 March 2015; validation by the Network in the last week of April 2015.

## Civil society
RNCOM presented its challenges and recommendations.
";

/// Fills an empty document as the demo meeting (without its document list and actions).
pub fn fill_meeting<T: Transactable>(tx: &mut T) -> Result<()> {
    meeting::create(tx, &details())?;
    for p in parties() {
        meeting::put_party(tx, &p)?;
    }
    Ok(())
}

/// Fills an empty document as the demo report draft.
pub fn fill_draft<T: Transactable>(tx: &mut T, meeting: &DocId) -> Result<()> {
    draft::create(tx, meeting, DRAFT_TITLE, PREAMBLE)?;
    for (id, parent, text) in CLAUSES {
        let id = ClauseId::new(id)?;
        let at = match parent {
            Some(p) => Placement::end_of(&ClauseId::new(p)?),
            None => Placement::top_end(),
        };
        draft::insert_clause(tx, &id, &at, text, &[ts()])?;
        draft::set_status(tx, &id, status_of(id.as_str()))?;
    }
    Ok(())
}

/// Fills an empty document as the demo minutes.
pub fn fill_minutes<T: Transactable>(tx: &mut T, meeting: &DocId) -> Result<()> {
    minutes::create(tx, meeting, MINUTES)
}

/// Lists the minutes and draft in the meeting and adds the action items from the draft.
pub fn link<T: Transactable>(
    tx: &mut T,
    minutes: &DocId,
    draft: &DocId,
    created: Timestamp,
) -> Result<()> {
    meeting::add_document(
        tx,
        &DocRef {
            id: minutes.clone(),
            kind: DocKind::Minutes,
        },
    )?;
    meeting::add_document(
        tx,
        &DocRef {
            id: draft.clone(),
            kind: DocKind::Draft,
        },
    )?;
    for (i, (id, text, owners, due, clause)) in actions().into_iter().enumerate() {
        let new = NewAction {
            text: text.to_string(),
            owners,
            due,
            source: Some(ClauseRef {
                draft: draft.clone(),
                clause: ClauseId::new(clause)?,
            }),
        };
        // Distinct creation times keep the report's order.
        let at = created
            .checked_add(jiff::SignedDuration::from_millis(i as i64))
            .unwrap_or(created);
        action::add(tx, &ActionId::new(id)?, &new, at)?;
    }
    Ok(())
}

/// The three demo documents.
#[derive(Debug)]
pub struct Demo {
    pub meeting: Automerge,
    pub minutes: Automerge,
    pub draft: Automerge,
}

/// Ids for [`build`].
#[derive(Debug, Clone)]
pub struct DemoIds {
    pub meeting: DocId,
    pub minutes: DocId,
    pub draft: DocId,
}

impl Default for DemoIds {
    fn default() -> Self {
        DemoIds {
            meeting: DocId::new("demo-meeting").expect("valid"),
            minutes: DocId::new("demo-minutes").expect("valid"),
            draft: DocId::new("demo-draft").expect("valid"),
        }
    }
}

/// Builds the whole demo meeting in memory.
pub fn build(ids: &DemoIds, ctx: &ChangeCtx) -> Result<Demo> {
    let mut meeting = Automerge::new();
    let mut minutes = Automerge::new();
    let mut draft = Automerge::new();
    change_quiet(&mut meeting, ctx, |tx| fill_meeting(tx))?;
    change_quiet(&mut minutes, ctx, |tx| fill_minutes(tx, &ids.meeting))?;
    change_quiet(&mut draft, ctx, |tx| fill_draft(tx, &ids.meeting))?;
    change_quiet(&mut meeting, ctx, |tx| {
        link(tx, &ids.minutes, &ids.draft, ctx.time)
    })?;
    Ok(Demo {
        meeting,
        minutes,
        draft,
    })
}
