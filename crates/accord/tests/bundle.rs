//! Sneakernet bundles: a meeting's changes carried in a signed file between two devices of
//! its roster, with no network between them.

use std::path::Path;
use std::time::Duration;

use accord::bundle::{Bundle, BundleError};
use accord::model::jiff::Timestamp;
use accord::model::{DeviceKey, DocId, MeetingDetails, Placement, Role};
use accord::{NetMode, OpenOptions, SettingsPatch, Workspace};

const WAIT: Duration = Duration::from_secs(60);

async fn open(dir: &Path, net: NetMode, party: &str) -> Workspace {
    let ws = tokio::time::timeout(
        WAIT,
        Workspace::open_with(dir, OpenOptions::default().with_net(net)),
    )
    .await
    .expect("open in time")
    .expect("open");
    ws.set_settings(SettingsPatch {
        party: Some(party.into()),
        ..Default::default()
    })
    .unwrap();
    ws
}

/// A TS device founds a meeting with a draft; a Mexico device joins it by ticket over
/// loopback; both are closed. Returns (meeting, draft).
async fn two_members(ts_dir: &Path, mx_dir: &Path) -> (DocId, DocId) {
    founder_and(ts_dir, mx_dir, "Mexico", Role::Member).await
}

/// [`two_members`] with the second device of `party`, as `role`.
async fn founder_and(ts_dir: &Path, mx_dir: &Path, party: &str, role: Role) -> (DocId, DocId) {
    let ts = open(ts_dir, NetMode::Loopback, "Technical Secretariat").await;
    let mx = open(mx_dir, NetMode::Loopback, party).await;
    let m = ts
        .create_meeting(&MeetingDetails::titled("Liaison Network"), &[])
        .await
        .unwrap();
    let d = ts.create_draft(&m, "Declaration", "").await.unwrap();
    ts.insert_clause(&d, &Placement::top_end(), "Urge the parties.")
        .await
        .unwrap();
    let inv = ts
        .invite(&m, party, role, Duration::from_secs(3600))
        .await
        .unwrap();
    tokio::time::timeout(WAIT, mx.join(&inv.ticket))
        .await
        .expect("join in time")
        .unwrap();
    let deadline = tokio::time::Instant::now() + WAIT;
    while mx.draft(&d).await.map(|v| v.clauses.len()).unwrap_or(0) != 1 {
        assert!(
            tokio::time::Instant::now() < deadline,
            "the draft did not arrive"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    ts.close().await.unwrap();
    mx.close().await.unwrap();
    (m, d)
}

async fn texts(ws: &Workspace, d: &DocId) -> Vec<String> {
    ws.draft(d)
        .await
        .unwrap()
        .outline()
        .iter()
        .map(|c| c.text.clone())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn bundle_round_trip_is_idempotent_and_bad_bundles_change_nothing() {
    let (a, b, c) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    let (m, d) = two_members(a.path(), b.path()).await;

    // Offline, the TS adds a clause, a new draft and minutes; the bundle carries them.
    let ts = open(a.path(), NetMode::Off, "Technical Secretariat").await;
    ts.insert_clause(&d, &Placement::top_end(), "Welcome the report.")
        .await
        .unwrap();
    let d2 = ts.create_draft(&m, "Annex", "").await.unwrap();
    ts.insert_clause(&d2, &Placement::top_end(), "Annex clause.")
        .await
        .unwrap();
    ts.append_minutes(&m, "The meeting opened.").await.unwrap();
    let bundle = ts.export_bundle(&m).await.unwrap();
    let decoded = Bundle::decode(&bundle).unwrap();
    assert_eq!(decoded.signer, ts.device());
    assert_eq!(
        decoded.documents.len(),
        4,
        "meeting, minutes and two drafts"
    );

    let mx = open(b.path(), NetMode::Off, "Mexico").await;
    let before = texts(&mx, &d).await;

    // Truncated, tampered and garbage files are refused and change nothing.
    for (what, bad) in [
        ("truncated", bundle[..bundle.len() - 10].to_vec()),
        ("truncated header", bundle[..20].to_vec()),
        ("tampered", {
            let mut t = bundle.clone();
            let i = t.len() / 2;
            t[i] ^= 0x40;
            t
        }),
        ("garbage", b"hello, this is not a bundle".to_vec()),
    ] {
        let err = mx.import_bundle(&bad).await.expect_err(what);
        assert_eq!(err.code(), "invalid", "{what}: {err}");
        assert!(err.to_string().contains("bundle"), "{what}: {err}");
    }
    assert!(matches!(
        Bundle::decode(&bundle[..bundle.len() - 1]),
        Err(BundleError::Truncated)
    ));
    assert_eq!(
        texts(&mx, &d).await,
        before,
        "a refused bundle changed the draft"
    );
    // (Looked up in the store: the repository would remember a failed lookup.)
    assert_eq!(
        mx.stored_size(&d2).unwrap().0,
        0,
        "a refused bundle added a draft"
    );

    // A bundle of the meeting's documents signed by a device not on the roster is refused.
    let stranger = DeviceKey::from_secret(&[7; 32]);
    let forged = Bundle {
        signer: stranger.device(),
        ..decoded.clone()
    }
    .encode(&stranger);
    let err = mx.import_bundle(&forged).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("not on this device's copy of the roster"),
        "{err}"
    );
    assert_eq!(texts(&mx, &d).await, before);

    // The real one is applied, and says what was new.
    let done = mx.import_bundle(&bundle).await.unwrap();
    assert_eq!(done.meeting, m);
    assert_eq!(done.signer_party, "Technical Secretariat");
    assert!(done.new_changes > 0);
    assert!(
        done.documents
            .iter()
            .any(|x| x.id == d2 && x.created && x.new_changes > 0)
    );
    assert_eq!(
        texts(&mx, &d).await,
        vec!["Urge the parties.", "Welcome the report."]
    );
    assert_eq!(texts(&mx, &d2).await, vec!["Annex clause."]);
    assert!(
        mx.minutes(&mx.minutes_of(&m).await.unwrap())
            .await
            .unwrap()
            .text
            .contains("The meeting opened.")
    );

    // Again: nothing new.
    let again = mx.import_bundle(&bundle).await.unwrap();
    assert_eq!(again.new_changes, 0, "{again:?}");

    // And back: Mexico's own edit reaches the TS by bundle; what survives a restart is durable.
    mx.insert_clause(&d, &Placement::top_end(), "Mexico proposes.")
        .await
        .unwrap();
    let back = mx.export_bundle(&m).await.unwrap();
    mx.close().await.unwrap();
    let got = ts.import_bundle(&back).await.unwrap();
    assert_eq!(got.signer_party, "Mexico");
    // Mexico's clause, and possibly its roster address hint if that had not synced yet.
    assert!((1..=2).contains(&got.new_changes), "{got:?}");
    assert!(
        texts(&ts, &d)
            .await
            .contains(&"Mexico proposes.".to_string())
    );
    let again = ts.import_bundle(&back).await.unwrap();
    assert_eq!(again.new_changes, 0, "{again:?}");
    ts.close().await.unwrap();
    let mx = open(b.path(), NetMode::Off, "Mexico").await;
    assert_eq!(
        texts(&mx, &d2).await,
        vec!["Annex clause."],
        "the imported draft survives a restart"
    );
    mx.close().await.unwrap();

    // A device that never joined the meeting is told to join with a ticket.
    let other = open(c.path(), NetMode::Off, "Canada").await;
    let err = other.import_bundle(&bundle).await.unwrap_err();
    assert!(err.to_string().contains("has not joined"), "{err}");
    assert!(other.meetings().await.unwrap().is_empty());
    other.close().await.unwrap();
}

/// Bundle errors named an empty `bundle ""`: the API had only the bytes. A bundle file is
/// now named in its refusal, and one over the limit is refused from its size.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bundle_file_is_named_in_its_refusal_and_refused_by_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let ws = open(&dir.path().join("profile"), NetMode::Off, "Mexico").await;
    let bad = dir.path().join("bad.bundle");
    std::fs::write(&bad, b"ACCORDB\0\x01\x00").unwrap();
    let err = ws.import_bundle_file(&bad).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "bundle {:?} is not valid: it is truncated (the file ends too early)",
            bad.display().to_string()
        )
    );
    let huge = dir.path().join("huge.bundle");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(accord::bundle::MAX_BUNDLE_BYTES + 1)
        .unwrap();
    let err = ws.import_bundle_file(&huge).await.unwrap_err();
    assert_eq!(err.code(), "too_large");
    assert_eq!(
        err.to_string(),
        format!(
            "{} is 536870913 bytes, over the limit of 512 MiB for a bundle",
            huge.display()
        )
    );
    let missing = dir.path().join("missing.bundle");
    let err = ws.import_bundle_file(&missing).await.unwrap_err();
    assert_eq!(err.code(), "cannot_read");
    assert!(
        err.to_string()
            .starts_with(&format!("cannot read {}: ", missing.display())),
        "{err}"
    );
    assert!(ws.meetings().await.unwrap().is_empty(), "nothing imported");
    ws.close().await.unwrap();
}

/// Issue #24: a 26 KB bundle signed by a stranger cost 109 s and 10.9 GB before it was refused,
/// its meeting document decoded to read the roster it brought. The signer is checked on this
/// device's own roster first: documents that are not automerge at all (so that decoding them
/// would fail with another error) get the signer's refusal.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_strangers_bundle_is_refused_before_any_document_in_it_is_decoded() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (m, d) = two_members(a.path(), b.path()).await;
    let mx = open(b.path(), NetMode::Off, "Mexico").await;
    let before = texts(&mx, &d).await;
    let stranger = DeviceKey::from_secret(&[9; 32]);
    // An automerge chunk's magic bytes, then nothing an automerge decoder accepts.
    let mut bomb = vec![0x85, 0x6f, 0x4a, 0x83];
    bomb.extend(std::iter::repeat_n(0xff, 64 * 1024));
    let forged = Bundle {
        meeting: m.clone(),
        signer: stranger.device(),
        created: Timestamp::now(),
        documents: vec![(m.clone(), bomb.clone()), (d.clone(), bomb)],
    }
    .encode(&stranger);
    let err = mx.import_bundle(&forged).await.unwrap_err();
    assert_eq!(err.code(), "invalid", "{err}");
    let msg = err.to_string();
    assert!(
        msg.contains(&format!(
            "signed by device {}, which is not on this device's copy of the roster",
            stranger.device().short()
        )),
        "{msg}"
    );
    assert!(msg.contains("sync with the meeting first"), "{msg}");
    assert_eq!(texts(&mx, &d).await, before);
    mx.close().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn an_observers_bundle_is_refused_and_a_members_is_imported() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (m, d) = founder_and(a.path(), b.path(), "IOM", Role::Observer).await;
    let iom = open(b.path(), NetMode::Off, "IOM").await;
    let from_observer = iom.export_bundle(&m).await.unwrap();
    iom.close().await.unwrap();
    let ts = open(a.path(), NetMode::Off, "Technical Secretariat").await;
    let err = ts.import_bundle(&from_observer).await.unwrap_err();
    assert!(
        err.to_string()
            .contains("an observer, whose changes are not accepted"),
        "{err}"
    );
    // The founder's own bundle goes the other way, into the observer's profile.
    ts.insert_clause(&d, &Placement::top_end(), "Welcome the report.")
        .await
        .unwrap();
    let from_ts = ts.export_bundle(&m).await.unwrap();
    ts.close().await.unwrap();
    let iom = open(b.path(), NetMode::Off, "IOM").await;
    let done = iom.import_bundle(&from_ts).await.unwrap();
    assert_eq!(done.signer_party, "Technical Secretariat");
    assert_eq!(
        texts(&iom, &d).await,
        vec!["Urge the parties.", "Welcome the report."]
    );
    iom.close().await.unwrap();
}

/// A bundle's counts and lengths are held against what the file holds before anything is
/// allocated for them.
#[test]
fn counts_and_lengths_beyond_the_file_are_refused() {
    let key = DeviceKey::from_secret(&[3; 32]);
    let header = |count: u16| {
        let mut out = accord::bundle::MAGIC.to_vec();
        out.push(accord::bundle::VERSION);
        let id = "2uT3kzQvWbN9XyZ1aBcDeFgHiJk";
        out.extend_from_slice(&(id.len() as u16).to_be_bytes());
        out.extend_from_slice(id.as_bytes());
        out.extend_from_slice(key.device().as_bytes());
        out.extend_from_slice(&0i64.to_be_bytes());
        out.extend_from_slice(&count.to_be_bytes());
        out
    };
    let mut many = header(u16::MAX);
    many.extend_from_slice(&[0; 64]);
    match Bundle::decode(&many) {
        Err(BundleError::Overlong { what, .. }) => assert_eq!(what, "65535 documents"),
        other => panic!("{other:?}"),
    }
    let mut long = header(1);
    let id = "3vU4lzRwXcO0YzA2bCdEfGhIjKl";
    long.extend_from_slice(&(id.len() as u16).to_be_bytes());
    long.extend_from_slice(id.as_bytes());
    long.extend_from_slice(&u32::MAX.to_be_bytes());
    long.extend_from_slice(&[0; 64]);
    match Bundle::decode(&long) {
        Err(e @ BundleError::Overlong { claimed, left, .. }) => {
            assert_eq!((claimed, left), (u32::MAX as usize, 64));
            assert!(e.to_string().contains("the file has 64 left"), "{e}");
        }
        other => panic!("{other:?}"),
    }
}
