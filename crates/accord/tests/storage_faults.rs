//! Storage faults through the API (issue #24, item 9): a full disk — a real one, a small
//! tmpfs, as `accord-store`'s tests make it (mounting needs root: without it these tests
//! say so and skip; `accord-store`'s size-limit tests cover the same rules without root) —
//! and a database lost beside the profile's other files.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use accord::export::{Format, RenderOptions};
use accord::{NetMode, OpenOptions, Workspace};

fn options() -> OpenOptions {
    OpenOptions::default()
        .with_net(NetMode::Off)
        .with_load_ahead(false)
}

/// A small tmpfs, unmounted when dropped; `None` without the right to mount.
struct SmallDisk {
    _root: tempfile::TempDir,
    mnt: PathBuf,
}

impl SmallDisk {
    fn mount(test: &str) -> Option<SmallDisk> {
        let root = tempfile::tempdir().unwrap();
        let mnt = root.path().join("small");
        std::fs::create_dir(&mnt).unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=16m", "tmpfs"])
            .arg(&mnt)
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !mounted {
            eprintln!("SKIPPED {test}: mounting a tmpfs needs root (CAP_SYS_ADMIN)");
            return None;
        }
        Some(SmallDisk { _root: root, mnt })
    }

    /// Fills the disk to the last byte with a file of its own; returns it.
    fn fill(&self) -> PathBuf {
        let path = self.mnt.join("filler");
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 4096];
        while f.write_all(&chunk).is_ok() {}
        while f.write_all(&[0]).is_ok() {}
        let _ = f.sync_all();
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.mnt).status();
    }
}

/// Item 1: an edit whose write failed on a full disk was written later anyway (by the whole
/// save that closing the profile makes, once the user had made room), although the command
/// had failed. The flush reports it, and nothing of it reaches the disk afterwards.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_edit_changes_nothing_durable() {
    let Some(disk) = SmallDisk::mount("a_failed_edit_changes_nothing_durable") else {
        return;
    };
    let dir = disk.mnt.join("profile");
    let ws = Workspace::open_with(&dir, options()).await.unwrap();
    let meeting = ws.create_demo().await.unwrap();
    // The minutes in several pieces, so that closing saves them whole.
    ws.append_minutes(&meeting, "First saved paragraph.")
        .await
        .unwrap();
    ws.append_minutes(&meeting, "Second saved paragraph.")
        .await
        .unwrap();
    ws.flush().await.unwrap();

    let filler = disk.fill();
    ws.append_minutes(&meeting, "The paragraph that was not saved.")
        .await
        .unwrap();
    let err = ws.flush().await.unwrap_err();
    assert_eq!(err.code(), "disk_full", "{err}");
    // Room again, before the profile closes.
    std::fs::remove_file(filler).unwrap();
    let _ = ws.close().await;

    let ws = Workspace::open_with(&dir, options()).await.unwrap();
    let minutes = ws
        .minutes(&ws.minutes_of(&meeting).await.unwrap())
        .await
        .unwrap();
    assert!(
        minutes.text.contains("Second saved paragraph."),
        "{}",
        minutes.text
    );
    assert!(
        !minutes.text.contains("not saved"),
        "the failed edit reached the disk: {}",
        minutes.text
    );
    ws.close().await.unwrap();
}

/// Item 2: on a full disk, reading a draft and exporting failed ("the index was not
/// updated", "did not close cleanly") because writes that lose nothing — the index, the
/// records made at close — failed. Reads and exports work from the documents, and closing
/// after them reports nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_and_exports_work_on_a_full_disk() {
    let Some(disk) = SmallDisk::mount("reads_and_exports_work_on_a_full_disk") else {
        return;
    };
    let dir = disk.mnt.join("profile");
    let ws = Workspace::open_with(&dir, options()).await.unwrap();
    let meeting = ws.create_demo().await.unwrap();
    ws.index_settled().await.unwrap();
    ws.close().await.unwrap();

    let ws = Workspace::open_with(&dir, options()).await.unwrap();
    let _filler = disk.fill();
    let view = ws.meeting(&meeting).await.unwrap();
    let draft = view.drafts().next().cloned().unwrap();
    assert!(!ws.draft(&draft).await.unwrap().clauses.is_empty());
    let report = ws
        .export_report(&meeting, None, &RenderOptions::new(Format::Markdown))
        .await
        .unwrap();
    assert!(!report.bytes.is_empty());
    assert_eq!(ws.meetings().await.unwrap().len(), 1);
    ws.index_settled()
        .await
        .expect("a read has nothing to save");
    ws.close().await.expect("closing after reads loses nothing");
}

/// Item 4: a database truncated to nothing beside `pins.json` listing meetings was silently
/// made a new, empty profile. It is an error naming the file, and the file stays empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_empty_database_beside_pinned_meetings_is_an_error_not_a_new_profile() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open_with(dir.path(), options()).await.unwrap();
    ws.create_demo().await.unwrap();
    ws.close().await.unwrap();
    assert!(dir.path().join("pins.json").exists());
    let db: &Path = &dir.path().join(accord::store::DATABASE_FILE);
    std::fs::OpenOptions::new()
        .write(true)
        .open(db)
        .unwrap()
        .set_len(0)
        .unwrap();
    // Even without the device key (which the store counts itself): the pins say enough.
    std::fs::remove_file(dir.path().join(accord::store::DEVICE_KEY_FILE)).unwrap();
    let err = Workspace::open_with(dir.path(), options())
        .await
        .unwrap_err();
    let msg = err.to_string();
    assert!(msg.contains(&db.display().to_string()), "{msg}");
    assert!(msg.contains("pins.json"), "{msg}");
    assert_eq!(std::fs::metadata(db).unwrap().len(), 0, "left as it was");
    assert!(!dir.path().join(accord::store::DEVICE_KEY_FILE).exists());
}
