//! Reports through the API: the fixture imported into a draft of a meeting, exported again.

use accord::Workspace;
use accord::export::{Format, Mode, RenderOptions};

fn fixture() -> Vec<u8> {
    // The directory cargo gives when the test runs: the checkout may have moved since the
    // test was built (the target directory is kept warm across checkouts).
    let dir = std::env::var("CARGO_MANIFEST_DIR")
        .unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_string());
    let path = format!("{dir}/../../../shared/fixtures/rcm-liaison-network-2014-managua.txt");
    std::fs::read(&path)
        .unwrap_or_else(|e| panic!("the shared fixture {path} is needed by this test: {e}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_fixture_imports_into_a_draft_with_its_action_items_and_exports_again() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(dir.path()).await.unwrap();
    let meeting = ws.create_demo().await.unwrap();
    let imported = ws
        .import_report(&meeting, &fixture(), Some("managua.txt"), true)
        .await
        .unwrap();
    let numbers: Vec<&str> = imported.clauses.iter().map(|c| c.number.as_str()).collect();
    assert_eq!(
        numbers,
        [
            "1", "2", "2.a", "2.b", "2.c", "2.d", "2.e", "3", "3.a", "4", "4.a", "4.b", "4.c", "5"
        ]
    );
    let first = imported
        .actions
        .iter()
        .find(|a| a.due == Some(jiff::civil::date(2015, 2, 27)))
        .unwrap();
    assert!(
        first.added.is_some(),
        "suggested actions with owners are added when asked"
    );
    assert!(
        imported.actions.iter().any(|a| a.approximate.is_some()),
        "the last week of April is a range"
    );
    let full = ws.meeting_full(&meeting).await.unwrap();
    assert_eq!(full.drafts.len(), 2);
    let md = ws
        .export_report(
            &meeting,
            Some(&imported.draft),
            &RenderOptions::new(Format::Markdown).mode(Mode::Clean),
        )
        .await
        .unwrap();
    assert!(md.file_name.ends_with(".md"));
    let text = String::from_utf8(md.bytes).unwrap();
    assert!(text.contains("4. Thank the IOM for its report"), "{text}");
    let err = ws
        .import_report(&meeting, b"\x00\x01\x02garbage", Some("x.docx"), false)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("x.docx"), "{err}");
    ws.close().await.unwrap();
}

/// A 2 GB file was read whole before it was refused: a report file is now refused from its
/// size, naming the file and the limit, and nothing is imported.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_report_file_over_the_limit_is_refused_by_its_size_before_it_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let ws = Workspace::open(&dir.path().join("profile")).await.unwrap();
    let meeting = ws.create_demo().await.unwrap();
    let drafts = ws.meeting_full(&meeting).await.unwrap().drafts.len();
    let huge = dir.path().join("huge.txt");
    // Sparse: 2 GiB by its metadata, no disk used; reading it would take the 2 GiB.
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let err = ws
        .import_report_file(&meeting, &huge, true)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "too_large");
    assert_eq!(
        err.to_string(),
        format!(
            "{} is 2147483648 bytes, over the limit of 64 MiB for a report to import",
            huge.display()
        )
    );
    let fine = dir.path().join("managua.txt");
    std::fs::write(&fine, fixture()).unwrap();
    let imported = ws.import_report_file(&meeting, &fine, false).await.unwrap();
    assert_eq!(imported.clauses.len(), 14);
    assert_eq!(
        ws.meeting_full(&meeting).await.unwrap().drafts.len(),
        drafts + 1,
        "only the file within the limit made a draft"
    );
    ws.close().await.unwrap();
}
