//! The roster's signature rules: who counts, who does not, and invitations used once.

mod common;

use accord_model::{DeviceId, DocId, JoinRefusal, MeetingDetails, Role, change, meeting, roster};
use automerge::{ROOT, ReadDoc, ScalarValue, ScalarValueRef, transaction::Transactable};
use common::{ctx, key, mid, now};
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;

/// A meeting founded by key 1.
fn founded() -> automerge::Automerge {
    let mut doc = automerge::Automerge::new();
    change(&mut doc, &ctx(1), |tx| {
        meeting::create(tx, &MeetingDetails::titled("M"))?;
        roster::found(
            tx,
            &mid(),
            &key(1),
            "Technical Secretariat",
            "TS laptop",
            now(),
        )
    })
    .unwrap();
    doc
}

fn view(doc: &automerge::Automerge) -> accord_model::RosterView {
    roster::read(doc, &mid(), &key(1).device()).unwrap()
}

/// Founded by key 1, with key 2 added as Mexico's observer.
fn with_mexico_observing() -> automerge::Automerge {
    let mut doc = founded();
    change(&mut doc, &ctx(1), |tx| {
        roster::add_device(
            tx,
            &mid(),
            &key(1).device(),
            &key(1),
            &key(2).device(),
            "Mexico",
            Role::Observer,
            "MX",
            now(),
        )
    })
    .unwrap();
    doc
}

/// Writes `bytes` into the records map by hand, under their hash, as device `n`.
fn put_raw(doc: &mut automerge::Automerge, n: u8, bytes: Vec<u8>) {
    change(doc, &ctx(n), |tx| {
        let (_, r) = tx.get(ROOT, "records")?.unwrap();
        tx.put(&r, roster::record_key(&bytes), ScalarValue::Bytes(bytes))?;
        Ok::<_, accord_model::ModelError>(())
    })
    .unwrap();
}

/// Every record's bytes, as stored.
fn raw_records(doc: &automerge::Automerge) -> Vec<Vec<u8>> {
    let (_, r) = doc.get(ROOT, "records").unwrap().unwrap();
    doc.map_range(&r, ..)
        .filter_map(|item| match item.value {
            automerge::ValueRef::Scalar(ScalarValueRef::Bytes(b)) => Some(b.to_vec()),
            _ => None,
        })
        .collect()
}

/// Key 2 (Mexico's observer) stores altered copies of every record, each byte of the body
/// flipped in turn at one place: none of them matches its signature any more.
fn promote_itself(doc: &mut automerge::Automerge) {
    for bytes in raw_records(doc) {
        for i in [4, 10, bytes.len() - 97] {
            let mut b = bytes.clone();
            b[i] ^= 0x01;
            put_raw(doc, 2, b);
        }
    }
}

#[test]
fn the_founder_is_an_admin_and_may_add_devices() {
    let mut doc = founded();
    let f = key(1).device();
    change(&mut doc, &ctx(1), |tx| {
        roster::add_device(
            tx,
            &mid(),
            &f,
            &key(1),
            &key(2).device(),
            "Mexico",
            Role::Member,
            "MX",
            now(),
        )
    })
    .unwrap();
    let v = view(&doc);
    assert_eq!(v.role_of(&f), Some(Role::Admin));
    assert_eq!(v.role_of(&key(2).device()), Some(Role::Member));
    assert_eq!(v.active().count(), 2);
}

#[test]
fn a_member_cannot_add_devices_and_a_forged_entry_counts_for_nothing() {
    let mut doc = founded();
    let f = key(1).device();
    change(&mut doc, &ctx(1), |tx| {
        roster::add_device(
            tx,
            &mid(),
            &f,
            &key(1),
            &key(2).device(),
            "Mexico",
            Role::Member,
            "MX",
            now(),
        )
    })
    .unwrap();
    // The API refuses…
    let err = change(&mut doc, &ctx(2), |tx| {
        roster::add_device(
            tx,
            &mid(),
            &f,
            &key(2),
            &key(3).device(),
            "Mexico",
            Role::Admin,
            "x",
            now(),
        )
    })
    .unwrap_err();
    assert!(err.to_string().contains("not an admin"), "{err}");
    // …and an entry written into the document anyway (signed by a member) is not valid.
    let mut forged = founded();
    change(&mut forged, &ctx(1), |tx| {
        roster::add_device(
            tx,
            &mid(),
            &f,
            &key(1),
            &key(2).device(),
            "Mexico",
            Role::Member,
            "MX",
            now(),
        )
    })
    .unwrap();
    let mut by_member = forged.fork();
    // Simulate a member writing an entry signed with its own key.
    change(&mut by_member, &ctx(2), |tx| {
        roster::found(tx, &mid(), &key(2), "Mexico", "evil", now())
    })
    .unwrap();
    let v = roster::read(&by_member, &mid(), &f).unwrap();
    assert_eq!(
        v.role_of(&key(2).device()),
        Some(Role::Member),
        "a self-signed entry of a non-founder does not count"
    );
    // A record made by a member's own key, admitting a new device, counts for nothing.
    let mut by_member = doc.fork();
    change(&mut by_member, &ctx(2), |tx| {
        roster::found(tx, &mid(), &key(2), "Peru", "evil", now())
    })
    .unwrap();
    let v = roster::read(&by_member, &mid(), &f).unwrap();
    assert_eq!(v.entries.len(), 2, "no new device: {v:?}");
    assert_eq!(v.role_of(&key(2).device()), Some(Role::Member));
}

#[test]
fn a_tampered_entry_loses_its_validity() {
    let mut doc = with_mexico_observing();
    let before = view(&doc);
    promote_itself(&mut doc);
    assert_eq!(view(&doc), before, "altered records count for nothing");
    assert_eq!(view(&doc).role_of(&key(2).device()), Some(Role::Observer));
}

#[test]
fn a_different_pinned_founder_validates_nothing() {
    let doc = founded();
    let v = roster::read(&doc, &mid(), &key(9).device()).unwrap();
    assert_eq!(v.active().count(), 0);
    // And entries are bound to their meeting.
    let v = roster::read(&doc, &DocId::new("other").unwrap(), &key(1).device()).unwrap();
    assert_eq!(v.active().count(), 0);
}

#[test]
fn revoked_devices_and_what_they_sign_afterwards_do_not_count() {
    let mut doc = founded();
    let f = key(1).device();
    change(&mut doc, &ctx(1), |tx| {
        roster::add_device(
            tx,
            &mid(),
            &f,
            &key(1),
            &key(2).device(),
            "Mexico",
            Role::Admin,
            "MX",
            now(),
        )
    })
    .unwrap();
    change(&mut doc, &ctx(2), |tx| {
        roster::add_device(
            tx,
            &mid(),
            &f,
            &key(2),
            &key(3).device(),
            "Mexico",
            Role::Member,
            "MX2",
            now(),
        )
    })
    .unwrap();
    let later = now() + SignedDuration::from_secs(60);
    change(&mut doc, &ctx(1), |tx| {
        roster::revoke(
            tx,
            &mid(),
            &f,
            &key(1),
            &key(2).device(),
            &BTreeMap::new(),
            later,
        )
    })
    .unwrap();
    let v = view(&doc);
    assert_eq!(v.role_of(&key(2).device()), None);
    assert!(v.entry(&key(2).device()).unwrap().revoked);
    assert_eq!(
        v.role_of(&key(3).device()),
        Some(Role::Member),
        "signed before the revocation"
    );
    // An entry the revoked admin signs later does not count (its API refuses, so write it by hand).
    let evil = roster::read(&doc, &mid(), &f).unwrap();
    assert!(evil.role_of(&key(2).device()).is_none());
    let err = change(&mut doc, &ctx(2), |tx| {
        roster::add_device(
            tx,
            &mid(),
            &f,
            &key(2),
            &key(5).device(),
            "Mexico",
            Role::Admin,
            "x",
            later,
        )
    })
    .unwrap_err();
    assert!(err.to_string().contains("not an admin"));
    // The founder cannot be revoked.
    assert!(
        change(&mut doc, &ctx(1), |tx| roster::revoke(
            tx,
            &mid(),
            &f,
            &key(1),
            &f,
            &BTreeMap::new(),
            later
        ))
        .is_err()
    );
}

#[test]
fn an_invitation_admits_one_device_once_before_it_expires() {
    let mut doc = founded();
    let f = key(1).device();
    let secret = [42u8; 32];
    let expires = now() + SignedDuration::from_hours(24);
    change(&mut doc, &ctx(1), |tx| {
        roster::invite(
            tx,
            &mid(),
            &f,
            &key(1),
            &secret,
            "Costa Rica",
            Role::Member,
            expires,
        )
    })
    .unwrap();
    let admit = |doc: &mut automerge::Automerge, secret: [u8; 32], who: DeviceId, at: Timestamp| {
        change(doc, &ctx(1), |tx| {
            roster::admit(tx, &mid(), &f, &key(1), &secret, &who, "CR", at)
        })
        .unwrap()
        .value
    };
    let entry = admit(&mut doc, secret, key(3).device(), now()).unwrap();
    assert_eq!(
        (entry.party.as_str(), entry.role, entry.valid),
        ("Costa Rica", Role::Member, true)
    );
    assert_eq!(
        admit(&mut doc, secret, key(4).device(), now()),
        Err(JoinRefusal::Used)
    );
    assert!(
        admit(&mut doc, secret, key(3).device(), now()).is_ok(),
        "the same device may ask again"
    );
    assert_eq!(
        admit(&mut doc, [7; 32], key(4).device(), now()),
        Err(JoinRefusal::Unknown)
    );
    let secret2 = [43u8; 32];
    change(&mut doc, &ctx(1), |tx| {
        roster::invite(
            tx,
            &mid(),
            &f,
            &key(1),
            &secret2,
            "Peru",
            Role::Observer,
            now(),
        )
    })
    .unwrap();
    assert!(matches!(
        admit(&mut doc, secret2, key(5).device(), now()),
        Err(JoinRefusal::Expired(_))
    ));
    // Only the hash of a secret is in the document.
    let saved = doc.save();
    assert!(
        !saved.windows(32).any(|w| w == secret),
        "the secret itself must not be stored"
    );
}

#[test]
fn remembered_signature_checks_give_the_same_roster_and_still_catch_tampering() {
    let mut doc = with_mexico_observing();
    let f = key(1).device();
    let cache = roster::SignatureCache::new();
    let cached = roster::read_with(&doc, &mid(), &f, &cache).unwrap();
    assert_eq!(cached, view(&doc));
    // Read again from the cache alone, then after the entry was tampered with: the
    // remembered check was of other bytes, so the tampered entry is checked afresh.
    assert_eq!(roster::read_with(&doc, &mid(), &f, &cache).unwrap(), cached);
    promote_itself(&mut doc);
    let after = roster::read_with(&doc, &mid(), &f, &cache).unwrap();
    assert_eq!(after.role_of(&key(2).device()), Some(Role::Observer));
    assert_eq!(after, view(&doc));
}

fn add(doc: &mut automerge::Automerge, by: u8, who: u8, role: Role) {
    change(doc, &ctx(by), |tx| {
        roster::add_device(
            tx,
            &mid(),
            &key(1).device(),
            &key(by),
            &key(who).device(),
            "Mexico",
            role,
            "MX",
            now(),
        )
    })
    .unwrap();
}

fn revoke(doc: &mut automerge::Automerge, by: u8, who: u8) -> accord_model::Result<()> {
    change(doc, &ctx(by), |tx| {
        roster::revoke(
            tx,
            &mid(),
            &key(1).device(),
            &key(by),
            &key(who).device(),
            &BTreeMap::new(),
            now(),
        )
    })
    .map(|_| ())
}

fn restore(doc: &mut automerge::Automerge, by: u8, who: u8) -> accord_model::Result<()> {
    change(doc, &ctx(by), |tx| {
        roster::restore(
            tx,
            &mid(),
            &key(1).device(),
            &key(by),
            &key(who).device(),
            now(),
        )
    })
    .map(|_| ())
}

#[test]
fn a_revocation_is_undone_only_by_a_record_of_an_admin() {
    let mut doc = founded();
    add(&mut doc, 1, 2, Role::Member);
    add(&mut doc, 1, 3, Role::Member);
    revoke(&mut doc, 1, 3).unwrap();
    assert!(view(&doc).is_revoked(&key(3).device()));
    // A member's restoration is refused by the API…
    let err = restore(&mut doc, 2, 3).unwrap_err();
    assert!(err.to_string().contains("not an admin"), "{err}");
    // …and counts for nothing when written anyway, signed by the member.
    let mut forged = doc.fork();
    add(&mut forged, 1, 2, Role::Admin);
    restore(&mut forged, 2, 3).unwrap();
    // (in `forged` key 2 is an admin; in `doc` it is not: its records there count for nothing)
    let mut copy = doc.fork();
    for b in raw_records(&forged) {
        if !raw_records(&doc).contains(&b) {
            let rec = roster::Record::decode(&mid(), &b, &roster::SignatureCache::new()).unwrap();
            if rec.signer == key(2).device() {
                put_raw(&mut copy, 2, b);
            }
        }
    }
    assert!(
        view(&copy).is_revoked(&key(3).device()),
        "a member's record restores nobody"
    );
    // An admin's restoration does.
    restore(&mut doc, 1, 3).unwrap();
    assert_eq!(view(&doc).role_of(&key(3).device()), Some(Role::Member));
}

#[test]
fn concurrent_roster_records_read_the_same_in_any_order_of_arrival() {
    let mut base = founded();
    add(&mut base, 1, 2, Role::Admin);
    add(&mut base, 1, 3, Role::Member);
    add(&mut base, 1, 4, Role::Member);
    revoke(&mut base, 1, 4).unwrap();
    // Admin 1 revokes device 3 while admin 2, concurrently, restores device 4 and revokes 3.
    let mut a = base.fork();
    let mut b = base.fork();
    revoke(&mut a, 1, 3).unwrap();
    restore(&mut b, 2, 4).unwrap();
    add(&mut b, 2, 5, Role::Observer);
    let mut ab = a.fork();
    ab.merge(&mut b.fork()).unwrap();
    let mut ba = b.fork();
    ba.merge(&mut a.fork()).unwrap();
    assert_eq!(view(&ab), view(&ba));
    let v = view(&ab);
    assert!(v.is_revoked(&key(3).device()));
    assert_eq!(v.role_of(&key(4).device()), Some(Role::Member));
    assert_eq!(v.role_of(&key(5).device()), Some(Role::Observer));
}

#[test]
fn a_revoked_device_is_not_admitted_again_by_an_invitation() {
    let mut doc = founded();
    add(&mut doc, 1, 3, Role::Member);
    revoke(&mut doc, 1, 3).unwrap();
    let secret = [42u8; 32];
    let f = key(1).device();
    change(&mut doc, &ctx(1), |tx| {
        roster::invite(
            tx,
            &mid(),
            &f,
            &key(1),
            &secret,
            "Peru",
            Role::Member,
            now() + SignedDuration::from_hours(1),
        )
    })
    .unwrap();
    let answer = change(&mut doc, &ctx(1), |tx| {
        roster::admit(
            tx,
            &mid(),
            &f,
            &key(1),
            &secret,
            &key(3).device(),
            "again",
            now(),
        )
    })
    .unwrap()
    .value;
    assert_eq!(answer, Err(JoinRefusal::Revoked));
    let v = view(&doc);
    assert!(v.is_revoked(&key(3).device()));
    assert_eq!(v.invites[0].used_by, None, "the invitation is not used up");
}

#[test]
fn a_meeting_of_version_one_reads_as_before_and_converts_to_records() {
    // A version-1 meeting, written as earlier builds did.
    let f = key(1);
    let mut doc = automerge::Automerge::new();
    change(&mut doc, &ctx(1), |tx| {
        tx.put(ROOT, "schema", "accord/meeting")?;
        tx.put(ROOT, "schema_version", ScalarValue::Uint(1))?;
        tx.put_object(ROOT, "title", automerge::ObjType::Text)?;
        tx.put(ROOT, "founder", f.device().to_string())?;
        let r = tx.put_object(ROOT, "roster", automerge::ObjType::Map)?;
        tx.put_object(ROOT, "revoked", automerge::ObjType::Map)?;
        tx.put_object(ROOT, "invites", automerge::ObjType::Map)?;
        for (n, role, name) in [(1u8, "admin", "TS"), (2, "member", "MX")] {
            let d = key(n).device();
            let issued = now().as_millisecond();
            let msg = format!(
                "accord/roster/1\0{}\0{d}\0Mexico\0{role}\0{name}\0{issued}",
                mid()
            );
            let e = tx.put_object(&r, d.to_string(), automerge::ObjType::Map)?;
            tx.put(&e, "party", "Mexico")?;
            tx.put(&e, "role", role)?;
            tx.put(&e, "name", name)?;
            tx.put(&e, "signer", f.device().to_string())?;
            tx.put(&e, "issued", ScalarValue::Timestamp(issued))?;
            tx.put(&e, "sig", ScalarValue::Bytes(f.sign(msg.as_bytes())))?;
            tx.put_object(&e, "addrs", automerge::ObjType::List)?;
        }
        Ok::<_, accord_model::ModelError>(())
    })
    .unwrap();
    let old = view(&doc);
    assert!(old.legacy);
    assert_eq!(old.role_of(&key(2).device()), Some(Role::Member));
    // The first roster write of an admin converts it.
    add(&mut doc, 1, 3, Role::Observer);
    let new = view(&doc);
    assert!(!new.legacy);
    assert_eq!(new.role_of(&key(1).device()), Some(Role::Admin));
    assert_eq!(new.role_of(&key(2).device()), Some(Role::Member));
    assert_eq!(new.role_of(&key(3).device()), Some(Role::Observer));
    assert_eq!(
        accord_model::schema::detect(&doc).unwrap(),
        accord_model::DocKind::Meeting
    );
}
