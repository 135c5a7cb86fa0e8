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

mod versions {
    use std::collections::BTreeMap;

    use accord_model::at::At;
    use accord_model::{
        DocId, MeetingDetails, Placement, Role, Splice, change, draft, meeting, roster,
    };

    use super::common::{id, key, keyed_ctx as ctx, mid, now};

    fn view(doc: &automerge::Automerge) -> accord_model::RosterView {
        roster::read(doc, &mid(), &key(1).device()).unwrap()
    }

    /// Founded by 1 (admin), with 2 a member; and a draft.
    fn meeting_and_draft() -> (automerge::Automerge, DocId, automerge::Automerge) {
        let mut m = automerge::Automerge::new();
        change(&mut m, &ctx(1), |tx| {
            meeting::create(tx, &MeetingDetails::titled("M"))?;
            roster::found(tx, &mid(), &key(1), "TS", "TS laptop", now())?;
            roster::add_device(
                tx,
                &mid(),
                &key(1).device(),
                &key(1),
                &key(2).device(),
                "Mexico",
                Role::Member,
                "MX",
                now(),
            )
        })
        .unwrap();
        let mut d = automerge::Automerge::new();
        change(&mut d, &ctx(1), |tx| {
            draft::create(tx, &mid(), "Declaration", "")?;
            draft::insert_clause(
                tx,
                &id("a"),
                &Placement::top_end(),
                "Urge the parties.",
                &[],
            )
        })
        .unwrap();
        (m, DocId::new("draft-1").unwrap(), d)
    }

    fn make(
        m: &mut automerge::Automerge,
        by: u8,
        name: &str,
        heads: &BTreeMap<DocId, Vec<automerge::ChangeHash>>,
    ) -> accord_model::Result<()> {
        change(m, &ctx(by), |tx| {
            roster::create_version(
                tx,
                &mid(),
                &key(1).device(),
                &key(by),
                name,
                "",
                heads,
                now(),
            )
        })
        .map(|_| ())
    }

    #[test]
    fn a_version_holds_the_heads_it_was_made_at_and_reads_the_draft_as_it_was() {
        let (mut m, draft_id, mut d) = meeting_and_draft();
        let then = draft::read(&d).unwrap();
        let heads = BTreeMap::from([(draft_id.clone(), d.get_heads())]);
        make(&mut m, 1, "Rev.1", &heads).unwrap();
        change(&mut d, &ctx(2), |tx| {
            draft::splice_clause(tx, &id("a"), &Splice::insert(0, "Strongly "))
        })
        .unwrap();
        let v = view(&m).versions;
        assert_eq!(v.len(), 1);
        assert_eq!(
            (v[0].name.as_str(), v[0].signer, v[0].duplicate_name),
            ("Rev.1", key(1).device(), false)
        );
        let at = At::new(&d, &v[0].heads[&draft_id]).unwrap();
        assert_eq!(draft::read(&at).unwrap(), then);
    }

    #[test]
    fn only_an_admin_makes_a_version_and_a_members_record_counts_for_nothing() {
        let (mut m, draft_id, d) = meeting_and_draft();
        let heads = BTreeMap::from([(draft_id, d.get_heads())]);
        let err = make(&mut m, 2, "Rev.1", &heads).unwrap_err();
        assert!(err.to_string().contains("not an admin"), "{err}");
        // Written anyway by the member as an admin would (its own key signs it): ignored.
        let mut forged = m.fork();
        change(&mut forged, &ctx(1), |tx| {
            roster::add_device(
                tx,
                &mid(),
                &key(1).device(),
                &key(1),
                &key(2).device(),
                "Mexico",
                Role::Admin,
                "MX",
                now(),
            )
        })
        .unwrap();
        make(&mut forged, 2, "Rev.1", &heads).unwrap();
        assert_eq!(view(&forged).versions.len(), 1);
        // The member's signed record, copied into the meeting where it is not an admin.
        use automerge::{ROOT, ReadDoc, transaction::Transactable};
        let records = |doc: &automerge::Automerge| {
            let (_, r) = doc.get(ROOT, "records").unwrap().unwrap();
            doc.map_range(&r, ..)
                .filter_map(|i| match i.value {
                    automerge::ValueRef::Scalar(automerge::ScalarValueRef::Bytes(b)) => {
                        Some((i.key.to_string(), b.to_vec()))
                    }
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        let known = records(&m);
        let theirs: Vec<_> = records(&forged)
            .into_iter()
            .filter(|r| !known.contains(r))
            .collect();
        assert_eq!(theirs.len(), 2, "the promotion and the version");
        change(&mut m, &ctx(2), |tx| {
            let (_, r) = tx.get(ROOT, "records")?.unwrap();
            for (k, bytes) in theirs {
                let rec =
                    roster::Record::decode(&mid(), &bytes, &roster::SignatureCache::new()).unwrap();
                if rec.signer == key(2).device() {
                    tx.put(&r, k, automerge::ScalarValue::Bytes(bytes))?;
                }
            }
            Ok::<_, accord_model::ModelError>(())
        })
        .unwrap();
        assert!(view(&m).versions.is_empty(), "{:?}", view(&m).versions);
    }

    #[test]
    fn two_versions_made_concurrently_under_one_name_are_both_kept_in_one_order_and_flagged() {
        let (mut m, draft_id, d) = meeting_and_draft();
        change(&mut m, &ctx(1), |tx| {
            roster::add_device(
                tx,
                &mid(),
                &key(1).device(),
                &key(1),
                &key(3).device(),
                "Peru",
                Role::Admin,
                "PE",
                now(),
            )
        })
        .unwrap();
        let heads = BTreeMap::from([(draft_id, d.get_heads())]);
        let mut a = m.fork();
        let mut b = m.fork();
        make(&mut a, 1, "Rev.2", &heads).unwrap();
        make(&mut b, 3, "Rev.2", &heads).unwrap();
        a.merge(&mut b.fork()).unwrap();
        b.merge(&mut m.fork()).unwrap();
        let mut b2 = b.fork();
        b2.merge(&mut a.fork()).unwrap();
        let (va, vb) = (view(&a).versions, view(&b2).versions);
        assert_eq!(va, vb);
        assert_eq!(va.len(), 2);
        assert!(va.iter().all(|v| v.duplicate_name && v.name == "Rev.2"));
    }
}
