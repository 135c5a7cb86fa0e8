//! What this device takes from outside: roster records are append-only whoever claims to
//! write, observers do not write, a revoked device's changes its revoker lacked are held.

mod common;

use std::collections::{BTreeMap, HashSet};

use accord_model::admission::{self, Gate, Refusal, Verdict};
use accord_model::{
    ClauseId, DocId, MeetingDetails, Placement, Role, RosterView, change, draft, meeting, roster,
};
use automerge::{Automerge, Change, ROOT, ReadDoc, ScalarValue, transaction::Transactable};
use common::{key, keyed_ctx as ctx, mid, now};

/// Founded by 1; 2 and 4 members, 3 an observer.
fn meeting_doc() -> Automerge {
    let mut doc = Automerge::new();
    change(&mut doc, &ctx(1), |tx| {
        meeting::create(tx, &MeetingDetails::titled("M"))?;
        roster::found(tx, &mid(), &key(1), "TS", "TS laptop", now())?;
        for (n, role) in [(2, Role::Member), (3, Role::Observer), (4, Role::Member)] {
            roster::add_device(
                tx,
                &mid(),
                &key(1).device(),
                &key(1),
                &key(n).device(),
                "Mexico",
                role,
                "MX",
                now(),
            )?;
        }
        Ok(())
    })
    .unwrap();
    doc
}

fn view(doc: &Automerge) -> RosterView {
    roster::read(doc, &mid(), &key(1).device()).unwrap()
}

/// The verdicts on what `from` has that `to` lacks, for the meeting document.
fn verdicts(to: &Automerge, from: &Automerge) -> Vec<Verdict> {
    let changes: Vec<Change> = from.get_changes(&to.get_heads());
    let roster = view(to);
    let cache = roster::SignatureCache::new();
    let held = HashSet::new();
    let gate = Gate {
        doc: &mid(),
        meeting: &mid(),
        roster: Some(&roster),
        held: &held,
        cache: &cache,
    };
    admission::sort(to, &gate, &changes)
}

fn records_map(doc: &impl ReadDoc) -> automerge::ObjId {
    doc.get(ROOT, "records").unwrap().unwrap().1
}

fn tampered(
    by: u8,
    f: impl FnOnce(&mut automerge::transaction::Transaction<'_>, automerge::ObjId),
) -> Vec<Verdict> {
    let founder = meeting_doc();
    let mut peer = founder.fork();
    peer.set_author(Some(key(by).device().author()));
    let mut tx = peer.transaction();
    let records = records_map(&tx);
    f(&mut tx, records);
    tx.commit();
    verdicts(&founder, &peer)
}

fn refused(v: &[Verdict]) -> bool {
    matches!(v, [Verdict::Refuse(Refusal::RosterTampered(_))])
}

#[test]
fn a_deleted_roster_record_is_refused() {
    let v = tampered(2, |tx, records| {
        let k = tx.keys(&records).next().unwrap();
        tx.delete(&records, k).unwrap();
    });
    assert!(refused(&v), "{v:?}");
}

#[test]
fn an_overwritten_roster_record_is_refused() {
    // Overwritten by another record, validly signed, that is stored elsewhere.
    let v = tampered(2, |tx, records| {
        let mut keys = tx.keys(&records);
        let (k, other) = (keys.next().unwrap(), keys.next().unwrap());
        drop(keys);
        let (value, _) = tx.get(&records, other.as_str()).unwrap().unwrap();
        let bytes = value.as_scalar().unwrap().as_bytes().unwrap().to_vec();
        tx.put(&records, k, ScalarValue::Bytes(bytes)).unwrap();
    });
    assert!(refused(&v), "{v:?}");
}

#[test]
fn a_record_stored_under_another_key_or_unsigned_is_refused() {
    let v = tampered(2, |tx, records| {
        tx.put(&records, "00", ScalarValue::Bytes(vec![1, 2, 3]))
            .unwrap();
    });
    assert!(refused(&v), "{v:?}");
    let junk = vec![0u8; 200];
    let v = tampered(2, |tx, records| {
        tx.put(
            &records,
            roster::record_key(&junk),
            ScalarValue::Bytes(junk.clone()),
        )
        .unwrap();
    });
    assert!(refused(&v), "{v:?}");
}

#[test]
fn replacing_the_records_or_the_founder_is_refused() {
    let v = tampered(1, |tx, _| {
        tx.put_object(ROOT, "records", automerge::ObjType::Map)
            .unwrap();
    });
    assert!(refused(&v), "{v:?}");
    let v = tampered(2, |tx, _| tx.delete(ROOT, "records").unwrap());
    assert!(refused(&v), "{v:?}");
    let v = tampered(2, |tx, _| {
        tx.put(ROOT, "founder", key(2).device().to_string())
            .unwrap()
    });
    assert!(refused(&v), "{v:?}");
    let v = tampered(2, |tx, _| {
        tx.put(ROOT, "schema_version", ScalarValue::Uint(99))
            .unwrap()
    });
    assert!(refused(&v), "{v:?}");
}

#[test]
fn a_validly_signed_record_and_ordinary_edits_are_taken() {
    let founder = meeting_doc();
    let mut peer = founder.fork();
    // A member signs a record of its own: taken, and counts for nothing when read.
    change(&mut peer, &ctx(2), |tx| {
        roster::found(tx, &mid(), &key(2), "Peru", "self-made", now())
    })
    .unwrap();
    change(&mut peer, &ctx(2), |tx| {
        let mut d = meeting::read(tx)?.details;
        d.venue = "Managua".into();
        meeting::set_details(tx, &d)
    })
    .unwrap();
    let v = verdicts(&founder, &peer);
    assert_eq!(v, vec![Verdict::Accept, Verdict::Accept]);
    assert_eq!(view(&peer).role_of(&key(2).device()), Some(Role::Member));
}

#[test]
fn a_change_built_on_a_refused_one_is_refused() {
    let founder = meeting_doc();
    let mut peer = founder.fork();
    peer.set_author(Some(key(2).device().author()));
    let mut tx = peer.transaction();
    let records = records_map(&tx);
    let k = tx.keys(&records).next().unwrap();
    tx.delete(&records, k).unwrap();
    tx.commit();
    change(&mut peer, &ctx(2), |tx| {
        let mut d = meeting::read(tx)?.details;
        d.venue = "Managua".into();
        meeting::set_details(tx, &d)
    })
    .unwrap();
    let v = verdicts(&founder, &peer);
    assert!(
        matches!(v[0], Verdict::Refuse(Refusal::RosterTampered(_))),
        "{v:?}"
    );
    assert_eq!(v[1], Verdict::Refuse(Refusal::DependsOnRefused));
}

#[test]
fn an_observers_change_is_refused_whoever_relays_it() {
    let founder = meeting_doc();
    let mut peer = founder.fork();
    change(&mut peer, &ctx(3), |tx| {
        let mut d = meeting::read(tx)?.details;
        d.venue = "Managua".into();
        meeting::set_details(tx, &d)
    })
    .unwrap();
    let v = verdicts(&founder, &peer);
    assert!(
        matches!(v.as_slice(), [Verdict::Refuse(Refusal::Observer(_))]),
        "{v:?}"
    );
}

/// A draft of the meeting, and a clause typed into it by `n`.
fn draft_doc() -> (DocId, Automerge) {
    let mut d = Automerge::new();
    change(&mut d, &ctx(1), |tx| {
        draft::create(tx, &mid(), "Declaration", "")
    })
    .unwrap();
    (DocId::new("draft-1").unwrap(), d)
}

fn type_clause(doc: &mut Automerge, n: u8, id: &str) {
    change(doc, &ctx(n), |tx| {
        draft::insert_clause(
            tx,
            &ClauseId::new(id).unwrap(),
            &Placement::top_end(),
            "text",
            &[],
        )
    })
    .unwrap();
}

#[test]
fn a_revoked_devices_changes_its_revoker_lacked_are_held_from_any_relay() {
    let mut meeting_a = meeting_doc();
    let (draft_id, mut draft_a) = draft_doc();
    let draft_e = draft_a.fork();
    // Device 4 writes a clause that A receives, then, cut off from A, a second one.
    let mut draft_4 = draft_a.fork();
    type_clause(&mut draft_4, 4, "before");
    draft_a.merge(&mut draft_4.fork()).unwrap();
    type_clause(&mut draft_4, 4, "after");
    // A revokes device 4, recording what it has of the draft.
    let cutoff = BTreeMap::from([(draft_id.clone(), draft_a.get_heads())]);
    change(&mut meeting_a, &ctx(1), |tx| {
        roster::revoke(
            tx,
            &mid(),
            &key(1).device(),
            &key(1),
            &key(4).device(),
            &cutoff,
            now(),
        )
    })
    .unwrap();
    // E had neither of 4's clauses; it has A's roster now, and gets both of 4's clauses
    // and a clause of member 2 built on them, from a relay.
    let mut relay = draft_4.fork();
    type_clause(&mut relay, 2, "built-on");
    let changes = relay.get_changes(&draft_e.get_heads());
    let roster = view(&meeting_a);
    assert_eq!(roster.revocations.len(), 1);
    let cache = roster::SignatureCache::new();
    let held = HashSet::new();
    let gate = Gate {
        doc: &draft_id,
        meeting: &mid(),
        roster: Some(&roster),
        held: &held,
        cache: &cache,
    };
    let v = admission::sort(&draft_e, &gate, &changes);
    assert_eq!(
        v,
        vec![Verdict::Accept, Verdict::Hold, Verdict::Hold],
        "{changes:?}"
    );
    // Once held, later changes built on them wait too.
    let held: HashSet<_> = changes[1..].iter().map(|c| c.hash()).collect();
    let mut later = relay.fork();
    type_clause(&mut later, 2, "later");
    let more = later.get_changes(&relay.get_heads());
    let gate = Gate {
        held: &held,
        ..gate
    };
    assert_eq!(admission::sort(&draft_e, &gate, &more), vec![Verdict::Hold]);
}

#[test]
fn a_revoked_admins_record_is_held_whatever_author_its_change_claims() {
    // Device 5 is an admin; the founder revokes it. It signs, on a copy from before its
    // revocation, an admission of device 7 as admin, in a change claiming member 2 as author.
    let mut founder = meeting_doc();
    change(&mut founder, &ctx(1), |tx| {
        roster::add_device(
            tx,
            &mid(),
            &key(1).device(),
            &key(1),
            &key(5).device(),
            "Peru",
            Role::Admin,
            "PE",
            now(),
        )
    })
    .unwrap();
    let mut rogue = founder.fork();
    change(&mut founder, &ctx(1), |tx| {
        roster::revoke(
            tx,
            &mid(),
            &key(1).device(),
            &key(1),
            &key(5).device(),
            &BTreeMap::new(),
            now(),
        )
    })
    .unwrap();
    change(&mut rogue, &ctx(2), |tx| {
        roster::add_device(
            tx,
            &mid(),
            &key(1).device(),
            &key(5),
            &key(7).device(),
            "Peru",
            Role::Admin,
            "puppet",
            now(),
        )
    })
    .unwrap();
    let v = verdicts(&founder, &rogue);
    assert_eq!(v.last(), Some(&Verdict::Hold), "{v:?}");
    assert!(
        v[..v.len() - 1].iter().all(|v| *v == Verdict::Accept),
        "what the founder has"
    );
}

#[test]
fn the_schema_version_is_never_set_back_and_a_legacy_roster_is_not_emptied_by_a_member() {
    let v = tampered(2, |tx, _| {
        tx.put(ROOT, "schema_version", ScalarValue::Uint(1))
            .unwrap()
    });
    assert!(refused(&v), "{v:?}");
    // A version-1 meeting: a member makes an empty records map, which would empty the roster.
    let mut legacy = Automerge::new();
    change(&mut legacy, &ctx(1), |tx| {
        tx.put(ROOT, "schema", "accord/meeting")?;
        tx.put(ROOT, "schema_version", ScalarValue::Uint(1))?;
        tx.put(ROOT, "founder", key(1).device().to_string())?;
        tx.put_object(ROOT, "roster", automerge::ObjType::Map)?;
        Ok::<_, accord_model::ModelError>(())
    })
    .unwrap();
    let mut member = legacy.fork();
    change(&mut member, &ctx(2), |tx| {
        tx.put_object(ROOT, "records", automerge::ObjType::Map)?;
        Ok::<_, accord_model::ModelError>(())
    })
    .unwrap();
    let roster = roster::read(&legacy, &mid(), &key(1).device()).unwrap();
    assert!(roster.legacy);
    let cache = roster::SignatureCache::new();
    let held = HashSet::new();
    let gate = Gate {
        doc: &mid(),
        meeting: &mid(),
        roster: Some(&roster),
        held: &held,
        cache: &cache,
    };
    let v = admission::sort(&legacy, &gate, &member.get_changes(&legacy.get_heads()));
    assert!(refused(&v), "{v:?}");
}
