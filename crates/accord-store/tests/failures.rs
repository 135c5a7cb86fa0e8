//! Failure behaviour: damaged files are refused and left as they were, a profile is used by
//! one process at a time, newer formats are refused, a full disk is an error that keeps the
//! previous state, and the device key stays private.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use accord_store::{DATABASE_FILE, DEVICE_KEY_FILE, LOCK_FILE, Profile, StoreError, StoreOptions};
use samod::storage::{Storage, StorageKey};

fn key(parts: &[&str]) -> StorageKey {
    StorageKey::from_parts(parts).unwrap()
}

fn db(dir: &Path) -> PathBuf {
    dir.join(DATABASE_FILE)
}

/// Asserts that opening fails with `Corrupt` naming the file, and that the file is the same
/// byte for byte afterwards (and SQLite left no `-wal`/`-shm` beside it).
fn assert_refused_untouched(dir: &Path) -> String {
    let before = std::fs::read(db(dir)).unwrap();
    let err = Profile::open(dir).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(
        msg.contains(&db(dir).display().to_string()),
        "the error names the file: {msg}"
    );
    assert_eq!(
        std::fs::read(db(dir)).unwrap(),
        before,
        "the file is unchanged"
    );
    // Twice: a refused open leaves nothing behind that would make the second one differ.
    let again = Profile::open(dir).unwrap_err();
    assert!(matches!(again, StoreError::Corrupt { .. }), "{again:?}");
    assert_eq!(
        std::fs::read(db(dir)).unwrap(),
        before,
        "the file is still unchanged"
    );
    msg
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        db(dir.path()),
        "these are my meeting notes, not a database\n".repeat(100),
    )
    .unwrap();
    let msg = assert_refused_untouched(dir.path());
    assert!(msg.contains("not a SQLite database"), "{msg}");
    assert!(!dir.path().join("accord.sqlite3-wal").exists());

    let short = tempfile::tempdir().unwrap();
    std::fs::write(db(short.path()), b"SQLite format 3\0tiny").unwrap();
    assert_refused_untouched(short.path());
}

/// A profile with about 1 MiB of documents, closed cleanly (WAL checkpointed into the file).
fn profile_with_data(dir: &Path) {
    let p = Profile::open(dir).unwrap();
    for i in 0..16 {
        p.store().put_durable(
            &key(&["doc", "incremental", &format!("c{i}")]),
            vec![i as u8; 64 << 10],
        );
    }
    p.store().flush_blocking().unwrap();
    p.close().unwrap();
    assert!(
        !dir.join("accord.sqlite3-wal").exists(),
        "clean close checkpoints the WAL"
    );
}

#[test]
fn a_truncated_database_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    profile_with_data(dir.path());
    let len = std::fs::metadata(db(dir.path())).unwrap().len();
    assert!(len > 1 << 20);
    std::fs::OpenOptions::new()
        .write(true)
        .open(db(dir.path()))
        .unwrap()
        .set_len(len / 2)
        .unwrap();
    let msg = assert_refused_untouched(dir.path());
    assert!(msg.contains("truncated"), "{msg}");
}

#[test]
fn a_malformed_database_image_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    profile_with_data(dir.path());
    // Scribble over page 1 after the header: the schema b-tree is gone.
    let mut bytes = std::fs::read(db(dir.path())).unwrap();
    for b in &mut bytes[100..4096] {
        *b = 0xA5;
    }
    std::fs::write(db(dir.path()), &bytes).unwrap();
    assert_refused_untouched(dir.path());
}

#[test]
fn a_second_open_of_a_profile_is_refused_until_the_first_closes() {
    let dir = tempfile::tempdir().unwrap();
    let first = Profile::open(dir.path()).unwrap();
    let err = Profile::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::ProfileInUse { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        format!(
            "profile {} is in use by another Accord process",
            dir.path().display()
        )
    );
    first.close().unwrap();
    Profile::open(dir.path()).unwrap().close().unwrap();
    // Dropping without close releases the lock too.
    drop(Profile::open(dir.path()).unwrap());
    Profile::open(dir.path()).unwrap();
}

#[test]
fn a_lock_held_by_another_process_is_refused_and_vanishes_when_it_is_killed() {
    if Command::new("flock").arg("--version").output().is_err() {
        eprintln!(
            "SKIPPED a_lock_held_by_another_process…: the `flock` tool (util-linux) is not installed"
        );
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    Profile::open(dir.path()).unwrap().close().unwrap();
    // Another process takes the same flock the profile uses, as a second Accord would. It
    // runs in a process group of its own, so that killing the group kills `flock` and the
    // `sleep` it runs (which inherits the locked descriptor) — and nothing else.
    use std::os::unix::process::CommandExt;
    let mut child = Command::new("flock")
        .arg("-x")
        .arg(dir.path().join(LOCK_FILE))
        .args(["sleep", "30"])
        .process_group(0)
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match Profile::open(dir.path()) {
            Err(StoreError::ProfileInUse { path }) => {
                assert_eq!(path, dir.path());
                break;
            }
            Ok(p) => {
                drop(p); // the child has not taken the lock yet
                assert!(Instant::now() < deadline, "the child never took the lock");
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("{e:?}"),
        }
    }
    // SIGKILL to the child's process group: no chance to unlock anything itself.
    let group = format!("-{}", child.id());
    assert!(
        Command::new("kill")
            .args(["-KILL", "--", &group])
            .status()
            .unwrap()
            .success()
    );
    child.wait().unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match Profile::open(dir.path()) {
            Ok(p) => {
                p.close().unwrap();
                break;
            }
            Err(StoreError::ProfileInUse { .. }) => {
                assert!(
                    Instant::now() < deadline,
                    "the lock outlived the killed process"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            Err(e) => panic!("{e:?}"),
        }
    }
}

#[test]
fn a_profile_from_a_newer_version_is_refused_and_left_unchanged() {
    let dir = tempfile::tempdir().unwrap();
    profile_with_data(dir.path());
    {
        let conn = rusqlite::Connection::open(db(dir.path())).unwrap();
        conn.execute(
            "UPDATE meta SET value = '99' WHERE key = 'format_version'",
            [],
        )
        .unwrap();
    }
    let before = std::fs::read(db(dir.path())).unwrap();
    let err = Profile::open(dir.path()).unwrap_err();
    match &err {
        StoreError::NewerFormat {
            path,
            found,
            supported,
        } => {
            assert_eq!(path, &db(dir.path()));
            assert_eq!((*found, *supported), (99, accord_store::FORMAT_VERSION));
        }
        other => panic!("{other:?}"),
    }
    assert!(err.to_string().contains("please update Accord"), "{err}");
    assert_eq!(std::fs::read(db(dir.path())).unwrap(), before);
}

#[test]
fn a_foreign_sqlite_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    {
        let conn = rusqlite::Connection::open(db(dir.path())).unwrap();
        conn.execute_batch(
            "CREATE TABLE photos (id INTEGER PRIMARY KEY); INSERT INTO photos VALUES (1);",
        )
        .unwrap();
    }
    let before = std::fs::read(db(dir.path())).unwrap();
    let err = Profile::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::NotAProfile { .. }), "{err:?}");
    assert_eq!(std::fs::read(db(dir.path())).unwrap(), before);
}

/// Writes 64 KiB values, one committed batch each, until a write fails; returns the keys
/// that were acknowledged and the error.
fn fill_until_error(p: &Profile) -> (Vec<StorageKey>, StoreError) {
    let mut acked = Vec::new();
    for i in 0..2000 {
        let k = key(&["doc", "incremental", &format!("c{i:05}")]);
        let ticket = p.store().put_durable(&k, vec![(i % 251) as u8; 64 << 10]);
        match p.store().flush_blocking() {
            Ok(()) => acked.push(k),
            Err(e) => {
                drop(ticket);
                return (acked, e);
            }
        }
    }
    panic!("the disk never filled up");
}

async fn assert_all_readable(p: &Profile, keys: &[StorageKey]) {
    let s = p.store().samod_storage();
    let all = s.load_range(key(&["doc"])).await;
    for k in keys {
        let i: usize = k.to_string().rsplit('c').next().unwrap().parse().unwrap();
        assert_eq!(
            all.get(k).map(|v| (v.len(), v[0])),
            Some((64 << 10, (i % 251) as u8)),
            "{k}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_size_limit_is_a_write_error_and_the_previous_state_stays_readable() {
    // SQLite's max_page_count: a full disk without needing root.
    let dir = tempfile::tempdir().unwrap();
    let opts = StoreOptions::default().with_max_page_count(400); // 400 × 4 KiB
    let p = Profile::open_with(dir.path(), opts.clone()).unwrap();
    let (acked, err) = tokio::task::block_in_place(|| fill_until_error(&p));
    assert!(acked.len() >= 3, "some writes fit: {}", acked.len());
    assert!(err.is_disk_full(), "{err:?}");
    assert!(err.to_string().contains("the disk is full"), "{err}");
    assert!(
        err.to_string()
            .contains(&db(dir.path()).display().to_string()),
        "{err}"
    );
    assert_all_readable(&p, &acked).await;
    // The error is reported once; the store goes on working once there is room again.
    p.store().flush().await.unwrap();
    let (freed, kept) = acked.split_at(1);
    p.store().samod_storage().delete(freed[0].clone()).await;
    p.store().flush().await.expect("a delete needs no room");
    p.store()
        .put_durable(&key(&["small"]), b"fits".to_vec())
        .await
        .unwrap();
    let acked = kept.to_vec();
    // samod's put cannot return the error: the next flush does.
    p.store()
        .samod_storage()
        .put(key(&["doc", "incremental", "big"]), vec![1; 4 << 20])
        .await;
    assert!(p.store().flush().await.unwrap_err().is_disk_full());
    p.close().unwrap();
    let p = Profile::open_with(dir.path(), opts).unwrap();
    assert_all_readable(&p, &acked).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pieces_outlive_a_snapshot_that_failed_to_write() {
    // samod cannot be told that its compaction's snapshot failed: it goes on to delete the
    // pieces the snapshot replaces. Those must stay until a snapshot is written.
    let dir = tempfile::tempdir().unwrap();
    let opts = StoreOptions::default()
        .with_max_page_count(400)
        .with_snapshot_interval(Duration::ZERO);
    let p = Profile::open_with(dir.path(), opts.clone()).unwrap();
    let s = p.store().samod_storage();
    let pieces: Vec<_> = (0..3)
        .map(|i| key(&["doc", "incremental", &format!("piece{i}")]))
        .collect();
    for k in &pieces {
        s.put(k.clone(), vec![7; 1000]).await;
    }
    p.store().flush().await.unwrap();
    s.put(key(&["doc", "snapshot", "big"]), vec![1; 4 << 20])
        .await; // does not fit
    for k in &pieces {
        s.delete(k.clone()).await;
    }
    // Nothing is lost (the pieces stay), so the flush reports nothing: a failed snapshot is
    // no failed edit (issue #24: reads must go on working on a full disk).
    p.store().flush().await.unwrap();
    for k in &pieces {
        assert_eq!(
            s.load(k.clone()).await.as_deref(),
            Some(&[7; 1000][..]),
            "{k}"
        );
    }
    // Another document's deletions go on; and once a snapshot fits, so do this one's.
    s.put(key(&["other", "incremental", "x"]), vec![1]).await;
    s.delete(key(&["other", "incremental", "x"])).await;
    assert_eq!(s.load(key(&["other", "incremental", "x"])).await, None);
    s.put(key(&["doc", "snapshot", "small"]), vec![2; 1000])
        .await;
    s.delete(pieces[0].clone()).await;
    assert_eq!(s.load(pieces[0].clone()).await, None);
    p.close().unwrap();
}

/// A real full disk: a small tmpfs. Needs root (mount); without it this test says so and
/// skips, and the size-limit test above covers the same path in SQLite.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_disk_is_a_write_error_and_the_previous_state_stays_readable() {
    let root = tempfile::tempdir().unwrap();
    let mnt = root.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1536k", "tmpfs"])
        .arg(&mnt)
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !mounted {
        eprintln!(
            "SKIPPED the tmpfs part of a_full_disk_is_a_write_error…: mounting a tmpfs needs root \
             (CAP_SYS_ADMIN); a_size_limit_is_a_write_error… covers SQLITE_FULL without it"
        );
        return;
    }
    struct Unmount(PathBuf);
    impl Drop for Unmount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _guard = Unmount(mnt.clone());
    let dir = mnt.join("profile");

    let p = Profile::open(&dir).unwrap();
    let (acked, err) = tokio::task::block_in_place(|| fill_until_error(&p));
    assert!(acked.len() >= 3, "some writes fit: {}", acked.len());
    assert!(err.is_disk_full(), "{err:?}");
    assert_all_readable(&p, &acked).await;
    let _ = p.close(); // may fail to checkpoint on a full disk; that is allowed

    // Room is made (the user deletes files); the profile opens with everything acknowledged.
    assert!(
        Command::new("mount")
            .args(["-o", "remount,size=8m"])
            .arg(&mnt)
            .status()
            .unwrap()
            .success()
    );
    let p = Profile::open(&dir).unwrap();
    assert_all_readable(&p, &acked).await;
    p.store()
        .put_durable(&key(&["after"]), b"room again".to_vec())
        .await
        .unwrap();
    p.close().unwrap();
}

#[test]
fn the_device_key_is_created_once_and_readable_only_by_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let root = tempfile::tempdir().unwrap();
    let dir = root.path().join("profile"); // made by Profile::open
    let dir = dir.as_path();
    let p = Profile::open(dir).unwrap();
    let secret = p.device_secret();
    assert_ne!(secret, [0; 32]);
    p.close().unwrap();
    let path = dir.join(DEVICE_KEY_FILE);
    let meta = std::fs::metadata(&path).unwrap();
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert_eq!(meta.len(), 32);
    assert_eq!(std::fs::read(&path).unwrap(), secret);
    assert!(!dir.join("device.key.tmp").exists());
    // The database and the directory are private too.
    assert_eq!(
        std::fs::metadata(db(dir)).unwrap().permissions().mode() & 0o777,
        0o600
    );
    assert_eq!(
        std::fs::metadata(dir).unwrap().permissions().mode() & 0o077,
        0o000
    );

    let again = Profile::open(dir).unwrap();
    assert_eq!(again.device_secret(), secret, "the same key on every start");
    again.close().unwrap();
    let other = tempfile::tempdir().unwrap();
    assert_ne!(
        Profile::open(other.path()).unwrap().device_secret(),
        secret,
        "each profile has its own"
    );

    // A key that someone made world-readable is restricted again.
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(Profile::open(dir).unwrap().device_secret(), secret);
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );

    // A damaged key is an error, never silently replaced.
    std::fs::write(&path, b"short").unwrap();
    let err = Profile::open(dir).unwrap_err();
    assert!(
        matches!(err, StoreError::InvalidDeviceKey { .. }),
        "{err:?}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), b"short");
    // …and the failed open released the lock.
    std::fs::write(&path, secret).unwrap();
    Profile::open(dir).unwrap();
}

#[test]
fn accord_data_dir_overrides_the_platform_data_dir() {
    use accord_store::data_dir_from;
    let platform = Some(PathBuf::from("/home/ana/.local/share"));
    assert_eq!(
        data_dir_from(None, platform.clone()).unwrap(),
        PathBuf::from("/home/ana/.local/share/accord")
    );
    assert_eq!(
        data_dir_from(Some("/srv/accord".into()), platform.clone()).unwrap(),
        PathBuf::from("/srv/accord")
    );
    assert_eq!(
        data_dir_from(Some("".into()), platform).unwrap(),
        PathBuf::from("/home/ana/.local/share/accord")
    );
    assert!(matches!(
        data_dir_from(None, None),
        Err(StoreError::NoDataDir)
    ));
}

#[tokio::test]
async fn writes_after_close_fail_with_closed() {
    let dir = tempfile::tempdir().unwrap();
    let p = Profile::open(dir.path()).unwrap();
    let store = p.store().clone();
    p.close().unwrap();
    assert!(matches!(
        store.put_durable(&key(&["k"]), vec![1]).await,
        Err(StoreError::Closed)
    ));
    assert!(matches!(store.flush().await, Err(StoreError::Closed)));
    assert!(matches!(store.meetings(), Err(StoreError::Closed)));
}

#[tokio::test]
async fn a_flush_waits_for_everything_enqueued_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let p = Profile::open(dir.path()).unwrap();
    let tickets: Vec<_> = (0..500)
        .map(|i| {
            p.store()
                .put_durable(&key(&["d", "incremental", &format!("{i}")]), vec![7; 100])
        })
        .collect();
    p.store().flush().await.unwrap();
    // Everything before the flush is committed: a brand-new connection sees it all.
    let conn = rusqlite::Connection::open_with_flags(
        db(dir.path()),
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY,
    )
    .unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM samod_kv", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 500);
    for t in tickets {
        t.await.unwrap();
    }
}

/// Issue #24, item 3: a database with one damaged page deep inside (the page of the
/// documents' table) opened as if nothing was wrong, and the open wrote to it. It is checked
/// on a read-only connection first, so a refused file stays byte for byte as it was.
#[test]
fn a_refused_database_is_never_written() {
    let dir = tempfile::tempdir().unwrap();
    profile_with_data(dir.path());
    let (page, page_size): (i64, i64) = {
        let conn = rusqlite::Connection::open(db(dir.path())).unwrap();
        let page = conn
            .query_row(
                "SELECT rootpage FROM sqlite_master WHERE name = 'samod_kv'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        let size = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .unwrap();
        (page, size)
    };
    assert!(page > 1, "the documents' table is not on page 1");
    let mut bytes = std::fs::read(db(dir.path())).unwrap();
    let at = ((page - 1) * page_size) as usize;
    for b in &mut bytes[at..at + page_size as usize] {
        *b = 0xA5;
    }
    std::fs::write(db(dir.path()), &bytes).unwrap();
    let msg = assert_refused_untouched(dir.path());
    assert!(msg.contains("integrity check"), "{msg}");
}

/// Issue #24, item 4: a database truncated to nothing (or deleted) beside the device key
/// of a profile that was used is an error naming it, never a new empty profile.
#[test]
fn an_empty_or_missing_database_of_a_used_profile_is_an_error_not_a_new_profile() {
    let dir = tempfile::tempdir().unwrap();
    profile_with_data(dir.path());
    std::fs::OpenOptions::new()
        .write(true)
        .open(db(dir.path()))
        .unwrap()
        .set_len(0)
        .unwrap();
    for _ in 0..2 {
        let err = Profile::open(dir.path()).unwrap_err();
        assert!(matches!(err, StoreError::MissingDatabase { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains(&db(dir.path()).display().to_string()), "{msg}");
        assert!(msg.contains("restore it from a backup"), "{msg}");
        assert_eq!(std::fs::metadata(db(dir.path())).unwrap().len(), 0);
    }
    std::fs::remove_file(db(dir.path())).unwrap();
    let err = Profile::open(dir.path()).unwrap_err();
    assert!(matches!(err, StoreError::MissingDatabase { .. }), "{err:?}");
    assert!(!db(dir.path()).exists(), "no new database was made");

    // What the caller knows counts too (the Workspace: pins.json lists meetings).
    let bare = tempfile::tempdir().unwrap();
    let err = Profile::open_with(
        bare.path(),
        StoreOptions::default().with_used("pins.json lists 1 meeting"),
    )
    .unwrap_err();
    assert!(
        err.to_string().contains("pins.json lists 1 meeting"),
        "{err}"
    );
    assert!(!db(bare.path()).exists());
    // A profile that was never used is made as before.
    Profile::open(bare.path()).unwrap().close().unwrap();
}

/// Issue #24, item 6: a deleted or replaced device key gave the profile a new identity.
/// The database records the device it is used with; a missing key, or another one, is an
/// error naming the file, and nothing is created in its place.
#[test]
fn a_missing_or_changed_device_key_is_an_error_not_a_new_identity() {
    let dir = tempfile::tempdir().unwrap();
    profile_with_data(dir.path());
    let path = dir.path().join(DEVICE_KEY_FILE);
    let secret = std::fs::read(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let err = Profile::open(dir.path()).unwrap_err();
    assert!(
        matches!(err, StoreError::MissingDeviceKey { .. }),
        "{err:?}"
    );
    let msg = err.to_string();
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("restore device.key from a backup"), "{msg}");
    assert!(!path.exists(), "no new key was made");

    std::fs::write(&path, [7u8; 32]).unwrap();
    let err = Profile::open(dir.path()).unwrap_err();
    assert!(
        matches!(err, StoreError::DeviceKeyChanged { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains(&path.display().to_string()),
        "{err}"
    );
    assert_eq!(std::fs::read(&path).unwrap(), [7u8; 32], "left as it was");

    std::fs::write(&path, &secret).unwrap();
    let p = Profile::open(dir.path()).unwrap();
    assert_eq!(p.device_secret().to_vec(), secret);
    p.close().unwrap();

    // A profile with documents from before the device was recorded: a missing key is an
    // error all the same.
    {
        let conn = rusqlite::Connection::open(db(dir.path())).unwrap();
        conn.execute("DELETE FROM meta WHERE key = 'device_id'", [])
            .unwrap();
    }
    std::fs::remove_file(&path).unwrap();
    let err = Profile::open(dir.path()).unwrap_err();
    assert!(
        matches!(err, StoreError::MissingDeviceKey { .. }),
        "{err:?}"
    );
    assert!(!path.exists());
}

/// Issue #24, item 1: a write that failed on a full disk was applied later anyway, by a
/// later write of the same document (a rest at close, a snapshot) once there was room. A
/// document a write of which failed is written no more in the session: the stored document
/// stays as it was before the failed write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_whose_write_failed_is_not_written_again_in_the_session() {
    let dir = tempfile::tempdir().unwrap();
    let opts = StoreOptions::default()
        .with_max_page_count(400)
        .with_snapshot_interval(Duration::ZERO);
    let p = Profile::open_with(dir.path(), opts.clone()).unwrap();
    let s = p.store().samod_storage();
    let kept = key(&["doc", "incremental", "kept"]);
    p.store().put_durable(&kept, vec![1; 1000]).await.unwrap();
    let filler = key(&["filler", "incremental", "f"]);
    p.store()
        .put_durable(&filler, vec![2; 800 << 10])
        .await
        .unwrap();
    // The change that does not fit.
    let failed = p
        .store()
        .put_durable(&key(&["doc", "incremental", "big"]), vec![3; 1 << 20])
        .await
        .unwrap_err();
    assert!(failed.is_disk_full(), "{failed:?}");
    assert!(p.store().flush().await.unwrap_err().is_disk_full());
    // Room again.
    s.delete(filler).await;
    p.store().flush().await.unwrap();
    // A whole save of the document (holding the change that failed) is refused, and so is
    // every other write of it; another document is written as usual.
    let err = p
        .store()
        .rest_document("doc", &[], vec![4; 1000])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unsaved { .. }), "{err:?}");
    assert!(err.is_disk_full(), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("document doc was not saved"), "{msg}");
    s.put(key(&["doc", "snapshot", "s"]), vec![5; 1000]).await;
    s.delete(kept.clone()).await;
    let err = p
        .store()
        .put_durable(&key(&["doc", "incremental", "later"]), vec![6; 10])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::Unsaved { .. }), "{err:?}");
    assert!(matches!(
        p.store().flush().await.unwrap_err(),
        StoreError::Unsaved { .. }
    ));
    p.store()
        .put_durable(&key(&["other", "incremental", "x"]), vec![7; 10])
        .await
        .unwrap();
    p.close().unwrap();

    let p = Profile::open(dir.path()).unwrap();
    let all = p.store().samod_storage().load_range(key(&["doc"])).await;
    assert_eq!(
        all.keys().map(|k| k.to_string()).collect::<Vec<_>>(),
        vec!["doc/incremental/kept".to_string()],
        "the document is as it was before the failed write"
    );
    assert_eq!(all[&kept], vec![1; 1000]);
    p.close().unwrap();
}

/// Copies the database file alone (what is left when the WAL is gone and the process is
/// killed) and lists the keys it holds.
fn keys_in_database_file_alone(dir: &Path) -> Vec<String> {
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(db(dir), copy.path().join("copy.sqlite3")).unwrap();
    let conn = rusqlite::Connection::open(copy.path().join("copy.sqlite3")).unwrap();
    let has_table: bool = conn
        .query_row(
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'samod_kv')",
            [],
            |r| r.get(0),
        )
        .unwrap();
    if !has_table {
        return Vec::new(); // everything is still in the WAL
    }
    let mut st = conn
        .prepare("SELECT key FROM samod_kv ORDER BY key")
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<Vec<String>>>()
        .unwrap()
}

/// Issue #24, item 5: deleting the WAL while the profile was open, then `kill -9`, lost
/// acknowledged writes without an error. The writer notices the unlinked WAL — at its next
/// batch, or within a second while idle —, copies what the log holds into the database
/// file, and refuses every later write with an error naming the WAL.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unlinked_wal_is_detected_and_nothing_later_is_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let p = Profile::open(dir.path()).unwrap();
    let wal = dir.path().join("accord.sqlite3-wal");
    p.store()
        .put_durable(&key(&["doc", "incremental", "acked"]), vec![1; 100])
        .await
        .unwrap();
    assert!(wal.exists());
    assert!(
        !keys_in_database_file_alone(dir.path()).contains(&"doc/incremental/acked".to_string()),
        "the acknowledged write is in the WAL only"
    );
    std::fs::remove_file(&wal).unwrap();

    let err = p
        .store()
        .put_durable(&key(&["doc", "incremental", "after"]), vec![2; 100])
        .await
        .unwrap_err();
    assert!(matches!(err, StoreError::WalLost { .. }), "{err:?}");
    assert!(
        err.to_string().contains(&wal.display().to_string()),
        "{err}"
    );
    // Persistent: every later write is refused too, and a flush says so.
    let again = p
        .store()
        .put_durable(&key(&["other", "incremental", "x"]), vec![3; 100])
        .await
        .unwrap_err();
    assert!(matches!(again, StoreError::WalLost { .. }), "{again:?}");
    assert!(matches!(
        p.store().flush().await.unwrap_err(),
        StoreError::WalLost { .. }
    ));
    // What was acknowledged is in the database file itself: a kill -9 now loses nothing.
    assert_eq!(
        keys_in_database_file_alone(dir.path()),
        vec!["doc/incremental/acked".to_string()]
    );
    std::mem::forget(p); // as a killed process would: no close, no checkpoint

    // An idle writer notices within a second or so, and saves what the log holds.
    let dir = tempfile::tempdir().unwrap();
    let p = Profile::open(dir.path()).unwrap();
    p.store()
        .put_durable(&key(&["doc", "incremental", "acked"]), vec![1; 100])
        .await
        .unwrap();
    std::fs::remove_file(dir.path().join("accord.sqlite3-wal")).unwrap();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !keys_in_database_file_alone(dir.path()).contains(&"doc/incremental/acked".to_string()) {
        assert!(
            Instant::now() < deadline,
            "the idle writer never noticed the lost WAL"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(matches!(
        p.store().flush().await.unwrap_err(),
        StoreError::WalLost { .. }
    ));
}

/// Issue #24, item 5, at the next open: a process killed after its WAL was deleted leaves
/// SQLite's `-shm` saying the log held commits. Such a profile is refused, naming the lost
/// log, and left as it was; deleting the `-shm` (as the error says) opens what is left.
#[test]
fn a_profile_whose_wal_was_lost_with_commits_is_refused_at_the_next_open() {
    let dir = tempfile::tempdir().unwrap();
    let p = Profile::open(dir.path()).unwrap();
    drop(
        p.store()
            .put_durable(&key(&["doc", "incremental", "acked"]), vec![1; 100]),
    );
    p.store().flush_blocking().unwrap();
    // What a `kill -9` now leaves behind: the three files as they are (the `-shm` is the
    // live wal-index).
    let crashed = tempfile::tempdir().unwrap();
    for f in [
        "accord.sqlite3",
        "accord.sqlite3-wal",
        "accord.sqlite3-shm",
        "device.key",
    ] {
        std::fs::copy(dir.path().join(f), crashed.path().join(f)).unwrap();
    }
    p.close().unwrap();
    // A crash with its WAL opens with everything.
    let whole = tempfile::tempdir().unwrap();
    for f in [
        "accord.sqlite3",
        "accord.sqlite3-wal",
        "accord.sqlite3-shm",
        "device.key",
    ] {
        std::fs::copy(crashed.path().join(f), whole.path().join(f)).unwrap();
    }
    Profile::open(whole.path()).unwrap().close().unwrap();

    std::fs::remove_file(crashed.path().join("accord.sqlite3-wal")).unwrap();
    let before = std::fs::read(db(crashed.path())).unwrap();
    let err = Profile::open(crashed.path()).unwrap_err();
    assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    let msg = err.to_string();
    assert!(msg.contains("accord.sqlite3-wal is missing"), "{msg}");
    assert!(msg.contains("latest changes are lost"), "{msg}");
    assert_eq!(std::fs::read(db(crashed.path())).unwrap(), before);
    std::fs::remove_file(crashed.path().join("accord.sqlite3-shm")).unwrap();
    Profile::open(crashed.path()).unwrap().close().unwrap();
}
