//! A meeting: one session of a forum, the unit of sharing. Its document holds the metadata,
//! the parties, the list of the meeting's other documents, and the action items (see
//! [`crate::action`]).
//!
//! Stored shape (root map):
//!
//! ```text
//! schema: "accord/meeting", schema_version: 1,
//! title: Text, forum: str, body: str, kind: str, venue: str,
//! start_date: "YYYY-MM-DD", end_date: "YYYY-MM-DD", time_zone: str, addressee: str,
//! languages: [str, …],
//! parties: [{ id, name, kind, short_name }, …]    // the meeting's order
//! documents: [{ id, kind }, …]
//! actions: { <id>: … }                            // see action.rs
//! ```

use std::fmt;
use std::str::FromStr;

use automerge::{ObjId, ObjType, ROOT, ReadDoc, transaction::Transactable};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::error::{ModelError, Result};
use crate::ids::{DocId, PartyId};
use crate::schema::{self, DocKind};
use crate::text::{self, Splice};

const KIND: DocKind = DocKind::Meeting;

pub(crate) mod keys {
    pub const TITLE: &str = "title";
    pub const FORUM: &str = "forum";
    pub const BODY: &str = "body";
    pub const MEETING_KIND: &str = "kind";
    pub const VENUE: &str = "venue";
    pub const START_DATE: &str = "start_date";
    pub const END_DATE: &str = "end_date";
    pub const TIME_ZONE: &str = "time_zone";
    pub const ADDRESSEE: &str = "addressee";
    pub const LANGUAGES: &str = "languages";
    pub const PARTIES: &str = "parties";
    pub const DOCUMENTS: &str = "documents";
    pub const ACTIONS: &str = "actions";
    pub const ID: &str = "id";
    pub const NAME: &str = "name";
    pub const PARTY_KIND: &str = "kind";
    pub const SHORT_NAME: &str = "short_name";
    pub const DOC_KIND: &str = "kind";
}
use keys::*;

/// The kind of session.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeetingKind {
    Regular,
    Extraordinary,
    Ministerial,
    ViceMinisterial,
    Technical,
    Workshop,
    Other,
}

impl MeetingKind {
    pub const ALL: [MeetingKind; 7] = [
        MeetingKind::Regular,
        MeetingKind::Extraordinary,
        MeetingKind::Ministerial,
        MeetingKind::ViceMinisterial,
        MeetingKind::Technical,
        MeetingKind::Workshop,
        MeetingKind::Other,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            MeetingKind::Regular => "regular",
            MeetingKind::Extraordinary => "extraordinary",
            MeetingKind::Ministerial => "ministerial",
            MeetingKind::ViceMinisterial => "vice_ministerial",
            MeetingKind::Technical => "technical",
            MeetingKind::Workshop => "workshop",
            MeetingKind::Other => "other",
        }
    }
}

impl fmt::Display for MeetingKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', "-"))
    }
}

impl FromStr for MeetingKind {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Self::ALL.into_iter().find(|k| k.as_str() == norm).ok_or_else(|| {
            ModelError::invalid(
                "meeting kind",
                format!("{s:?}; expected regular, extraordinary, ministerial, vice-ministerial, technical, workshop or other"),
            )
        })
    }
}

/// What kind of body a party is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PartyKind {
    /// A member country's delegation.
    Member,
    /// The secretariat (e.g. the Technical Secretariat).
    Secretariat,
    /// An observer organisation (e.g. IOM, UNODC).
    Observer,
    /// A civil society organisation (e.g. RNCOM).
    CivilSociety,
}

impl PartyKind {
    pub const ALL: [PartyKind; 4] = [
        PartyKind::Member,
        PartyKind::Secretariat,
        PartyKind::Observer,
        PartyKind::CivilSociety,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            PartyKind::Member => "member",
            PartyKind::Secretariat => "secretariat",
            PartyKind::Observer => "observer",
            PartyKind::CivilSociety => "civil_society",
        }
    }
}

impl fmt::Display for PartyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

impl FromStr for PartyKind {
    type Err = ModelError;
    fn from_str(s: &str) -> Result<Self> {
        let norm = s.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        let norm = match norm.as_str() {
            "member_delegation" | "delegation" => "member",
            "observer_organisation" | "observer_organization" => "observer",
            other => other,
        }
        .to_string();
        Self::ALL
            .into_iter()
            .find(|k| k.as_str() == norm)
            .ok_or_else(|| {
                ModelError::invalid(
                    "party kind",
                    format!("{s:?}; expected member, secretariat, observer or civil-society"),
                )
            })
    }
}

/// A participating body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Party {
    pub id: PartyId,
    /// As written in running text: "the Dominican Republic".
    pub name: String,
    pub kind: PartyKind,
    /// An abbreviation, when the body has one: "TS", "IOM".
    pub short_name: Option<String>,
}

impl Party {
    /// A party whose id is made from its name.
    pub fn new(name: &str, kind: PartyKind) -> Result<Self> {
        Ok(Party {
            id: PartyId::slug(name)?,
            name: name.trim().to_string(),
            kind,
            short_name: None,
        })
    }
    pub fn with_short_name(mut self, short: &str) -> Self {
        self.short_name = Some(short.to_string());
        self
    }
    /// The abbreviation if there is one, else the name.
    pub fn label(&self) -> &str {
        self.short_name.as_deref().unwrap_or(&self.name)
    }
}

/// The metadata of a new meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingDetails {
    pub title: String,
    /// The forum: "Regional Conference on Migration (RCM)".
    pub forum: String,
    /// The body of the forum that meets: "Liaison Officer Network …".
    pub body: String,
    pub kind: MeetingKind,
    pub venue: String,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
    /// IANA time zone of the venue, e.g. `America/Managua`.
    pub time_zone: String,
    /// Working languages as language codes, first is the language of the report.
    pub languages: Vec<String>,
    /// To whom the report goes: "the Regional Consultation Group on Migration (RCGM)".
    pub addressee: String,
}

impl MeetingDetails {
    /// A meeting with just a title; everything else can be filled in later.
    pub fn titled(title: &str) -> Self {
        MeetingDetails {
            title: title.to_string(),
            forum: String::new(),
            body: String::new(),
            kind: MeetingKind::Regular,
            venue: String::new(),
            start_date: None,
            end_date: None,
            time_zone: "UTC".into(),
            languages: vec!["en".into()],
            addressee: String::new(),
        }
    }

    pub fn validate(&self) -> Result<()> {
        if self.title.trim().is_empty() {
            return Err(ModelError::invalid("meeting title", "it is empty"));
        }
        if let (Some(s), Some(e)) = (self.start_date, self.end_date)
            && e < s
        {
            return Err(ModelError::invalid(
                "meeting dates",
                format!("the end {e} is before the start {s}"),
            ));
        }
        check_time_zone(&self.time_zone)?;
        if self.languages.is_empty() {
            return Err(ModelError::invalid(
                "languages",
                "a meeting needs at least one language",
            ));
        }
        for l in &self.languages {
            check_language(l)?;
        }
        Ok(())
    }
}

/// A syntactic check of an IANA zone name (`UTC`, `America/Managua`). Whether the zone exists
/// is for the caller to check against a time zone database: the model does no IO.
fn check_time_zone(tz: &str) -> Result<()> {
    let ok = !tz.is_empty()
        && tz.len() <= 64
        && tz
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'))
        && !tz.starts_with('/')
        && !tz.ends_with('/');
    if ok {
        Ok(())
    } else {
        Err(ModelError::invalid(
            "time zone",
            format!("{tz:?} is not a zone name like America/Managua"),
        ))
    }
}

/// `en`, `es`, `pt-BR`: a language code with an optional region.
fn check_language(l: &str) -> Result<()> {
    let mut parts = l.split('-');
    let lang = parts.next().unwrap_or("");
    let region = parts.next();
    let ok = (2..=3).contains(&lang.len())
        && lang.chars().all(|c| c.is_ascii_lowercase())
        && region.is_none_or(|r| {
            (2..=3).contains(&r.len()) && r.chars().all(|c| c.is_ascii_alphanumeric())
        })
        && parts.next().is_none();
    if ok {
        Ok(())
    } else {
        Err(ModelError::invalid(
            "language",
            format!("{l:?} is not a code like en, es or pt-BR"),
        ))
    }
}

/// One of the meeting's other documents.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocRef {
    pub id: DocId,
    pub kind: DocKind,
}

/// Creates a meeting in an empty document.
pub fn create<T: Transactable>(tx: &mut T, details: &MeetingDetails) -> Result<()> {
    details.validate()?;
    schema::init(tx, KIND)?;
    let t = tx.put_object(ROOT, TITLE, ObjType::Text)?;
    tx.splice_text(&t, 0, 0, &details.title)?;
    write_scalars(tx, details)?;
    let langs = tx.put_object(ROOT, LANGUAGES, ObjType::List)?;
    for (i, l) in details.languages.iter().enumerate() {
        tx.insert(&langs, i, l.as_str())?;
    }
    tx.put_object(ROOT, PARTIES, ObjType::List)?;
    tx.put_object(ROOT, DOCUMENTS, ObjType::List)?;
    tx.put_object(ROOT, ACTIONS, ObjType::Map)?;
    // The roster's containers exist from the start, so that no two devices create them.
    crate::roster::create_containers(tx)?;
    Ok(())
}

fn write_scalars<T: Transactable>(tx: &mut T, d: &MeetingDetails) -> Result<()> {
    tx.put(ROOT, FORUM, d.forum.as_str())?;
    tx.put(ROOT, BODY, d.body.as_str())?;
    tx.put(ROOT, MEETING_KIND, d.kind.as_str())?;
    tx.put(ROOT, VENUE, d.venue.as_str())?;
    tx.put(
        ROOT,
        START_DATE,
        d.start_date.map(|d| d.to_string()).unwrap_or_default(),
    )?;
    tx.put(
        ROOT,
        END_DATE,
        d.end_date.map(|d| d.to_string()).unwrap_or_default(),
    )?;
    tx.put(ROOT, TIME_ZONE, d.time_zone.as_str())?;
    tx.put(ROOT, ADDRESSEE, d.addressee.as_str())?;
    Ok(())
}

/// Updates the metadata. Only fields that differ are written, so a concurrent change to
/// another field is not overwritten; the title is edited by the smallest splices.
pub fn set_details<T: Transactable>(tx: &mut T, new: &MeetingDetails) -> Result<()> {
    new.validate()?;
    let old = read(tx)?.details;
    if old.title != new.title {
        let t = schema::obj(tx, KIND, &ROOT, TITLE, ObjType::Text)?;
        text::replace(tx, &t, &new.title)?;
    }
    let pairs: [(&str, String, String); 8] = [
        (FORUM, old.forum.clone(), new.forum.clone()),
        (BODY, old.body.clone(), new.body.clone()),
        (
            MEETING_KIND,
            old.kind.as_str().into(),
            new.kind.as_str().into(),
        ),
        (VENUE, old.venue.clone(), new.venue.clone()),
        (
            START_DATE,
            date_str(old.start_date),
            date_str(new.start_date),
        ),
        (END_DATE, date_str(old.end_date), date_str(new.end_date)),
        (TIME_ZONE, old.time_zone.clone(), new.time_zone.clone()),
        (ADDRESSEE, old.addressee.clone(), new.addressee.clone()),
    ];
    for (key, before, after) in pairs {
        if before != after {
            tx.put(ROOT, key, after)?;
        }
    }
    if old.languages != new.languages {
        let langs = schema::obj(tx, KIND, &ROOT, LANGUAGES, ObjType::List)?;
        for i in (0..tx.length(&langs)).rev() {
            tx.delete(&langs, i)?;
        }
        for (i, l) in new.languages.iter().enumerate() {
            tx.insert(&langs, i, l.as_str())?;
        }
    }
    Ok(())
}

fn date_str(d: Option<Date>) -> String {
    d.map(|d| d.to_string()).unwrap_or_default()
}

/// Edits the meeting's title.
pub fn splice_title<T: Transactable>(tx: &mut T, splice: &Splice) -> Result<()> {
    let t = title_obj(tx)?;
    text::apply(tx, &t, splice)
}

/// The title's text object, after the schema check: what [`splice_title`] edits.
pub(crate) fn title_obj<D: ReadDoc>(doc: &D) -> Result<ObjId> {
    schema::expect(doc, KIND)?;
    schema::obj(doc, KIND, &ROOT, TITLE, ObjType::Text)
}

/// Adds a party, or updates the name, kind and abbreviation of the party with its id.
pub fn put_party<T: Transactable>(tx: &mut T, party: &Party) -> Result<()> {
    schema::expect(tx, KIND)?;
    if party.name.trim().is_empty() {
        return Err(ModelError::invalid("party name", "it is empty"));
    }
    let list = schema::obj(tx, KIND, &ROOT, PARTIES, ObjType::List)?;
    let existing = tx
        .list_range(&list, ..)
        .find(|item| item_id(tx, &item.id()).as_deref() == Some(party.id.as_str()))
        .map(|item| item.id());
    let obj = match existing {
        Some(obj) => obj,
        None => {
            let n = tx.length(&list);
            let obj = tx.insert_object(&list, n, ObjType::Map)?;
            tx.put(&obj, ID, party.id.as_str())?;
            obj
        }
    };
    tx.put(&obj, NAME, party.name.as_str())?;
    tx.put(&obj, PARTY_KIND, party.kind.as_str())?;
    tx.put(
        &obj,
        SHORT_NAME,
        party.short_name.clone().unwrap_or_default(),
    )?;
    Ok(())
}

/// Lists one of the meeting's documents (idempotent).
pub fn add_document<T: Transactable>(tx: &mut T, doc: &DocRef) -> Result<()> {
    schema::expect(tx, KIND)?;
    if doc.kind == DocKind::Meeting {
        return Err(ModelError::invalid(
            "meeting document",
            "a meeting cannot contain another meeting",
        ));
    }
    let list = schema::obj(tx, KIND, &ROOT, DOCUMENTS, ObjType::List)?;
    if tx
        .list_range(&list, ..)
        .any(|item| item_id(tx, &item.id()).as_deref() == Some(doc.id.as_str()))
    {
        return Ok(());
    }
    let n = tx.length(&list);
    let obj = tx.insert_object(&list, n, ObjType::Map)?;
    tx.put(&obj, ID, doc.id.as_str())?;
    tx.put(&obj, DOC_KIND, doc.kind.to_string())?;
    Ok(())
}

fn item_id<D: ReadDoc>(doc: &D, obj: &ObjId) -> Option<String> {
    schema::string(doc, obj, ID).ok().flatten()
}

/// A read-only view of a meeting document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeetingView {
    pub details: MeetingDetails,
    pub parties: Vec<Party>,
    pub documents: Vec<DocRef>,
    pub actions: Vec<crate::action::ActionView>,
}

impl MeetingView {
    pub fn party(&self, id: &PartyId) -> Option<&Party> {
        self.parties.iter().find(|p| p.id == *id)
    }
    pub fn drafts(&self) -> impl Iterator<Item = &DocId> {
        self.documents
            .iter()
            .filter(|d| d.kind == DocKind::Draft)
            .map(|d| &d.id)
    }
    pub fn minutes(&self) -> Option<&DocId> {
        self.documents
            .iter()
            .find(|d| d.kind == DocKind::Minutes)
            .map(|d| &d.id)
    }
}

/// Reads a whole meeting document, refusing one with a missing or newer schema.
pub fn read<D: ReadDoc>(doc: &D) -> Result<MeetingView> {
    schema::expect(doc, KIND)?;
    let details = read_details(doc)?;
    let parties = read_parties(doc)?;
    let documents = read_documents(doc)?;
    let actions = crate::action::read_all(doc)?;
    Ok(MeetingView {
        details,
        parties,
        documents,
        actions,
    })
}

fn req_string<D: ReadDoc>(doc: &D, key: &str) -> Result<String> {
    schema::string(doc, &ROOT, key)?
        .ok_or_else(|| ModelError::malformed(KIND, format!("{key} is missing")))
}

fn parse_date(key: &str, s: String) -> Result<Option<Date>> {
    if s.is_empty() {
        return Ok(None);
    }
    s.parse::<Date>()
        .map(Some)
        .map_err(|e| ModelError::malformed(KIND, format!("{key} {s:?}: {e}")))
}

pub(crate) fn read_details<D: ReadDoc>(doc: &D) -> Result<MeetingDetails> {
    let langs = schema::obj(doc, KIND, &ROOT, LANGUAGES, ObjType::List)?;
    Ok(MeetingDetails {
        title: schema::text(doc, KIND, &ROOT, TITLE)?,
        forum: req_string(doc, FORUM)?,
        body: req_string(doc, BODY)?,
        kind: req_string(doc, MEETING_KIND)?
            .parse()
            .map_err(|e| ModelError::malformed(KIND, format!("{e}")))?,
        venue: req_string(doc, VENUE)?,
        start_date: parse_date(START_DATE, req_string(doc, START_DATE)?)?,
        end_date: parse_date(END_DATE, req_string(doc, END_DATE)?)?,
        time_zone: req_string(doc, TIME_ZONE)?,
        languages: schema::string_list(doc, &langs),
        addressee: req_string(doc, ADDRESSEE)?,
    })
}

fn read_parties<D: ReadDoc>(doc: &D) -> Result<Vec<Party>> {
    let list = schema::obj(doc, KIND, &ROOT, PARTIES, ObjType::List)?;
    let mut out: Vec<Party> = Vec::new();
    for item in doc.list_range(&list, ..) {
        let obj = item.id();
        let field = |k: &str| -> Result<String> {
            schema::string(doc, &obj, k)?
                .ok_or_else(|| ModelError::malformed(KIND, format!("a party has no {k}")))
        };
        let id =
            PartyId::new(field(ID)?).map_err(|e| ModelError::malformed(KIND, e.to_string()))?;
        if out.iter().any(|p| p.id == id) {
            continue; // added twice concurrently: the first entry stands
        }
        let short = field(SHORT_NAME)?;
        out.push(Party {
            id,
            name: field(NAME)?,
            kind: field(PARTY_KIND)?
                .parse()
                .map_err(|e| ModelError::malformed(KIND, format!("{e}")))?,
            short_name: if short.is_empty() { None } else { Some(short) },
        });
    }
    Ok(out)
}

/// The meeting's other documents alone, for whoever needs no more of the meeting (the access
/// rules): a meeting may list hundreds.
pub fn documents<D: ReadDoc>(doc: &D) -> Result<Vec<DocRef>> {
    schema::expect(doc, KIND)?;
    read_documents(doc)
}

fn read_documents<D: ReadDoc>(doc: &D) -> Result<Vec<DocRef>> {
    let list = schema::obj(doc, KIND, &ROOT, DOCUMENTS, ObjType::List)?;
    let mut out: Vec<DocRef> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for item in doc.list_range(&list, ..) {
        let obj = item.id();
        let id = schema::string(doc, &obj, ID)?
            .ok_or_else(|| ModelError::malformed(KIND, "a document entry has no id"))?;
        let id = DocId::new(id).map_err(|e| ModelError::malformed(KIND, e.to_string()))?;
        let kind = match schema::string(doc, &obj, DOC_KIND)?.as_deref() {
            Some("draft") => DocKind::Draft,
            Some("minutes") => DocKind::Minutes,
            other => {
                return Err(ModelError::malformed(
                    KIND,
                    format!("document {id} has kind {other:?}"),
                ));
            }
        };
        if seen.insert(id.clone()) {
            out.push(DocRef { id, kind });
        }
    }
    Ok(out)
}

/// The party ids of a meeting, for checking owners and proposers.
pub(crate) fn party_ids<D: ReadDoc>(doc: &D) -> Result<Vec<PartyId>> {
    Ok(read_parties(doc)?.into_iter().map(|p| p.id).collect())
}
