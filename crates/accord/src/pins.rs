//! The meetings this device belongs to, with the founding key it pinned for each (its own
//! when it founded the meeting, the ticket's when it joined) and the hosts it knows. Kept in
//! `pins.json` beside the database, written atomically. The roster's signatures are checked
//! against these keys, never against what a document claims.

use std::collections::BTreeMap;
use std::path::Path;

use accord_model::{DeviceId, DocId};
use serde::{Deserialize, Serialize};

use crate::error::Result;

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
        crate::jsonfile::load(dir, PINS_FILE, "meetings file")
    }

    pub fn save(&self, dir: &Path) -> Result<()> {
        crate::jsonfile::save(dir, PINS_FILE, "meetings file", self)
    }
}
