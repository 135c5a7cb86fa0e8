//! Which commits reach the disk before they are acknowledged: everything this device made or
//! keeps does; a peer's change, which the peer holds too, commits without an fsync until the
//! next write of this device's own or a flush syncs it.

use accord_model::automerge::ChangeHash;
use accord_store::Profile;
use samod::storage::{Storage, StorageKey};

const DOC: &str = "3aFKYsUcYyhTJXHPRfTGC2RnZxPZ";

fn change(n: u8) -> (ChangeHash, StorageKey) {
    let hash = ChangeHash([n; 32]);
    let key = StorageKey::from_parts([DOC, "incremental", &hash.to_string()]).unwrap();
    (hash, key)
}

/// Puts `key` as samod does and waits until a read sees it (a read waits for what was
/// acknowledged), so the batch that holds it has committed.
async fn put_and_read(p: &Profile, key: &StorageKey) {
    let storage = p.store().samod_storage();
    storage.put(key.clone(), vec![1, 2, 3]).await;
    assert_eq!(storage.load(key.clone()).await, Some(vec![1, 2, 3]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_peers_change_commits_unsynced_until_a_flush_syncs_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = Profile::open(dir.path()).unwrap();
    assert!(!p.store().has_unsynced_commits(), "nothing written yet");

    let (_, peers) = change(1);
    put_and_read(&p, &peers).await;
    assert!(
        p.store().has_unsynced_commits(),
        "a change no one here made or expected commits without an fsync"
    );

    // A flush that has nothing else to write still syncs it.
    p.store().flush().await.unwrap();
    assert!(
        !p.store().has_unsynced_commits(),
        "a flush syncs what came before it"
    );

    // So does one beside an op that changes nothing (samod deleting a piece already merged).
    let (_, again) = change(2);
    put_and_read(&p, &again).await;
    assert!(p.store().has_unsynced_commits());
    let gone = StorageKey::from_parts([DOC, "incremental", "already-merged"]).unwrap();
    let deleted = p.store().delete_durable(&gone);
    p.store().flush().await.unwrap();
    deleted.await.unwrap();
    assert!(
        !p.store().has_unsynced_commits(),
        "a flush beside a write that wrote nothing still syncs"
    );
    p.close().unwrap();

    let p = Profile::open(dir.path()).unwrap();
    let storage = p.store().samod_storage();
    assert_eq!(storage.load(peers).await, Some(vec![1, 2, 3]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_change_made_here_is_synced_and_syncs_the_peers_changes_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = Profile::open(dir.path()).unwrap();

    let (_, peers) = change(1);
    put_and_read(&p, &peers).await;
    assert!(p.store().has_unsynced_commits());

    // An edit here: expected inside the document lock, then put by samod.
    let (mine, key) = change(2);
    p.store().expect_change(DOC, mine);
    put_and_read(&p, &key).await;
    assert!(
        !p.store().has_unsynced_commits(),
        "a change made here commits with an fsync, which covers the peer's change too"
    );
    assert!(p.store().unwritten_changes(DOC).is_empty());

    // Written by this device's own paths (an import, a new document): synced as well.
    let (_, peers) = change(3);
    put_and_read(&p, &peers).await;
    assert!(p.store().has_unsynced_commits());
    let (_, imported) = change(4);
    p.store().put_durable(&imported, vec![4]).await.unwrap();
    assert!(!p.store().has_unsynced_commits());
    p.close().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_snapshot_is_synced_even_when_it_only_gathers_peers_changes() {
    let dir = tempfile::tempdir().unwrap();
    let p = Profile::open(dir.path()).unwrap();
    let storage = p.store().samod_storage();
    let (_, peers) = change(1);
    put_and_read(&p, &peers).await;
    assert!(p.store().has_unsynced_commits());
    let snapshot = StorageKey::from_parts([DOC, "snapshot", &"ab".repeat(32)]).unwrap();
    storage.put(snapshot.clone(), vec![9; 10]).await;
    assert!(
        !p.store().has_unsynced_commits(),
        "samod deletes the pieces a snapshot replaces: it must be on the disk first"
    );
    // The deletions that follow need no fsync of their own.
    storage.delete(peers.clone()).await;
    assert_eq!(storage.load(peers).await, None);
    assert!(p.store().has_unsynced_commits());
    p.close().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn peers_changes_arriving_close_together_share_a_commit() {
    let dir = tempfile::tempdir().unwrap();
    let p = Profile::open(dir.path()).unwrap();
    let storage = p.store().samod_storage();
    let before = p.store().commit_count();
    // Six peers' keystrokes a millisecond apart, as a room's typing arrives.
    let keys: Vec<_> = (1..=6).map(|n| change(n).1).collect();
    for k in &keys {
        storage.put(k.clone(), vec![1]).await;
        tokio::time::sleep(std::time::Duration::from_millis(1)).await;
    }
    for k in &keys {
        assert_eq!(storage.load(k.clone()).await, Some(vec![1]));
    }
    let commits = p.store().commit_count() - before;
    assert!(
        commits <= 3,
        "{commits} commits for six peers' changes: they wait a moment for one another"
    );

    // A change made here does not wait for company.
    let (mine, key) = change(9);
    p.store().expect_change(DOC, mine);
    let before = p.store().commit_count();
    storage.put(key.clone(), vec![2]).await;
    assert_eq!(storage.load(key).await, Some(vec![2]));
    assert_eq!(p.store().commit_count() - before, 1);
    assert!(!p.store().has_unsynced_commits());
    p.close().unwrap();
}
