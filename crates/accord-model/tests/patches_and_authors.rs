//! Every change, local or remote, yields patches in UTF-16 terms; every change carries its
//! device as author.

mod common;

use accord_model::{
    ClauseStatus, DeviceId, DocPatch, Placement, Splice, TextField, apply_splices, author_of,
    change, draft, patches_between,
};
use common::{ctx, id, new_draft};

#[test]
fn a_local_splice_yields_one_splice_patch_in_utf16_units() {
    let mut doc = new_draft();
    change(&mut doc, &ctx(1), |tx| {
        draft::insert_clause(tx, &id("a"), &Placement::top_end(), "😀 ok", &[])
    })
    .unwrap();
    let done = change(&mut doc, &ctx(1), |tx| {
        draft::splice_clause(tx, &id("a"), &Splice::new(2, 1, "é"))
    })
    .unwrap();
    assert_eq!(
        done.patches,
        vec![DocPatch::Splice {
            target: TextField::Clause(id("a")),
            index: 2,
            delete: 1,
            insert: "é".into()
        }]
    );
}

#[test]
fn structure_and_status_changes_are_signalled() {
    let mut doc = new_draft();
    let done = change(&mut doc, &ctx(1), |tx| {
        draft::insert_clause(tx, &id("a"), &Placement::top_end(), "x", &[])
    })
    .unwrap();
    assert!(
        done.patches.contains(&DocPatch::Structure),
        "{:?}",
        done.patches
    );
    let done = change(&mut doc, &ctx(1), |tx| {
        draft::set_status(tx, &id("a"), ClauseStatus::Agreed)
    })
    .unwrap();
    assert_eq!(done.patches, vec![DocPatch::Clause { id: id("a") }]);
}

#[test]
fn remote_changes_yield_the_same_patches_as_local_ones() {
    let mut a = new_draft();
    change(&mut a, &ctx(1), |tx| {
        draft::insert_clause(tx, &id("c"), &Placement::top_end(), "Hola", &[])
    })
    .unwrap();
    let mut b = a.fork();
    let before = b.get_heads();
    let local = change(&mut a, &ctx(1), |tx| {
        draft::splice_clause(tx, &id("c"), &Splice::insert(4, " 🌎"))?;
        draft::splice_title(tx, &Splice::insert(0, "A "))
    })
    .unwrap();
    b.merge(&mut a).unwrap();
    let remote = patches_between(&b, &before, &b.get_heads());
    assert_eq!(remote, local.patches);
    assert_eq!(
        remote,
        vec![
            DocPatch::Splice {
                target: TextField::Title,
                index: 0,
                delete: 0,
                insert: "A ".into()
            },
            DocPatch::Splice {
                target: TextField::Clause(id("c")),
                index: 4,
                delete: 0,
                insert: " 🌎".into()
            },
        ]
    );
}

#[test]
fn every_change_carries_its_device_as_author() {
    let mut doc = new_draft();
    change(&mut doc, &ctx(2), |tx| {
        draft::insert_clause(tx, &id("a"), &Placement::top_end(), "x", &[])
    })
    .unwrap();
    change(&mut doc, &ctx(3), |tx| {
        draft::splice_clause(tx, &id("a"), &Splice::insert(1, "y"))
    })
    .unwrap();
    change(&mut doc, &ctx(3), |tx| {
        draft::splice_clause(tx, &id("a"), &Splice::insert(2, "z"))
    })
    .unwrap();
    let authors: Vec<DeviceId> = doc
        .get_changes(&[])
        .iter()
        .map(|c| author_of(&doc, c.actor_id()).expect("every change has an author"))
        .collect();
    assert_eq!(
        authors,
        [ctx(1).device, ctx(2).device, ctx(3).device, ctx(3).device]
    );
    // One actor per device while the document is open: no actor churn per keystroke.
    assert_eq!(doc.get_actors_for_author(&ctx(3).device.author()).len(), 1);
    // And the time is the one passed in.
    let last = doc.get_changes(&[]).last().unwrap().timestamp();
    assert_eq!(last, ctx(3).time.as_second());
}

#[test]
fn replacing_a_whole_text_yields_patches_that_rebuild_it() {
    let mut doc = new_draft();
    change(&mut doc, &ctx(1), |tx| {
        draft::insert_clause(
            tx,
            &id("a"),
            &Placement::top_end(),
            "Urge the Member Countries 🌎 now",
            &[],
        )
    })
    .unwrap();
    let new = "Urge all 😀 Member States now, ñ";
    let done = change(&mut doc, &ctx(1), |tx| {
        draft::set_clause_text(tx, &id("a"), new)
    })
    .unwrap();
    assert_eq!(
        apply_splices(
            "Urge the Member Countries 🌎 now",
            &done.patches,
            &TextField::Clause(id("a"))
        ),
        new
    );
}
