//! The two report languages and their conventions: labels, month names, how dates are
//! written and how lists of names are joined.

use accord_model::ClauseStatus;
use accord_model::numbering::{self, NumberStyle};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// The language a report is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Lang {
    En,
    Es,
}

pub(crate) const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

pub(crate) const MONTHS_ES: [&str; 12] = [
    "enero",
    "febrero",
    "marzo",
    "abril",
    "mayo",
    "junio",
    "julio",
    "agosto",
    "septiembre",
    "octubre",
    "noviembre",
    "diciembre",
];

impl Lang {
    /// The language of a code such as `es`, `es-MX` or `en-GB`; anything that is not
    /// Spanish is written in English, the other language Accord's reports know.
    pub fn from_code(code: &str) -> Lang {
        let primary = code
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if primary == "es" { Lang::Es } else { Lang::En }
    }

    /// The BCP 47 code, for `lang` attributes.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
        }
    }

    /// The sub-item delimiter: Spanish reports write `a)`, English ones `a.`; paragraphs
    /// are `1.` in both.
    pub fn delimiter(self, depth: usize) -> char {
        match (self, NumberStyle::for_depth(depth)) {
            (Lang::Es, NumberStyle::LowerAlpha) => ')',
            _ => '.',
        }
    }

    /// The label of a clause as printed: `3.`, `b.` / `b)`, `iv.`.
    pub fn clause_label(self, ordinal: usize, depth: usize) -> String {
        format!(
            "{}{}",
            numbering::label(NumberStyle::for_depth(depth), ordinal),
            self.delimiter(depth)
        )
    }

    /// `November 24, 2014` / `24 de noviembre de 2014`.
    pub fn date(self, d: Date) -> String {
        let m = usize::try_from(d.month() - 1).unwrap_or(0);
        match self {
            Lang::En => format!("{} {}, {}", MONTHS_EN[m], d.day(), d.year()),
            Lang::Es => format!("{} de {} de {}", d.day(), MONTHS_ES[m], d.year()),
        }
    }

    /// When a meeting took place, with its preposition: "on November 24, 2014",
    /// "from November 24 to 26, 2014"; "el 24 de noviembre de 2014", "del 24 al 26 de
    /// noviembre de 2014".
    pub fn date_span(self, start: Date, end: Option<Date>) -> String {
        let end = end.filter(|e| *e > start);
        let Some(end) = end else {
            return match self {
                Lang::En => format!("on {}", self.date(start)),
                Lang::Es => format!("el {}", self.date(start)),
            };
        };
        let (sm, em) = (
            usize::try_from(start.month() - 1).unwrap_or(0),
            usize::try_from(end.month() - 1).unwrap_or(0),
        );
        match self {
            Lang::En if start.year() != end.year() => {
                format!("from {} to {}", self.date(start), self.date(end))
            }
            Lang::En if sm != em => {
                format!(
                    "from {} {} to {} {}, {}",
                    MONTHS_EN[sm],
                    start.day(),
                    MONTHS_EN[em],
                    end.day(),
                    end.year()
                )
            }
            Lang::En => format!(
                "from {} {} to {}, {}",
                MONTHS_EN[sm],
                start.day(),
                end.day(),
                end.year()
            ),
            Lang::Es if start.year() != end.year() => {
                format!("del {} al {}", self.date(start), self.date(end))
            }
            Lang::Es if sm != em => {
                format!(
                    "del {} de {} al {} de {} de {}",
                    start.day(),
                    MONTHS_ES[sm],
                    end.day(),
                    MONTHS_ES[em],
                    end.year()
                )
            }
            Lang::Es => format!(
                "del {} al {} de {} de {}",
                start.day(),
                end.day(),
                MONTHS_ES[em],
                end.year()
            ),
        }
    }

    /// "A, B and C" / "A, B y C" (Spanish writes "e" before an i- sound: "Francia e Italia").
    pub fn join(self, items: &[&str]) -> String {
        match items {
            [] => String::new(),
            [one] => (*one).to_string(),
            [init @ .., last] => {
                let conj = match self {
                    Lang::En => "and",
                    Lang::Es => {
                        let l = last.trim_start().to_lowercase();
                        if (l.starts_with('i') || l.starts_with("hi")) && !l.starts_with("hie") {
                            "e"
                        } else {
                            "y"
                        }
                    }
                };
                format!("{} {conj} {last}", init.join(", "))
            }
        }
    }

    /// A clause status as shown in working texts.
    pub fn status(self, s: ClauseStatus) -> &'static str {
        match (self, s) {
            (Lang::En, ClauseStatus::Open) => "open",
            (Lang::En, ClauseStatus::Bracketed) => "bracketed",
            (Lang::En, ClauseStatus::AgreedAdRef) => "agreed ad ref",
            (Lang::En, ClauseStatus::Agreed) => "agreed",
            (Lang::En, ClauseStatus::Adopted) => "adopted",
            (Lang::En, ClauseStatus::Deleted) => "deleted",
            (Lang::Es, ClauseStatus::Open) => "abierto",
            (Lang::Es, ClauseStatus::Bracketed) => "entre corchetes",
            (Lang::Es, ClauseStatus::AgreedAdRef) => "acordado ad ref",
            (Lang::Es, ClauseStatus::Agreed) => "acordado",
            (Lang::Es, ClauseStatus::Adopted) => "adoptado",
            (Lang::Es, ClauseStatus::Deleted) => "suprimido",
        }
    }

    pub(crate) fn labels(self) -> &'static Labels {
        match self {
            Lang::En => &EN,
            Lang::Es => &ES,
        }
    }
}

/// Fixed words of a report.
#[derive(Debug)]
pub(crate) struct Labels {
    pub working_text: &'static str,
    pub action_items: &'static str,
    pub action: &'static str,
    pub owners: &'static str,
    pub due: &'static str,
    pub paragraph: &'static str,
    pub no_due: &'static str,
}

const EN: Labels = Labels {
    working_text: "Working text",
    action_items: "Action items",
    action: "Action",
    owners: "Owners",
    due: "Due",
    paragraph: "Paragraph",
    no_due: "—",
};

const ES: Labels = Labels {
    working_text: "Texto de trabajo",
    action_items: "Acciones de seguimiento",
    action: "Acción",
    owners: "Responsables",
    due: "Plazo",
    paragraph: "Párrafo",
    no_due: "—",
};

#[cfg(test)]
mod tests {
    use super::*;
    use jiff::civil::date;

    #[test]
    fn dates_in_both_languages() {
        let d = date(2015, 2, 27);
        assert_eq!(Lang::En.date(d), "February 27, 2015");
        assert_eq!(Lang::Es.date(d), "27 de febrero de 2015");
        let (a, b) = (date(2014, 11, 24), date(2014, 11, 26));
        assert_eq!(Lang::En.date_span(a, Some(a)), "on November 24, 2014");
        assert_eq!(
            Lang::En.date_span(a, Some(b)),
            "from November 24 to 26, 2014"
        );
        assert_eq!(
            Lang::Es.date_span(a, Some(b)),
            "del 24 al 26 de noviembre de 2014"
        );
        assert_eq!(Lang::Es.date_span(a, None), "el 24 de noviembre de 2014");
        let c = date(2014, 12, 2);
        assert_eq!(
            Lang::En.date_span(a, Some(c)),
            "from November 24 to December 2, 2014"
        );
        assert_eq!(
            Lang::Es.date_span(a, Some(c)),
            "del 24 de noviembre al 2 de diciembre de 2014"
        );
        let y = date(2015, 1, 2);
        assert_eq!(
            Lang::Es.date_span(a, Some(y)),
            "del 24 de noviembre de 2014 al 2 de enero de 2015"
        );
    }

    #[test]
    fn lists_join_with_the_language_conjunction() {
        assert_eq!(
            Lang::En.join(&["Belize", "Canada", "Panama"]),
            "Belize, Canada and Panama"
        );
        assert_eq!(Lang::Es.join(&["Belice", "Panamá"]), "Belice y Panamá");
        assert_eq!(Lang::Es.join(&["Francia", "Italia"]), "Francia e Italia");
        assert_eq!(Lang::Es.join(&["Francia", "Hierro"]), "Francia y Hierro");
        assert_eq!(Lang::En.join(&["Mexico"]), "Mexico");
        assert_eq!(Lang::En.join(&[]), "");
    }

    #[test]
    fn spanish_sub_items_close_with_a_parenthesis() {
        assert_eq!(Lang::Es.clause_label(2, 1), "b)");
        assert_eq!(Lang::Es.clause_label(2, 0), "2.");
        assert_eq!(Lang::En.clause_label(2, 1), "b.");
        assert_eq!(Lang::Es.clause_label(4, 2), "iv.");
        assert_eq!(Lang::from_code("es-MX"), Lang::Es);
        assert_eq!(Lang::from_code("fr"), Lang::En);
    }
}
