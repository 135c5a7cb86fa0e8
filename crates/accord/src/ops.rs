//! The operations both faces call: meetings, drafts, minutes, action items, search. Each is
//! a thin delegation to the model inside [`Workspace::edit`] or [`Workspace::read`].

use accord_model::{
    self as model, ActionId, ActionStatus, ClauseId, ClauseStatus, DocId, DocKind, DocRef,
    DraftView, MeetingDetails, MeetingView, MinutesView, NewAction, Party, PartyId, Placement,
    Splice, TextField, automerge::Automerge, jiff::civil::Date,
};
use accord_store::{ActionFilter, ActionRow, MeetingRow, SearchHit};
use rand::Rng;

use crate::error::{Error, Result};
use crate::workspace::{Based, Workspace};

/// A fresh id for a clause or an action item: short enough to read in a URL or a log line,
/// random enough (8 characters of 36) that two devices never pick the same one in a draft.
pub(crate) fn fresh_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..8)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The device's own party, as a party of a meeting it founds.
fn own_party(name: &str) -> model::Result<Party> {
    let lower = name.to_lowercase();
    let kind = if lower.contains("secretar") {
        model::PartyKind::Secretariat
    } else if lower.contains("civil") {
        model::PartyKind::CivilSociety
    } else {
        model::PartyKind::Member
    };
    Party::new(name, kind)
}

/// A meeting with its documents, for a face to show.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MeetingFull {
    pub id: DocId,
    pub view: MeetingView,
    pub minutes: Option<DocId>,
    pub drafts: Vec<DraftSummary>,
}

/// What became of an editor's edit ([`Workspace::edit_text`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum TextEdit {
    /// Made: its event has `version` (none if it changed nothing).
    Made { version: Option<u64> },
    /// Not made: the document has had events since the edit's base, up to `version`.
    Stale { version: u64 },
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct DraftSummary {
    pub id: DocId,
    pub title: String,
    pub summary: model::StatusSummary,
}

impl Workspace {
    // ---- meetings -----------------------------------------------------------------------

    /// Creates a meeting with its (empty) minutes. This device founds it: it signs its own
    /// admin entry on the roster and pins itself as the founder. The device's party (from the
    /// settings) is added to the meeting's parties.
    pub async fn create_meeting(
        &self,
        details: &MeetingDetails,
        parties: &[Party],
    ) -> Result<DocId> {
        let ctx = self.ctx();
        let (party, _) = self.identity();
        let mut m = Automerge::new();
        model::change_quiet(&mut m, &ctx, |tx| {
            model::meeting::create(tx, details)?;
            parties
                .iter()
                .try_for_each(|p| model::meeting::put_party(tx, p))?;
            if self.settings().party.is_some() && !parties.iter().any(|p| p.name == party) {
                model::meeting::put_party(tx, &own_party(&party)?)?;
            }
            Ok(())
        })?;
        let meeting = self.create_doc(m).await?;
        self.found(&meeting).await?;
        let mut mn = Automerge::new();
        model::change_quiet(&mut mn, &ctx, |tx| model::minutes::create(tx, &meeting, ""))?;
        let minutes = self.create_doc(mn).await?;
        self.edit(&meeting, DocKind::Meeting, |tx| {
            model::meeting::add_document(
                tx,
                &DocRef {
                    id: minutes,
                    kind: DocKind::Minutes,
                },
            )
        })
        .await?;
        Ok(meeting)
    }

    /// Creates the demo meeting (RCM Liaison Officer Network, Managua 2014) with its minutes,
    /// report draft and action items.
    pub async fn create_demo(&self) -> Result<DocId> {
        let ctx = self.ctx();
        let mut m = Automerge::new();
        model::change_quiet(&mut m, &ctx, |tx| model::demo::fill_meeting(tx))?;
        let meeting = self.create_doc(m).await?;
        self.found(&meeting).await?;
        let mut mn = Automerge::new();
        model::change_quiet(&mut mn, &ctx, |tx| model::demo::fill_minutes(tx, &meeting))?;
        let minutes = self.create_doc(mn).await?;
        let mut d = Automerge::new();
        model::change_quiet(&mut d, &ctx, |tx| model::demo::fill_draft(tx, &meeting))?;
        let draft = self.create_doc(d).await?;
        let now = ctx.time;
        self.edit(&meeting, DocKind::Meeting, |tx| {
            model::demo::link(tx, &minutes, &draft, now)
        })
        .await?;
        Ok(meeting)
    }

    /// Signs this device's founding admin entry and pins the meeting.
    async fn found(&self, meeting: &DocId) -> Result<()> {
        let (party, name) = self.identity();
        let key = self.key().clone();
        let now = self.ctx().time;
        self.pin(
            meeting,
            crate::pins::Pin {
                founder: key.device(),
                hosts: Vec::new(),
            },
        )?;
        self.edit(meeting, DocKind::Meeting, |tx| {
            model::roster::found(tx, meeting, &key, &party, &name, now)
        })
        .await?;
        self.refresh_meeting(meeting);
        Ok(())
    }

    /// The meetings of this profile, newest first (from the index).
    pub async fn meetings(&self) -> Result<Vec<MeetingRow>> {
        let store = self.inner.store.clone();
        Ok(tokio::task::spawn_blocking(move || store.meetings())
            .await
            .map_err(|_| Error::Closed)??)
    }

    pub async fn meeting(&self, id: &DocId) -> Result<MeetingView> {
        self.read(id, DocKind::Meeting, model::meeting::read).await
    }

    /// A meeting with the titles and status summaries of its drafts.
    pub async fn meeting_full(&self, id: &DocId) -> Result<MeetingFull> {
        let view = self.meeting(id).await?;
        let mut drafts = Vec::new();
        for d in view.drafts() {
            match self.draft(d).await {
                Ok(v) => drafts.push(DraftSummary {
                    id: d.clone(),
                    title: v.title.clone(),
                    summary: v.summary(),
                }),
                Err(e) => tracing::warn!(draft = %d, error = %e, "draft not available"),
            }
        }
        Ok(MeetingFull {
            id: id.clone(),
            minutes: view.minutes().cloned(),
            view,
            drafts,
        })
    }

    pub async fn update_meeting(&self, id: &DocId, details: &MeetingDetails) -> Result<()> {
        self.edit(id, DocKind::Meeting, |tx| {
            model::meeting::set_details(tx, details)
        })
        .await
    }

    pub async fn put_party(&self, meeting: &DocId, party: &Party) -> Result<()> {
        self.edit(meeting, DocKind::Meeting, |tx| {
            model::meeting::put_party(tx, party)
        })
        .await
    }

    // ---- drafts -------------------------------------------------------------------------

    pub async fn create_draft(
        &self,
        meeting: &DocId,
        title: &str,
        preamble: &str,
    ) -> Result<DocId> {
        self.doc_of(meeting, DocKind::Meeting).await?;
        let mut d = Automerge::new();
        model::change_quiet(&mut d, &self.ctx(), |tx| {
            model::draft::create(tx, meeting, title, preamble)
        })?;
        self.add_draft_doc(meeting, d).await
    }

    /// Stores a new draft document and lists it in its meeting.
    pub(crate) async fn add_draft_doc(&self, meeting: &DocId, doc: Automerge) -> Result<DocId> {
        // Whether the meeting may be edited, before a draft it could not list is stored.
        self.doc_to_edit(meeting).await?;
        let draft = self.create_doc(doc).await?;
        let reference = DocRef {
            id: draft.clone(),
            kind: DocKind::Draft,
        };
        self.edit(meeting, DocKind::Meeting, |tx| {
            model::meeting::add_document(tx, &reference)
        })
        .await?;
        Ok(draft)
    }

    pub async fn draft(&self, id: &DocId) -> Result<DraftView> {
        self.read(id, DocKind::Draft, model::draft::read).await
    }

    /// Adds a clause and returns its new id.
    pub async fn insert_clause(
        &self,
        draft: &DocId,
        at: &Placement,
        text: &str,
    ) -> Result<ClauseId> {
        let id = ClauseId::new(fresh_id())?;
        let proposers: Vec<PartyId> = Vec::new();
        self.edit(draft, DocKind::Draft, |tx| {
            model::draft::insert_clause(tx, &id, at, text, &proposers)
        })
        .await?;
        Ok(id)
    }

    pub async fn move_clause(
        &self,
        draft: &DocId,
        clause: &ClauseId,
        at: &Placement,
    ) -> Result<()> {
        self.edit(draft, DocKind::Draft, |tx| {
            model::draft::move_clause(tx, clause, at)
        })
        .await
    }

    pub async fn indent_clause(&self, draft: &DocId, clause: &ClauseId) -> Result<()> {
        self.edit(draft, DocKind::Draft, |tx| model::draft::indent(tx, clause))
            .await
    }

    pub async fn outdent_clause(&self, draft: &DocId, clause: &ClauseId) -> Result<()> {
        self.edit(draft, DocKind::Draft, |tx| {
            model::draft::outdent(tx, clause)
        })
        .await
    }

    pub async fn delete_clause(&self, draft: &DocId, clause: &ClauseId) -> Result<()> {
        self.edit(draft, DocKind::Draft, |tx| {
            model::draft::delete_clause(tx, clause)
        })
        .await
    }

    pub async fn set_clause_status(
        &self,
        draft: &DocId,
        clause: &ClauseId,
        status: ClauseStatus,
    ) -> Result<()> {
        self.edit(draft, DocKind::Draft, |tx| {
            model::draft::set_status(tx, clause, status)
        })
        .await
    }

    pub async fn set_clause_text(
        &self,
        draft: &DocId,
        clause: &ClauseId,
        text: &str,
    ) -> Result<()> {
        self.edit(draft, DocKind::Draft, |tx| {
            model::draft::set_clause_text(tx, clause, text)
        })
        .await
    }

    pub async fn add_proposer(
        &self,
        draft: &DocId,
        clause: &ClauseId,
        party: &PartyId,
    ) -> Result<()> {
        self.edit(draft, DocKind::Draft, |tx| {
            model::draft::add_proposer(tx, clause, party)
        })
        .await
    }

    // ---- text ---------------------------------------------------------------------------

    /// One edit of any text — a keystroke from an editor — in UTF-16 code units.
    ///
    /// The text is found once for a run of keystrokes ([`model::Typing`]) and again whenever
    /// the document moved otherwise (another edit, a peer's change).
    pub async fn splice(&self, doc: &DocId, target: &TextField, splice: &Splice) -> Result<()> {
        match self
            .edit_text(doc, target, std::slice::from_ref(splice), None, None)
            .await?
        {
            TextEdit::Made { .. } => Ok(()),
            TextEdit::Stale { .. } => unreachable!("an edit with no base is never stale"),
        }
    }

    /// An editor's edit of a text: `splices` applied one after the other, as one change,
    /// made against the document as of event `base` (the [`crate::Event::DocChanged`]
    /// version the editor last applied; `None`: as it is now). When the document has had an
    /// event since, the positions may name other characters: nothing is changed and the
    /// answer is [`TextEdit::Stale`] — the editor applies the events it has not yet seen,
    /// moves its edit over them and sends it again. The edit's event carries `tag`, by which
    /// the editor knows it for its own.
    pub async fn edit_text(
        &self,
        doc: &DocId,
        target: &TextField,
        splices: &[Splice],
        base: Option<u64>,
        tag: Option<u64>,
    ) -> Result<TextEdit> {
        let d = self.doc_to_edit(doc).await?;
        let made = self.change_open_at(&d, base, tag, |doc, ctx| {
            let mut last = d.typing.lock().expect("typing lock");
            let typing = match last.take() {
                Some((at, t)) if t.field() == target && at == doc.get_heads() => t,
                _ => model::Typing::find(doc, d.kind, target)?,
            };
            let changed = model::change(doc, ctx, |tx| {
                splices.iter().try_for_each(|s| typing.splice(tx, s))
            })?;
            *last = Some((changed.heads.clone(), typing));
            Ok(changed)
        })?;
        Ok(match made {
            Based::Made(((), version)) => TextEdit::Made { version },
            Based::Stale { version } => TextEdit::Stale { version },
        })
    }

    // ---- minutes ------------------------------------------------------------------------

    pub async fn minutes(&self, id: &DocId) -> Result<MinutesView> {
        self.read(id, DocKind::Minutes, model::minutes::read).await
    }

    /// The minutes document of a meeting.
    pub async fn minutes_of(&self, meeting: &DocId) -> Result<DocId> {
        self.meeting(meeting)
            .await?
            .minutes()
            .cloned()
            .ok_or_else(|| {
                Error::invalid("meeting", meeting.to_string(), "it has no minutes document")
            })
    }

    /// Appends a paragraph to a meeting's minutes.
    pub async fn append_minutes(&self, meeting: &DocId, paragraph: &str) -> Result<()> {
        let minutes = self.minutes_of(meeting).await?;
        self.edit(&minutes, DocKind::Minutes, |tx| {
            model::minutes::append(tx, paragraph)
        })
        .await
    }

    // ---- action items -------------------------------------------------------------------

    pub async fn add_action(&self, meeting: &DocId, new: &NewAction) -> Result<ActionId> {
        let id = ActionId::new(fresh_id())?;
        let now = self.ctx().time;
        self.edit(meeting, DocKind::Meeting, |tx| {
            model::action::add(tx, &id, new, now)
        })
        .await?;
        Ok(id)
    }

    pub async fn set_action_status(
        &self,
        meeting: &DocId,
        action: &ActionId,
        status: ActionStatus,
    ) -> Result<()> {
        self.edit(meeting, DocKind::Meeting, |tx| {
            model::action::set_status(tx, action, status)
        })
        .await
    }

    pub async fn set_action_due(
        &self,
        meeting: &DocId,
        action: &ActionId,
        due: Option<Date>,
    ) -> Result<()> {
        self.edit(meeting, DocKind::Meeting, |tx| {
            model::action::set_due(tx, action, due)
        })
        .await
    }

    /// Sets the owners of an action item to exactly `owners`.
    pub async fn set_action_owners(
        &self,
        meeting: &DocId,
        action: &ActionId,
        owners: &[PartyId],
    ) -> Result<()> {
        self.edit(meeting, DocKind::Meeting, |tx| {
            let current = model::action::read_one(tx, action)?.owners;
            for o in current.iter().filter(|o| !owners.contains(o)) {
                model::action::remove_owner(tx, action, o)?;
            }
            for o in owners.iter().filter(|o| !current.contains(o)) {
                model::action::add_owner(tx, action, o)?;
            }
            Ok(())
        })
        .await
    }

    pub async fn remove_action(&self, meeting: &DocId, action: &ActionId) -> Result<()> {
        self.edit(meeting, DocKind::Meeting, |tx| {
            model::action::remove(tx, action)
        })
        .await
    }

    /// Action items across all meetings (from the index).
    pub async fn actions(&self, filter: &ActionFilter) -> Result<Vec<ActionRow>> {
        let (store, filter) = (self.inner.store.clone(), filter.clone());
        Ok(tokio::task::spawn_blocking(move || store.actions(&filter))
            .await
            .map_err(|_| Error::Closed)??)
    }

    /// Finds an action item's meeting by the item's id (ids are unique per profile in
    /// practice: 8 random characters).
    pub async fn meeting_of_action(&self, action: &ActionId) -> Result<DocId> {
        self.actions(&ActionFilter::default())
            .await?
            .into_iter()
            .find(|r| r.action.id == *action)
            .map(|r| r.meeting)
            .ok_or_else(|| {
                Error::invalid(
                    "action item",
                    action.to_string(),
                    "no meeting of this profile has it",
                )
            })
    }

    // ---- search -------------------------------------------------------------------------

    /// Full-text search over every text of every meeting, best first.
    pub async fn search(&self, query: &str, limit: usize) -> Result<Vec<SearchHit>> {
        let (store, query) = (self.inner.store.clone(), query.to_string());
        Ok(
            tokio::task::spawn_blocking(move || store.search(&query, limit))
                .await
                .map_err(|_| Error::Closed)??,
        )
    }
}
