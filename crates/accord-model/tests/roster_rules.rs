//! The roster's signature rules: who counts, who does not, and invitations used once.

mod common;

use accord_model::{
    DeviceId, DeviceKey, DocId, JoinRefusal, MeetingDetails, Role, change, meeting, roster,
};
use automerge::{ROOT, ReadDoc, transaction::Transactable};
use common::ctx;
use jiff::{SignedDuration, Timestamp};

fn key(n: u8) -> DeviceKey {
    DeviceKey::from_secret(&[n; 32])
}

fn mid() -> DocId {
    DocId::new("meeting-1").unwrap()
}

fn now() -> Timestamp {
    Timestamp::from_second(1_800_000_000).unwrap()
}

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

/// Key 2 rewrites its own roster entry to make itself an admin.
fn promote_itself(doc: &mut automerge::Automerge) {
    change(doc, &ctx(2), |tx| {
        let (_, r) = tx.get(ROOT, "roster")?.unwrap();
        let (_, e) = tx.get(&r, key(2).device().to_string())?.unwrap();
        tx.put(&e, "role", "admin")?;
        Ok::<_, accord_model::ModelError>(())
    })
    .unwrap();
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
        None,
        "a self-signed entry of a non-founder does not count"
    );
    // An unsigned entry does not count either.
    change(&mut doc, &ctx(1), |tx| {
        let (_, r) = tx.get(ROOT, "roster")?.unwrap();
        let e = tx.put_object(&r, key(4).device().to_string(), automerge::ObjType::Map)?;
        tx.put(&e, "party", "Peru")?;
        tx.put(&e, "role", "admin")?;
        tx.put(&e, "signer", f.to_string())?;
        Ok::<_, accord_model::ModelError>(())
    })
    .unwrap();
    let v = view(&doc);
    assert!(!v.entry(&key(4).device()).unwrap().valid);
    assert_eq!(v.role_of(&key(4).device()), None);
}

#[test]
fn a_tampered_entry_loses_its_validity() {
    let mut doc = with_mexico_observing();
    promote_itself(&mut doc);
    assert_eq!(view(&doc).role_of(&key(2).device()), None);
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
        roster::revoke(tx, &mid(), &f, &key(1), &key(2).device(), later)
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
    assert_eq!(after.role_of(&key(2).device()), None);
    assert_eq!(after, view(&doc));
}
