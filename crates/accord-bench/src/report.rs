//! The results table and its JSON rows.

use std::path::Path;

use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub metric: String,
    pub accord: f64,
    pub baseline: f64,
    pub ratio: f64,
    pub unit: String,
    /// What was compared, for people.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub note: String,
}

impl Row {
    pub fn new(
        metric: impl Into<String>,
        accord: f64,
        baseline: f64,
        unit: &str,
        note: impl Into<String>,
    ) -> Row {
        let ratio = if baseline > 0.0 {
            accord / baseline
        } else {
            f64::NAN
        };
        Row {
            metric: metric.into(),
            accord,
            baseline,
            ratio,
            unit: unit.into(),
            note: note.into(),
        }
    }
}

pub fn print(rows: &[Row]) {
    println!(
        "{:<24} {:>14} {:>14} {:>8}  {:<6} compared with",
        "metric", "accord", "baseline", "ratio", "unit"
    );
    for r in rows {
        println!(
            "{:<24} {:>14.3} {:>14.3} {:>7.2}x  {:<6} {}",
            r.metric, r.accord, r.baseline, r.ratio, r.unit, r.note
        );
    }
}

pub fn write_json(path: &Path, rows: &[Row]) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, serde_json::to_vec_pretty(rows)?)?;
    Ok(())
}
