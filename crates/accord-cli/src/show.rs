//! Printing views for people (and as JSON for scripts).

use accord::model::{DraftView, MeetingView};

/// The meeting as a person reads it in a terminal: the heading, the numbered draft and the
/// action items with their owners and due dates.
pub fn meeting_text(
    m: &MeetingView,
    d: &DraftView,
    today: accord::model::jiff::civil::Date,
) -> String {
    let mut out = String::new();
    let det = &m.details;
    out.push_str(&format!(
        "{}\n{}\n",
        det.title,
        "=".repeat(det.title.chars().count().min(80))
    ));
    let dates = match (det.start_date, det.end_date) {
        (Some(s), Some(e)) if s != e => format!("{s} – {e}"),
        (Some(s), _) => s.to_string(),
        _ => String::new(),
    };
    out.push_str(&format!("{} · {} · {}\n", det.forum, det.venue, dates));
    let parties: Vec<&str> = m.parties.iter().map(|p| p.label()).collect();
    out.push_str(&format!("Parties: {}\n\n", parties.join(", ")));
    out.push_str(&format!("{}\n\n{}\n\n", d.title, d.preamble));
    for c in d.outline() {
        out.push_str(&format!(
            "{}{} {}  [{}]\n",
            "    ".repeat(c.number.depth),
            c.number,
            c.text,
            c.status
        ));
    }
    let s = d.summary();
    out.push_str(&format!(
        "\n{} clauses: {} adopted, {} agreed, {} agreed ad ref, {} bracketed, {} open\n",
        s.total, s.adopted, s.agreed, s.agreed_ad_ref, s.bracketed, s.open
    ));
    out.push_str("\nAction items\n------------\n");
    for a in &m.actions {
        let owners: Vec<String> = a
            .owners
            .iter()
            .map(|o| {
                m.party(o)
                    .map(|p| p.label().to_string())
                    .unwrap_or_else(|| o.to_string())
            })
            .collect();
        let owners = if owners.len() > 3 {
            format!("{} parties", owners.len())
        } else {
            owners.join(", ")
        };
        let due = a
            .due
            .map(|d| d.to_string())
            .unwrap_or_else(|| "no date".into());
        let late = if a.is_overdue(today) { " OVERDUE" } else { "" };
        out.push_str(&format!(
            "- {} — {} — due {}{} [{}]\n",
            a.text, owners, due, late, a.status
        ));
    }
    out
}

/// A meeting as `accord meeting show` prints it.
pub fn meeting(
    full: &accord::MeetingFull,
    roster: Option<&accord::model::RosterView>,
    today: accord::model::jiff::civil::Date,
) -> String {
    let m = &full.view;
    let det = &m.details;
    let mut out = format!(
        "{}\n{}\n",
        det.title,
        "=".repeat(det.title.chars().count().min(80))
    );
    let dates = match (det.start_date, det.end_date) {
        (Some(s), Some(e)) if s != e => format!("{s} – {e}"),
        (Some(s), _) => s.to_string(),
        _ => String::new(),
    };
    let line: Vec<&str> = [det.forum.as_str(), det.venue.as_str(), dates.as_str()]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect();
    if !line.is_empty() {
        out.push_str(&format!("{}\n", line.join(" · ")));
    }
    out.push_str(&format!("id {}\n", full.id));
    let parties: Vec<&str> = m.parties.iter().map(|p| p.label()).collect();
    out.push_str(&format!("Parties: {}\n", parties.join(", ")));
    if let Some(min) = &full.minutes {
        out.push_str(&format!("Minutes: {min}\n"));
    }
    out.push_str("\nDrafts\n------\n");
    for d in &full.drafts {
        let s = &d.summary;
        out.push_str(&format!(
            "{}  {} — {} clauses, {} agreed, {} open\n",
            d.id,
            d.title,
            s.total,
            s.agreed + s.adopted,
            s.open + s.bracketed
        ));
    }
    out.push_str("\nAction items\n------------\n");
    for a in &m.actions {
        let owners: Vec<String> = a
            .owners
            .iter()
            .map(|o| {
                m.party(o)
                    .map(|p| p.label().to_string())
                    .unwrap_or_else(|| o.to_string())
            })
            .collect();
        let due = a
            .due
            .map(|d| d.to_string())
            .unwrap_or_else(|| "no date".into());
        let late = if a.is_overdue(today) { " OVERDUE" } else { "" };
        out.push_str(&format!(
            "{}  {} — {} — due {}{} [{}]\n",
            a.id,
            a.text,
            owners.join(", "),
            due,
            late,
            a.status
        ));
    }
    if let Some(r) = roster {
        out.push_str("\nRoster\n------\n");
        for e in &r.entries {
            let flag = if e.revoked {
                " (revoked)"
            } else if !e.valid {
                " (not validly signed)"
            } else {
                ""
            };
            out.push_str(&format!(
                "{}  {} — {} — {}{}\n",
                e.device, e.party, e.role, e.name, flag
            ));
        }
    }
    out
}

/// A draft's numbered text, with each clause's status and id.
pub fn draft(id: &accord::model::DocId, d: &DraftView) -> String {
    let mut out = format!(
        "{}\n{}\n",
        d.title,
        "=".repeat(d.title.chars().count().min(80))
    );
    out.push_str(&format!("id {id}\n\n"));
    if !d.preamble.is_empty() {
        out.push_str(&format!("{}\n\n", d.preamble));
    }
    for (n, c) in crate::ids::numbered(d) {
        let depth = n.matches('.').count();
        out.push_str(&format!(
            "{}{}. {}  [{}] ({})\n",
            "    ".repeat(depth),
            n,
            c.text,
            c.status,
            c.id
        ));
    }
    if d.clauses.is_empty() {
        out.push_str("(no clauses yet)\n");
    }
    out
}

/// What `accord import` did.
pub fn imported(r: &accord::report::Imported) -> String {
    let mut out = format!(
        "imported {:?} as draft {} ({})\n",
        r.title, r.draft, r.summary
    );
    for c in &r.clauses {
        out.push_str(&format!("  {}. {}\n", c.number, c.text));
    }
    if !r.actions.is_empty() {
        out.push_str("\nSuggested action items\n");
        for a in &r.actions {
            let mut owners: Vec<String> = a.owners.iter().map(|o| o.to_string()).collect();
            owners.extend(a.unmatched_owners.iter().map(|o| format!("{o}?")));
            let due = a
                .due
                .map(|d| d.to_string())
                .or_else(|| a.event.clone())
                .unwrap_or_else(|| "no date".into());
            let added = a
                .added
                .as_ref()
                .map(|id| format!(" — added as {id}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  - {} — {} — due {}{}\n",
                a.text,
                owners.join(", "),
                due,
                added
            ));
        }
    }
    for n in &r.notes {
        out.push_str(&format!("note: {n}\n"));
    }
    out
}
