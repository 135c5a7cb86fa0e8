//! Reports out and in: a meeting's draft rendered by `accord-export`, and a report or draft
//! read by it into a new draft of the meeting (with the action items it suggests).

use std::collections::HashMap;

use accord_export::{
    Due, ImportNote, ImportOptions, InputKind, Owner, RenderOptions, SuggestedAction,
};
use accord_model::{
    self as model, ActionId, ClauseId, ClauseRef, DocId, NewAction, Placement,
    automerge::Automerge, jiff::civil::Date,
};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::workspace::Workspace;

pub use accord_export::{Format, Lang, Mode, Opening};

/// A rendered report.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub file_name: String,
    pub media_type: &'static str,
    #[serde(skip)]
    pub bytes: Vec<u8>,
}

/// One clause an import created.
#[derive(Debug, Clone, Serialize)]
pub struct ImportedClause {
    pub id: ClauseId,
    /// Its computed number, e.g. `2.a`.
    pub number: String,
    pub text: String,
}

/// One action item an import suggested (and added, when asked to).
#[derive(Debug, Clone, Serialize)]
pub struct ImportedAction {
    pub text: String,
    pub owners: Vec<model::PartyId>,
    /// Owners named in the text that are none of the meeting's parties.
    pub unmatched_owners: Vec<String>,
    /// The deadline (the end of a range when the text gave one).
    pub due: Option<Date>,
    /// "the last week of April, 2015": from and to.
    pub approximate: Option<(Date, Date)>,
    /// At an event rather than on a date.
    pub event: Option<String>,
    /// The words the deadline was read from.
    pub due_text: Option<String>,
    pub clause: Option<ClauseId>,
    /// The action item made from it, if it was added.
    pub added: Option<ActionId>,
}

/// What an import did.
#[derive(Debug, Clone, Serialize)]
pub struct Imported {
    pub draft: DocId,
    pub title: String,
    pub summary: String,
    pub clauses: Vec<ImportedClause>,
    pub actions: Vec<ImportedAction>,
    /// What it did not understand, or decided on the reader's behalf, by line.
    pub notes: Vec<String>,
}

impl Workspace {
    /// Renders a draft of a meeting (its first draft when none is named).
    pub async fn export_report(
        &self,
        meeting: &DocId,
        draft: Option<&DocId>,
        opts: &RenderOptions,
    ) -> Result<Exported> {
        let view = self.meeting(meeting).await?;
        let draft = match draft {
            Some(d) => d.clone(),
            None => view.drafts().next().cloned().ok_or_else(|| {
                Error::invalid("meeting", meeting.to_string(), "it has no draft to export")
            })?,
        };
        let d = self.draft(&draft).await?;
        let bytes = accord_export::render(&view, &d, opts)
            .map_err(|e| Error::invalid("report", d.title.clone(), e.to_string()))?;
        let stem: String = d
            .title
            .chars()
            .map(|c| if c.is_alphanumeric() { c } else { '-' })
            .collect::<String>()
            .split('-')
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join("-");
        let stem = if stem.is_empty() {
            "report".to_string()
        } else {
            stem.chars().take(60).collect()
        };
        Ok(Exported {
            file_name: format!("{stem}.{}", opts.format.extension()),
            media_type: opts.format.media_type(),
            bytes,
        })
    }

    /// Reads a report or draft (text, Markdown or DOCX) into a new draft of the meeting.
    /// The action items it suggests are returned, and added when `add_actions` is set.
    pub async fn import_report(
        &self,
        meeting: &DocId,
        bytes: &[u8],
        file_name: Option<&str>,
        add_actions: bool,
    ) -> Result<Imported> {
        let view = self.meeting(meeting).await?;
        let kind = file_name
            .map(InputKind::from_file_name)
            .unwrap_or(InputKind::Auto);
        let mut opts = ImportOptions::new(kind, &view.parties);
        if let Some(d) = view.details.start_date {
            opts = opts.reference(d);
        }
        let name = file_name.unwrap_or("input").to_string();
        let plan = accord_export::import(bytes, &opts)
            .map_err(|e| Error::invalid("import", name.clone(), e.to_string()))?;
        let title = plan.title.clone().unwrap_or_else(|| {
            let stem = file_name
                .and_then(|f| std::path::Path::new(f).file_stem())
                .and_then(|s| s.to_str())
                .unwrap_or("Imported draft");
            stem.to_string()
        });
        // The whole draft in one change.
        let outline = plan.outline();
        let ids: HashMap<Vec<usize>, ClauseId> = outline
            .iter()
            .map(|(path, _)| {
                (
                    path.clone(),
                    ClauseId::new(crate::ops::fresh_id()).expect("fresh ids are valid"),
                )
            })
            .collect();
        let mut doc = Automerge::new();
        let mut notes: Vec<String> = plan.notes.iter().map(note).collect();
        model::change_quiet(&mut doc, &self.ctx(), |tx| {
            model::draft::create(tx, meeting, &title, &plan.preamble)?;
            for (path, c) in &outline {
                let at = match path.split_last() {
                    Some((_, [])) | None => Placement::top_end(),
                    Some((_, parent)) => Placement::end_of(&ids[parent]),
                };
                model::draft::insert_clause(tx, &ids[path], &at, &c.text, &[])?;
                if let Some(st) = c.status
                    && let Err(e) = model::draft::set_status(tx, &ids[path], st)
                {
                    notes.push(format!("line {}: status {st} not set: {e}", c.line));
                }
            }
            Ok(())
        })?;
        let draft = self.add_draft_doc(meeting, doc).await?;
        let created = self.draft(&draft).await?;
        let clauses = created
            .outline()
            .into_iter()
            .map(|c| ImportedClause {
                id: c.id.clone(),
                number: number_of(&created, &c.id),
                text: c.text.clone(),
            })
            .collect();
        let mut actions = Vec::new();
        for a in &plan.actions {
            let mut out = suggested(a, ids.get(&a.clause_path).cloned());
            if add_actions && !out.owners.is_empty() {
                let new = NewAction {
                    text: a.text.clone(),
                    owners: out.owners.clone(),
                    due: out.due,
                    source: out.clause.clone().map(|clause| ClauseRef {
                        draft: draft.clone(),
                        clause,
                    }),
                };
                out.added = Some(self.add_action(meeting, &new).await?);
            }
            actions.push(out);
        }
        Ok(Imported {
            draft,
            title,
            summary: plan.summary(),
            clauses,
            actions,
            notes,
        })
    }
}

fn note(n: &ImportNote) -> String {
    if n.line == 0 {
        n.message.clone()
    } else {
        format!("line {}: {}", n.line, n.message)
    }
}

fn suggested(a: &SuggestedAction, clause: Option<ClauseId>) -> ImportedAction {
    let mut owners = Vec::new();
    let mut unmatched = Vec::new();
    for o in &a.owners {
        match o {
            Owner::Party(p) => owners.push(p.clone()),
            Owner::Unmatched(n) => unmatched.push(n.clone()),
        }
    }
    let (approximate, event) = match &a.due {
        Due::Approximate { from, to } => (Some((*from, *to)), None),
        Due::Event(e) => (None, Some(e.clone())),
        _ => (None, None),
    };
    ImportedAction {
        text: a.text.clone(),
        owners,
        unmatched_owners: unmatched,
        due: a.due.date(),
        approximate,
        event,
        due_text: a.due_text.clone(),
        clause,
        added: None,
    }
}

/// The full number of a clause: `2.a.i`.
pub(crate) fn number_of(view: &model::DraftView, id: &ClauseId) -> String {
    fn walk(cs: &[model::ClauseView], id: &ClauseId, prefix: &mut Vec<String>) -> bool {
        for c in cs {
            prefix.push(c.number.label());
            if c.id == *id || walk(&c.children, id, prefix) {
                return true;
            }
            prefix.pop();
        }
        false
    }
    let mut p = Vec::new();
    walk(&view.clauses, id, &mut p);
    p.join(".")
}
