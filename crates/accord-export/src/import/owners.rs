//! Finding the meeting's parties in running text: by name, short name, the usual
//! equivalent in the other language ("Technical Secretariat" / "Secretaría Técnica", "IOM" /
//! "OIM", "Belize" / "Belice"), and group words that mean every member delegation
//! ("Member Countries", "Países Miembros").

use accord_model::{Party, PartyId, PartyKind};

use super::dates::fold;

/// Names that mean the same body in English and Spanish. A party whose name or short name
/// is one of a set is also found by the others.
const EQUIVALENTS: &[&[&str]] = &[
    &["technical secretariat", "secretaria tecnica", "ts", "st"],
    &[
        "international organization for migration",
        "organizacion internacional para las migraciones",
        "iom",
        "oim",
    ],
    &[
        "united nations office on drugs and crime",
        "oficina de las naciones unidas contra la droga y el delito",
        "unodc",
        "onudd",
    ],
    &[
        "regional network of civil organizations on migration",
        "red regional de organizaciones civiles para las migraciones",
        "rncom",
        "rrocm",
    ],
    &[
        "organization of american states",
        "organizacion de los estados americanos",
        "oas",
        "oea",
    ],
    &["belize", "belice"],
    &["dominican republic", "republica dominicana"],
    &[
        "united states of america",
        "united states",
        "estados unidos de america",
        "estados unidos",
        "usa",
    ],
    &["mexico"],
    &["panama"],
    &["canada"],
    &["brazil", "brasil"],
    &["peru"],
    &["haiti"],
];

/// Words for "every member delegation".
const MEMBER_GROUPS: &[&str] = &[
    "member countries",
    "member states",
    "network members",
    "members of the network",
    "all delegations",
    "paises miembros",
    "estados miembros",
    "miembros de la red",
    "todas las delegaciones",
];

#[derive(Debug)]
struct Entry {
    words: Vec<String>,
    /// Acronyms match only in capitals: "TS", not "ts".
    upper: bool,
    who: Who,
}

#[derive(Debug, Clone)]
enum Who {
    Party(PartyId),
    Members,
}

/// A party (or the members) named in a text.
#[derive(Debug, Clone)]
pub(crate) struct Mention {
    pub parties: Vec<PartyId>,
}

#[derive(Debug)]
pub(crate) struct Matcher {
    entries: Vec<Entry>,
    members: Vec<PartyId>,
}

#[derive(Debug)]
struct Word {
    w: String,
    upper: bool,
}

fn words(text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        if c.is_alphanumeric() {
            start.get_or_insert(i);
        } else if let Some(s) = start.take() {
            let raw = &text[s..i];
            out.push(Word {
                w: fold(raw),
                upper: raw.chars().all(|c| !c.is_lowercase()),
            });
        }
    }
    out
}

fn split(name: &str) -> Vec<String> {
    words(name).into_iter().map(|w| w.w).collect()
}

impl Matcher {
    pub fn new(parties: &[Party]) -> Self {
        let mut entries = Vec::new();
        let strip = |s: &str| {
            let f = fold(s.trim());
            f.strip_prefix("the ")
                .or_else(|| f.strip_prefix("la "))
                .or_else(|| f.strip_prefix("el "))
                .unwrap_or(&f)
                .to_string()
        };
        for p in parties {
            let mut names: Vec<(String, bool)> = vec![(strip(&p.name), false)];
            if let Some(s) = &p.short_name {
                names.push((fold(s), s.chars().all(|c| !c.is_lowercase())));
            }
            let known: Vec<String> = names.iter().map(|n| split(&n.0).join(" ")).collect();
            for set in EQUIVALENTS {
                if set.iter().any(|e| known.iter().any(|k| k == e)) {
                    for e in *set {
                        // Acronyms of the table are the short ones without spaces.
                        let upper = !e.contains(' ')
                            && e.len() <= 5
                            && ![
                                "peru", "haiti", "mexico", "panama", "canada", "belize", "belice",
                                "brasil", "brazil",
                            ]
                            .contains(e);
                        names.push(((*e).to_string(), upper));
                    }
                }
            }
            for (n, upper) in names {
                let words = split(&n);
                if !words.is_empty() {
                    entries.push(Entry {
                        words,
                        upper,
                        who: Who::Party(p.id.clone()),
                    });
                }
            }
        }
        for g in MEMBER_GROUPS {
            entries.push(Entry {
                words: split(g),
                upper: false,
                who: Who::Members,
            });
        }
        // Longest names first, so "Dominican Republic" wins over a party called "Dominican".
        entries.sort_by_key(|e| std::cmp::Reverse(e.words.len()));
        let members = parties
            .iter()
            .filter(|p| p.kind == PartyKind::Member)
            .map(|p| p.id.clone())
            .collect();
        Matcher { entries, members }
    }

    /// Every party named in `text`, in order of appearance.
    pub fn mentions(&self, text: &str) -> Vec<Mention> {
        let ws = words(text);
        let mut out = Vec::new();
        let mut i = 0;
        while i < ws.len() {
            let hit = self.entries.iter().find(|e| {
                e.words.len() <= ws.len() - i
                    && e.words
                        .iter()
                        .enumerate()
                        .all(|(k, w)| ws[i + k].w == *w && (!e.upper || ws[i + k].upper))
            });
            match hit {
                Some(e) => {
                    let n = e.words.len();
                    let parties = match &e.who {
                        Who::Party(p) => vec![p.clone()],
                        Who::Members => self.members.clone(),
                    };
                    out.push(Mention { parties });
                    i += n;
                }
                None => i += 1,
            }
        }
        out
    }

    /// The parties named in `text`, each once, in order.
    pub fn parties_in(&self, text: &str) -> Vec<PartyId> {
        let mut out: Vec<PartyId> = Vec::new();
        for m in self.mentions(text) {
            for p in m.parties {
                if !out.contains(&p) {
                    out.push(p);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use accord_model::demo;

    fn ids(v: &[PartyId]) -> Vec<&str> {
        v.iter().map(PartyId::as_str).collect()
    }

    #[test]
    fn parties_by_name_short_name_and_the_other_language() {
        let m = Matcher::new(&demo::parties());
        assert_eq!(
            ids(&m.parties_in("The TS, in coordination with IOM,")),
            [
                "technical-secretariat",
                "international-organization-for-migration"
            ]
        );
        assert_eq!(
            ids(&m.parties_in("La ST y la OIM")),
            [
                "technical-secretariat",
                "international-organization-for-migration"
            ]
        );
        assert_eq!(
            ids(&m.parties_in("la Secretaría Técnica")),
            ["technical-secretariat"]
        );
        assert_eq!(
            ids(&m.parties_in("Belice y la República Dominicana")),
            ["belize", "dominican-republic"]
        );
        assert_eq!(
            ids(&m.parties_in("México and Panamá")),
            ["mexico", "panama"]
        );
        assert_eq!(
            ids(&m.parties_in("the United States of America")),
            ["united-states-of-america"]
        );
        assert!(
            m.parties_in("its ts and st").is_empty(),
            "acronyms match in capitals only"
        );
        assert_eq!(m.parties_in("Los Países Miembros").len(), 11);
        assert_eq!(m.parties_in("Urge the Member Countries").len(), 11);
    }
}
