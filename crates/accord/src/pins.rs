//! The meetings this device belongs to, with the founding key it pinned for each (its own
//! when it founded the meeting, the ticket's when it joined) and the hosts it knows. Kept in
//! `pins.json` beside the database, written atomically. The roster's signatures are checked
//! against these keys, never against what a document claims.

use std::collections::BTreeMap;
use std::path::Path;

use accord_model::{DeviceId, DocId};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

pub const PINS_FILE: &str = "pins.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pin {
    pub founder: DeviceId,
    /// Addresses of the device that admitted us (dialling hints).
    #[serde(default)]
    pub hosts: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pins {
    pub meetings: BTreeMap<DocId, Pin>,
}

impl Pins {
    pub fn load(dir: &Path) -> Result<Pins> {
        let path = dir.join(PINS_FILE);
        match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b).map_err(|e| {
                Error::invalid(
                    "meetings file",
                    path.display().to_string(),
                    format!("it is not valid JSON: {e}"),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Pins::default()),
            Err(e) => Err(Error::invalid(
                "meetings file",
                path.display().to_string(),
                e.to_string(),
            )),
        }
    }

    pub fn save(&self, dir: &Path) -> Result<()> {
        use std::io::Write;
        let path = dir.join(PINS_FILE);
        let tmp = dir.join(format!("{PINS_FILE}.tmp"));
        let bad = |e: std::io::Error| {
            Error::invalid("meetings file", path.display().to_string(), e.to_string())
        };
        let mut f = std::fs::File::create(&tmp).map_err(bad)?;
        f.write_all(&serde_json::to_vec_pretty(self).expect("pins serialise"))
            .map_err(bad)?;
        f.sync_all().map_err(bad)?;
        std::fs::rename(&tmp, &path).map_err(bad)?;
        Ok(())
    }
}
