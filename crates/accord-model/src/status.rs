use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ModelError;

/// Where a clause stands in the negotiation:
/// open → bracketed → agreed ad ref → agreed → adopted; also deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClauseStatus {
    Open,
    Bracketed,
    /// Agreed *ad referendum*: pending confirmation from capitals.
    AgreedAdRef,
    Agreed,
    Adopted,
    /// The parties agreed to drop the clause; it stays visible (struck through) in working
    /// texts and disappears from clean ones.
    Deleted,
}

impl ClauseStatus {
    pub const ALL: [ClauseStatus; 6] = [
        ClauseStatus::Open,
        ClauseStatus::Bracketed,
        ClauseStatus::AgreedAdRef,
        ClauseStatus::Agreed,
        ClauseStatus::Adopted,
        ClauseStatus::Deleted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ClauseStatus::Open => "open",
            ClauseStatus::Bracketed => "bracketed",
            ClauseStatus::AgreedAdRef => "agreed_ad_ref",
            ClauseStatus::Agreed => "agreed",
            ClauseStatus::Adopted => "adopted",
            ClauseStatus::Deleted => "deleted",
        }
    }

    /// Whether the text is settled: such a clause may not carry brackets.
    pub fn is_agreed(self) -> bool {
        matches!(
            self,
            ClauseStatus::AgreedAdRef | ClauseStatus::Agreed | ClauseStatus::Adopted
        )
    }
}

impl fmt::Display for ClauseStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ClauseStatus::AgreedAdRef => "agreed ad ref",
            other => other.as_str(),
        })
    }
}

impl FromStr for ClauseStatus {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, ModelError> {
        let norm = s.trim().to_ascii_lowercase().replace([' ', '-'], "_");
        let norm = match norm.as_str() {
            "agreed_ad_referendum" | "ad_ref" => "agreed_ad_ref",
            other => other,
        };
        Self::ALL.into_iter().find(|st| st.as_str() == norm).ok_or_else(|| {
            ModelError::invalid(
                "clause status",
                format!("{s:?}; expected one of open, bracketed, agreed_ad_ref, agreed, adopted, deleted"),
            )
        })
    }
}

/// What an action item's owners have done about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    Open,
    Done,
    Cancelled,
}

impl ActionStatus {
    pub const ALL: [ActionStatus; 3] = [
        ActionStatus::Open,
        ActionStatus::Done,
        ActionStatus::Cancelled,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            ActionStatus::Open => "open",
            ActionStatus::Done => "done",
            ActionStatus::Cancelled => "cancelled",
        }
    }
}

impl fmt::Display for ActionStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ActionStatus {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self, ModelError> {
        let norm = s.trim().to_ascii_lowercase();
        let norm = if norm == "canceled" {
            "cancelled".to_string()
        } else {
            norm
        };
        Self::ALL
            .into_iter()
            .find(|st| st.as_str() == norm)
            .ok_or_else(|| {
                ModelError::invalid(
                    "action status",
                    format!("{s:?}; expected open, done or cancelled"),
                )
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_parse_in_the_forms_people_type() {
        assert_eq!(
            "agreed ad ref".parse::<ClauseStatus>().unwrap(),
            ClauseStatus::AgreedAdRef
        );
        assert_eq!(
            "Agreed-Ad-Referendum".parse::<ClauseStatus>().unwrap(),
            ClauseStatus::AgreedAdRef
        );
        assert_eq!(
            "ADOPTED".parse::<ClauseStatus>().unwrap(),
            ClauseStatus::Adopted
        );
        assert!("maybe".parse::<ClauseStatus>().is_err());
        assert_eq!(
            "canceled".parse::<ActionStatus>().unwrap(),
            ActionStatus::Cancelled
        );
        for st in ClauseStatus::ALL {
            assert_eq!(st.as_str().parse::<ClauseStatus>().unwrap(), st);
        }
    }
}
