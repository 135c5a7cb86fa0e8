//! Suggested action items: sentences of the imported clauses that put an obligation on
//! someone ("Urge the Member Countries to send …", "The TS will compile …", "Instar a los
//! Países Miembros a …", "La ST enviará …") or set a deadline. Each suggestion names its
//! owners — the parties it is addressed to or whose action it is, not those it mentions in
//! passing ("send the information *to the TS*") — and its due date or event.

use super::dates::{self, fold};

use super::owners::Matcher;
use super::{ImportNote, ImportOptions, ImportPlan, NoteKind, Owner, SuggestedAction};

/// Verbs that open an operative paragraph addressed to someone: "Urge X to …".
const ADDRESSING: &[&str] = &[
    "urge",
    "urges",
    "request",
    "requests",
    "encourage",
    "encourages",
    "invite",
    "invites",
    "instruct",
    "instructs",
    "ask",
    "asks",
    "call",
    "calls",
    "entrust",
    "entrusts",
    "task",
    "tasks",
    "mandate",
    "mandates",
    "exhort",
    "exhorts",
    "recommend",
    "recommends",
    "instar",
    "insta",
    "solicitar",
    "solicita",
    "pedir",
    "pide",
    "encomendar",
    "encomienda",
    "encargar",
    "encarga",
    "invitar",
    "invita",
    "alentar",
    "alienta",
    "exhortar",
    "exhorta",
    "recomendar",
    "recomienda",
    "instruir",
    "instruye",
    "urgir",
];

/// What follows the subject of an obligation: "X will …", "X commit to …".
const OBLIGING: &[&str] = &[
    " will ",
    " shall ",
    " must ",
    " should ",
    " commit to ",
    " commits to ",
    " commit themselves ",
    " undertake to ",
    " undertakes to ",
    " are urged to ",
    " is urged to ",
    " are requested to ",
    " is requested to ",
    " are encouraged to ",
    " is encouraged to ",
    " agreed to ",
    " agree to ",
    " se compromete ",
    " se comprometen ",
    " debera ",
    " deberan ",
    " se encargara ",
    " se encargaran ",
];

pub(crate) fn suggest(plan: &mut ImportPlan, opts: &ImportOptions<'_>) {
    let matcher = Matcher::new(opts.parties);
    let mut actions = Vec::new();
    let mut notes = Vec::new();
    for (path, clause) in plan.outline() {
        let mut previous: Vec<Owner> = Vec::new();
        for sentence in sentences(&clause.text) {
            let found = dates::find_due(sentence, opts.reference);
            if let Some((kind, msg)) = found.as_ref().and_then(|f| f.note.clone()) {
                notes.push(ImportNote {
                    line: clause.line,
                    kind,
                    message: msg,
                    text: sentence.to_string(),
                });
            }
            let (owners, obligation) = owners_of(sentence, &matcher);
            let due = found.as_ref().map(|f| f.due.clone()).unwrap_or_default();
            let addressed = obligation && !owners.is_empty();
            if due.is_none() && !addressed {
                continue;
            }
            let owners = if owners.is_empty() {
                // "The study will be sent …": the passive continues the previous subject.
                let fallback: Vec<Owner> = matcher
                    .parties_in(sentence)
                    .into_iter()
                    .map(Owner::Party)
                    .collect();
                if obligation || fallback.is_empty() {
                    previous.clone()
                } else {
                    fallback
                }
            } else {
                owners
            };
            for o in &owners {
                if let Owner::Unmatched(name) = o {
                    notes.push(ImportNote {
                        line: clause.line,
                        kind: NoteKind::UnmatchedOwner,
                        message: format!("{name:?} is none of the meeting's parties"),
                        text: sentence.to_string(),
                    });
                }
            }
            previous = owners.clone();
            actions.push(SuggestedAction {
                text: sentence.to_string(),
                owners,
                due_text: found
                    .as_ref()
                    .filter(|f| !f.due.is_none())
                    .map(|f| sentence[f.span.clone()].to_string()),
                due,
                clause_path: path.clone(),
            });
        }
    }
    plan.actions = actions;
    plan.notes.extend(notes);
}

/// The owners of a sentence, and whether it is phrased as an obligation at all.
fn owners_of(sentence: &str, matcher: &Matcher) -> (Vec<Owner>, bool) {
    let s = skip_opening_phrase(sentence, matcher);
    let (folded, origin) = fold_map(s);
    let first = folded.split_whitespace().next().unwrap_or("");
    if ADDRESSING.contains(&first) {
        let rest = s
            .split_once(char::is_whitespace)
            .map(|(_, r)| r)
            .unwrap_or("");
        let rest = strip_words(rest, &["upon", "on", "a", "al", "a la", "a los", "a las"]);
        let object = cut_at(rest, &[" to ", " a ", " que ", " para ", " in order "]);
        return (owners_in(object, matcher), true);
    }
    let lower = format!(" {} ", folded);
    // A match at `pos` of `lower` has its leading space at folded byte `pos - 1`: the
    // subject ends there.
    let modal = OBLIGING
        .iter()
        .filter_map(|m| lower.find(m))
        .min()
        .map(|pos| {
            if pos == 0 {
                0
            } else {
                origin.get(pos - 1).copied().unwrap_or(s.len())
            }
        });
    let future = spanish_future(s);
    let cut = match (modal, future) {
        (Some(m), Some(f)) => Some(m.min(f)),
        (m, f) => m.or(f),
    };
    match cut {
        Some(at) => {
            let subject = s.get(..at).unwrap_or(s);
            (owners_in(subject, matcher), true)
        }
        None => (Vec::new(), false),
    }
}

/// `s` folded ([`fold`]) one character at a time, with the byte offset in `s` of every
/// byte of the result (and one past the end), so a match in the folded text maps back.
fn fold_map(s: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(s.len());
    let mut origin = Vec::with_capacity(s.len() + 1);
    for (i, c) in s.char_indices() {
        let f = fold(c.encode_utf8(&mut [0; 4])).chars().next().unwrap_or(c);
        out.push(f);
        origin.extend(std::iter::repeat_n(i, f.len_utf8()));
    }
    origin.push(s.len());
    (out, origin)
}

/// "Finally, the Network members …", "In this regard, …": an opening phrase without a
/// party in it is not the subject.
fn skip_opening_phrase<'a>(s: &'a str, matcher: &Matcher) -> &'a str {
    if let Some((head, tail)) = s.split_once(',')
        && head.split_whitespace().count() <= 4
        && matcher.mentions(head).is_empty()
        && !head.chars().any(|c| c.is_ascii_digit())
    {
        return tail.trim_start();
    }
    s
}

/// A Spanish future verb ("enviará", "presentarán"): where the predicate starts, as a
/// byte offset into the sentence.
fn spanish_future(s: &str) -> Option<usize> {
    let mut offset = 0;
    for w in s.split(' ') {
        let t = w.trim_matches(|c: char| !c.is_alphabetic());
        if t.chars().count() > 4 && (t.ends_with("rá") || t.ends_with("rán")) {
            return Some(offset);
        }
        offset += w.len() + 1;
    }
    None
}

fn strip_words<'a>(s: &'a str, words: &[&str]) -> &'a str {
    let mut s = s.trim_start();
    for w in words {
        if let Some(rest) = s.strip_prefix(w).filter(|r| r.starts_with(' ')) {
            s = rest.trim_start();
        }
    }
    s
}

fn cut_at<'a>(s: &'a str, seps: &[&str]) -> &'a str {
    let end = seps
        .iter()
        .filter_map(|sep| s.find(sep))
        .min()
        .unwrap_or(s.len());
    &s[..end]
}

/// The parties named in a subject or object; a capitalised name that is none of them is
/// an unmatched owner.
fn owners_in(segment: &str, matcher: &Matcher) -> Vec<Owner> {
    let parties = matcher.parties_in(segment);
    if !parties.is_empty() {
        return parties.into_iter().map(Owner::Party).collect();
    }
    const ARTICLES: [&str; 8] = ["the", "The", "la", "La", "el", "El", "los", "Los"];
    let words: Vec<&str> = segment.split_whitespace().collect();
    let start = words
        .iter()
        .position(|w| !ARTICLES.contains(w))
        .unwrap_or(words.len());
    let name: Vec<&str> = words[start..]
        .iter()
        .copied()
        .take_while(|w| {
            w.chars().next().is_some_and(char::is_uppercase)
                || ["of", "de", "del", "for", "on", "and", "y", "la", "the"].contains(w)
        })
        .collect();
    let name = name.join(" ");
    let name = name.trim_end_matches(|c: char| !c.is_alphanumeric() && c != ')');
    let trailing = ["of", "de", "del", "for", "on", "and", "y", "la", "the"];
    let mut name = name.to_string();
    while let Some(last) = name.rsplit(' ').next().filter(|l| trailing.contains(l)) {
        let cut = name.len() - last.len();
        name = name[..cut].trim_end().to_string();
    }
    if name.is_empty() || start > 0 && words.len() == start {
        Vec::new()
    } else {
        vec![Owner::Unmatched(name)]
    }
}

/// Splits text into sentences at `.`, `;`, `!`, `?` followed by whitespace and a capital
/// or a digit, and at line breaks; "U.S." or "No." do not end a sentence.
///
/// Linear in the text: only a mark followed by whitespace is looked at further, so each
/// word is read once (as the word before such a mark) and each gap once (as what follows
/// it) — even in a line of a million dots.
pub(crate) fn sentences(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    // Where the word before the current character starts: after the last whitespace.
    let mut word_start = 0;
    for (i, c) in text.char_indices() {
        let end = i + c.len_utf8();
        let split = match c {
            '\n' => true,
            '.' | ';' | '!' | '?' => {
                let rest = &text[end..];
                rest.starts_with(char::is_whitespace)
                    && rest.trim_start().chars().next().is_some_and(|n| {
                        n.is_uppercase() || n.is_ascii_digit() || "\"“(¿¡".contains(n)
                    })
                    && !(c == '.' && abbreviation(&text[word_start.max(start)..i]))
            }
            _ => false,
        };
        if c.is_whitespace() {
            word_start = end;
        }
        if split {
            let s = text[start..end].trim();
            if !s.is_empty() {
                out.push(s);
            }
            start = end;
        }
    }
    let s = text[start..].trim();
    if !s.is_empty() {
        out.push(s);
    }
    out
}

/// "No.", "Sr.", an initial, or dotted letters such as "U.S." and "e.g.": the word before
/// a full stop that does not end the sentence.
fn abbreviation(word: &str) -> bool {
    const ABBREVIATIONS: [&str; 22] = [
        "no", "nos", "mr", "mrs", "ms", "dr", "sr", "sra", "srta", "lic", "st", "art", "arts",
        "para", "paras", "vol", "rev", "pp", "cf", "fig", "e.g", "i.e",
    ];
    let word = word.to_lowercase();
    let dotted = word.contains('.') && word.split('.').all(|p| p.chars().count() <= 2);
    ABBREVIATIONS.contains(&word.as_str()) || word.chars().count() == 1 || dotted
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_model::demo;

    #[test]
    fn sentences_split_at_full_stops_not_abbreviations() {
        assert_eq!(
            sentences(
                "The TS will compile it. The study will be sent to the U.S. Government no later than March 31st, 2015. Finally, done."
            ),
            [
                "The TS will compile it.",
                "The study will be sent to the U.S. Government no later than March 31st, 2015.",
                "Finally, done."
            ]
        );
        assert_eq!(
            sentences("Véase el art. 5 del Protocolo. Luego"),
            ["Véase el art. 5 del Protocolo.", "Luego"]
        );
        assert_eq!(
            sentences("Done; Then? 2 more!\nNext"),
            ["Done;", "Then?", "2 more!", "Next"]
        );
    }

    /// The old split looked back over the whole run before every dot: a line of dots (a
    /// table of contents' leaders, a dump) cost the square of its length (200 KB of them
    /// took minutes). Such a line is one sentence, and a full stop after it still splits.
    #[test]
    fn sentences_are_split_in_one_pass_over_a_run_of_dots() {
        // Lengths, not texts: a failure should not print 40 KB.
        let lengths = |t: &str| sentences(t).iter().map(|s| s.len()).collect::<Vec<_>>();
        let dots = "a.".repeat(20_000);
        assert_eq!(lengths(&dots), [dots.len()]);
        let text = format!("{dots} Then it ended. End");
        assert_eq!(lengths(&text), [dots.len() + " Then it ended.".len(), 3]);
    }

    fn owners(s: &str) -> (Vec<String>, bool) {
        let m = Matcher::new(&demo::parties());
        let (o, ob) = owners_of(s, &m);
        let names = o
            .into_iter()
            .map(|o| match o {
                Owner::Party(p) => p.to_string(),
                Owner::Unmatched(n) => format!("?{n}"),
            })
            .collect();
        (names, ob)
    }

    #[test]
    fn owners_are_subjects_and_addressees_not_recipients() {
        let (o, ob) = owners(
            "Urge the Member Countries to send the information to the Technical Secretariat no later than February 27th, 2015.",
        );
        assert!(ob);
        assert_eq!(o.len(), 11);
        assert!(!o.contains(&"technical-secretariat".to_string()));
        assert_eq!(owners("The Technical Secretariat, in coordination with IOM, will organize this information.").0, ["technical-secretariat", "international-organization-for-migration"]);
        assert_eq!(
            owners("Request the TS to research on the Program.").0,
            ["technical-secretariat"]
        );
        assert_eq!(
            owners("Finally, the Network members will submit the validation.")
                .0
                .len(),
            11
        );
        assert_eq!(
            owners("Instar a los Países Miembros a enviar la información a la ST.")
                .0
                .len(),
            11
        );
        assert_eq!(
            owners("La ST enviará el estudio a los Países Miembros.").0,
            ["technical-secretariat"]
        );
        assert_eq!(
            owners("The Ministry of Foreign Affairs of Chile will host the workshop.").0,
            ["?Ministry of Foreign Affairs of Chile"]
        );
        assert_eq!(owners("The study will be sent."), (vec![], true));
        assert_eq!(owners("Thank the IOM for its report."), (vec![], false));
    }
}
