//! `accord-bench`: measures Accord against baselines run in the same process, in the same
//! run, and reports ratios — these machines are noisy, absolute times mean little.
//!
//! `cargo run --release -p accord-bench -- [--quick] [--trace FILE] [--doc FILE]...`
//! prints a table and writes `target/bench/results.json` (rows `{metric, accord, baseline,
//! ratio, unit}`).

use std::path::PathBuf;

use clap::Parser;

mod concurrent;
mod data;
mod metrics;
mod net_metrics;
mod process;
mod report;
mod room;

#[derive(Debug, Parser)]
struct Args {
    /// Smaller inputs, for a run of a few minutes.
    #[arg(long, env = "QUICK", value_parser = clap::builder::FalseyValueParser::new())]
    quick: bool,
    /// An editing trace (`{startContent, endContent, txns: [{patches: [[pos, del, ins]]}]}`,
    /// gzipped or not). Default: the automerge-perf paper trace.
    #[arg(long, env = "TRACE")]
    trace: Option<PathBuf>,
    /// Automerge documents to open. Default: S1, C1 and A1 from the shared data.
    #[arg(long = "doc", env = "DOC", value_delimiter = ',')]
    docs: Vec<PathBuf>,
    /// Run only the metrics whose name starts with one of these.
    #[arg(long, value_delimiter = ',')]
    only: Vec<String>,
    /// Where the JSON rows go.
    #[arg(long, default_value = "target/bench/results.json")]
    out: PathBuf,
}

fn main() -> anyhow::Result<()> {
    // Quiet unless asked: `ACCORD_LOG=accord=debug make bench ...`.
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("ACCORD_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("error")),
        )
        .with_writer(std::io::stderr)
        .init();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    if process::run_child_if_asked(&rt)? {
        return Ok(());
    }
    let args = Args::parse();
    let shared = data::shared_dir()?;
    let trace_path = args
        .trace
        .clone()
        .unwrap_or_else(|| shared.join("editing-traces/seq_automerge-paper.json.gz"));
    let docs = if args.docs.is_empty() {
        ["S1", "C1", "A1"]
            .iter()
            .map(|n| shared.join(format!("automerge-docs/{n}.am")))
            .collect()
    } else {
        args.docs.clone()
    };
    let wanted =
        |name: &str| args.only.is_empty() || args.only.iter().any(|o| name.starts_with(o.as_str()));
    let mut rows = Vec::new();
    let mut trace = data::Trace::load(&trace_path)?;
    // The trace's final text, typed into by `latency_long` (whole in quick mode too).
    let long_text = trace.end.clone();
    if args.quick {
        trace.truncate(20_000);
    }
    eprintln!(
        "trace {}: {} edits",
        trace_path.display(),
        trace.edits.len()
    );
    if wanted("edit_path") || wanted("disk_size") || wanted("open_trace") {
        rows.extend(rt.block_on(metrics::edit_path(&trace))?);
    }
    if wanted("sync") {
        let sizes: &[usize] = if args.quick {
            &[1_000]
        } else {
            &[1_000, 10_000]
        };
        for &n in sizes {
            let runs = if n <= 1_000 { 5 } else { 1 };
            rows.extend(rt.block_on(metrics::sync_converge(n, runs))?);
        }
    }
    if wanted("open") {
        for doc in &docs {
            rows.extend(rt.block_on(metrics::open_doc(doc, args.quick))?);
        }
    }
    if wanted("latency") {
        let n = if args.quick { 300 } else { 1_000 };
        rows.extend(rt.block_on(net_metrics::latency(n))?);
        rows.extend(rt.block_on(net_metrics::latency_long(n, &long_text))?);
    }
    if wanted("fanout") {
        let rounds = if args.quick { 20 } else { 100 };
        rows.extend(rt.block_on(net_metrics::fanout(&[10, 30], rounds))?);
    }
    if wanted("many_docs") {
        let n = if args.quick { 200 } else { 1_000 };
        rows.extend(rt.block_on(net_metrics::many_docs(n))?);
    }
    if wanted("concurrent") {
        let limit = args.quick.then_some(5_000);
        rows.extend(rt.block_on(concurrent::concurrent_trace(&shared, limit))?);
    }
    if wanted("memory") {
        for doc in &docs {
            rows.extend(rt.block_on(process::memory(doc))?);
        }
    }
    if wanted("startup") {
        rows.extend(rt.block_on(process::startup(100))?);
    }
    report::print(&rows);
    report::write_json(&args.out, &rows)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}
