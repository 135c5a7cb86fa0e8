//! Identifiers. The model never makes ids itself (no RNG inside): callers pass them in.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ModelError;

/// Longest id we accept; ids are keys in automerge maps and travel in URLs and file names.
const MAX_ID_LEN: usize = 64;

fn check_id(what: &'static str, s: &str) -> Result<(), ModelError> {
    if s.is_empty() {
        return Err(ModelError::invalid(what, "it is empty"));
    }
    if s.len() > MAX_ID_LEN {
        return Err(ModelError::invalid(
            what,
            format!("{s:?} is longer than {MAX_ID_LEN} characters"),
        ));
    }
    if let Some(c) = s
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
    {
        return Err(ModelError::invalid(
            what,
            format!("{s:?} contains {c:?}; use letters, digits, '-' and '_'"),
        ));
    }
    Ok(())
}

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident, $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub fn new(s: impl Into<String>) -> Result<Self, ModelError> {
                let s = s.into();
                check_id($what, &s)?;
                Ok(Self(s))
            }
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
        impl FromStr for $name {
            type Err = ModelError;
            fn from_str(s: &str) -> Result<Self, ModelError> {
                Self::new(s)
            }
        }
        impl TryFrom<String> for $name {
            type Error = ModelError;
            fn try_from(s: String) -> Result<Self, ModelError> {
                Self::new(s)
            }
        }
        impl From<$name> for String {
            fn from(id: $name) -> String {
                id.0
            }
        }
        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

string_id!(
    /// A clause's stable id: it survives moves, renumbering and merges.
    ClauseId, "clause id"
);
string_id!(
    /// An action item's id.
    ActionId, "action item id"
);
string_id!(
    /// A party's id within a meeting, e.g. `costa-rica` or `ts`.
    PartyId, "party id"
);
string_id!(
    /// The id of one Accord document (the automerge-repo document id, without the
    /// `automerge:` prefix).
    DocId, "document id"
);

impl PartyId {
    /// A readable id made from a party's name: lowercase ASCII words joined by `-`.
    /// Accents are folded (`México` → `mexico`) so that two devices that add the same party
    /// independently arrive at the same id.
    pub fn slug(name: &str) -> Result<Self, ModelError> {
        let mut out = String::new();
        let mut dash = false;
        for c in name.chars().flat_map(fold_accent) {
            if c.is_ascii_alphanumeric() {
                if dash && !out.is_empty() {
                    out.push('-');
                }
                dash = false;
                out.push(c.to_ascii_lowercase());
            } else {
                dash = true;
            }
        }
        out.truncate(MAX_ID_LEN);
        while out.ends_with('-') {
            out.pop();
        }
        Self::new(out).map_err(|_| {
            ModelError::invalid("party name", format!("{name:?} has no letters or digits"))
        })
    }
}

fn fold_accent(c: char) -> impl Iterator<Item = char> {
    let folded: &str = match c {
        'á' | 'à' | 'â' | 'ä' | 'ã' | 'å' => "a",
        'Á' | 'À' | 'Â' | 'Ä' | 'Ã' | 'Å' => "A",
        'é' | 'è' | 'ê' | 'ë' => "e",
        'É' | 'È' | 'Ê' | 'Ë' => "E",
        'í' | 'ì' | 'î' | 'ï' => "i",
        'Í' | 'Ì' | 'Î' | 'Ï' => "I",
        'ó' | 'ò' | 'ô' | 'ö' | 'õ' => "o",
        'Ó' | 'Ò' | 'Ô' | 'Ö' | 'Õ' => "O",
        'ú' | 'ù' | 'û' | 'ü' => "u",
        'Ú' | 'Ù' | 'Û' | 'Ü' => "U",
        'ñ' => "n",
        'Ñ' => "N",
        'ç' => "c",
        'Ç' => "C",
        _ => "",
    };
    let own = if folded.is_empty() { Some(c) } else { None };
    folded.chars().chain(own)
}

/// One device (one installation of Accord). Its bytes are the device's public key; they are
/// written as the automerge *author* of every change the device makes, so history can say
/// which device — and through the roster, which delegation — wrote what.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct DeviceId([u8; 32]);

impl DeviceId {
    pub const fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }
    /// The first ten hex digits: enough to tell devices apart in a list.
    pub fn short(&self) -> String {
        self.to_string()[..10].to_string()
    }
    pub fn author(&self) -> automerge::Author<'static> {
        automerge::Author::from(self.0.to_vec())
    }
    /// The device that wrote a change, if its author is a device id.
    pub fn from_author(author: &automerge::Author<'_>) -> Option<Self> {
        let hex = author.to_string();
        hex.parse().ok()
    }
}

impl fmt::Display for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for DeviceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceId({})", self.short())
    }
}

impl FromStr for DeviceId {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, ModelError> {
        let bad = || ModelError::invalid("device id", format!("{s:?} is not 64 hex digits"));
        if s.len() != 64 || !s.is_ascii() {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, chunk) in s.as_bytes().chunks(2).enumerate() {
            let hex = std::str::from_utf8(chunk).map_err(|_| bad())?;
            out[i] = u8::from_str_radix(hex, 16).map_err(|_| bad())?;
        }
        Ok(Self(out))
    }
}

impl Serialize for DeviceId {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for DeviceId {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_refuse_empty_long_and_odd_characters() {
        assert!(ClauseId::new("c-1_a").is_ok());
        assert!(ClauseId::new("").is_err());
        assert!(ClauseId::new("a/b").is_err());
        assert!(ClauseId::new("x".repeat(65)).is_err());
        let err = ClauseId::new("a b").unwrap_err().to_string();
        assert!(err.contains("clause id"), "{err}");
    }

    #[test]
    fn party_slugs_fold_accents_and_punctuation() {
        assert_eq!(PartyId::slug("México").unwrap().as_str(), "mexico");
        assert_eq!(
            PartyId::slug("the Dominican Republic").unwrap().as_str(),
            "the-dominican-republic"
        );
        assert_eq!(
            PartyId::slug("  Technical Secretariat (TS) ")
                .unwrap()
                .as_str(),
            "technical-secretariat-ts"
        );
        assert!(PartyId::slug("¿?").is_err());
    }

    #[test]
    fn device_ids_round_trip_through_hex_and_author() {
        let d = DeviceId::from_bytes([7; 32]);
        assert_eq!(d.to_string().parse::<DeviceId>().unwrap(), d);
        assert_eq!(DeviceId::from_author(&d.author()), Some(d));
        assert!("zz".parse::<DeviceId>().is_err());
    }
}
