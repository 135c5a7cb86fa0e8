//! Crash safety: a child process edits a clause continuously and reports each edit once the
//! API has confirmed it durable; it is killed with SIGKILL at random moments, 20 times. After
//! each kill the profile opens and every edit reported durable is there. A second test kills
//! a child 500 ms after a burst of edits it never flushed: they are all there too.
//!
//! The child is this same test binary, started with `ACCORD_CRASH_CHILD` set.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use accord::Workspace;
use accord::model::{ClauseId, DocId, MeetingDetails, Placement, Splice, TextField};
use rand::Rng;

const CHILD_ENV: &str = "ACCORD_CRASH_CHILD";
const KILLS: usize = 20;
/// Set for a child that types a burst and never flushes.
const NO_FLUSH_ENV: &str = "ACCORD_CRASH_NO_FLUSH";
const BURST: usize = 1000;
/// How long after its last keystroke an edit must be on disk, flushed or not (the store's
/// group commit and the Workspace's own deadline for samod's put are far shorter).
const ON_DISK_WITHIN: Duration = Duration::from_millis(500);

/// Child: `<profile dir>|<draft id>|<clause id>`. Appends `<n>;` tokens forever, printing
/// `durable <n>` after each flush (or, with [`NO_FLUSH_ENV`], a burst and `typed <n>`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_child() {
    let Ok(spec) = std::env::var(CHILD_ENV) else {
        return;
    };
    let mut parts = spec.split('|');
    let (dir, draft, clause) = (
        parts.next().unwrap(),
        parts.next().unwrap(),
        parts.next().unwrap(),
    );
    let ws = Workspace::open(dir).await.expect("child opens the profile");
    let draft = DocId::new(draft).unwrap();
    let clause = ClauseId::new(clause).unwrap();
    let text = clause_text(&ws, &draft, &clause).await;
    let mut len = accord::model::text::utf16_len(&text);
    let mut n = tokens(&text).last().map(|m| m + 1).unwrap_or(0);
    let field = TextField::Clause(clause);
    let mut type_next = async || {
        let token = format!("{n};");
        ws.splice(&draft, &field, &Splice::insert(len, token.clone()))
            .await
            .unwrap();
        len += token.len();
        n += 1;
        n - 1
    };
    println!("ready");
    if std::env::var_os(NO_FLUSH_ENV).is_some() {
        // A burst of keystrokes at machine speed, never flushed, then nothing.
        let mut last = 0;
        for _ in 0..BURST {
            last = type_next().await;
        }
        println!("typed {last}");
        std::future::pending::<()>().await;
    }
    loop {
        // A few edits per flush, as typing does.
        let mut last = 0;
        for _ in 0..3 {
            last = type_next().await;
        }
        ws.flush().await.unwrap();
        println!("durable {last}");
    }
}

/// A profile in `dir` with a meeting, a draft and an empty clause, closed again.
async fn profile_with_a_clause(dir: &Path) -> (DocId, ClauseId) {
    let ws = Workspace::open(dir).await.unwrap();
    let m = ws
        .create_meeting(&MeetingDetails::titled("Crash"), &[])
        .await
        .unwrap();
    let d = ws.create_draft(&m, "D", "").await.unwrap();
    let c = ws
        .insert_clause(&d, &Placement::top_end(), "")
        .await
        .unwrap();
    ws.close().await.unwrap();
    (d, c)
}

/// Starts this binary as the child typing into `clause`; its stdout comes line by line.
fn spawn_child(
    dir: &Path,
    draft: &DocId,
    clause: &ClauseId,
    no_flush: bool,
) -> (Child, std::sync::mpsc::Receiver<String>) {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "crash_child",
        "--nocapture",
        "--test-threads",
        "1",
    ])
    .env(CHILD_ENV, format!("{}|{draft}|{clause}", dir.display()))
    .stdout(Stdio::piped())
    .stderr(Stdio::null());
    if no_flush {
        cmd.env(NO_FLUSH_ENV, "1");
    }
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    (child, rx)
}

async fn clause_text(ws: &Workspace, draft: &DocId, clause: &ClauseId) -> String {
    ws.draft(draft)
        .await
        .unwrap()
        .find(clause)
        .unwrap()
        .text
        .clone()
}

/// The `<n>;` tokens of a clause's text.
fn tokens(text: &str) -> BTreeSet<u64> {
    text.split(';').filter_map(|t| t.parse().ok()).collect()
}

/// Reopens the profile after a kill: the tokens the clause holds.
async fn tokens_after_kill(
    dir: &Path,
    draft: &DocId,
    clause: &ClauseId,
    round: usize,
) -> BTreeSet<u64> {
    let ws = Workspace::open(dir)
        .await
        .unwrap_or_else(|e| panic!("round {round}: profile does not open: {e}"));
    let text = clause_text(&ws, draft, clause).await;
    ws.close().await.unwrap();
    tokens(&text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_edit_reported_durable_survives_sigkill() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (draft, clause) = profile_with_a_clause(dir.path()).await;
    let mut rng = rand::rng();
    let mut confirmed: Option<u64> = None;
    for round in 0..KILLS {
        let (mut child, rx) = spawn_child(dir.path(), &draft, &clause, false);
        // Wait until it runs, then let it edit for a random while.
        let start = Instant::now();
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(30))
                .expect("child starts within 30 s");
            // libtest may print "test crash_child ... " on the same line first.
            if line.ends_with("ready") {
                break;
            }
            assert!(start.elapsed() < Duration::from_secs(30));
        }
        std::thread::sleep(Duration::from_millis(rng.random_range(20..400)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        while let Ok(line) = rx.recv_timeout(Duration::from_millis(200)) {
            if let Some((_, n)) = line.rsplit_once("durable ") {
                confirmed = Some(n.trim().parse().unwrap());
            }
        }
        // Every confirmed token is in the text after reopening.
        let tokens = tokens_after_kill(dir.path(), &draft, &clause, round).await;
        if let Some(last) = confirmed {
            for n in 0..=last {
                assert!(
                    tokens.contains(&n),
                    "round {round}: edit {n} was reported durable but is missing"
                );
            }
        }
    }
    assert!(
        confirmed.is_some_and(|n| n > 50),
        "the child made too few edits to test anything: {confirmed:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_edit_is_on_disk_soon_after_it_is_made_without_a_flush() {
    if std::env::var(CHILD_ENV).is_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (draft, clause) = profile_with_a_clause(dir.path()).await;
    for round in 0..3 {
        let (mut child, rx) = spawn_child(dir.path(), &draft, &clause, true);
        let typed = loop {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("the child reports its burst");
            if let Some((_, n)) = line.rsplit_once("typed ") {
                break n.trim().parse::<u64>().unwrap();
            }
        };
        std::thread::sleep(ON_DISK_WITHIN);
        child.kill().unwrap(); // SIGKILL: no flush, no close
        child.wait().unwrap();
        let tokens = tokens_after_kill(dir.path(), &draft, &clause, round).await;
        let missing: Vec<u64> = (0..=typed).filter(|n| !tokens.contains(n)).collect();
        assert!(
            missing.is_empty(),
            "round {round}: {} of the {typed} edits made {ON_DISK_WITHIN:?} before the kill \
             are missing (first {:?})",
            missing.len(),
            missing.first()
        );
    }
}
