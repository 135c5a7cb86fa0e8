//! The `accord` binary on a full disk (issue #24, item 9): a small tmpfs, as `accord-store`'s
//! tests make it (mounting needs root: without it this test says so and skips). The disk is
//! left with a few dozen KiB free: a new process needs SQLite's 32 KiB `-shm` file to open the
//! profile at all, but nothing a command writes fits.

use std::io::Write;
use std::process::{Command, Output, Stdio};

struct SmallDisk {
    _root: tempfile::TempDir,
    mnt: std::path::PathBuf,
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.mnt).status();
    }
}

fn accord(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_accord"))
        .args(args)
        .env("ACCORD_DATA_DIR", dir)
        .env("ACCORD_NET", "off")
        .env("ACCORD_LOG", "error")
        .stdin(Stdio::null())
        .output()
        .expect("the accord binary runs")
}

fn stdout_of(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed ({:?}): {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

#[test]
fn on_a_full_disk_reads_print_and_a_failed_edit_says_it_was_not_saved_and_is_not_applied() {
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
        eprintln!("SKIPPED on_a_full_disk…: mounting a tmpfs needs root (CAP_SYS_ADMIN)");
        return;
    }
    let disk = SmallDisk { _root: root, mnt };
    let dir = disk.mnt.join("profile");
    stdout_of(&accord(&dir, &["init", "--party", "Mexico"]));
    let demo: serde_json::Value =
        serde_json::from_str(&stdout_of(&accord(&dir, &["demo", "--json"]))).unwrap();
    let meeting = demo["id"].as_str().unwrap().to_string();
    let shown: serde_json::Value = serde_json::from_str(&stdout_of(&accord(
        &dir,
        &["meeting", "show", &meeting, "--json"],
    )))
    .unwrap();
    let draft = shown["drafts"][0]["id"].as_str().unwrap().to_string();

    // Fill the disk, then give back a little: room to open, none to write.
    let filler = disk.mnt.join("filler");
    {
        let mut f = std::fs::File::create(&filler).unwrap();
        while f.write_all(&[0u8; 4096]).is_ok() {}
        let len = f.metadata().unwrap().len();
        f.set_len(len.saturating_sub(96 << 10)).unwrap();
    }

    let shown = stdout_of(&accord(&dir, &["draft", "show", &draft[..8]]));
    assert!(shown.contains("Managua"), "{shown}");
    let report = stdout_of(&accord(&dir, &["export", "--meeting", &meeting[..8]]));
    assert!(report.contains("Managua"), "{report}");

    let big = "A paragraph that does not fit. ".repeat(4000);
    let out = accord(
        &dir,
        &["minutes", "append", "--meeting", &meeting[..8], &big],
    );
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("the change was not saved"), "{err}");
    assert!(err.contains("the disk is full"), "{err}");

    std::fs::remove_file(&filler).unwrap();
    let minutes = stdout_of(&accord(
        &dir,
        &["minutes", "show", "--meeting", &meeting[..8]],
    ));
    assert!(!minutes.contains("does not fit"), "{minutes}");
}
