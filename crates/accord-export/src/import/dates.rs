//! Deadlines in running text, English and Spanish: exact dates ("no later than February
//! 27th, 2015", "by 15 May 2016 at the latest", "a más tardar el 27 de febrero de 2015",
//! "2015-02-27", "27/02/2015"), approximate ranges ("the last week of April, 2015", "mid-May
//! 2015", "el primer semestre de 2015", "April 2015"), and events ("during the next
//! meeting", "durante la próxima reunión", "at the XX RCM Vice-Ministerial meeting").
//!
//! A small hand parser over word tokens: the forms are few, the surrounding prose is
//! long, and the parser must say exactly which words it read.

use std::ops::Range;

use jiff::civil::{Date, date};
use serde::{Deserialize, Serialize};

use super::NoteKind;

/// When an action item is due.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum Due {
    #[default]
    None,
    /// A day: the deadline.
    Date(Date),
    /// Somewhere in a range ("the last week of April, 2015" is 24–30 April).
    Approximate { from: Date, to: Date },
    /// At an event rather than on a date: "the next Network meeting".
    Event(String),
}

impl Due {
    /// The day to record as the action item's due date: the date, or the last day of an
    /// approximate range (an obligation for "the last week of April" is late after the
    /// 30th). Events have no date.
    pub fn date(&self) -> Option<Date> {
        match self {
            Due::Date(d) => Some(*d),
            Due::Approximate { to, .. } => Some(*to),
            Due::None | Due::Event(_) => None,
        }
    }
    pub fn is_none(&self) -> bool {
        *self == Due::None
    }
}

/// A deadline found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundDue {
    pub due: Due,
    /// Byte range of the words it was read from, qualifiers included ("no later than …").
    pub span: Range<usize>,
    /// Something the reader should check (a date without a year, a date that reads both
    /// ways).
    pub note: Option<(NoteKind, String)>,
}

/// The first deadline in `text`. `reference` places dates written without a year: the
/// first such day on or after it.
pub fn find_due(text: &str, reference: Option<Date>) -> Option<FoundDue> {
    let toks = tokens(text);
    let mut no_year: Option<FoundDue> = None;
    for i in 0..toks.len() {
        if let Some((due, end, note)) = at(text, &toks, i, reference) {
            let span = || widen(text, toks[i].start..toks[end - 1].end);
            // A day without a year is a weak reading: keep looking for a complete one
            // (keeping the first, whose span alone is worked out).
            if due.is_none() || matches!(note, Some((NoteKind::DateWithoutYear, _))) {
                if no_year.is_none() {
                    no_year = Some(FoundDue {
                        due,
                        span: span(),
                        note,
                    });
                }
                continue;
            }
            return Some(FoundDue {
                due,
                span: span(),
                note,
            });
        }
    }
    no_year.or_else(|| event(text, &toks))
}

#[derive(Debug, Clone)]
struct Tok {
    /// Lower case, accents folded.
    w: String,
    start: usize,
    end: usize,
    /// A number (digits, with an ordinal suffix such as "27th" or "1º" allowed).
    num: Option<u32>,
    digits: usize,
    upper: bool,
}

fn tokens(text: &str) -> Vec<Tok> {
    let mut out = Vec::new();
    let mut cur: Option<(usize, String)> = None;
    let push_word = |out: &mut Vec<Tok>, start: usize, s: &str| {
        let digits = s.chars().take_while(char::is_ascii_digit).count();
        let suffix = fold(&s[digits..]);
        let num = if digits > 0
            && digits <= 4
            && [
                "", "st", "nd", "rd", "th", "o", "a", "ro", "er", "do", "vo", "to", "mo", "no",
            ]
            .contains(&suffix.as_str())
        {
            s[..digits].parse().ok()
        } else {
            None
        };
        out.push(Tok {
            w: fold(s),
            start,
            end: start + s.len(),
            num,
            digits,
            upper: s.chars().next().is_some_and(char::is_uppercase),
        });
    };
    for (i, c) in text.char_indices() {
        if c.is_alphanumeric() {
            match &mut cur {
                Some((_, s)) => s.push(c),
                None => cur = Some((i, c.to_string())),
            }
        } else {
            if let Some((start, s)) = cur.take() {
                push_word(&mut out, start, &s);
            }
            if !c.is_whitespace() {
                out.push(Tok {
                    w: c.to_string(),
                    start: i,
                    end: i + c.len_utf8(),
                    num: None,
                    digits: 0,
                    upper: false,
                });
            }
        }
    }
    if let Some((start, s)) = cur.take() {
        push_word(&mut out, start, &s);
    }
    out
}

/// Lower case with the accents of Spanish folded, and `º`/`ª` as letters.
pub(crate) fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'á' | 'à' | 'â' | 'ä' => 'a',
            'é' | 'è' | 'ê' | 'ë' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ñ' => 'n',
            'º' | '°' => 'o',
            'ª' => 'a',
            c => c,
        })
        .collect()
}

fn month(t: &Tok) -> Option<i8> {
    // "may" is a month only when written "May": otherwise it is the verb.
    if t.w == "may" && !t.upper {
        return None;
    }
    let m = match t.w.as_str() {
        "january" | "jan" | "enero" | "ene" => 1,
        "february" | "feb" | "febrero" => 2,
        "march" | "mar" | "marzo" => 3,
        "april" | "apr" | "abril" | "abr" => 4,
        "may" | "mayo" => 5,
        "june" | "jun" | "junio" => 6,
        "july" | "jul" | "julio" => 7,
        "august" | "aug" | "agosto" | "ago" => 8,
        "september" | "sep" | "sept" | "septiembre" | "setiembre" | "set" => 9,
        "october" | "oct" | "octubre" => 10,
        "november" | "nov" | "noviembre" => 11,
        "december" | "dec" | "diciembre" | "dic" => 12,
        _ => return None,
    };
    Some(m)
}

fn year(t: &Tok) -> Option<i16> {
    t.num
        .filter(|_| t.digits == 4 && t.w.chars().all(|c| c.is_ascii_digit()))
        .and_then(|n| i16::try_from(n).ok())
        .filter(|y| (1900..=2200).contains(y))
}

fn day(t: &Tok) -> Option<i8> {
    t.num
        .filter(|n| (1..=31).contains(n) && t.digits <= 2)
        .and_then(|n| i8::try_from(n).ok())
}

fn is(t: Option<&Tok>, words: &[&str]) -> bool {
    t.is_some_and(|t| words.contains(&t.w.as_str()))
}

fn last_day(y: i16, m: i8) -> i8 {
    date(y, m, 1).days_in_month()
}

fn checked(y: i16, m: i8, d: i8) -> Option<Date> {
    Date::new(y, m, d).ok()
}

fn approx(y: i16, m: i8, from: i8, to: i8) -> Option<Due> {
    Some(Due::Approximate {
        from: checked(y, m, from)?,
        to: checked(y, m, to.min(last_day(y, m)))?,
    })
}

type Hit = (Due, usize, Option<(NoteKind, String)>);

/// A date form starting at token `i`: the due and the end token (exclusive).
fn at(text: &str, t: &[Tok], i: usize, reference: Option<Date>) -> Option<Hit> {
    let g = |k: usize| t.get(k);
    let _ = text;
    // 2015-02-27
    if let (Some(y), Some(m), Some(d)) = (g(i).and_then(year), g(i + 2), g(i + 4))
        && is(g(i + 1), &["-"])
        && is(g(i + 3), &["-"])
        && m.digits <= 2
        && d.digits <= 2
    {
        let date = checked(y, i8::try_from(m.num?).ok()?, i8::try_from(d.num?).ok()?)?;
        return Some((Due::Date(date), i + 5, None));
    }
    // 27/02/2015, 27.02.2015: day first, unless that is impossible.
    if let (Some(a), Some(b), Some(y)) = (g(i), g(i + 2), g(i + 4).and_then(year)) {
        let sep = g(i + 1).map(|s| s.w.clone());
        if a.num.is_some()
            && a.digits <= 2
            && b.num.is_some()
            && b.digits <= 2
            && matches!(sep.as_deref(), Some("/" | "."))
            && g(i + 3).map(|s| s.w.clone()) == sep
        {
            let (x, z) = (i8::try_from(a.num?).ok()?, i8::try_from(b.num?).ok()?);
            let (d, m, note) = if x > 12 || z > 12 || x == z {
                if x > 12 {
                    (x, z, None)
                } else if z > 12 {
                    (z, x, None)
                } else {
                    (x, z, None)
                }
            } else {
                (
                    x,
                    z,
                    Some((
                        NoteKind::AmbiguousDate,
                        format!("{}/{} read day first", x, z),
                    )),
                )
            };
            let date = checked(y, m, d)?;
            return Some((Due::Date(date), i + 5, note));
        }
    }
    // the last week of April, 2015 / la última semana de abril de 2015
    const WEEKS: [(&str, i8); 11] = [
        ("first", 1),
        ("second", 2),
        ("third", 3),
        ("fourth", 4),
        ("last", 0),
        ("final", 0),
        ("primera", 1),
        ("segunda", 2),
        ("tercera", 3),
        ("cuarta", 4),
        ("ultima", 0),
    ];
    if let Some(&(_, nth)) = g(i).and_then(|w| WEEKS.iter().find(|(k, _)| *k == w.w))
        && is(g(i + 1), &["week", "semana"])
        && is(g(i + 2), &["of", "de", "del"])
        && let Some(m) = g(i + 3).and_then(month)
    {
        let (y, end) = year_after(t, i + 4)?;
        let due = if nth == 0 {
            let last = last_day(y, m);
            approx(y, m, last - 6, last)?
        } else {
            approx(y, m, (nth - 1) * 7 + 1, nth * 7)?
        };
        return Some((due, end, None));
    }
    // early / mid / late May 2015; principios / mediados / finales de mayo de 2015
    let part = |k: usize| -> Option<(usize, (i8, i8))> {
        let w = g(k)?.w.as_str();
        let next = g(k + 1).map(|t| t.w.as_str());
        match (w, next) {
            ("early", _) => Some((k + 1, (1, 10))),
            ("beginning", Some("of")) => Some((k + 2, (1, 10))),
            ("mid", Some("-")) => Some((k + 2, (11, 20))),
            ("mid", _) => Some((k + 1, (11, 20))),
            ("middle", Some("of")) => Some((k + 2, (11, 20))),
            ("late", _) => Some((k + 1, (21, 31))),
            ("end", Some("of")) => Some((k + 2, (21, 31))),
            ("principios" | "inicios" | "comienzos", Some("de")) => Some((k + 2, (1, 10))),
            ("mediados", Some("de")) => Some((k + 2, (11, 20))),
            ("finales" | "fines", Some("de")) => Some((k + 2, (21, 31))),
            _ => None,
        }
    };
    if let Some((k, (from, to))) = part(i) {
        if let Some(m) = g(k).and_then(month) {
            let (y, end) = year_after(t, k + 1)?;
            return Some((approx(y, m, from, to)?, end, None));
        }
        // by the end of 2015 / a finales de 2015: the year's last day
        if to == 31 {
            let k = if is(g(k), &["the"]) && is(g(k + 1), &["year"]) && is(g(k + 2), &["of"]) {
                k + 3
            } else {
                k
            };
            if let Some(y) = g(k).and_then(year) {
                return Some((Due::Date(checked(y, 12, 31)?), k + 1, None));
            }
        }
    }
    // first semester of 2015, second half of 2015, primer semestre de 2015, third quarter of 2015
    let ord = |w: &str| match w {
        "first" | "1st" | "primer" | "primero" | "1er" => Some(1),
        "second" | "2nd" | "segundo" | "2do" => Some(2),
        "third" | "3rd" | "tercer" | "tercero" | "3er" => Some(3),
        "fourth" | "4th" | "cuarto" | "4to" => Some(4),
        _ => None,
    };
    if let Some(n) = g(i).and_then(|w| ord(&w.w)) {
        let unit = g(i + 1).map(|t| t.w.as_str());
        let months: Option<(i8, i8)> = match unit {
            Some("semester" | "half" | "semestre") if n <= 2 => {
                Some(if n == 1 { (1, 6) } else { (7, 12) })
            }
            Some("quarter" | "trimestre") => {
                let s = i8::try_from(n * 3 - 2).ok()?;
                Some((s, s + 2))
            }
            _ => None,
        };
        if let Some((m1, m2)) = months
            && is(g(i + 2), &["of", "de", "del"])
            && let Some(y) = g(i + 3).and_then(year)
        {
            let due = Due::Approximate {
                from: checked(y, m1, 1)?,
                to: checked(y, m2, last_day(y, m2))?,
            };
            return Some((due, i + 4, None));
        }
    }
    // 27 February 2015, 15th of May 2016, 27 de febrero de 2015
    if let Some(d) = g(i).and_then(day) {
        let k = if is(g(i + 1), &["of", "de"]) {
            i + 2
        } else {
            i + 1
        };
        if let Some(m) = g(k).and_then(month) {
            if let Some((y, end)) = year_after(t, k + 1) {
                return Some((Due::Date(checked(y, m, d)?), end, None));
            }
            return without_year(m, d, k + 1, reference);
        }
    }
    // February 27th, 2015; Sept. 3, 2017
    if let Some(m) = g(i).and_then(month) {
        let k = if is(g(i + 1), &["."]) { i + 2 } else { i + 1 };
        if let Some(d) = g(k).and_then(day) {
            if let Some((y, end)) = year_after(t, k + 1) {
                return Some((Due::Date(checked(y, m, d)?), end, None));
            }
            return without_year(m, d, k + 1, reference);
        }
        // April 2015, abril de 2015: the whole month
        if let Some((y, end)) = year_after(t, i + 1) {
            return Some((approx(y, m, 1, 31)?, end, None));
        }
    }
    None
}

/// A year right after a month or day, allowing ", ", "de", "del" or "of" before it.
fn year_after(t: &[Tok], k: usize) -> Option<(i16, usize)> {
    let mut k = k;
    if is(t.get(k), &["."]) {
        k += 1;
    }
    if is(t.get(k), &[","]) {
        k += 1;
    }
    if is(t.get(k), &["de", "del", "of"]) {
        k += 1;
    }
    t.get(k).and_then(year).map(|y| (y, k + 1))
}

fn without_year(m: i8, d: i8, end: usize, reference: Option<Date>) -> Option<Hit> {
    match reference {
        Some(r) => {
            let this = checked(r.year(), m, d)?;
            let date = if this >= r {
                this
            } else {
                checked(r.year() + 1, m, d)?
            };
            Some((
                Due::Date(date),
                end,
                Some((
                    NoteKind::DateWithoutYear,
                    format!("a date without a year, read as {date}"),
                )),
            ))
        }
        None => Some((
            Due::None,
            end,
            Some((
                NoteKind::DateWithoutYear,
                "a date without a year and no reference date to place it".into(),
            )),
        )),
    }
}

/// Extends a date's span over the words that make it a deadline.
fn widen(text: &str, span: Range<usize>) -> Range<usize> {
    const BEFORE: [&str; 18] = [
        "no later than the ",
        "not later than the ",
        "no later than ",
        "not later than ",
        "on or before ",
        "prior to ",
        "by the ",
        "before the ",
        "by ",
        "before ",
        "until ",
        "during the ",
        "a más tardar el ",
        "a mas tardar el ",
        "a más tardar ",
        "antes del ",
        "hasta el ",
        "durante la ",
    ];
    const BEFORE_ES: [&str; 5] = ["antes de ", "para el ", "a partir del ", "en la ", "el "];
    const AFTER: [&str; 3] = [" at the latest", ", at the latest", " como máximo"];
    // Only a qualifier's length of text either side is looked at: lower-casing all of it
    // for every date found would cost the text's length each time.
    const REACH: usize = 24;
    let whole = &text[..span.start];
    let mut from = whole.len().saturating_sub(REACH);
    while !whole.is_char_boundary(from) {
        from -= 1;
    }
    let before = &whole[from..];
    let lower = before.to_lowercase();
    let mut start = span.start;
    for q in BEFORE.iter().chain(BEFORE_ES.iter()) {
        if lower.ends_with(q) && lower.len() == before.len() {
            start = span.start - q.len();
            break;
        }
    }
    let mut end = span.end;
    let rest = &text[span.end..];
    let mut to = rest.len().min(REACH);
    while !rest.is_char_boundary(to) {
        to += 1;
    }
    let after = &rest[..to];
    for q in AFTER {
        if after.to_lowercase().starts_with(q) && after.is_char_boundary(q.len()) {
            end += q.len();
            break;
        }
    }
    start..end
}

/// "during the next Network meeting", "at the XX RCM Vice-Ministerial meeting", "durante
/// la próxima reunión": an event, named or announced as the next one.
fn event(text: &str, t: &[Tok]) -> Option<FoundDue> {
    const NOUNS: [&str; 16] = [
        "meeting",
        "meetings",
        "session",
        "conference",
        "summit",
        "workshop",
        "assembly",
        "forum",
        "reunion",
        "sesion",
        "conferencia",
        "cumbre",
        "taller",
        "asamblea",
        "encuentro",
        "foro",
    ];
    const NEXT: [&str; 8] = [
        "next",
        "following",
        "upcoming",
        "forthcoming",
        "proxima",
        "proximo",
        "siguiente",
        "venidera",
    ];
    const TRIGGERS: [&[&str]; 13] = [
        &["during", "the"],
        &["at", "the"],
        &["before", "the"],
        &["in", "the"],
        &["by", "the"],
        &["prior", "to", "the"],
        &["durante", "la"],
        &["durante", "el"],
        &["en", "la"],
        &["en", "el"],
        &["antes", "de", "la"],
        &["antes", "del"],
        &["para", "la"],
    ];
    for j in 0..t.len() {
        if !NOUNS.contains(&t[j].w.as_str()) {
            continue;
        }
        let lo = j.saturating_sub(9);
        for s in (lo..j).rev() {
            let Some(trig) = TRIGGERS.iter().find(|tr| {
                tr.iter()
                    .enumerate()
                    .all(|(k, w)| t.get(s + k).is_some_and(|x| x.w == *w))
            }) else {
                continue;
            };
            let first = s + trig.len(); // first word after the trigger
            // The event's words: article included, from the trigger's last word on.
            let article = s + trig.len() - 1;
            let between = &t[first..j];
            let plain = between
                .iter()
                .all(|x| x.w.chars().all(char::is_alphanumeric) || x.w == "-");
            let named = between
                .iter()
                .any(|x| NEXT.contains(&x.w.as_str()) || x.upper);
            // Spanish puts the qualifier after the noun: "la reunión siguiente".
            let named = named || t.get(j + 1).is_some_and(|x| NEXT.contains(&x.w.as_str()));
            if !plain || !named {
                break;
            }
            let mut end = j + 1;
            if t.get(j + 1).is_some_and(|x| NEXT.contains(&x.w.as_str())) {
                end = j + 2;
            }
            // "of the Network", "de la CRM": a named owner of the event.
            let mut k = end;
            while is(t.get(k), &["of", "de", "del", "the", "la", "el"]) {
                k += 1;
            }
            if k > end && t.get(k).is_some_and(|x| x.upper) {
                while t.get(k).is_some_and(|x| x.upper || x.w == "-") {
                    k += 1;
                }
                end = k;
            }
            let ev_start = if ["the", "la", "el"].contains(&t[article].w.as_str()) {
                t[article].start
            } else {
                t[first].start
            };
            let name = text[ev_start..t[end - 1].end].to_string();
            return Some(FoundDue {
                due: Due::Event(name),
                span: t[s].start..t[end - 1].end,
                note: None,
            });
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn due(text: &str) -> Due {
        find_due(text, None).map(|f| f.due).unwrap_or_default()
    }

    fn phrase(text: &str) -> String {
        find_due(text, None)
            .map(|f| text[f.span].to_string())
            .unwrap_or_default()
    }

    fn d(y: i16, m: i8, dd: i8) -> Due {
        Due::Date(date(y, m, dd))
    }

    fn a(y: i16, m: i8, from: i8, to: i8) -> Due {
        Due::Approximate {
            from: date(y, m, from),
            to: date(y, m, to),
        }
    }

    #[test]
    fn english_dates() {
        let cases = [
            (
                "send it to the TS no later than February 27th, 2015.",
                d(2015, 2, 27),
            ),
            (
                "no later than March 31st, 2015 for their validation",
                d(2015, 3, 31),
            ),
            ("by 15 May 2016 at the latest", d(2016, 5, 15)),
            ("before the 1st of June, 2016", d(2016, 6, 1)),
            ("on or before Sept. 3, 2017", d(2017, 9, 3)),
            ("due 2015-02-27", d(2015, 2, 27)),
            ("by 27/02/2015", d(2015, 2, 27)),
            ("by the end of 2015", d(2015, 12, 31)),
            ("Dec 1 2019", d(2019, 12, 1)),
        ];
        for (text, want) in cases {
            assert_eq!(due(text), want, "{text}");
        }
    }

    #[test]
    fn spanish_dates() {
        let cases = [
            ("a más tardar el 27 de febrero de 2015", d(2015, 2, 27)),
            ("antes del 1º de marzo del 2016", d(2016, 3, 1)),
            ("hasta el 30 de setiembre de 2015", d(2015, 9, 30)),
            ("el 5 de Enero, 2018", d(2018, 1, 5)),
        ];
        for (text, want) in cases {
            assert_eq!(due(text), want, "{text}");
        }
    }

    #[test]
    fn approximate_ranges() {
        let cases = [
            (
                "no later than the last week of April, 2015.",
                a(2015, 4, 24, 30),
            ),
            ("la última semana de abril de 2015", a(2015, 4, 24, 30)),
            ("the first week of May 2015", a(2015, 5, 1, 7)),
            ("mid-May 2015", a(2015, 5, 11, 20)),
            ("a finales de febrero de 2016", a(2016, 2, 21, 29)),
            ("in April 2015", a(2015, 4, 1, 30)),
            (
                "en el primer semestre de 2015",
                Due::Approximate {
                    from: date(2015, 1, 1),
                    to: date(2015, 6, 30),
                },
            ),
            (
                "the third quarter of 2016",
                Due::Approximate {
                    from: date(2016, 7, 1),
                    to: date(2016, 9, 30),
                },
            ),
        ];
        for (text, want) in cases {
            assert_eq!(due(text), want, "{text}");
        }
    }

    #[test]
    fn events_are_not_dates() {
        let cases = [
            (
                "to be presented during the next Network meeting.",
                "the next Network meeting",
            ),
            (
                "will present it during the XX RCM Vice-Ministerial meeting.",
                "the XX RCM Vice-Ministerial meeting",
            ),
            (
                "se presentará durante la próxima reunión de la Red.",
                "la próxima reunión de la Red",
            ),
            (
                "at the next meeting of the Network",
                "the next meeting of the Network",
            ),
            ("en la reunión siguiente", "la reunión siguiente"),
        ];
        for (text, want) in cases {
            assert_eq!(due(text), Due::Event(want.into()), "{text}");
        }
        assert_eq!(due("as agreed in the meeting."), Due::None);
        assert_eq!(due("at the request of the RCM"), Due::None);
        assert_eq!(
            due("the Global Report on Trafficking in Persons 2014"),
            Due::None
        );
        assert_eq!(due("Member Countries may 2 times a year report"), Due::None);
    }

    #[test]
    fn the_phrase_includes_its_qualifier() {
        assert_eq!(
            phrase("send it no later than February 27th, 2015."),
            "no later than February 27th, 2015"
        );
        assert_eq!(
            phrase("by 15 May 2016 at the latest."),
            "by 15 May 2016 at the latest"
        );
        assert_eq!(
            phrase("a más tardar el 27 de febrero de 2015."),
            "a más tardar el 27 de febrero de 2015"
        );
        assert_eq!(
            phrase("submit no later than the last week of April, 2015."),
            "no later than the last week of April, 2015"
        );
        assert_eq!(
            phrase("during the next meeting."),
            "during the next meeting"
        );
    }

    #[test]
    fn dates_without_a_year_need_a_reference() {
        let f = find_due("by 15 May", None).unwrap();
        assert_eq!(f.due, Due::None);
        assert_eq!(f.note.unwrap().0, NoteKind::DateWithoutYear);
        let f = find_due("by 15 May", Some(date(2015, 11, 24))).unwrap();
        assert_eq!(f.due, d(2016, 5, 15));
        let f = find_due("by 15 May, and in any case 1 June 2016", None).unwrap();
        assert_eq!(f.due, d(2016, 6, 1));
    }

    #[test]
    fn ambiguous_numeric_dates_are_noted() {
        let f = find_due("by 03/04/2015", None).unwrap();
        assert_eq!(f.due, d(2015, 4, 3));
        assert_eq!(f.note.unwrap().0, NoteKind::AmbiguousDate);
        assert_eq!(due("by 02/27/2015"), d(2015, 2, 27));
        assert_eq!(due("by 31/02/2015"), Due::None);
    }
}
