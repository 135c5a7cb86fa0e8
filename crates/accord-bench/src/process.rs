//! Metrics that need a process of their own: peak memory and startup time. The harness
//! runs itself as the child (`accord-bench __child KIND ARGS...`), so both sides of a ratio
//! are the same binary with the same allocator.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Instant;

use accord::model::MeetingDetails;
use accord::{NetMode, OpenOptions, Workspace};
use anyhow::{Context, bail};
use automerge::{Automerge, ReadDoc};

use crate::report::Row;

const CHILD: &str = "__child";

/// The peak resident set of this process, in KiB (Linux: `VmHWM`).
fn peak_rss_kib() -> anyhow::Result<u64> {
    let status = std::fs::read_to_string("/proc/self/status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmHWM in /proc/self/status")
}

/// Runs a child mode if the arguments ask for one; `Ok(false)` otherwise.
pub fn run_child_if_asked(rt: &tokio::runtime::Runtime) -> anyhow::Result<bool> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) != Some(CHILD) {
        return Ok(false);
    }
    match args.get(1).map(String::as_str) {
        // Open the profile and the document in it; report the peak memory.
        Some("memory-accord") => {
            let (dir, id) = (Path::new(&args[2]), &args[3]);
            let ws = rt.block_on(async {
                let (heads, ws) = accord::bench_support::open_raw(dir, id).await?;
                anyhow::Ok((heads, ws))
            })?;
            println!("{} {}", peak_rss_kib()?, ws.0);
            rt.block_on(ws.1.close())?;
        }
        // automerge's own: load the same bytes into one document.
        Some("memory-raw") => {
            let bytes = std::fs::read(&args[2])?;
            let doc = Automerge::load(&bytes)?;
            drop(bytes);
            println!("{} {}", peak_rss_kib()?, doc.get_heads().len());
            // Keep the document alive until measured.
            let _ = doc.length(automerge::ROOT);
        }
        // Open the profile as the app does (with its network) and list the meetings.
        Some("startup") => {
            rt.block_on(async {
                let ws = Workspace::open_with(
                    Path::new(&args[2]),
                    OpenOptions::default().with_net(NetMode::Loopback),
                )
                .await?;
                let n = ws.meetings().await?.len();
                // The list is on screen: tell the parent now, close outside the timing.
                println!("{n}");
                ws.close().await?;
                anyhow::Ok(())
            })?;
        }
        other => bail!("unknown child mode {other:?}"),
    }
    Ok(true)
}

/// Starts the child and returns its first line of output, and the time until it came.
fn child(args: &[&str]) -> anyhow::Result<(String, f64)> {
    let exe = std::env::current_exe()?;
    let t = Instant::now();
    let mut c = Command::new(exe)
        .arg(CHILD)
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()?;
    let mut line = String::new();
    BufReader::new(c.stdout.take().context("child stdout")?).read_line(&mut line)?;
    let took = t.elapsed().as_secs_f64();
    let status = c.wait()?;
    if !status.success() || line.is_empty() {
        bail!("child {args:?} failed: {status}");
    }
    Ok((line.trim().to_string(), took))
}

/// Peak RSS of a profile holding `path` open vs automerge's own in-memory document
/// (goal <= 1.5x).
pub async fn memory(path: &Path) -> anyhow::Result<Vec<Row>> {
    let name = crate::data::input_name(path);
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let dir = tempfile::tempdir()?;
    let id = accord::bench_support::import_raw(dir.path(), &bytes).await?;
    let dir_s = dir.path().to_str().context("utf-8 temp path")?.to_string();
    let path_s = path.to_str().context("utf-8 path")?.to_string();
    let (acc, raw) = tokio::task::spawn_blocking(move || {
        let acc = child(&["memory-accord", &dir_s, &id])?.0;
        let raw = child(&["memory-raw", &path_s])?.0;
        anyhow::Ok((acc, raw))
    })
    .await??;
    let parse = |s: &str| -> anyhow::Result<(f64, String)> {
        let mut it = s.split_whitespace();
        let kib: f64 = it.next().context("rss")?.parse()?;
        Ok((kib / 1024.0, it.next().unwrap_or("").to_string()))
    };
    let (a, a_heads) = parse(&acc)?;
    let (r, r_heads) = parse(&raw)?;
    if a_heads != r_heads {
        bail!("the profile's document has {a_heads} heads, automerge's {r_heads}");
    }
    Ok(vec![Row::new(
        format!("memory_{name}"),
        a,
        r,
        "MiB",
        "peak RSS: process with the profile and document open vs process with Automerge::load (goal <= 1.5x)",
    )])
}

/// Process start to the meeting list with `many` meetings in the profile vs one meeting
/// (goal <= 1.5x). The median of five starts each.
pub async fn startup(many: usize) -> anyhow::Result<Vec<Row>> {
    let make = |n: usize| async move {
        let dir = tempfile::tempdir()?;
        let ws = Workspace::open(dir.path()).await?;
        for i in 0..n {
            ws.create_meeting(&MeetingDetails::titled(&format!("Meeting {i}")), &[])
                .await?;
        }
        ws.index_settled().await?;
        ws.close().await?;
        anyhow::Ok(dir)
    };
    let one = make(1).await?;
    let lots = make(many).await?;
    let time = |dir: &tempfile::TempDir, n: usize| -> anyhow::Result<f64> {
        let d = dir.path().to_str().context("utf-8 temp path")?;
        let mut t = Vec::new();
        for _ in 0..5 {
            let (line, took) = child(&["startup", d])?;
            if line != n.to_string() {
                bail!("the meeting list had {line} meetings, expected {n}");
            }
            t.push(took);
        }
        t.sort_by(f64::total_cmp);
        Ok(t[2])
    };
    let (t1, tn) =
        tokio::task::block_in_place(|| anyhow::Ok((time(&one, 1)?, time(&lots, many)?)))?;
    Ok(vec![Row::new(
        "startup",
        tn,
        t1,
        "s",
        format!("process start to the meeting list: {many} meetings vs 1 (goal <= 1.5x)"),
    )])
}
