//! Printing views for people (and as JSON for scripts).

use accord::model::{
    ChangeCtx, DeviceId, DraftView, MeetingView, demo,
    jiff::{Timestamp, Zoned},
};

pub fn demo(json: bool) -> anyhow::Result<()> {
    let ctx = ChangeCtx::new(DeviceId::from_bytes([0; 32]), Timestamp::now());
    let docs = demo::build(&demo::DemoIds::default(), &ctx)?;
    let meeting = accord::model::meeting::read(&docs.meeting)?;
    let draft = accord::model::draft::read(&docs.draft)?;
    if json {
        println!("{}", serde_json::json!({ "meeting": meeting, "draft": draft }));
        return Ok(());
    }
    print!("{}", meeting_text(&meeting, &draft, Zoned::now().date()));
    Ok(())
}

/// The meeting as a person reads it in a terminal: the heading, the numbered draft and the
/// action items with their owners and due dates.
pub fn meeting_text(m: &MeetingView, d: &DraftView, today: accord::model::jiff::civil::Date) -> String {
    let mut out = String::new();
    let det = &m.details;
    out.push_str(&format!("{}\n{}\n", det.title, "=".repeat(det.title.chars().count().min(80))));
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
            .map(|o| m.party(o).map(|p| p.label().to_string()).unwrap_or_else(|| o.to_string()))
            .collect();
        let owners = if owners.len() > 3 { format!("{} parties", owners.len()) } else { owners.join(", ") };
        let due = a.due.map(|d| d.to_string()).unwrap_or_else(|| "no date".into());
        let late = if a.is_overdue(today) { " OVERDUE" } else { "" };
        out.push_str(&format!("- {} — {} — due {}{} [{}]\n", a.text, owners, due, late, a.status));
    }
    out
}
