//! The opening paragraph of a report, generated from the meeting's metadata in the shape
//! of the RCM reports: who met, what kind of meeting, where, when, with whom, and to whom
//! the report goes.

use accord_model::{MeetingKind, MeetingView, PartyKind};

use crate::lang::Lang;

/// The generated opening paragraph, e.g. "The Liaison Officer Network … held its regular
/// meeting in Managua, Nicaragua, on November 24, 2014, with participation of
/// representatives from Belize, Canada, … and the United States of America. The Network
/// submits the following report to the Regional Consultation Group on Migration (RCGM)
/// for consideration. The report includes the following:"
///
/// The delegations are the meeting's member parties in the meeting's order; observers,
/// the secretariat and civil society are not listed (the reports name them where they
/// acted). Fields that are empty are left out rather than printed blank.
pub fn opening_paragraph(meeting: &MeetingView, lang: Lang) -> String {
    let d = &meeting.details;
    let subject = subject(&d.body, &d.forum, &d.title, lang);
    let members: Vec<&str> = meeting
        .parties
        .iter()
        .filter(|p| p.kind == PartyKind::Member)
        .map(|p| p.name.as_str())
        .collect();
    let mut s = subject.clone();
    let (held, venue_prep, with) = match lang {
        Lang::En => (
            held_en(d.kind),
            " in ",
            ", with participation of representatives from ",
        ),
        Lang::Es => (
            held_es(d.kind),
            " en ",
            ", con la participación de representantes de ",
        ),
    };
    s.push(' ');
    s.push_str(held);
    let venue = d.venue.trim();
    if !venue.is_empty() {
        s.push_str(venue_prep);
        s.push_str(venue);
    }
    if let Some(start) = d.start_date {
        s.push_str(if venue.is_empty() { " " } else { ", " });
        s.push_str(&lang.date_span(start, d.end_date));
    }
    if !members.is_empty() {
        s.push_str(with);
        s.push_str(&lang.join(&members));
    }
    s.push('.');
    let short = short_subject(&d.body, lang);
    let addressee = d.addressee.trim();
    match lang {
        Lang::En => {
            if !addressee.is_empty() {
                s.push_str(&format!(
                    " {short} submits the following report to {addressee} for consideration."
                ));
            }
            s.push_str(" The report includes the following:");
        }
        Lang::Es => {
            if !addressee.is_empty() {
                let plural = short.starts_with("Los ") || short.starts_with("Las ");
                let verb = if plural { "presentan" } else { "presenta" };
                s.push_str(&format!(
                    " {short} {verb} el siguiente informe {} para su consideración.",
                    a_contraction(addressee)
                ));
            }
            s.push_str(" El informe incluye lo siguiente:");
        }
    }
    s
}

fn held_en(kind: MeetingKind) -> &'static str {
    match kind {
        MeetingKind::Regular => "held its regular meeting",
        MeetingKind::Extraordinary => "held an extraordinary meeting",
        MeetingKind::Ministerial => "held a ministerial meeting",
        MeetingKind::ViceMinisterial => "held a vice-ministerial meeting",
        MeetingKind::Technical => "held a technical meeting",
        MeetingKind::Workshop => "held a workshop",
        MeetingKind::Other => "held a meeting",
    }
}

fn held_es(kind: MeetingKind) -> &'static str {
    match kind {
        MeetingKind::Regular => "celebró su reunión ordinaria",
        MeetingKind::Extraordinary => "celebró una reunión extraordinaria",
        MeetingKind::Ministerial => "celebró una reunión ministerial",
        MeetingKind::ViceMinisterial => "celebró una reunión viceministerial",
        MeetingKind::Technical => "celebró una reunión técnica",
        MeetingKind::Workshop => "celebró un taller",
        MeetingKind::Other => "celebró una reunión",
    }
}

/// The body that met, as the sentence's subject: the body, else the forum, else the title.
fn subject(body: &str, forum: &str, title: &str, lang: Lang) -> String {
    let pick = [body, forum, title]
        .into_iter()
        .map(str::trim)
        .find(|s| !s.is_empty());
    let Some(s) = pick else {
        return match lang {
            Lang::En => "The meeting".into(),
            Lang::Es => "La reunión".into(),
        };
    };
    let first = s.split_whitespace().next().unwrap_or("").to_lowercase();
    let has_article = match lang {
        Lang::En => first == "the",
        Lang::Es => matches!(first.as_str(), "el" | "la" | "los" | "las"),
    };
    let s = if has_article || lang == Lang::Es {
        s.to_string()
    } else {
        format!("The {s}")
    };
    capitalise(&s)
}

/// "The Liaison Officer Network to Combat …" → "The Network"; "La Red de Funcionarios …"
/// → "La Red". English puts the head noun last before the first preposition, Spanish
/// right after the article.
fn short_subject(body: &str, lang: Lang) -> String {
    let words: Vec<&str> = body.split_whitespace().collect();
    match lang {
        Lang::En => {
            const STOP: [&str; 9] = [
                "to", "of", "for", "on", "against", "in", "and", "from", "with",
            ];
            let head: Vec<&str> = words
                .iter()
                .copied()
                .take_while(|w| !STOP.contains(w))
                .collect();
            match head.last() {
                Some(last) if !last.eq_ignore_ascii_case("the") => {
                    format!("The {}", last.trim_end_matches(','))
                }
                _ => "The meeting".into(),
            }
        }
        Lang::Es => {
            let article = words.first().map(|w| w.to_lowercase());
            match (article.as_deref(), words.get(1)) {
                (Some(a @ ("el" | "la" | "los" | "las")), Some(noun)) => {
                    capitalise(&format!("{a} {noun}"))
                }
                _ => "La reunión".into(),
            }
        }
    }
}

/// "a el Grupo" is written "al Grupo".
fn a_contraction(addressee: &str) -> String {
    match addressee
        .strip_prefix("el ")
        .or_else(|| addressee.strip_prefix("El "))
    {
        Some(rest) => format!("al {rest}"),
        None => format!("a {addressee}"),
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_subjects() {
        assert_eq!(
            short_subject(
                "The Liaison Officer Network to Combat Migrant Smuggling",
                Lang::En
            ),
            "The Network"
        );
        assert_eq!(
            short_subject("Regional Consultation Group on Migration", Lang::En),
            "The Group"
        );
        assert_eq!(
            short_subject("La Red de Funcionarios de Enlace", Lang::Es),
            "La Red"
        );
        assert_eq!(
            short_subject("los Viceministros de la CRM", Lang::Es),
            "Los Viceministros"
        );
        assert_eq!(short_subject("", Lang::En), "The meeting");
        assert_eq!(
            a_contraction("el Grupo Regional de Consulta"),
            "al Grupo Regional de Consulta"
        );
        assert_eq!(a_contraction("la Conferencia"), "a la Conferencia");
    }
}
