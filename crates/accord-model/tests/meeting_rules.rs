//! The rules of meetings, parties, action items and minutes, and the demo meeting.

mod common;

use accord_model::{
    ActionId, ActionStatus, ClauseRef, DocKind, DocRef, MeetingDetails, ModelError, NewAction,
    Party, PartyId, PartyKind, Splice, action, demo, meeting, minutes,
};
use common::{ctx, edit, id, meeting_id};
use jiff::civil::date;

fn new_meeting() -> automerge::Automerge {
    let mut doc = automerge::Automerge::new();
    edit(&mut doc, |tx| {
        meeting::create(tx, &MeetingDetails::titled("Liaison Network"))?;
        meeting::put_party(tx, &Party::new("México", PartyKind::Member)?)?;
        meeting::put_party(
            tx,
            &Party::new("Technical Secretariat", PartyKind::Secretariat)?.with_short_name("TS"),
        )
    });
    doc
}

fn aid(s: &str) -> ActionId {
    ActionId::new(s).unwrap()
}

fn pid(s: &str) -> PartyId {
    PartyId::new(s).unwrap()
}

#[test]
fn meeting_details_are_validated() {
    let mut d = MeetingDetails::titled("x");
    d.start_date = Some(date(2015, 3, 2));
    d.end_date = Some(date(2015, 3, 1));
    assert!(
        d.validate()
            .unwrap_err()
            .to_string()
            .contains("before the start")
    );
    let mut d = MeetingDetails::titled(" ");
    assert!(d.validate().is_err());
    d.title = "ok".into();
    d.time_zone = "Not a zone!".into();
    assert!(d.validate().is_err());
    d.time_zone = "America/Managua".into();
    d.languages = vec!["english".into()];
    assert!(d.validate().is_err());
    d.languages = vec!["es".into(), "pt-BR".into()];
    d.validate().unwrap();
}

#[test]
fn details_update_only_what_changed() {
    let mut doc = new_meeting();
    let mut d = meeting::read(&doc).unwrap().details;
    d.venue = "Managua, Nicaragua".into();
    d.title = "Liaison Officer Network".into();
    d.start_date = Some(date(2014, 11, 24));
    edit(&mut doc, |tx| meeting::set_details(tx, &d));
    assert_eq!(meeting::read(&doc).unwrap().details, d);
    edit(&mut doc, |tx| {
        meeting::splice_title(tx, &Splice::insert(0, "The "))
    });
    assert_eq!(
        meeting::read(&doc).unwrap().details.title,
        "The Liaison Officer Network"
    );
}

#[test]
fn parties_keep_the_meeting_order_and_update_in_place() {
    let mut doc = new_meeting();
    edit(&mut doc, |tx| {
        meeting::put_party(tx, &Party::new("Belize", PartyKind::Member)?)
    });
    edit(&mut doc, |tx| {
        meeting::put_party(
            tx,
            &Party {
                name: "Mexico".into(),
                ..Party::new("México", PartyKind::Member)?
            },
        )
    });
    let v = meeting::read(&doc).unwrap();
    let names: Vec<_> = v.parties.iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["Mexico", "Technical Secretariat", "Belize"]);
    assert_eq!(
        v.party(&pid("technical-secretariat")).unwrap().label(),
        "TS"
    );
}

#[test]
fn documents_are_listed_once() {
    let mut doc = new_meeting();
    let d = DocRef {
        id: accord_model::DocId::new("d1").unwrap(),
        kind: DocKind::Draft,
    };
    edit(&mut doc, |tx| meeting::add_document(tx, &d));
    edit(&mut doc, |tx| meeting::add_document(tx, &d));
    let v = meeting::read(&doc).unwrap();
    assert_eq!(v.documents, vec![d]);
    assert_eq!(v.drafts().count(), 1);
    assert!(v.minutes().is_none());
}

#[test]
fn action_items_have_owners_due_dates_and_statuses() {
    let mut doc = new_meeting();
    let new = NewAction {
        text: "Send the information to the TS".into(),
        owners: vec![pid("mexico")],
        due: Some(date(2015, 2, 27)),
        source: Some(ClauseRef {
            draft: accord_model::DocId::new("d1").unwrap(),
            clause: id("p2a"),
        }),
    };
    edit(&mut doc, |tx| {
        action::add(tx, &aid("a1"), &new, ctx(1).time)
    });
    let a = action::read_one(&doc, &aid("a1")).unwrap();
    assert_eq!(a.status, ActionStatus::Open);
    assert!(a.is_overdue(date(2015, 2, 28)));
    assert!(
        !a.is_overdue(date(2015, 2, 27)),
        "due on the day is not overdue yet"
    );
    edit(&mut doc, |tx| {
        action::set_status(tx, &aid("a1"), ActionStatus::Done)
    });
    assert!(
        !action::read_one(&doc, &aid("a1"))
            .unwrap()
            .is_overdue(date(2016, 1, 1)),
        "done is never overdue"
    );
    edit(&mut doc, |tx| {
        action::add_owner(tx, &aid("a1"), &pid("technical-secretariat"))
    });
    edit(&mut doc, |tx| {
        action::remove_owner(tx, &aid("a1"), &pid("mexico"))
    });
    edit(&mut doc, |tx| action::set_due(tx, &aid("a1"), None));
    edit(&mut doc, |tx| {
        action::splice_text(tx, &aid("a1"), &Splice::insert(0, "📨 "))
    });
    let a = action::read_one(&doc, &aid("a1")).unwrap();
    assert_eq!(
        (a.owners.clone(), a.due, a.text.as_str()),
        (
            vec![pid("technical-secretariat")],
            None,
            "📨 Send the information to the TS"
        )
    );
    edit(&mut doc, |tx| action::remove(tx, &aid("a1")));
    assert!(matches!(
        action::read_one(&doc, &aid("a1")),
        Err(ModelError::NoSuchAction(_))
    ));
}

#[test]
fn action_owners_must_be_parties_of_the_meeting() {
    let mut doc = new_meeting();
    let new = NewAction {
        text: "x".into(),
        owners: vec![pid("atlantis")],
        due: None,
        source: None,
    };
    let err = accord_model::change(&mut doc, &ctx(1), |tx| {
        action::add(tx, &aid("a1"), &new, ctx(1).time)
    })
    .unwrap_err();
    assert!(matches!(err, ModelError::NoSuchParty(_)), "{err}");
    assert!(meeting::read(&doc).unwrap().actions.is_empty());
}

#[test]
fn minutes_append_paragraphs_with_one_blank_line() {
    let mut doc = automerge::Automerge::new();
    edit(&mut doc, |tx| minutes::create(tx, &meeting_id(), ""));
    edit(&mut doc, |tx| minutes::append(tx, "# Opening"));
    edit(&mut doc, |tx| {
        minutes::append(tx, "The TS opened the meeting.\n")
    });
    edit(&mut doc, |tx| {
        minutes::splice(tx, &Splice::insert(2, "Session "))
    });
    assert_eq!(
        minutes::read(&doc).unwrap().text,
        "# Session Opening\n\nThe TS opened the meeting.\n"
    );
}

#[test]
fn the_wrong_kind_of_document_is_refused_by_every_reader() {
    let doc = new_meeting();
    assert!(matches!(
        accord_model::draft::read(&doc),
        Err(ModelError::WrongKind { .. })
    ));
    assert!(matches!(
        minutes::read(&doc),
        Err(ModelError::WrongKind { .. })
    ));
    let empty = automerge::Automerge::new();
    assert!(matches!(
        meeting::read(&empty),
        Err(ModelError::SchemaMissing)
    ));
}

#[test]
fn a_newer_document_is_refused_not_half_read() {
    use automerge::{ROOT, transaction::Transactable};
    let mut doc = new_meeting();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.put(ROOT, "schema_version", 3u64))
        .unwrap();
    let err = meeting::read(&doc).unwrap_err();
    assert!(err.to_string().contains("newer"), "{err}");
    // And it is not changed either.
    let res = accord_model::change(&mut doc, &ctx(1), |tx| {
        meeting::put_party(tx, &Party::new("Peru", PartyKind::Member)?)
    });
    assert!(matches!(res, Err(ModelError::NewerSchema { .. })));
}

#[test]
fn a_malformed_document_is_refused_with_what_is_wrong() {
    use automerge::{ROOT, transaction::Transactable};
    let mut doc = common::new_draft();
    doc.transact::<_, _, automerge::AutomergeError>(|tx| tx.delete(ROOT, "clauses"))
        .unwrap();
    let err = accord_model::draft::read(&doc).unwrap_err();
    assert!(err.to_string().contains("clauses is missing"), "{err}");
}

#[test]
fn the_demo_meeting_has_the_reports_parties_paragraphs_and_actions() {
    let d = demo::build(&demo::DemoIds::default(), &ctx(1)).unwrap();
    let m = meeting::read(&d.meeting).unwrap();
    assert_eq!(m.parties.len(), 15);
    assert_eq!(
        m.parties
            .iter()
            .filter(|p| p.kind == PartyKind::Member)
            .count(),
        11
    );
    assert_eq!(m.details.venue, "Managua, Nicaragua");
    let draft = accord_model::draft::read(&d.draft).unwrap();
    let top: Vec<_> = draft
        .clauses
        .iter()
        .map(|c| (c.number.label(), c.children.len()))
        .collect();
    assert_eq!(
        top,
        [
            ("1".into(), 0),
            ("2".into(), 5),
            ("3".into(), 1),
            ("4".into(), 3),
            ("5".into(), 0)
        ]
    );
    let a1 = m.actions.iter().find(|a| a.id.as_str() == "a1").unwrap();
    assert_eq!(a1.due, Some(date(2015, 2, 27)));
    assert_eq!(a1.owners.len(), 11);
    let a7 = m.actions.iter().find(|a| a.id.as_str() == "a7").unwrap();
    assert_eq!(
        (a7.owners.clone(), a7.due),
        (vec![demo::ts()], Some(date(2015, 3, 31)))
    );
    // Action items keep the report's order.
    let order: Vec<_> = m.actions.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(
        order,
        ["a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"]
    );
    assert!(
        minutes::read(&d.minutes)
            .unwrap()
            .text
            .starts_with("# Liaison Officer Network")
    );
}
