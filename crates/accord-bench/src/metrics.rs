//! The metrics. Each returns rows: Accord's figure, the baseline's, from the same run.

use std::path::Path;
use std::time::{Duration, Instant};

use accord::Workspace;
use accord_model::{MeetingDetails, Splice, TextField};
use anyhow::{Context, bail};
use automerge::{Automerge, ObjType, ROOT, ReadDoc, transaction::Transactable};

use crate::data::Trace;
use crate::report::Row;
use crate::room::wait_until;

fn stats(mut d: Vec<Duration>) -> (f64, f64) {
    d.sort();
    let mean = d.iter().map(Duration::as_secs_f64).sum::<f64>() / d.len().max(1) as f64;
    let p99 = d
        .get(d.len() * 99 / 100)
        .copied()
        .unwrap_or_default()
        .as_secs_f64();
    (mean * 1e6, p99 * 1e6)
}

/// The edit path (a keystroke through the Workspace, persisted) vs raw automerge with a
/// commit per keystroke; then the size on disk and a cold open of the result.
pub async fn edit_path(trace: &Trace) -> anyhow::Result<Vec<Row>> {
    let n = trace.edits.len();
    // Baseline: raw automerge, one transaction per keystroke.
    let mut raw = Automerge::new();
    let text = raw.transact::<_, _, automerge::AutomergeError>(|tx| {
        let t = tx.put_object(ROOT, "text", ObjType::Text)?;
        tx.splice_text(&t, 0, 0, &trace.start)?;
        Ok(t)
    });
    let text = text.map_err(|e| anyhow::anyhow!("{e:?}"))?.result;
    let mut raw_times = Vec::with_capacity(n);
    let t0 = Instant::now();
    for e in &trace.edits {
        let s = Instant::now();
        raw.transact::<_, _, automerge::AutomergeError>(|tx| {
            tx.splice_text(&text, e.pos, e.del as isize, &e.ins)
        })
        .map_err(|f| anyhow::anyhow!("raw edit failed: {:?}", f.error))?;
        raw_times.push(s.elapsed());
    }
    let raw_total = t0.elapsed().as_secs_f64();

    // The model alone (the text found once, as the Workspace does for a run of keystrokes;
    // the rule, patch log, author), no samod, no store.
    let ctx = accord_model::ChangeCtx::new(
        accord_model::DeviceId::from_bytes([1; 32]),
        accord_model::jiff::Timestamp::now(),
    );
    let mut mdoc = Automerge::new();
    let mid = accord_model::DocId::new("bench").unwrap();
    accord_model::change(&mut mdoc, &ctx, |tx| {
        accord_model::minutes::create(tx, &mid, &trace.start)
    })?;
    let t0 = Instant::now();
    let typing =
        accord_model::Typing::find(&mdoc, accord_model::DocKind::Minutes, &TextField::Minutes)?;
    for e in &trace.edits {
        accord_model::change(&mut mdoc, &ctx, |tx| {
            typing.splice(tx, &Splice::new(e.pos, e.del, e.ins.clone()))
        })?;
    }
    let model_total = t0.elapsed().as_secs_f64();

    // Accord: the same keystrokes through Workspace::splice on a meeting's minutes.
    let dir = tempfile::tempdir()?;
    let ws = Workspace::open(dir.path()).await?;
    let meeting = ws
        .create_meeting(&MeetingDetails::titled("Benchmark"), &[])
        .await?;
    let minutes = ws.minutes_of(&meeting).await?;
    ws.splice(
        &minutes,
        &TextField::Minutes,
        &Splice::insert(0, trace.start.clone()),
    )
    .await?;
    ws.flush().await?;
    let mut times = Vec::with_capacity(n);
    let t0 = Instant::now();
    for e in &trace.edits {
        let s = Instant::now();
        ws.splice(
            &minutes,
            &TextField::Minutes,
            &Splice::new(e.pos, e.del, e.ins.clone()),
        )
        .await?;
        times.push(s.elapsed());
    }
    ws.flush().await?;
    let total = t0.elapsed().as_secs_f64();
    let final_text = ws.minutes(&minutes).await?.text;
    if !trace.end.is_empty() && final_text != trace.end {
        bail!("the replayed text differs from the trace's end text");
    }
    if final_text != raw.text(&text)? {
        bail!("Accord and raw automerge disagree on the replayed text");
    }
    let (mean, p99) = stats(times);
    let (raw_mean, raw_p99) = stats(raw_times);
    let mut rows = vec![
        Row::new(
            "edit_path",
            total,
            raw_total,
            "s",
            format!(
                "{n} keystrokes via Workspace::splice + SQLite vs raw automerge commit per keystroke"
            ),
        ),
        Row::new(
            "edit_model",
            model_total,
            raw_total,
            "s",
            "the model's change alone (rule + patches), no samod, no store",
        ),
        Row::new("edit_path_mean", mean, raw_mean, "us", "per keystroke"),
        Row::new("edit_path_p99", p99, raw_p99, "us", "per keystroke"),
    ];

    if std::env::var_os("ACCORD_BENCH_EDIT_ONLY").is_some() {
        return Ok(rows);
    }
    // Size on disk after compaction: reopen (samod compacts what it loads), then measure the
    // document's stored bytes against automerge's own save() of the same document.
    ws.close().await?;
    let ws = Workspace::open(dir.path()).await?;
    ws.minutes(&minutes).await?;
    let saved_len = ws.saved_size(&minutes).await? as f64;
    let mut stored = (0, 0);
    for _ in 0..100 {
        ws.flush().await?;
        stored = ws.stored_size(&minutes)?;
        if stored.1 <= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    rows.push(Row::new(
        "disk_size",
        stored.0 as f64,
        saved_len,
        "bytes",
        format!("stored document ({} keys) vs automerge save()", stored.1),
    ));
    ws.close().await?;

    // Cold open of that document: open the profile and read the text, vs Automerge::load.
    let bytes = {
        let ws = Workspace::open(dir.path()).await?;
        let b = ws.saved_bytes(&minutes).await?;
        ws.close().await?;
        b
    };
    let mut accord_open = Vec::new();
    let mut raw_open = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let ws = Workspace::open(dir.path()).await?;
        let len = ws.minutes(&minutes).await?.text.len();
        accord_open.push(t.elapsed());
        ws.close().await?;
        let t = Instant::now();
        let d = Automerge::load(&bytes)?;
        let (_, obj) = d.get(ROOT, "text")?.context("text")?;
        let raw_len = d.text(&obj)?.len();
        raw_open.push(t.elapsed());
        assert_eq!(len, raw_len);
    }
    accord_open.sort();
    raw_open.sort();
    rows.push(Row::new(
        "open_trace",
        accord_open[1].as_secs_f64(),
        raw_open[1].as_secs_f64(),
        "s",
        "cold open of the replayed document (profile + samod + read) vs Automerge::load + read",
    ));
    Ok(rows)
}

/// Cold open of a ready-made Automerge document stored in a profile vs `Automerge::load`.
pub async fn open_doc(path: &Path, _quick: bool) -> anyhow::Result<Vec<Row>> {
    let name = crate::data::input_name(path);
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let dir = tempfile::tempdir()?;
    let id = accord::bench_support::import_raw(dir.path(), &bytes).await?;
    let mut accord_t = Vec::new();
    let mut raw_t = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let (heads, ws) = accord::bench_support::open_raw(dir.path(), &id).await?;
        accord_t.push(t.elapsed());
        ws.close().await?;
        let t = Instant::now();
        let d = Automerge::load(&bytes)?;
        let raw_heads = d.get_heads().len();
        raw_t.push(t.elapsed());
        assert_eq!(heads, raw_heads);
    }
    accord_t.sort();
    raw_t.sort();
    Ok(vec![Row::new(
        format!("open_{name}"),
        accord_t[1].as_secs_f64(),
        raw_t[1].as_secs_f64(),
        "s",
        format!(
            "cold open from the profile vs Automerge::load ({} KB)",
            bytes.len() / 1024
        ),
    )])
}

/// Two devices diverge by `n` keystrokes each on one clause, then reconnect over iroh on
/// loopback: time to converge vs an in-process automerge sync loop on the same documents,
/// and sync bytes vs the byte size of the changes exchanged. The median of `runs` fresh
/// pairs of devices: one run's time depends on whether the reconnection falls within the
/// typing device's last compaction (see `SqliteStorage`).
pub async fn sync_converge(n: usize, runs: usize) -> anyhow::Result<Vec<Row>> {
    let mut results = Vec::with_capacity(runs);
    for _ in 0..runs.max(1) {
        results.push(converge_once(n).await?);
    }
    results.sort_by(|a, b| a.0.total_cmp(&b.0));
    let (took, _, wire, exchanged) = results[results.len() / 2];
    let mut baselines: Vec<f64> = results.iter().map(|r| r.1).collect();
    baselines.sort_by(f64::total_cmp);
    let baseline = baselines[baselines.len() / 2];
    Ok(vec![
        Row::new(
            format!("sync_converge_{n}"),
            took,
            baseline,
            "s",
            format!(
                "{n}+{n} offline keystrokes: from reconnection over iroh loopback to equal heads vs in-process automerge sync loop (median of {runs})"
            ),
        ),
        Row::new(
            format!("sync_wire_bytes_{n}"),
            wire as f64,
            exchanged as f64,
            "bytes",
            "automerge sync message bytes and summaries both ways (before QUIC framing) vs the raw bytes of the changes exchanged",
        ),
    ])
}

/// One run of [`sync_converge`]: (time to converge, the in-process baseline, bytes on the
/// wire, bytes of the changes exchanged).
async fn converge_once(n: usize) -> anyhow::Result<(f64, f64, u64, usize)> {
    use accord::{NetMode, OpenOptions};
    use accord_model::{Placement, Role};
    let open = |dir: std::path::PathBuf, net: NetMode| async move {
        Workspace::open_with(&dir, OpenOptions::default().with_net(net)).await
    };
    let (da, db) = (tempfile::tempdir()?, tempfile::tempdir()?);
    let a = open(da.path().to_path_buf(), NetMode::Loopback).await?;
    let meeting = a
        .create_meeting(&MeetingDetails::titled("Sync benchmark"), &[])
        .await?;
    let draft = a.create_draft(&meeting, "Draft", "").await?;
    let clause = a.insert_clause(&draft, &Placement::top_end(), "").await?;
    let b = open(db.path().to_path_buf(), NetMode::Loopback).await?;
    let inv = a
        .invite(&meeting, "Other", Role::Member, Duration::from_secs(600))
        .await?;
    b.join(&inv.ticket).await?;
    wait_until(Duration::from_secs(60), || async {
        b.heads(&draft).await.ok() == a.heads(&draft).await.ok()
    })
    .await?;
    b.close().await?;
    // Diverge: A types while B is away; B types offline.
    let target = TextField::Clause(clause.clone());
    for i in 0..n {
        a.splice(&draft, &target, &Splice::insert(i, "a")).await?;
    }
    // A comes to rest before B is back, as after any typing at human pace: this replay types
    // a thousand keystrokes in a few milliseconds, and the compaction samod then makes deletes
    // each superseded piece in a document step of its own — a thousand steps that, caught
    // mid-sync, each rebuild the sync message (see the README's performance notes).
    a.flush().await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let b = open(db.path().to_path_buf(), NetMode::Off).await?;
    for i in 0..n {
        b.splice(
            &draft,
            &target,
            &Splice::insert(0, if i % 2 == 0 { "b" } else { "c" }),
        )
        .await?;
    }
    let b_bytes = b.saved_bytes(&draft).await?;
    b.close().await?;
    let a_bytes = a.saved_bytes(&draft).await?;

    // Baseline: the same two documents synced in process.
    let mut x = Automerge::load(&a_bytes)?;
    let mut y = Automerge::load(&b_bytes)?;
    let exchanged: usize = x
        .get_changes(&y.get_heads())
        .iter()
        .chain(y.get_changes(&x.get_heads()).iter())
        .map(|c| c.raw_bytes().len())
        .sum();
    let t0 = Instant::now();
    {
        use automerge::sync::{State, SyncDoc};
        let (mut sx, mut sy) = (State::new(), State::new());
        loop {
            let m1 = x.generate_sync_message(&mut sx);
            if let Some(m) = &m1 {
                y.receive_sync_message(&mut sy, m.clone())?;
            }
            let m2 = y.generate_sync_message(&mut sy);
            if let Some(m) = &m2 {
                x.receive_sync_message(&mut sx, m.clone())?;
            }
            if m1.is_none() && m2.is_none() {
                break;
            }
        }
    }
    let baseline = t0.elapsed().as_secs_f64();
    if x.get_heads().len() != y.get_heads().len() {
        bail!("the in-process sync did not converge");
    }

    // Accord: B comes back online.
    let before = a.traffic();
    let mut a_events = a.subscribe();
    let b = open(db.path().to_path_buf(), NetMode::Loopback).await?;
    // From the moment the two devices are connected: connection setup is iroh's, measured
    // in the latency metrics.
    let b_id = b.device();
    tokio::time::timeout(Duration::from_secs(60), async {
        loop {
            match a_events.recv().await {
                Ok(accord::Event::PeerUp { device }) if device == b_id => return,
                Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
                _ => {}
            }
        }
    })
    .await?;
    let t0 = Instant::now();
    crate::room::until_same_heads(&a, &b, &draft, Duration::from_secs(120)).await?;
    let took = t0.elapsed().as_secs_f64();
    let after_a = a.traffic();
    let tb = b.traffic();
    let wire = (after_a.sent_bytes - before.sent_bytes) + tb.sent_bytes;
    b.close().await?;
    a.close().await?;
    Ok((took, baseline, wire, exchanged))
}
