//! The roster holds against a member who rewrites it and against a revoked device whose
//! changes come through a relay: devices of three delegations over real iroh endpoints on
//! loopback, one of them running a modified client (its changes made on a raw copy of the
//! document and applied as its own edits).

mod common;

use std::time::Duration;

use accord::bench_support;
use accord::model::automerge::{self, ROOT, ReadDoc, transaction::Transactable};
use accord::model::{ClauseId, DocId, MeetingDetails, Placement, Role, Splice, TextField, roster};
use accord::{NetMode, Workspace};
use common::{WAIT, clause_text, device, eventually, reopen};

async fn join(host: &Workspace, guest: &Workspace, meeting: &DocId, party: &str) -> String {
    let inv = host
        .invite(meeting, party, Role::Member, Duration::from_secs(3600))
        .await
        .unwrap();
    tokio::time::timeout(WAIT, guest.join(&inv.ticket))
        .await
        .expect("join in time")
        .unwrap();
    inv.ticket
}

struct Room {
    ts: Workspace,
    mx: Workspace,
    cr: Workspace,
    m: DocId,
    d: DocId,
    c: ClauseId,
    /// A second draft and clause, for edits that must not depend on the first.
    d2: DocId,
    c2: ClauseId,
    /// The ticket Costa Rica joined with.
    cr_ticket: String,
}

/// The TS founds a meeting with two drafts of a clause each; Mexico and Costa Rica join as
/// members.
async fn room(dirs: &[tempfile::TempDir]) -> Room {
    let ts = device(dirs[0].path(), "Technical Secretariat").await;
    let mx = device(dirs[1].path(), "Mexico").await;
    let cr = device(dirs[2].path(), "Costa Rica").await;
    let m = ts
        .create_meeting(&MeetingDetails::titled("Liaison Network"), &[])
        .await
        .unwrap();
    let d = ts.create_draft(&m, "Declaration", "").await.unwrap();
    let c = ts
        .insert_clause(&d, &Placement::top_end(), "Urge the parties.")
        .await
        .unwrap();
    let d2 = ts.create_draft(&m, "Annex", "").await.unwrap();
    let c2 = ts
        .insert_clause(&d2, &Placement::top_end(), "Note the annex.")
        .await
        .unwrap();
    join(&ts, &mx, &m, "Mexico").await;
    let cr_ticket = join(&ts, &cr, &m, "Costa Rica").await;
    for ws in [&mx, &cr] {
        eventually("the drafts arrive", || async {
            clause_text(ws, &d, &c).await.is_some() && clause_text(ws, &d2, &c2).await.is_some()
        })
        .await;
        eventually("the roster arrives", || async {
            ws.roster(&m).await.is_ok_and(|r| r.active().count() == 3)
        })
        .await;
    }
    Room {
        ts,
        mx,
        cr,
        m,
        d,
        c,
        d2,
        c2,
        cr_ticket,
    }
}

/// The key of the record in `records` that says `pick` of its fact.
fn record_where(
    tx: &automerge::transaction::Transaction<'_>,
    m: &DocId,
    pick: impl Fn(&roster::Fact) -> bool,
) -> (automerge::ObjId, String) {
    let (_, records) = tx.get(ROOT, "records").unwrap().unwrap();
    let cache = roster::SignatureCache::new();
    let key = tx
        .keys(&records)
        .find(|k| {
            let (v, _) = tx.get(&records, k.as_str()).unwrap().unwrap();
            let bytes = v.as_scalar().unwrap().as_bytes().unwrap().to_vec();
            pick(&roster::Record::decode(m, &bytes, &cache).unwrap().fact)
        })
        .expect("such a record");
    (records, key)
}

/// Mexico's modified client changes its copy of the meeting document with `f`; the change is
/// applied as Mexico's own, so it goes out to its peers. Returns the change's hash.
async fn tamper(
    mx: &Workspace,
    m: &DocId,
    f: impl FnOnce(&mut automerge::transaction::Transaction<'_>),
) -> automerge::ChangeHash {
    let mut copy = bench_support::fork(mx, m).await.unwrap();
    copy.set_author(Some(mx.device().author()));
    let before = copy.get_heads();
    let mut tx = copy.transaction();
    f(&mut tx);
    tx.commit();
    let changes = copy.get_changes(&before);
    let hash = changes[0].hash();
    bench_support::apply_changes(mx, m, changes).await.unwrap();
    hash
}

/// Mexico types into the clause, and waits until the TS has it: what Mexico sent before
/// that has been through the TS's admission by then (one connection, in order).
async fn marker(mx: &Workspace, ts: &Workspace, d: &DocId, c: &ClauseId, text: &str) {
    mx.splice(d, &TextField::Clause(c.clone()), &Splice::insert(0, text))
        .await
        .unwrap();
    eventually("Mexico's edit reaches the TS", || async {
        clause_text(ts, d, c)
            .await
            .is_some_and(|t| t.contains(text))
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_member_cannot_remove_members_or_undo_a_revocation() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let Room {
        ts,
        mx,
        cr,
        m,
        d,
        c,
        cr_ticket,
        ..
    } = room(&dirs).await;
    let cr_id = cr.device();
    cr.close().await.unwrap();

    // Mexico makes Costa Rica's used invitation look unused again, and a newcomer tries the
    // old ticket.
    let reopened = tamper(&mx, &m, |tx| {
        let (records, k) = record_where(
            tx,
            &m,
            |f| matches!(f, roster::Fact::Consume { device, .. } if *device == *cr_id.as_bytes()),
        );
        tx.delete(&records, k).unwrap();
    })
    .await;
    marker(&mx, &ts, &d, &c, "MX0 ").await;
    assert!(
        !bench_support::has_changes(&ts, &m, &[reopened])
            .await
            .unwrap()
    );
    let newcomer_dir = tempfile::tempdir().unwrap();
    let newcomer = device(newcomer_dir.path(), "Peru").await;
    let err = tokio::time::timeout(WAIT, newcomer.join(&cr_ticket))
        .await
        .expect("an answer in time")
        .unwrap_err();
    assert!(err.to_string().contains("already used"), "{err}");
    newcomer.close().await.unwrap();

    // The TS revokes Costa Rica; Mexico deletes the revocation.
    ts.revoke(&m, &cr_id).await.unwrap();
    eventually("Mexico sees the revocation", || async {
        mx.roster(&m).await.is_ok_and(|r| r.is_revoked(&cr_id))
    })
    .await;
    let undone = tamper(&mx, &m, |tx| {
        let (records, k) = record_where(tx, &m, |f| matches!(f, roster::Fact::Revoke { .. }));
        tx.delete(&records, k).unwrap();
    })
    .await;
    marker(&mx, &ts, &d, &c, "MX1 ").await;
    assert!(
        !bench_support::has_changes(&ts, &m, &[undone])
            .await
            .unwrap(),
        "the TS took a change that deletes a revocation"
    );
    let roster = ts.roster(&m).await.unwrap();
    assert!(roster.is_revoked(&cr_id), "a member undid a revocation");

    // Mexico deletes Costa Rica's admission, to take it off the roster.
    let cr_bytes = *cr_id.as_bytes();
    let removed = tamper(&mx, &m, |tx| {
        let (records, k) = record_where(
            tx,
            &m,
            |f| matches!(f, roster::Fact::Admit { device, .. } if *device == cr_bytes),
        );
        tx.delete(&records, k).unwrap();
    })
    .await;
    marker(&mx, &ts, &d, &c, "MX2 ").await;
    assert!(
        !bench_support::has_changes(&ts, &m, &[removed])
            .await
            .unwrap()
    );
    let roster = ts.roster(&m).await.unwrap();
    assert!(roster.entry(&cr_id).is_some(), "a member removed a member");
    assert_eq!(roster.entries.len(), 3);

    // Costa Rica, revoked, cannot join again: not with a fresh ticket, nor after it forgot
    // the meeting.
    for forget in [false, true] {
        if forget {
            std::fs::remove_file(dirs[2].path().join("pins.json")).unwrap();
        }
        let cr = reopen(dirs[2].path(), NetMode::Loopback).await;
        let inv = ts
            .invite(&m, "Costa Rica", Role::Member, Duration::from_secs(3600))
            .await
            .unwrap();
        let err = tokio::time::timeout(WAIT, cr.join(&inv.ticket))
            .await
            .expect("an answer in time")
            .unwrap_err();
        assert!(err.to_string().contains("revoked"), "{err}");
        let roster = ts.roster(&m).await.unwrap();
        assert!(roster.is_revoked(&cr_id));
        assert_eq!(
            roster
                .invites
                .iter()
                .filter(|i| i.used_by == Some(cr_id))
                .count(),
            1,
            "only the first invitation was used by Costa Rica"
        );
        assert_eq!(roster.entries.len(), 3);
        cr.close().await.unwrap();
    }
    for ws in [ts, mx] {
        ws.close().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_revoked_devices_edit_relayed_by_another_is_held_until_an_admin_takes_it() {
    let dirs: Vec<_> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    let Room {
        ts,
        mx,
        cr,
        m,
        d,
        d2,
        c2,
        ..
    } = room(&dirs).await;
    let cr_id = cr.device();
    // The TS leaves; Costa Rica types a clause, which Mexico takes.
    ts.close().await.unwrap();
    let x = cr
        .insert_clause(&d, &Placement::top_end(), "Costa Rica's late clause.")
        .await
        .unwrap();
    eventually("Mexico has Costa Rica's clause", || async {
        clause_text(&mx, &d, &x).await.is_some()
    })
    .await;
    cr.close().await.unwrap();
    // Offline, the TS revokes Costa Rica: its cutoff lacks that clause.
    let ts = reopen(dirs[0].path(), NetMode::Off).await;
    ts.revoke(&m, &cr_id).await.unwrap();
    ts.close().await.unwrap();
    // Back online, the TS meets Mexico, which relays the clause: it is held, not merged.
    let ts = reopen(dirs[0].path(), NetMode::Loopback).await;
    eventually("the clause is held on the TS", || async {
        ts.held(&m)
            .iter()
            .any(|h| h.doc == d && h.device == Some(cr_id) && h.changes >= 1)
    })
    .await;
    marker(&mx, &ts, &d2, &c2, "MX ").await;
    assert!(
        clause_text(&ts, &d, &x).await.is_none(),
        "a revoked device's change was merged"
    );
    // The TS takes it in: it is merged there, and Mexico, which had it, still has one copy.
    let n = ts.accept_held(&m, &cr_id).await.unwrap();
    assert!(n >= 1);
    eventually("the clause is merged on the TS", || async {
        clause_text(&ts, &d, &x).await.is_some()
    })
    .await;
    assert!(ts.held(&m).is_empty());
    assert!(ts.roster(&m).await.unwrap().is_revoked(&cr_id));
    for ws in [ts, mx] {
        ws.close().await.unwrap();
    }
}
