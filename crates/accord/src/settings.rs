//! The profile's settings: a small JSON file beside the database, written atomically, so a
//! person can read it and a crash never leaves half a file.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The settings file inside a profile directory.
pub const SETTINGS_FILE: &str = "settings.json";

/// What a user can set about this device.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Settings {
    /// How this device is called in rosters and presence ("Laptop of the Mexican delegation").
    pub device_name: Option<String>,
    /// The party this device belongs to (a name, e.g. "Mexico").
    pub party: Option<String>,
    /// The UI language: `en` or `es`; none means "follow the system".
    pub language: Option<String>,
    /// A self-hosted relay to use instead of the public ones.
    pub relay_url: Option<String>,
    /// LAN only: contact nothing beyond the local network.
    pub offline: bool,
}

/// A change to some settings; `None` leaves a field as it is. For the optional fields,
/// `Some("")` clears it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SettingsPatch {
    pub device_name: Option<String>,
    pub party: Option<String>,
    pub language: Option<String>,
    pub relay_url: Option<String>,
    pub offline: Option<bool>,
}

impl Settings {
    /// Reads the settings; a missing file means defaults, a malformed one is an error that
    /// names the file (it is never overwritten silently).
    pub(crate) fn load(dir: &Path) -> Result<Settings> {
        crate::jsonfile::load(dir, SETTINGS_FILE, "settings file")
    }

    /// Writes the settings atomically.
    pub(crate) fn save(&self, dir: &Path) -> Result<()> {
        crate::jsonfile::save(dir, SETTINGS_FILE, "settings file", self)
    }

    /// Applies a patch after checking it.
    pub fn apply(&mut self, patch: SettingsPatch) -> Result<()> {
        fn opt(v: Option<String>, into: &mut Option<String>) {
            if let Some(v) = v {
                let v = v.trim().to_string();
                *into = if v.is_empty() { None } else { Some(v) };
            }
        }
        if let Some(l) = &patch.language
            && !matches!(l.as_str(), "" | "en" | "es")
        {
            return Err(Error::invalid("language", l.clone(), "use en or es"));
        }
        if let Some(u) = &patch.relay_url
            && !u.trim().is_empty()
            && !(u.starts_with("https://") || u.starts_with("http://"))
        {
            return Err(Error::invalid(
                "relay URL",
                u.clone(),
                "it must start with https:// or http://",
            ));
        }
        opt(patch.device_name, &mut self.device_name);
        opt(patch.party, &mut self.party);
        opt(patch.language, &mut self.language);
        opt(patch.relay_url, &mut self.relay_url);
        if let Some(o) = patch.offline {
            self.offline = o;
        }
        Ok(())
    }
}
