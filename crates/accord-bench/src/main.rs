//! `accord-bench`: measures Accord against baselines run in the same process, in the same
//! run, and reports ratios — these machines are noisy, absolute times mean little.
//!
//! `cargo run --release -p accord-bench -- [--quick] [--trace FILE] [--doc FILE]...`
//! prints a table and writes `target/bench/results.json` (rows `{metric, accord, baseline,
//! ratio, unit}`).

use std::path::PathBuf;

use clap::Parser;

mod data;
mod metrics;
mod report;

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
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
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
            rows.extend(rt.block_on(metrics::sync_converge(n))?);
        }
    }
    if wanted("open") {
        for doc in &docs {
            rows.extend(rt.block_on(metrics::open_doc(doc, args.quick))?);
        }
    }
    report::print(&rows);
    report::write_json(&args.out, &rows)?;
    eprintln!("wrote {}", args.out.display());
    Ok(())
}
