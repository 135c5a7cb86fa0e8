//! The query index: what the meeting list, search and the action tracker read, derived from
//! the documents' views and always rebuildable from them.
//!
//! Every row carries the document it came from (`source`), so re-indexing a document is
//! "delete its rows, insert the new ones" in one transaction, and indexing documents one by
//! one in any order gives the same rows as a full rebuild.

use std::ops::Range;

use accord_model::{
    ActionId, ActionStatus, ActionView, ClauseId, ClauseRef, DocId, DraftView, MeetingKind,
    MeetingView, MinutesView, PartyId,
};
use jiff::Timestamp;
use jiff::civil::Date;
use rusqlite::{Connection, params};

/// The layout of the index tables. Bump it whenever they or what goes into them change: the
/// next start drops and recreates them and asks for a rebuild.
pub const INDEX_FORMAT: i64 = 1;

const TABLES: &str = "
CREATE TABLE idx_meetings (
    meeting TEXT PRIMARY KEY, title TEXT NOT NULL, forum TEXT NOT NULL, body TEXT NOT NULL,
    kind TEXT NOT NULL, venue TEXT NOT NULL, start_date TEXT, end_date TEXT,
    time_zone TEXT NOT NULL, languages TEXT NOT NULL, parties INTEGER NOT NULL
);
CREATE TABLE idx_documents (
    doc TEXT PRIMARY KEY, meeting TEXT NOT NULL, kind TEXT NOT NULL, title TEXT NOT NULL
);
CREATE INDEX idx_documents_meeting ON idx_documents (meeting);
CREATE TABLE idx_actions (
    meeting TEXT NOT NULL, action TEXT NOT NULL, text TEXT NOT NULL, due TEXT, status TEXT NOT NULL,
    draft TEXT, clause TEXT, created INTEGER NOT NULL,
    PRIMARY KEY (meeting, action)
);
CREATE INDEX idx_actions_due ON idx_actions (due);
CREATE TABLE idx_action_owners (
    meeting TEXT NOT NULL, action TEXT NOT NULL, party TEXT NOT NULL,
    PRIMARY KEY (meeting, action, party)
);
CREATE INDEX idx_action_owners_party ON idx_action_owners (party);
CREATE VIRTUAL TABLE idx_text USING fts5 (
    source UNINDEXED, meeting UNINDEXED, doc UNINDEXED, kind UNINDEXED, item UNINDEXED, label UNINDEXED,
    body,
    tokenize = 'unicode61 remove_diacritics 2'
);
";

/// Column number of `body` in `idx_text`, for `snippet()`.
const BODY_COLUMN: i32 = 6;
const HL_OPEN: char = '\u{2}';
const HL_CLOSE: char = '\u{3}';

pub(crate) fn create_tables(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(TABLES)
}

pub(crate) fn drop_tables(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "DROP TABLE IF EXISTS idx_meetings; DROP TABLE IF EXISTS idx_documents;
         DROP TABLE IF EXISTS idx_actions; DROP TABLE IF EXISTS idx_action_owners;
         DROP TABLE IF EXISTS idx_text;",
    )
}

// ---- what goes in ---------------------------------------------------------------------

/// One document's view, as fed to [`crate::Store::rebuild_index`].
#[derive(Debug, Clone)]
pub enum IndexDoc {
    /// A meeting document, by the meeting's id (the id of its meeting document).
    Meeting(DocId, MeetingView),
    Draft(DocId, DraftView),
    Minutes(DocId, MinutesView),
}

impl IndexDoc {
    pub fn id(&self) -> &DocId {
        match self {
            IndexDoc::Meeting(id, _) | IndexDoc::Draft(id, _) | IndexDoc::Minutes(id, _) => id,
        }
    }
}

/// What an index operation does, run by the writer inside its batch transaction.
#[derive(Debug)]
pub(crate) enum IndexOp {
    Put(Box<IndexDoc>),
    Remove(DocId),
    Rebuild(Vec<IndexDoc>),
}

pub(crate) fn apply(conn: &Connection, op: &IndexOp) -> rusqlite::Result<()> {
    match op {
        IndexOp::Put(doc) => {
            remove(conn, doc.id())?;
            insert(conn, doc)
        }
        IndexOp::Remove(id) => remove(conn, id),
        IndexOp::Rebuild(docs) => {
            conn.execute_batch(
                "DELETE FROM idx_meetings; DELETE FROM idx_documents; DELETE FROM idx_actions;
                 DELETE FROM idx_action_owners; DELETE FROM idx_text;",
            )?;
            for d in docs {
                // A document may appear twice in a careless caller's iterator: last one wins,
                // exactly as with incremental indexing.
                remove(conn, d.id())?;
                insert(conn, d)?;
            }
            crate::db::set_meta(conn, "index_state", "ready")
        }
    }
}

fn remove(conn: &Connection, doc: &DocId) -> rusqlite::Result<()> {
    let d = doc.as_str();
    conn.execute("DELETE FROM idx_meetings WHERE meeting = ?1", [d])?;
    conn.execute("DELETE FROM idx_documents WHERE doc = ?1", [d])?;
    conn.execute("DELETE FROM idx_actions WHERE meeting = ?1", [d])?;
    conn.execute("DELETE FROM idx_action_owners WHERE meeting = ?1", [d])?;
    conn.execute("DELETE FROM idx_text WHERE source = ?1", [d])?;
    Ok(())
}

fn insert(conn: &Connection, doc: &IndexDoc) -> rusqlite::Result<()> {
    let mut text = conn.prepare_cached(
        "INSERT INTO idx_text (source, meeting, doc, kind, item, label, body) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    let mut doc_row = conn.prepare_cached(
        "INSERT INTO idx_documents (doc, meeting, kind, title) VALUES (?1, ?2, ?3, ?4)",
    )?;
    match doc {
        IndexDoc::Meeting(id, m) => {
            let d = &m.details;
            conn.execute(
                "INSERT INTO idx_meetings (meeting, title, forum, body, kind, venue, start_date, end_date, time_zone, languages, parties)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    id.as_str(),
                    d.title,
                    d.forum,
                    d.body,
                    d.kind.as_str(),
                    d.venue,
                    d.start_date.map(|x| x.to_string()),
                    d.end_date.map(|x| x.to_string()),
                    d.time_zone,
                    d.languages.join(","),
                    m.parties.len() as i64,
                ],
            )?;
            doc_row.execute((id.as_str(), id.as_str(), "meeting", d.title.as_str()))?;
            let about = [
                d.title.as_str(),
                d.forum.as_str(),
                d.body.as_str(),
                d.venue.as_str(),
            ]
            .join("\n");
            text.execute(params![
                id.as_str(),
                id.as_str(),
                id.as_str(),
                HitKind::Meeting.as_str(),
                "",
                d.title,
                about
            ])?;
            let mut action = conn.prepare_cached(
                "INSERT OR REPLACE INTO idx_actions (meeting, action, text, due, status, draft, clause, created)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )?;
            let mut owner = conn
                .prepare_cached("INSERT OR IGNORE INTO idx_action_owners (meeting, action, party) VALUES (?1, ?2, ?3)")?;
            for a in &m.actions {
                action.execute(params![
                    id.as_str(),
                    a.id.as_str(),
                    a.text,
                    a.due.map(|x| x.to_string()),
                    a.status.as_str(),
                    a.source.as_ref().map(|s| s.draft.as_str()),
                    a.source.as_ref().map(|s| s.clause.as_str()),
                    a.created.as_millisecond(),
                ])?;
                for o in &a.owners {
                    owner.execute((id.as_str(), a.id.as_str(), o.as_str()))?;
                }
                text.execute(params![
                    id.as_str(),
                    id.as_str(),
                    id.as_str(),
                    HitKind::Action.as_str(),
                    a.id.as_str(),
                    a.text,
                    a.text
                ])?;
            }
        }
        IndexDoc::Draft(id, v) => {
            let meeting = v.meeting.as_str();
            doc_row.execute((id.as_str(), meeting, "draft", v.title.as_str()))?;
            text.execute(params![
                id.as_str(),
                meeting,
                id.as_str(),
                HitKind::DraftTitle.as_str(),
                "",
                v.title,
                v.title
            ])?;
            if !v.preamble.trim().is_empty() {
                text.execute(params![
                    id.as_str(),
                    meeting,
                    id.as_str(),
                    HitKind::Preamble.as_str(),
                    "",
                    v.title,
                    v.preamble
                ])?;
            }
            // Labels are the clause's full number at indexing time ("2.a"): numbering is
            // computed, so it is refreshed whenever the draft is re-indexed.
            fn walk(
                cs: &[accord_model::ClauseView],
                prefix: &str,
                out: &mut Vec<(String, String, String)>,
            ) {
                for c in cs {
                    let label = if prefix.is_empty() {
                        c.number.label()
                    } else {
                        format!("{prefix}.{}", c.number.label())
                    };
                    out.push((c.id.as_str().to_string(), label.clone(), c.text.clone()));
                    walk(&c.children, &label, out);
                }
            }
            let mut rows = Vec::new();
            walk(&v.clauses, "", &mut rows);
            for (clause, label, body) in rows {
                text.execute(params![
                    id.as_str(),
                    meeting,
                    id.as_str(),
                    HitKind::Clause.as_str(),
                    clause,
                    label,
                    body
                ])?;
            }
        }
        IndexDoc::Minutes(id, v) => {
            let meeting = v.meeting.as_str();
            doc_row.execute((id.as_str(), meeting, "minutes", "Minutes"))?;
            text.execute(params![
                id.as_str(),
                meeting,
                id.as_str(),
                HitKind::Minutes.as_str(),
                "",
                "Minutes",
                v.text
            ])?;
        }
    }
    Ok(())
}

// ---- what comes out -------------------------------------------------------------------

/// What a search hit is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum HitKind {
    /// A meeting's title, forum, body or venue.
    Meeting,
    /// A draft's title.
    DraftTitle,
    /// A draft's preamble.
    Preamble,
    /// A clause of a draft.
    Clause,
    /// The minutes.
    Minutes,
    /// An action item.
    Action,
}

impl HitKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HitKind::Meeting => "meeting",
            HitKind::DraftTitle => "draft_title",
            HitKind::Preamble => "preamble",
            HitKind::Clause => "clause",
            HitKind::Minutes => "minutes",
            HitKind::Action => "action",
        }
    }

    fn parse(s: &str) -> Option<Self> {
        [
            HitKind::Meeting,
            HitKind::DraftTitle,
            HitKind::Preamble,
            HitKind::Clause,
            HitKind::Minutes,
            HitKind::Action,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// A piece of text around the matches; `highlights` are byte ranges of `text` that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snippet {
    pub text: String,
    pub highlights: Vec<Range<usize>>,
}

impl Snippet {
    /// The text with each match between `open` and `close`, e.g. `snippet.marked("**", "**")`.
    pub fn marked(&self, open: &str, close: &str) -> String {
        let mut out = String::with_capacity(self.text.len() + 8);
        let mut at = 0;
        for h in &self.highlights {
            out.push_str(&self.text[at..h.start]);
            out.push_str(open);
            out.push_str(&self.text[h.clone()]);
            out.push_str(close);
            at = h.end;
        }
        out.push_str(&self.text[at..]);
        out
    }

    fn parse(raw: &str) -> Self {
        let mut text = String::with_capacity(raw.len());
        let mut highlights = Vec::new();
        let mut start = None;
        for c in raw.chars() {
            match c {
                HL_OPEN => start = Some(text.len()),
                HL_CLOSE => {
                    if let Some(s) = start.take() {
                        highlights.push(s..text.len());
                    }
                }
                c => text.push(c),
            }
        }
        Snippet { text, highlights }
    }
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// The meeting (its meeting document's id).
    pub meeting: DocId,
    /// The meeting's title, if the meeting document is indexed.
    pub meeting_title: Option<String>,
    /// The document the text is in (the meeting document for meetings and action items).
    pub document: DocId,
    pub kind: HitKind,
    /// The clause, for [`HitKind::Clause`].
    pub clause: Option<ClauseId>,
    /// The action item, for [`HitKind::Action`].
    pub action: Option<ActionId>,
    /// What to call the hit in a list: the clause number ("2.a"), the draft or meeting title,
    /// "Minutes", or the action's text.
    pub label: String,
    pub snippet: Snippet,
}

/// Which action items [`crate::Store::actions`] returns; every field that is set must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionFilter {
    /// Owned by this party (alone or with others).
    pub owner: Option<PartyId>,
    pub status: Option<ActionStatus>,
    /// Open and due strictly before this day.
    pub overdue_on: Option<Date>,
    pub meeting: Option<DocId>,
}

/// One action item in the cross-meeting tracker.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRow {
    pub meeting: DocId,
    pub meeting_title: Option<String>,
    pub action: ActionView,
}

/// One meeting in the meeting list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingRow {
    pub id: DocId,
    pub title: String,
    pub forum: String,
    pub body: String,
    pub kind: MeetingKind,
    pub venue: String,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    pub time_zone: String,
    pub languages: Vec<String>,
    pub parties: usize,
    /// The drafts and minutes indexed for this meeting.
    pub documents: usize,
    pub open_actions: usize,
}

/// Turns what a user typed into an FTS5 query that cannot be a syntax error: every word is
/// quoted (so `AND`, `NEAR`, `"`, `*`, `-` and `:` lose their meaning), words are ANDed, and
/// the last word matches as a prefix unless the user has typed a space after it, so results
/// appear while typing. `None` if there is no word at all.
pub fn fts_query(input: &str) -> Option<String> {
    let words: Vec<&str> = input
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let last = words.len().checked_sub(1)?;
    let open_end = input.chars().last().is_some_and(char::is_alphanumeric);
    let mut q = String::new();
    for (i, w) in words.iter().enumerate() {
        if i > 0 {
            q.push(' ');
        }
        q.push('"');
        q.push_str(w); // only alphanumerics: no quote to escape
        q.push('"');
        if i == last && open_end {
            q.push('*');
        }
    }
    Some(q)
}

pub(crate) fn search(
    conn: &Connection,
    query: &str,
    limit: usize,
) -> rusqlite::Result<Vec<SearchHit>> {
    let Some(q) = fts_query(query) else {
        return Ok(Vec::new());
    };
    let mut st = conn.prepare_cached(
        "SELECT t.meeting, m.title, t.doc, t.kind, t.item, t.label,
                snippet(idx_text, ?3, char(2), char(3), '…', 16)
         FROM idx_text t LEFT JOIN idx_meetings m ON m.meeting = t.meeting
         WHERE idx_text MATCH ?1 ORDER BY rank LIMIT ?2",
    )?;
    let rows = st.query_map(params![q, limit as i64, BODY_COLUMN], |r| {
        let kind_s: String = r.get(3)?;
        let kind = HitKind::parse(&kind_s).unwrap_or(HitKind::Minutes);
        let item: String = r.get(4)?;
        Ok(SearchHit {
            meeting: doc_id(r.get(0)?)?,
            meeting_title: r.get(1)?,
            document: doc_id(r.get(2)?)?,
            kind,
            clause: if kind == HitKind::Clause {
                ClauseId::new(item.clone()).ok()
            } else {
                None
            },
            action: if kind == HitKind::Action {
                ActionId::new(item).ok()
            } else {
                None
            },
            label: r.get(5)?,
            snippet: Snippet::parse(&r.get::<_, String>(6)?),
        })
    })?;
    rows.collect()
}

pub(crate) fn actions(conn: &Connection, f: &ActionFilter) -> rusqlite::Result<Vec<ActionRow>> {
    let mut st = conn.prepare_cached(
        "SELECT a.meeting, m.title, a.action, a.text, a.due, a.status, a.draft, a.clause, a.created,
                (SELECT group_concat(o.party, ' ') FROM idx_action_owners o
                   WHERE o.meeting = a.meeting AND o.action = a.action)
         FROM idx_actions a LEFT JOIN idx_meetings m ON m.meeting = a.meeting
         WHERE (?1 IS NULL OR EXISTS (SELECT 1 FROM idx_action_owners o
                  WHERE o.meeting = a.meeting AND o.action = a.action AND o.party = ?1))
           AND (?2 IS NULL OR a.status = ?2)
           AND (?3 IS NULL OR (a.status = 'open' AND a.due IS NOT NULL AND a.due < ?3))
           AND (?4 IS NULL OR a.meeting = ?4)
         ORDER BY a.due IS NULL, a.due, m.start_date, a.meeting, a.created, a.action",
    )?;
    let rows = st.query_map(
        params![
            f.owner.as_ref().map(PartyId::as_str),
            f.status.map(ActionStatus::as_str),
            f.overdue_on.map(|d| d.to_string()),
            f.meeting.as_ref().map(DocId::as_str),
        ],
        |r| {
            let owners: Option<String> = r.get(9)?;
            let mut owners: Vec<PartyId> = owners
                .unwrap_or_default()
                .split(' ')
                .filter_map(|p| PartyId::new(p).ok())
                .collect();
            owners.sort();
            let draft: Option<String> = r.get(6)?;
            let clause: Option<String> = r.get(7)?;
            let source = match (draft, clause) {
                (Some(d), Some(c)) => match (DocId::new(d), ClauseId::new(c)) {
                    (Ok(draft), Ok(clause)) => Some(ClauseRef { draft, clause }),
                    _ => None,
                },
                _ => None,
            };
            Ok(ActionRow {
                meeting: doc_id(r.get(0)?)?,
                meeting_title: r.get(1)?,
                action: ActionView {
                    id: parse(r.get::<_, String>(2)?, 2)?,
                    text: r.get(3)?,
                    owners,
                    due: opt_date(r.get(4)?, 4)?,
                    status: parse(r.get::<_, String>(5)?, 5)?,
                    source,
                    created: Timestamp::from_millisecond(r.get(8)?).map_err(|e| conv(8, e))?,
                },
            })
        },
    )?;
    rows.collect()
}

pub(crate) fn meetings(conn: &Connection) -> rusqlite::Result<Vec<MeetingRow>> {
    let mut st = conn.prepare_cached(
        "SELECT m.meeting, m.title, m.forum, m.body, m.kind, m.venue, m.start_date, m.end_date, m.time_zone,
                m.languages, m.parties,
                (SELECT count(*) FROM idx_documents d WHERE d.meeting = m.meeting AND d.doc != m.meeting),
                (SELECT count(*) FROM idx_actions a WHERE a.meeting = m.meeting AND a.status = 'open')
         FROM idx_meetings m
         ORDER BY m.start_date IS NULL, m.start_date DESC, m.title, m.meeting",
    )?;
    let rows = st.query_map([], |r| {
        let langs: String = r.get(9)?;
        Ok(MeetingRow {
            id: doc_id(r.get(0)?)?,
            title: r.get(1)?,
            forum: r.get(2)?,
            body: r.get(3)?,
            kind: parse(r.get::<_, String>(4)?, 4)?,
            venue: r.get(5)?,
            start_date: opt_date(r.get(6)?, 6)?,
            end_date: opt_date(r.get(7)?, 7)?,
            time_zone: r.get(8)?,
            languages: langs
                .split(',')
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect(),
            parties: r.get::<_, i64>(10)? as usize,
            documents: r.get::<_, i64>(11)? as usize,
            open_actions: r.get::<_, i64>(12)? as usize,
        })
    })?;
    rows.collect()
}

fn conv(col: usize, e: impl std::error::Error + Send + Sync + 'static) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(col, rusqlite::types::Type::Text, Box::new(e))
}

fn parse<T: std::str::FromStr>(s: String, col: usize) -> rusqlite::Result<T>
where
    T::Err: std::error::Error + Send + Sync + 'static,
{
    s.parse().map_err(|e| conv(col, e))
}

fn doc_id(s: String) -> rusqlite::Result<DocId> {
    parse(s, 0)
}

fn opt_date(s: Option<String>, col: usize) -> rusqlite::Result<Option<Date>> {
    s.map(|s| parse(s, col)).transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_queries_become_quoted_prefix_queries() {
        assert_eq!(fts_query("Mexico"), Some("\"Mexico\"*".into()));
        assert_eq!(fts_query("urge memb"), Some("\"urge\" \"memb\"*".into()));
        assert_eq!(fts_query("urge "), Some("\"urge\"".into()));
        assert_eq!(
            fts_query("\"AND\" OR NEAR( -x:*"),
            Some("\"AND\" \"OR\" \"NEAR\" \"x\"".into())
        );
        assert_eq!(fts_query("  ¿?  "), None);
        assert_eq!(fts_query("San José"), Some("\"San\" \"José\"*".into()));
    }

    #[test]
    fn snippets_parse_highlights_into_byte_ranges() {
        let s = Snippet::parse("a \u{2}México\u{3} b");
        assert_eq!(s.text, "a México b");
        assert_eq!(&s.text[s.highlights[0].clone()], "México");
        assert_eq!(s.marked("[", "]"), "a [México] b");
    }
}
