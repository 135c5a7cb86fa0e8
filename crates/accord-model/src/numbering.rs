//! Clause numbers are computed from the tree whenever a draft is rendered, never stored, so
//! that concurrent inserts by two delegations renumber consistently after a merge.
//!
//! Level 0 is numbered 1, 2, 3 …; level 1 a, b, c …; level 2 i, ii, iii …; deeper levels
//! repeat the cycle.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The style of one level of numbering.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NumberStyle {
    Decimal,
    LowerAlpha,
    LowerRoman,
}

impl NumberStyle {
    pub fn for_depth(depth: usize) -> Self {
        match depth % 3 {
            0 => NumberStyle::Decimal,
            1 => NumberStyle::LowerAlpha,
            _ => NumberStyle::LowerRoman,
        }
    }
}

/// A clause's number at its level: its 1-based position among its numbered siblings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClauseNumber {
    pub ordinal: usize,
    pub depth: usize,
}

impl ClauseNumber {
    /// The bare label: `3`, `c`, `iii`.
    pub fn label(&self) -> String {
        label(NumberStyle::for_depth(self.depth), self.ordinal)
    }
}

/// `3.`, `c.`, `iii.`
impl fmt::Display for ClauseNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.", self.label())
    }
}

/// The label of `ordinal` (1-based) in `style`.
pub fn label(style: NumberStyle, ordinal: usize) -> String {
    match style {
        NumberStyle::Decimal => ordinal.to_string(),
        NumberStyle::LowerAlpha => alpha(ordinal),
        NumberStyle::LowerRoman => roman(ordinal),
    }
}

/// a … z, then aa, bb … zz, then aaa …: the convention of UN documents.
fn alpha(ordinal: usize) -> String {
    if ordinal == 0 {
        return "0".into();
    }
    let letter = (b'a' + ((ordinal - 1) % 26) as u8) as char;
    let times = (ordinal - 1) / 26 + 1;
    std::iter::repeat_n(letter, times).collect()
}

fn roman(mut n: usize) -> String {
    if n == 0 || n >= 4000 {
        return n.to_string();
    }
    const TABLE: [(usize, &str); 13] = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ];
    let mut out = String::new();
    for (value, digits) in TABLE {
        while n >= value {
            out.push_str(digits);
            n -= value;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_per_level() {
        let cases = [
            (0, 1, "1"),
            (0, 12, "12"),
            (1, 1, "a"),
            (1, 26, "z"),
            (1, 27, "aa"),
            (1, 28, "bb"),
            (2, 1, "i"),
            (2, 4, "iv"),
            (2, 9, "ix"),
            (2, 14, "xiv"),
            (2, 49, "xlix"),
            (3, 2, "2"),
            (4, 3, "c"),
        ];
        for (depth, ordinal, want) in cases {
            assert_eq!(
                ClauseNumber { ordinal, depth }.label(),
                want,
                "depth {depth} ordinal {ordinal}"
            );
        }
        assert_eq!(
            ClauseNumber {
                ordinal: 2,
                depth: 1
            }
            .to_string(),
            "b."
        );
    }
}
