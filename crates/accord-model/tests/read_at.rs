//! Every reader reads a past version through `At`, without copying the document: the same
//! view as a copy forked at those heads; heads not all arrived are a pending version.

mod common;

use accord_model::at::At;
use accord_model::{
    ClauseStatus, DocId, MeetingDetails, Placement, Splice, change, draft, meeting,
};
use common::{ctx, id};

#[test]
fn a_draft_read_at_earlier_heads_is_the_draft_as_it_was_then() {
    let mut doc = automerge::Automerge::new();
    change(&mut doc, &ctx(1), |tx| {
        draft::create(tx, &DocId::new("m1").unwrap(), "Declaration", "Preamble")?;
        draft::insert_clause(
            tx,
            &id("a"),
            &Placement::top_end(),
            "Urge [all] parties.",
            &[],
        )?;
        draft::insert_clause(
            tx,
            &id("b"),
            &Placement::top_end(),
            "Welcome the report.",
            &[],
        )
    })
    .unwrap();
    let rev1 = doc.get_heads();
    let at_rev1 = draft::read(&doc).unwrap();
    // Rev.2: a splice, a new sub-item, a status, a deletion, a new title.
    change(&mut doc, &ctx(2), |tx| {
        draft::splice_clause(tx, &id("a"), &Splice::insert(0, "Strongly "))?;
        draft::insert_clause(tx, &id("a1"), &Placement::end_of(&id("a")), "by 2015", &[])?;
        draft::set_status(tx, &id("a"), ClauseStatus::Bracketed)?;
        draft::delete_clause(tx, &id("b"))?;
        draft::splice_title(tx, &Splice::insert(0, "Draft "))
    })
    .unwrap();
    assert_ne!(draft::read(&doc).unwrap(), at_rev1);
    let past = At::new(&doc, &rev1).unwrap();
    assert_eq!(draft::read(&past).unwrap(), at_rev1);
    assert_eq!(
        draft::read(&past).unwrap(),
        draft::read(&doc.fork_at(&rev1).unwrap()).unwrap()
    );
    // And now is now.
    let now = At::new(&doc, &doc.get_heads()).unwrap();
    assert_eq!(draft::read(&now).unwrap(), draft::read(&doc).unwrap());
}

#[test]
fn a_meeting_read_at_earlier_heads_is_the_meeting_as_it_was_then() {
    let mut doc = automerge::Automerge::new();
    change(&mut doc, &ctx(1), |tx| {
        meeting::create(tx, &MeetingDetails::titled("Liaison Network"))
    })
    .unwrap();
    let before = doc.get_heads();
    let then = meeting::read(&doc).unwrap();
    change(&mut doc, &ctx(1), |tx| {
        let mut d = meeting::read(tx)?.details;
        d.venue = "Managua".into();
        d.title = "Liaison Officer Network".into();
        meeting::set_details(tx, &d)
    })
    .unwrap();
    assert_eq!(
        meeting::read(&At::new(&doc, &before).unwrap()).unwrap(),
        then
    );
}

#[test]
fn heads_whose_changes_have_not_arrived_are_a_pending_version_not_an_empty_one() {
    let mut doc = automerge::Automerge::new();
    change(&mut doc, &ctx(1), |tx| {
        draft::create(tx, &DocId::new("m1").unwrap(), "Declaration", "")
    })
    .unwrap();
    let mut other = doc.fork();
    change(&mut other, &ctx(2), |tx| {
        draft::insert_clause(tx, &id("a"), &Placement::top_end(), "Later.", &[])
    })
    .unwrap();
    let err = At::new(&doc, &other.get_heads()).unwrap_err();
    assert!(err.to_string().contains("pending"), "{err}");
}
