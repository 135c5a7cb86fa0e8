//! One conformance suite for samod's `Storage` trait, run against samod's own in-memory
//! storage (the reference) and against `SqliteStorage` — also across closing and reopening
//! the profile, and with samod itself on top.

use std::collections::HashMap;
use std::time::Duration;

use accord_store::{Profile, StoreOptions};
use samod::storage::{InMemoryStorage, Storage, StorageKey};

fn key(parts: &[&str]) -> StorageKey {
    StorageKey::from_parts(parts).expect("valid key")
}

fn keys_of(m: &HashMap<StorageKey, Vec<u8>>) -> Vec<String> {
    let mut v: Vec<String> = m.keys().map(ToString::to_string).collect();
    v.sort();
    v
}

/// Every rule a storage must keep. `make` returns a fresh, empty storage.
async fn run_suite<S: Storage>(make: impl Fn() -> S) {
    // A missing key loads as nothing.
    let s = make();
    assert_eq!(s.load(key(&["nope"])).await, None, "missing key");
    assert_eq!(
        s.load(key(&["doc", "incremental", "x"])).await,
        None,
        "missing nested key"
    );

    // Put then load; overwrite; delete; delete of a missing key is harmless.
    let k = key(&["doc", "incremental", "h1"]);
    s.put(k.clone(), b"one".to_vec()).await;
    assert_eq!(
        s.load(k.clone()).await.as_deref(),
        Some(&b"one"[..]),
        "put/load"
    );
    s.put(k.clone(), b"two".to_vec()).await;
    assert_eq!(
        s.load(k.clone()).await.as_deref(),
        Some(&b"two"[..]),
        "overwrite"
    );
    s.delete(k.clone()).await;
    assert_eq!(s.load(k.clone()).await, None, "delete");
    s.delete(k.clone()).await;
    s.delete(key(&["never", "there"])).await;

    // Range semantics: a prefix is whole components. `doc` must not match `doc1`.
    let s = make();
    for k in [
        &["doc"][..],
        &["doc", "incremental", "a"],
        &["doc", "incremental", "b"],
        &["doc", "snapshot", "c"],
        &["doc1", "incremental", "a"],
        &["doc-x", "incremental", "a"],
        &["doc.x", "incremental", "a"],
        &["do", "incremental", "a"],
        &["other"],
    ] {
        s.put(key(k), k.join("/").into_bytes()).await;
    }
    let r = s.load_range(key(&["doc"])).await;
    assert_eq!(
        keys_of(&r),
        [
            "doc",
            "doc/incremental/a",
            "doc/incremental/b",
            "doc/snapshot/c"
        ],
        "prefix doc must not match doc1, doc-x, doc.x or do"
    );
    for (k, v) in &r {
        assert_eq!(
            v,
            &k.to_string().into_bytes(),
            "range values belong to their keys"
        );
    }
    let r = s.load_range(key(&["doc", "incremental"])).await;
    assert_eq!(
        keys_of(&r),
        ["doc/incremental/a", "doc/incremental/b"],
        "two-component prefix"
    );
    let r = s.load_range(key(&["doc1"])).await;
    assert_eq!(keys_of(&r), ["doc1/incremental/a"], "doc1 alone");
    let r = s.load_range(key(&["doc", "incremental", "a"])).await;
    assert_eq!(
        keys_of(&r),
        ["doc/incremental/a"],
        "a full key is a prefix of itself"
    );
    assert!(s.load_range(key(&["zzz"])).await.is_empty(), "empty range");
    assert!(
        s.load_range(key(&["doc", "snapshots"])).await.is_empty(),
        "near miss is empty"
    );
    s.delete(key(&["doc", "incremental", "a"])).await;
    let r = s.load_range(key(&["doc", "incremental"])).await;
    assert_eq!(
        keys_of(&r),
        ["doc/incremental/b"],
        "deleted keys leave the range"
    );

    // Binary data: every byte value, an empty value, and a large blob.
    let s = make();
    let all: Vec<u8> = (0..=255u8).cycle().take(1024).collect();
    s.put(key(&["bin", "all"]), all.clone()).await;
    s.put(key(&["bin", "empty"]), Vec::new()).await;
    let big: Vec<u8> = (0..8 << 20)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    s.put(key(&["bin", "big"]), big.clone()).await;
    assert_eq!(
        s.load(key(&["bin", "all"])).await,
        Some(all),
        "all byte values"
    );
    assert_eq!(
        s.load(key(&["bin", "empty"])).await,
        Some(Vec::new()),
        "empty value is not missing"
    );
    assert_eq!(
        s.load(key(&["bin", "big"])).await.map(|v| v == big),
        Some(true),
        "8 MiB blob"
    );
    assert_eq!(s.load_range(key(&["bin"])).await.len(), 3);

    // Many keys, written concurrently, all come back; unicode components too.
    let s = make();
    let puts = (0..1000).map(|i| {
        s.put(
            key(&["many", &format!("k{i:04}")]),
            i.to_string().into_bytes(),
        )
    });
    futures::future::join_all(puts).await;
    let r = s.load_range(key(&["many"])).await;
    assert_eq!(r.len(), 1000, "many keys");
    assert_eq!(r[&key(&["many", "k0999"])], b"999");
    s.put(key(&["méxico", "snapshot", "ñ"]), b"u".to_vec())
        .await;
    assert_eq!(
        s.load(key(&["méxico", "snapshot", "ñ"])).await.as_deref(),
        Some(&b"u"[..])
    );
}

fn sqlite_options() -> StoreOptions {
    // No snapshot hold: the suite checks storage semantics, not samod's compaction pacing.
    StoreOptions::default().with_snapshot_interval(Duration::ZERO)
}

#[tokio::test]
async fn in_memory_storage_passes_the_conformance_suite() {
    run_suite(InMemoryStorage::new).await;
}

#[tokio::test]
async fn sqlite_storage_passes_the_conformance_suite() {
    let root = tempfile::tempdir().unwrap();
    let profiles = std::sync::Mutex::new(Vec::new());
    let n = std::sync::atomic::AtomicUsize::new(0);
    run_suite(|| {
        let i = n.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        let p = Profile::open_with(root.path().join(format!("p{i}")), sqlite_options()).unwrap();
        let s = p.store().samod_storage();
        profiles.lock().unwrap().push(p);
        s
    })
    .await;
}

#[tokio::test]
async fn sqlite_storage_keeps_everything_across_close_and_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let big: Vec<u8> = (0..(3 << 20)).map(|i: u32| (i % 251) as u8).collect();
    {
        let p = Profile::open_with(dir.path(), sqlite_options()).unwrap();
        let s = p.store().samod_storage();
        s.put(key(&["doc", "snapshot", "s1"]), big.clone()).await;
        s.put(key(&["doc", "incremental", "a"]), b"a".to_vec())
            .await;
        s.put(key(&["doc", "incremental", "b"]), b"b".to_vec())
            .await;
        s.put(key(&["doc1", "incremental", "a"]), b"x".to_vec())
            .await;
        s.delete(key(&["doc", "incremental", "b"])).await;
        p.close().unwrap();
    }
    let p = Profile::open_with(dir.path(), sqlite_options()).unwrap();
    let s = p.store().samod_storage();
    assert_eq!(
        s.load(key(&["doc", "snapshot", "s1"]))
            .await
            .map(|v| v == big),
        Some(true)
    );
    assert_eq!(
        keys_of(&s.load_range(key(&["doc"])).await),
        ["doc/incremental/a", "doc/snapshot/s1"]
    );
    // And the reopened storage still passes the whole suite on fresh keys.
    drop(s);
    p.close().unwrap();
    let dir2 = tempfile::tempdir().unwrap();
    let reopened = std::sync::Mutex::new(Vec::new());
    let n = std::sync::atomic::AtomicUsize::new(0);
    run_suite(|| {
        // Each storage is written once, closed, and reopened before the suite uses it.
        let d = dir2.path().join(format!(
            "p{}",
            n.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        Profile::open_with(&d, sqlite_options())
            .unwrap()
            .close()
            .unwrap();
        let p = Profile::open_with(&d, sqlite_options()).unwrap();
        let s = p.store().samod_storage();
        reopened.lock().unwrap().push(p);
        s
    })
    .await;
}

#[tokio::test]
async fn a_put_is_read_back_at_once_and_committed_by_the_next_flush() {
    let dir = tempfile::tempdir().unwrap();
    let p = Profile::open_with(dir.path(), sqlite_options()).unwrap();
    let s = p.store().samod_storage();
    // A put is acknowledged once queued; a read after it still sees it (reads wait for
    // what was acknowledged before them), through the storage…
    let k = key(&["d", "incremental", "1"]);
    s.put(k.clone(), b"v".to_vec()).await;
    assert_eq!(s.load(k.clone()).await.as_deref(), Some(&b"v"[..]));
    s.put(k.clone(), b"w".to_vec()).await;
    assert_eq!(
        s.load_range(key(&["d"])).await.get(&k).map(Vec::as_slice),
        Some(&b"w"[..])
    );
    // …and a connection of our own, opened after a flush, sees it committed.
    p.store().flush().await.unwrap();
    let conn = rusqlite::Connection::open_with_flags(
        dir.path().join(accord_store::DATABASE_FILE),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let v: Vec<u8> = conn
        .query_row(
            "SELECT data FROM samod_kv WHERE key = 'd/incremental/1'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(v, b"w");
}

#[tokio::test]
async fn a_change_made_here_is_unwritten_until_samods_put_of_it_arrives() {
    let dir = tempfile::tempdir().unwrap();
    let p = Profile::open_with(dir.path(), sqlite_options()).unwrap();
    let (store, s) = (p.store().clone(), p.store().samod_storage());
    let h1 = automerge::ChangeHash([1; 32]);
    let h2 = automerge::ChangeHash([2; 32]);
    let t0 = std::time::Instant::now();
    store.expect_change("doc", h1);
    store.expect_change("doc", h2);
    assert!(store.typed_since("doc", t0), "an expected change is typing");
    let mut unwritten = store.unwritten_changes("doc");
    unwritten.sort();
    assert_eq!(unwritten, [h1, h2]);
    assert!(store.unwritten_changes("other").is_empty());
    // samod's put of the first change writes it.
    let k1 = key(&["doc", "incremental", &h1.to_string()]);
    s.put(k1.clone(), b"one".to_vec()).await;
    assert_eq!(store.unwritten_changes("doc"), [h2]);
    assert_eq!(s.load(k1).await.as_deref(), Some(&b"one"[..]));
    // The Workspace writes the second itself (samod put it inside a snapshot, say): that is
    // not typing, and moves no `typed_since`.
    let t1 = std::time::Instant::now();
    let k2 = key(&["doc", "incremental", &h2.to_string()]);
    store
        .put_covering(&k2, b"two".to_vec(), &[h2])
        .await
        .unwrap();
    assert!(store.unwritten_changes("doc").is_empty());
    assert_eq!(s.load(k2).await.as_deref(), Some(&b"two"[..]));
    assert!(!store.typed_since("doc", t1));
    // A save of the whole document covers every change named.
    let (h3, h4) = (
        automerge::ChangeHash([3; 32]),
        automerge::ChangeHash([4; 32]),
    );
    store.expect_change("doc", h3);
    store.expect_change("doc", h4);
    let whole = key(&["doc", "incremental", "accord-flush-1"]);
    store
        .put_covering(&whole, b"34".to_vec(), &[h3, h4])
        .await
        .unwrap();
    assert!(store.unwritten_changes("doc").is_empty());
}

#[tokio::test]
async fn changes_waiting_too_long_for_samods_put_are_told() {
    let dir = tempfile::tempdir().unwrap();
    let p = Profile::open_with(dir.path(), sqlite_options()).unwrap();
    let (store, s) = (p.store().clone(), p.store().samod_storage());
    assert_eq!(store.overdue_documents(Duration::ZERO), (vec![], false));
    let waiting = store.changes_expected();
    let (h1, h2) = (
        automerge::ChangeHash([1; 32]),
        automerge::ChangeHash([2; 32]),
    );
    store.expect_change("doc", h1);
    tokio::time::timeout(Duration::from_secs(5), waiting)
        .await
        .expect("told of the first expected change");
    // Not overdue yet at a long deadline; overdue at a short one.
    assert_eq!(
        store.overdue_documents(Duration::from_secs(60)),
        (vec![], true)
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_eq!(
        store.overdue_documents(Duration::from_millis(10)),
        (vec!["doc".to_string()], true)
    );
    // Written by samod, or found not to be in the document: expected no more.
    s.put(key(&["doc", "incremental", &h1.to_string()]), b"1".to_vec())
        .await;
    store.expect_change("doc", h2);
    store.forget_expected("doc", &[h2]);
    assert_eq!(store.overdue_documents(Duration::ZERO), (vec![], false));
    assert!(store.unwritten_changes("doc").is_empty());
}

/// `n` changes of one document, each as samod would store it on its own.
fn single_changes(n: usize) -> (automerge::Automerge, Vec<automerge::Change>) {
    use automerge::transaction::Transactable;
    let mut doc = automerge::Automerge::new();
    let text = doc
        .transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.put_object(automerge::ROOT, "text", automerge::ObjType::Text)
        })
        .unwrap()
        .result;
    for i in 0..n {
        doc.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.splice_text(&text, i, 0, if i % 7 == 0 { " " } else { "x" })
        })
        .unwrap();
    }
    let changes = doc.get_changes(&[]);
    (doc, changes)
}

fn single_key(doc: &str, c: &automerge::Change) -> StorageKey {
    key(&[doc, "incremental", &c.hash().to_string()])
}

#[tokio::test]
async fn single_changes_are_merged_into_chunks_that_load_as_the_same_document() {
    let dir = tempfile::tempdir().unwrap();
    let p = Profile::open_with(dir.path(), sqlite_options()).unwrap();
    let (store, s) = (p.store().clone(), p.store().samod_storage());
    // 16 chunks of 256 make one chunk of the next level; 300 more make one chunk and 44.
    let (doc, changes) = single_changes(256 * 16 + 300 - 1);
    assert_eq!(changes.len(), 256 * 16 + 300);
    for c in &changes {
        drop(s.put(single_key("d", c), c.raw_bytes().to_vec()));
    }
    s.put(key(&["other", "snapshot", "x"]), b"untouched".to_vec())
        .await;
    store.flush().await.unwrap();
    let pieces = s.load_range(key(&["d"])).await;
    assert_eq!(pieces.len(), 1 + 1 + 44, "{:?}", keys_of(&pieces));
    // samod loads each piece with `load_incremental`, in any order.
    let mut loaded = automerge::Automerge::new();
    for bytes in pieces.values() {
        loaded.load_incremental(bytes).unwrap();
    }
    assert_eq!(loaded.get_heads(), doc.get_heads());
    assert_eq!(loaded.get_changes(&[]).len(), changes.len());
    assert_eq!(
        s.load(key(&["other", "snapshot", "x"])).await.as_deref(),
        Some(&b"untouched"[..])
    );
}

#[tokio::test]
async fn a_merge_takes_only_the_pieces_still_there() {
    // samod deletes the single pieces a compaction of its own superseded; a merge queued
    // after that writes the others, and brings none back.
    let dir = tempfile::tempdir().unwrap();
    let p = Profile::open_with(dir.path(), sqlite_options()).unwrap();
    let (store, s) = (p.store().clone(), p.store().samod_storage());
    let (_, changes) = single_changes(255);
    for c in &changes[..250] {
        drop(s.put(single_key("d", c), c.raw_bytes().to_vec()));
    }
    for c in &changes[..10] {
        drop(s.delete(single_key("d", c)));
    }
    for c in &changes[250..] {
        drop(s.put(single_key("d", c), c.raw_bytes().to_vec()));
    }
    store.flush().await.unwrap();
    let pieces = s.load_range(key(&["d"])).await;
    assert_eq!(keys_of(&pieces).len(), 1, "{:?}", keys_of(&pieces));
    let chunk = pieces.values().next().unwrap();
    let expected: Vec<u8> = changes[10..]
        .iter()
        .flat_map(|c| c.raw_bytes().to_vec())
        .collect();
    assert_eq!(chunk, &expected);
}

#[tokio::test]
async fn snapshot_acknowledgements_are_held_only_while_the_document_is_typed_into_here_or_elsewhere()
 {
    let dir = tempfile::tempdir().unwrap();
    let (interval, pause) = (Duration::from_millis(800), Duration::from_millis(200));
    let p = Profile::open_with(
        dir.path(),
        StoreOptions::default()
            .with_snapshot_interval(interval)
            .with_typing_pause(pause),
    )
    .unwrap();
    let store = p.store().clone();
    let s = store.samod_storage();
    let type_into = |doc: &str, n: u32| {
        let mut hash = [0; 32];
        hash[..4].copy_from_slice(&n.to_be_bytes());
        store.expect_change(doc, automerge::ChangeHash(hash));
    };
    let t0 = std::time::Instant::now();
    s.put(key(&["d1", "snapshot", "a"]), b"1".to_vec()).await; // the first: at once
    assert!(
        t0.elapsed() < pause,
        "first snapshot of a document is not held"
    );
    // A document changed by peers in a batch, not one change at a time: not held.
    s.put(key(&["d1", "snapshot", "b"]), b"2".to_vec()).await;
    assert!(
        t0.elapsed() < pause,
        "no local typing, no hold: {:?}",
        t0.elapsed()
    );
    s.put(key(&["d1", "incremental", "x"]), b"1".to_vec()).await; // incrementals: never held
    assert!(t0.elapsed() < pause);

    // Typed into, then a pause: held until the pause, not the whole interval.
    type_into("d1", 0);
    let t1 = std::time::Instant::now();
    s.put(key(&["d1", "snapshot", "c"]), b"3".to_vec()).await;
    let held = t1.elapsed();
    assert!(
        held >= pause - Duration::from_millis(50) && held < interval - Duration::from_millis(100),
        "held until typing paused: {held:?}"
    );
    // Typed into without pause: held for the interval. Another document is not held.
    let typing = async {
        for n in 1..=30 {
            type_into("d1", n);
            tokio::time::sleep(Duration::from_millis(40)).await;
        }
    };
    let t2 = std::time::Instant::now();
    let snapshot = async {
        s.put(key(&["d1", "snapshot", "d"]), b"4".to_vec()).await;
        t2.elapsed()
    };
    let other = async {
        s.put(key(&["d2", "snapshot", "a"]), b"1".to_vec()).await;
        t2.elapsed()
    };
    let ((), held, other) = futures::join!(typing, snapshot, other);
    assert!(
        held >= interval - Duration::from_millis(100),
        "held while typing goes on: {held:?}"
    );
    assert!(other < pause, "documents do not hold each other: {other:?}");

    // Changed by peers one change at a time (someone types elsewhere): held like typing
    // here, until the changes pause. A peer's batch in one go (above, "b") is not.
    s.put(key(&["d3", "snapshot", "a"]), b"1".to_vec()).await;
    let peers_keystroke = key(&["d3", "incremental", &"7e".repeat(32)]);
    s.put(peers_keystroke, b"k".to_vec()).await;
    let t4 = std::time::Instant::now();
    s.put(key(&["d3", "snapshot", "b"]), b"2".to_vec()).await;
    let held = t4.elapsed();
    assert!(
        held >= pause - Duration::from_millis(50) && held < interval - Duration::from_millis(100),
        "held until the peers' changes paused: {held:?}"
    );

    // Written at once, though: a reader sees it even while the ack would still be held.
    type_into("d1", 99);
    let t3 = std::time::Instant::now();
    let held = s.put(key(&["d1", "snapshot", "e"]), b"5".to_vec()); // enqueued by the call
    let check = async {
        p.store().flush().await.unwrap();
        assert_eq!(
            s.load(key(&["d1", "snapshot", "e"])).await.as_deref(),
            Some(&b"5"[..])
        );
        // Releasing the holds (what the Workspace does before `repo.stop()`) ends the wait.
        p.store().release_snapshot_holds();
    };
    futures::join!(held, check);
    assert!(t3.elapsed() < pause, "released at once: {:?}", t3.elapsed());
}

/// samod itself on the storage: a document created and changed, the repo stopped, the
/// profile reopened, and the change found again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn samod_repo_finds_its_document_after_reopening_the_profile() {
    use automerge::{ReadDoc, transaction::Transactable};
    let dir = tempfile::tempdir().unwrap();
    let doc_id = {
        let profile = Profile::open(dir.path()).unwrap();
        let repo = samod::Repo::build_tokio()
            .with_storage(profile.store().samod_storage())
            .load()
            .await;
        let handle = repo.create(automerge::Automerge::new()).await.unwrap();
        // Enough changes to make samod compact (> 10 keys): exercises snapshot puts, held
        // acknowledgements and the deletes that follow a compaction.
        for i in 0..25 {
            handle
                .with_document(|d| {
                    d.transact(|tx| tx.put(automerge::ROOT, "count", i as i64))
                        .map(|_| ())
                        .map_err(|f| f.error)
                })
                .unwrap();
        }
        handle
            .with_document(|d| {
                d.transact(|tx| tx.put(automerge::ROOT, "title", "Managua 2014"))
                    .map(|_| ())
                    .map_err(|f| f.error)
            })
            .unwrap();
        let id = handle.document_id().clone();
        profile.store().release_snapshot_holds();
        tokio::time::timeout(Duration::from_secs(10), repo.stop())
            .await
            .expect("repo stops");
        profile.close().unwrap();
        id
    };
    let profile = Profile::open(dir.path()).unwrap();
    let repo = samod::Repo::build_tokio()
        .with_storage(profile.store().samod_storage())
        .load()
        .await;
    let found = tokio::time::timeout(Duration::from_secs(10), repo.find(doc_id))
        .await
        .expect("find finishes")
        .unwrap()
        .expect("document found in storage");
    let (title, count) = found.with_document(|d| {
        let t = d
            .get(automerge::ROOT, "title")
            .unwrap()
            .map(|(v, _)| v.as_str().unwrap_or_default().to_string());
        let c = d
            .get(automerge::ROOT, "count")
            .unwrap()
            .and_then(|(v, _)| v.as_i64());
        (t, c)
    });
    assert_eq!(title.as_deref(), Some("Managua 2014"));
    assert_eq!(count, Some(24));
    tokio::time::timeout(Duration::from_secs(10), repo.stop())
        .await
        .expect("repo stops");
}

#[tokio::test]
async fn resting_heads_stay_only_for_documents_untouched_since_they_were_recorded() {
    use accord_model::automerge::ChangeHash;
    let dir = tempfile::tempdir().unwrap();
    let (h1, h2) = (ChangeHash([1; 32]), ChangeHash([2; 32]));
    {
        let p = Profile::open_with(dir.path(), sqlite_options()).unwrap();
        let store = p.store();
        store
            .record_resting_heads("quiet", &[h2, h1])
            .await
            .unwrap();
        store.record_resting_heads("busy", &[h1]).await.unwrap();
        store.record_resting_heads("echoed", &[h1]).await.unwrap();
        p.close().unwrap();
    }
    let p = Profile::open_with(dir.path(), sqlite_options()).unwrap();
    let store = p.store();
    let got = store.resting_heads().unwrap();
    assert_eq!(got.get("quiet"), Some(&vec![h1, h2]), "sorted, as recorded");
    assert_eq!(got.len(), 3);
    // Writing to a document in any way forgets its record, before the write is queued.
    let s = store.samod_storage();
    s.put(key(&["busy", "incremental", "a"]), b"a".to_vec())
        .await;
    drop(store.put_durable(&key(&["echoed", "snapshot", "s"]), b"s".to_vec()));
    assert_eq!(store.touched_documents().len(), 2);
    store.flush().await.unwrap();
    let got = store.resting_heads().unwrap();
    assert_eq!(got.keys().collect::<Vec<_>>(), ["quiet"]);
    p.close().unwrap();
    // And a record written and forgotten stays forgotten across a reopen.
    let p = Profile::open_with(dir.path(), sqlite_options()).unwrap();
    assert_eq!(p.store().resting_heads().unwrap().len(), 1);
    p.close().unwrap();
}

#[tokio::test]
async fn resting_a_document_replaces_its_pieces_and_keeps_what_comes_after() {
    use accord_model::automerge::ChangeHash;
    let dir = tempfile::tempdir().unwrap();
    let p = Profile::open_with(dir.path(), sqlite_options()).unwrap();
    let store = p.store();
    let s = store.samod_storage();
    for k in ["a", "b", "c"] {
        s.put(key(&["doc", "incremental", k]), k.as_bytes().to_vec())
            .await;
    }
    s.put(key(&["doc", "snapshot", "old"]), b"old".to_vec())
        .await;
    s.put(key(&["doc2", "incremental", "a"]), b"other".to_vec())
        .await;
    s.put(key(&["doc-x", "incremental", "a"]), b"prefix".to_vec())
        .await;
    drop(store.rest_document("doc", &[ChangeHash([7; 32])], b"whole".to_vec()));
    // Written after the rest was queued: stays.
    s.put(key(&["doc", "incremental", "d"]), b"d".to_vec())
        .await;
    store.flush().await.unwrap();
    let got = s.load_range(key(&["doc"])).await;
    let keys = keys_of(&got);
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert_eq!(keys[0], "doc/incremental/d");
    let rest = format!("doc/snapshot/accord-rest-{}-", ChangeHash([7; 32]));
    assert!(keys[1].starts_with(&rest), "{keys:?}");
    assert!(got.values().any(|v| v == b"whole"));
    // Resting again at the same heads writes under a new key: samod may be about to delete
    // the old one (a compaction of its own superseded it).
    drop(store.rest_document("doc", &[ChangeHash([7; 32])], b"whole".to_vec()));
    store.flush().await.unwrap();
    let again = keys_of(&s.load_range(key(&["doc"])).await);
    assert_eq!(again.len(), 1, "{again:?}");
    assert_ne!(again[0], keys[1]);
    // Other documents, also those whose id starts with this one's, are untouched.
    assert_eq!(s.load_range(key(&["doc2"])).await.len(), 1);
    assert_eq!(s.load_range(key(&["doc-x"])).await.len(), 1);
    p.close().unwrap();
}
