//! The rules of drafts: clause operations, numbering, statuses, brackets and text splices.

mod common;

use accord_model::{ClauseStatus, ModelError, PartyId, Placement, Splice, draft};
use common::{edit, id, new_draft, outline};
use expect_test::expect;

fn add(doc: &mut automerge::Automerge, cid: &str, at: Placement, text: &str) {
    edit(doc, |tx| draft::insert_clause(tx, &id(cid), &at, text, &[]));
}

/// A draft with clauses a, b (sub-items b1, b2), c.
fn sample() -> automerge::Automerge {
    let mut doc = new_draft();
    add(&mut doc, "a", Placement::top_end(), "Alpha.");
    add(&mut doc, "b", Placement::top_end(), "Beta:");
    add(&mut doc, "b1", Placement::end_of(&id("b")), "first");
    add(&mut doc, "b2", Placement::end_of(&id("b")), "second");
    add(&mut doc, "c", Placement::top_end(), "Gamma.");
    doc
}

#[test]
fn numbering_is_computed_per_level() {
    let mut doc = sample();
    add(&mut doc, "b1i", Placement::end_of(&id("b1")), "deep");
    add(&mut doc, "b1ii", Placement::end_of(&id("b1")), "deeper");
    expect![[r#"
        1. Alpha.
        2. Beta:
            a. first
                i. deep
                ii. deeper
            b. second
        3. Gamma.
    "#]]
    .assert_eq(&outline(&doc));
}

#[test]
fn inserting_renumbers_the_clauses_after_it() {
    let mut doc = sample();
    add(
        &mut doc,
        "new",
        Placement::Before { clause: id("a") },
        "Zero.",
    );
    add(
        &mut doc,
        "b0",
        Placement::Start {
            parent: Some(id("b")),
        },
        "zeroth",
    );
    expect![[r#"
        1. Zero.
        2. Alpha.
        3. Beta:
            a. zeroth
            b. first
            c. second
        4. Gamma.
    "#]]
    .assert_eq(&outline(&doc));
}

#[test]
fn moving_a_clause_takes_its_sub_items_along() {
    let mut doc = sample();
    edit(&mut doc, |tx| {
        draft::move_clause(tx, &id("b"), &Placement::after(&id("c")))
    });
    expect![[r#"
        1. Alpha.
        2. Gamma.
        3. Beta:
            a. first
            b. second
    "#]]
    .assert_eq(&outline(&doc));
}

#[test]
fn a_clause_cannot_move_into_its_own_sub_items() {
    let mut doc = sample();
    let err = accord_model::change(&mut doc, &common::ctx(1), |tx| {
        draft::move_clause(tx, &id("b"), &Placement::end_of(&id("b1")))
    })
    .unwrap_err();
    assert!(matches!(err, ModelError::MoveIntoItself { .. }), "{err}");
    // Nothing changed.
    assert!(outline(&doc).contains("    a. first"));
}

#[test]
fn indent_makes_a_clause_the_last_sub_item_of_the_one_before() {
    let mut doc = sample();
    edit(&mut doc, |tx| draft::indent(tx, &id("c")));
    expect![[r#"
        1. Alpha.
        2. Beta:
            a. first
            b. second
            c. Gamma.
    "#]]
    .assert_eq(&outline(&doc));
    let err = accord_model::change(&mut doc, &common::ctx(1), |tx| draft::indent(tx, &id("a")))
        .unwrap_err();
    assert!(matches!(err, ModelError::CannotIndent(_)));
}

#[test]
fn outdent_puts_a_sub_item_right_after_its_parent() {
    let mut doc = sample();
    edit(&mut doc, |tx| draft::outdent(tx, &id("b1")));
    expect![[r#"
        1. Alpha.
        2. Beta:
            a. second
        3. first
        4. Gamma.
    "#]]
    .assert_eq(&outline(&doc));
    let err = accord_model::change(&mut doc, &common::ctx(1), |tx| draft::outdent(tx, &id("a")))
        .unwrap_err();
    assert!(matches!(err, ModelError::CannotOutdent(_)));
}

#[test]
fn deleting_a_clause_deletes_its_sub_items_and_renumbers() {
    let mut doc = sample();
    edit(&mut doc, |tx| draft::delete_clause(tx, &id("b")));
    expect![[r#"
        1. Alpha.
        2. Gamma.
    "#]]
    .assert_eq(&outline(&doc));
    // A deleted clause can no longer be edited.
    let err = accord_model::change(&mut doc, &common::ctx(1), |tx| {
        draft::splice_clause(tx, &id("b1"), &Splice::insert(0, "x"))
    })
    .unwrap_err();
    assert!(matches!(err, ModelError::NoSuchClause(_)));
}

#[test]
fn duplicate_and_unknown_ids_are_refused() {
    let mut doc = sample();
    let dup = accord_model::change(&mut doc, &common::ctx(1), |tx| {
        draft::insert_clause(tx, &id("a"), &Placement::top_end(), "again", &[])
    });
    assert!(matches!(dup.unwrap_err(), ModelError::DuplicateClause(_)));
    let unknown = accord_model::change(&mut doc, &common::ctx(1), |tx| {
        draft::insert_clause(tx, &id("z"), &Placement::after(&id("nope")), "x", &[])
    });
    assert!(matches!(unknown.unwrap_err(), ModelError::NoSuchClause(_)));
}

#[test]
fn status_changes_and_the_summary() {
    let mut doc = sample();
    edit(&mut doc, |tx| {
        draft::set_status(tx, &id("a"), ClauseStatus::Agreed)
    });
    edit(&mut doc, |tx| {
        draft::set_status(tx, &id("b1"), ClauseStatus::Deleted)
    });
    edit(&mut doc, |tx| {
        draft::set_clause_text(tx, &id("c"), "Gamma [and delta].")
    });
    edit(&mut doc, |tx| {
        draft::set_status(tx, &id("c"), ClauseStatus::Bracketed)
    });
    let view = draft::read(&doc).unwrap();
    let s = view.summary();
    assert_eq!(
        (
            s.total,
            s.agreed,
            s.bracketed,
            s.deleted,
            s.open,
            s.with_brackets
        ),
        (5, 1, 1, 1, 2, 1)
    );
    // The clean text drops the deleted sub-item and renumbers.
    expect![[r#"
        1. Alpha.
        2. Beta:
            a. second
        3. Gamma [and delta].
    "#]]
    .assert_eq(&view.clean().to_plain_text());
}

#[test]
fn a_clause_with_brackets_cannot_be_agreed() {
    let mut doc = sample();
    edit(&mut doc, |tx| {
        draft::set_clause_text(tx, &id("a"), "Alpha [beta].")
    });
    for status in [
        ClauseStatus::AgreedAdRef,
        ClauseStatus::Agreed,
        ClauseStatus::Adopted,
    ] {
        let err = accord_model::change(&mut doc, &common::ctx(1), |tx| {
            draft::set_status(tx, &id("a"), status)
        })
        .unwrap_err();
        assert!(matches!(err, ModelError::BracketsRemain { .. }), "{err}");
    }
    // An unbalanced bracket counts too.
    edit(&mut doc, |tx| {
        draft::set_clause_text(tx, &id("a"), "Alpha [beta.")
    });
    assert!(
        accord_model::change(&mut doc, &common::ctx(1), |tx| draft::set_status(
            tx,
            &id("a"),
            ClauseStatus::Agreed
        ))
        .is_err()
    );
    edit(&mut doc, |tx| {
        draft::set_clause_text(tx, &id("a"), "Alpha beta.")
    });
    edit(&mut doc, |tx| {
        draft::set_status(tx, &id("a"), ClauseStatus::Agreed)
    });
}

#[test]
fn brackets_are_analysed_per_clause() {
    let mut doc = sample();
    edit(&mut doc, |tx| {
        draft::set_clause_text(tx, &id("a"), "Urge [all] Member Countries [to [consider].")
    });
    let view = draft::read(&doc).unwrap();
    let a = &view.find(&id("a")).unwrap().brackets;
    assert_eq!(a.spans.len(), 2);
    assert_eq!(a.unbalanced.len(), 1);
    assert_eq!(a.clean_text, "Urge all Member Countries to consider.");
}

#[test]
fn proposers_are_a_set_in_order() {
    let mut doc = sample();
    let mx = PartyId::new("mexico").unwrap();
    let cr = PartyId::new("costa-rica").unwrap();
    edit(&mut doc, |tx| draft::add_proposer(tx, &id("a"), &mx));
    edit(&mut doc, |tx| draft::add_proposer(tx, &id("a"), &cr));
    edit(&mut doc, |tx| draft::add_proposer(tx, &id("a"), &mx));
    assert_eq!(
        draft::read(&doc)
            .unwrap()
            .find(&id("a"))
            .unwrap()
            .proposed_by,
        vec![mx.clone(), cr.clone()]
    );
    edit(&mut doc, |tx| draft::remove_proposer(tx, &id("a"), &mx));
    assert_eq!(
        draft::read(&doc)
            .unwrap()
            .find(&id("a"))
            .unwrap()
            .proposed_by,
        vec![cr]
    );
}

#[test]
fn splices_count_utf16_code_units_with_accents_and_emoji() {
    let mut doc = new_draft();
    add(&mut doc, "a", Placement::top_end(), "Año 😀 fin");
    // "Año " is 4 units, the emoji 2: position 6 is right after it.
    edit(&mut doc, |tx| {
        draft::splice_clause(tx, &id("a"), &Splice::insert(6, "🎉"))
    });
    edit(&mut doc, |tx| {
        draft::splice_clause(tx, &id("a"), &Splice::delete(4, 2))
    });
    edit(&mut doc, |tx| {
        draft::splice_clause(tx, &id("a"), &Splice::new(1, 1, "ñ"))
    });
    assert_eq!(
        draft::read(&doc).unwrap().find(&id("a")).unwrap().text,
        "Año 🎉 fin"
    );
    edit(&mut doc, |tx| {
        draft::splice_title(tx, &Splice::insert(0, "Draft "))
    });
    edit(&mut doc, |tx| {
        draft::splice_preamble(tx, &Splice::insert(12, " 🌎"))
    });
    let v = draft::read(&doc).unwrap();
    assert_eq!(v.title, "Draft Declaration");
    assert_eq!(v.preamble, "The parties, 🌎");
}

#[test]
fn splices_out_of_range_are_refused_and_characters_are_never_cut_in_two() {
    let mut doc = new_draft();
    add(&mut doc, "a", Placement::top_end(), "a😀b");
    for s in [Splice::insert(5, "x"), Splice::delete(3, 2)] {
        let err = accord_model::change(&mut doc, &common::ctx(1), |tx| {
            draft::splice_clause(tx, &id("a"), &s)
        })
        .unwrap_err();
        assert!(
            matches!(err, ModelError::SpliceOutOfRange { .. }),
            "{s:?}: {err}"
        );
    }
    assert_eq!(
        draft::read(&doc).unwrap().find(&id("a")).unwrap().text,
        "a😀b"
    );
    // A position inside the emoji moves to its end for an insertion…
    edit(&mut doc, |tx| {
        draft::splice_clause(tx, &id("a"), &Splice::insert(2, "x"))
    });
    assert_eq!(
        draft::read(&doc).unwrap().find(&id("a")).unwrap().text,
        "a😀xb"
    );
    // …and a deletion that touches it takes the whole character.
    edit(&mut doc, |tx| {
        draft::splice_clause(tx, &id("a"), &Splice::delete(1, 1))
    });
    assert_eq!(
        draft::read(&doc).unwrap().find(&id("a")).unwrap().text,
        "axb"
    );
}

#[test]
fn a_clause_moved_under_a_clause_deleted_concurrently_is_kept() {
    let mut a = sample();
    let mut b = a.fork();
    // A moves "a" under "b1" while B deletes "b" with its sub-items: "a" takes b's place.
    edit(&mut a, |tx| {
        draft::move_clause(tx, &id("a"), &Placement::end_of(&id("b1")))
    });
    edit(&mut b, |tx| draft::delete_clause(tx, &id("b")));
    a.merge(&mut b).unwrap();
    b.merge(&mut a).unwrap();
    expect![[r#"
        1. Alpha.
        2. Gamma.
    "#]]
    .assert_eq(&outline(&a));
    assert_eq!(outline(&a), outline(&b));
}

#[test]
fn concurrent_moves_into_each_other_break_the_cycle_the_same_way_everywhere() {
    let mut a = sample();
    let mut b = a.fork();
    edit(&mut a, |tx| {
        draft::move_clause(tx, &id("a"), &Placement::end_of(&id("c")))
    });
    edit(&mut b, |tx| {
        draft::move_clause(tx, &id("c"), &Placement::end_of(&id("a")))
    });
    a.merge(&mut b).unwrap();
    b.merge(&mut a).unwrap();
    expect![[r#"
        1. Beta:
            a. first
            b. second
        2. Alpha.
            a. Gamma.
    "#]]
    .assert_eq(&outline(&a));
    assert_eq!(outline(&a), outline(&b));
}
