//! The standard inputs, read from `../shared/data` beside the checkout.

use std::io::Read;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// `../shared/data` relative to the workspace root.
pub fn shared_dir() -> anyhow::Result<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let dir = root.join("../shared/data");
    if !dir.is_dir() {
        bail!(
            "the shared data directory {} is missing: benchmarks read their inputs from it",
            dir.display()
        );
    }
    Ok(dir)
}

/// One edit: at `pos` delete `del` characters and insert `ins`.
#[derive(Debug, Clone)]
pub struct Edit {
    pub pos: usize,
    pub del: usize,
    pub ins: String,
}

#[derive(Debug)]
pub struct Trace {
    pub start: String,
    pub edits: Vec<Edit>,
    pub end: String,
}

impl Trace {
    pub fn load(path: &Path) -> anyhow::Result<Trace> {
        let raw =
            std::fs::read(path).with_context(|| format!("reading trace {}", path.display()))?;
        let json = if raw.starts_with(&[0x1f, 0x8b]) {
            let mut s = Vec::new();
            flate2::read::GzDecoder::new(&raw[..])
                .read_to_end(&mut s)
                .with_context(|| format!("gunzip {}", path.display()))?;
            s
        } else {
            raw
        };
        let v: serde_json::Value = serde_json::from_slice(&json)
            .with_context(|| format!("parsing trace {}", path.display()))?;
        let mut edits = Vec::new();
        for t in v["txns"].as_array().context("trace has no txns")? {
            for p in t["patches"].as_array().context("txn has no patches")? {
                edits.push(Edit {
                    pos: p[0].as_u64().context("pos")? as usize,
                    del: p[1].as_u64().context("del")? as usize,
                    ins: p[2].as_str().context("ins")?.to_string(),
                });
            }
        }
        let start = v["startContent"].as_str().unwrap_or("").to_string();
        let end = v["endContent"].as_str().unwrap_or("").to_string();
        if !start.is_ascii() || !end.is_ascii() {
            bail!(
                "trace {} is not ASCII: its positions are code points, convert it first",
                path.display()
            );
        }
        Ok(Trace { start, edits, end })
    }

    /// Keeps the first `n` edits (and forgets the expected end text).
    pub fn truncate(&mut self, n: usize) {
        if self.edits.len() > n {
            self.edits.truncate(n);
            self.end.clear();
        }
    }
}

/// A metric's name for an input file: its stem (`S1` for `…/S1.am`).
pub fn input_name(path: &Path) -> String {
    path.file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("doc")
        .to_string()
}
