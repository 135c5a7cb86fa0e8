//! Shapes the UI's contract (`ui/README.md`, `ui/src/lib/types.ts`) defines where the
//! `accord` API's own types differ: plain renames and flattenings, no rules. Types the API
//! already serialises as the UI expects (the model's views) cross unchanged.

use accord::model::{ActionStatus, ActionView, DocId, DocPatch, PartyId, jiff::civil::Date};
use accord::store::{
    ActionFilter as StoreFilter, ActionRow as StoreActionRow, HitKind, MeetingRow,
    SearchHit as StoreHit,
};
use accord::{Origin, PeerPresence, Settings, Workspace};
use serde::{Deserialize, Serialize};

/// The markers the UI expects around matched words in a search snippet (FTS5 style).
pub const HIT_START: &str = "\u{1}";
pub const HIT_END: &str = "\u{2}";

/// One row of the meeting list.
#[derive(Debug, Clone, Serialize)]
pub struct MeetingSummary {
    pub id: DocId,
    pub title: String,
    pub forum: String,
    pub venue: String,
    pub start_date: Option<Date>,
    pub end_date: Option<Date>,
}

impl From<MeetingRow> for MeetingSummary {
    fn from(r: MeetingRow) -> Self {
        MeetingSummary {
            id: r.id,
            title: r.title,
            forum: r.forum,
            venue: r.venue,
            start_date: r.start_date,
            end_date: r.end_date,
        }
    }
}

/// `listActions`' filter as the UI sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct ActionFilter {
    pub owner: Option<PartyId>,
    pub status: Option<ActionStatus>,
    pub overdue_on: Option<Date>,
    pub meeting: Option<DocId>,
}

impl From<ActionFilter> for StoreFilter {
    fn from(f: ActionFilter) -> Self {
        StoreFilter {
            owner: f.owner,
            status: f.status,
            overdue_on: f.overdue_on,
            meeting: f.meeting,
        }
    }
}

/// An action item with its meeting: `ActionView` flattened plus two fields.
#[derive(Debug, Clone, Serialize)]
pub struct ActionRow {
    #[serde(flatten)]
    pub action: ActionView,
    pub meeting: DocId,
    pub meeting_title: String,
}

impl From<StoreActionRow> for ActionRow {
    fn from(r: StoreActionRow) -> Self {
        ActionRow {
            action: r.action,
            meeting: r.meeting,
            meeting_title: r.meeting_title.unwrap_or_default(),
        }
    }
}

/// One search hit; the matched words between [`HIT_START`] and [`HIT_END`].
#[derive(Debug, Clone, Serialize)]
pub struct SearchHit {
    pub meeting: DocId,
    pub meeting_title: String,
    pub document: DocId,
    /// `draft` (title, preamble or clause), `minutes`, `meeting` or `action`.
    pub kind: &'static str,
    pub clause: Option<String>,
    pub label: String,
    pub snippet: String,
}

impl From<StoreHit> for SearchHit {
    fn from(h: StoreHit) -> Self {
        let kind = match h.kind {
            HitKind::DraftTitle | HitKind::Preamble | HitKind::Clause => "draft",
            HitKind::Minutes => "minutes",
            HitKind::Action => "action",
            _ => "meeting",
        };
        SearchHit {
            meeting: h.meeting,
            meeting_title: h.meeting_title.unwrap_or_default(),
            document: h.document,
            kind,
            clause: h.clause.map(String::from),
            label: h.label,
            snippet: h.snippet.marked(HIT_START, HIT_END),
        }
    }
}

/// This device's profile and settings.
#[derive(Debug, Clone, Serialize)]
pub struct Profile {
    pub device_id: String,
    pub device_name: String,
    pub party: Option<String>,
    pub data_dir: String,
    pub language: Option<String>,
    pub relay_url: Option<String>,
    pub offline: bool,
}

impl Profile {
    pub fn of(ws: &Workspace, s: Settings) -> Self {
        Profile {
            device_id: ws.device().to_string(),
            // Unnamed: the computer's name, which is what the user would most likely type.
            device_name: s.device_name.or_else(hostname).unwrap_or_default(),
            party: s.party,
            data_dir: ws.dir().display().to_string(),
            language: s.language,
            relay_url: s.relay_url,
            offline: s.offline,
        }
    }
}

/// This computer's name: `/proc/sys/kernel/hostname` or `/etc/hostname` on Linux, else
/// `$HOSTNAME` / `%COMPUTERNAME%`; `None` when none says.
// The API falls back to "device <id>" for rosters and presence; it has no host name to offer.
pub fn hostname() -> Option<String> {
    let from_file = |p: &str| std::fs::read_to_string(p).ok();
    from_file("/proc/sys/kernel/hostname")
        .or_else(|| from_file("/etc/hostname"))
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty() && h != "localhost")
}

/// A settings change as the UI sends it: an absent field stays as it is; for `language`
/// and `relay_url`, `null` means "back to the default" (the API's empty string).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct SettingsPatch {
    pub device_name: Option<String>,
    #[serde(deserialize_with = "present")]
    pub language: Option<Option<String>>,
    #[serde(deserialize_with = "present")]
    pub relay_url: Option<Option<String>>,
    pub offline: Option<bool>,
}

/// Tells a field given as `null` (`Some(None)`) from an absent one (`None`).
fn present<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

impl From<SettingsPatch> for accord::SettingsPatch {
    fn from(p: SettingsPatch) -> Self {
        let clearable = |v: Option<Option<String>>| v.map(Option::unwrap_or_default);
        accord::SettingsPatch {
            device_name: p.device_name,
            language: clearable(p.language),
            relay_url: clearable(p.relay_url),
            offline: p.offline,
            ..Default::default()
        }
    }
}

/// What a document subscription's channel carries.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DocEvent {
    Patches {
        origin: Origin,
        patches: Vec<DocPatch>,
        /// The event's version (`None`: events were lost and the view is to re-read).
        version: Option<u64>,
        /// The tag of the editor's edit that made it.
        tag: Option<u64>,
    },
    Presence {
        peers: Vec<Presence>,
    },
}

/// Another device's place in a meeting, as the UI draws it.
#[derive(Debug, Clone, Serialize)]
pub struct Presence {
    pub device: String,
    pub device_name: String,
    pub party: Option<String>,
    pub doc: Option<DocId>,
    pub clause: Option<String>,
    pub cursor: Option<accord::Cursor>,
}

impl From<PeerPresence> for Presence {
    fn from(p: PeerPresence) -> Self {
        let device = p.device.to_string();
        Presence {
            // A device that has not named itself is shown by the start of its id.
            device_name: p
                .device_name
                .unwrap_or_else(|| device.chars().take(8).collect()),
            device,
            party: p.party,
            doc: p.presence.doc,
            clause: p.presence.clause.map(String::from),
            cursor: p.presence.cursor,
        }
    }
}

impl DocEvent {
    pub fn presence(peers: Vec<PeerPresence>) -> Self {
        DocEvent::Presence {
            peers: peers.into_iter().map(Presence::from).collect(),
        }
    }
}

/// `sync_state`: the API's [`accord::SyncState`] and how the network was started.
#[derive(Debug, Clone, Serialize)]
pub struct SyncState {
    /// `offline` (no network), `lan` (LAN or loopback only) or `online`.
    pub mode: &'static str,
    pub peers_online: usize,
    /// This device's addresses, space-separated, when the network is on.
    pub addr: Option<String>,
    /// The mode asked for at start-up (`ACCORD_NET`): `off`, `loopback`, `lan` or `online`.
    pub net: &'static str,
    /// The "offline" setting changed since start-up: it applies at the next start.
    pub restart_needed: bool,
    /// Why the network could not start, if it could not.
    pub error: Option<String>,
}

impl SyncState {
    pub fn of(api: accord::SyncState, start: &crate::NetStart, settings: &Settings) -> Self {
        use accord::NetMode;
        SyncState {
            mode: api.mode,
            peers_online: api.peers_online,
            addr: api.addr,
            net: match start.mode {
                NetMode::Off => "off",
                NetMode::Loopback => "loopback",
                NetMode::Lan => "lan",
                _ => "online",
            },
            // Only the online mode reads the setting (it then stays on the LAN).
            restart_needed: start.mode == NetMode::Online
                && start.error.is_none()
                && settings.offline != start.offline_setting,
            error: start.error.clone(),
        }
    }
}

/// An exported report: saved at `path`; the bytes too, for a face that saves them itself.
#[derive(Debug, Clone, Serialize)]
pub struct ExportedFile {
    pub file_name: String,
    pub mime: &'static str,
    pub bytes: Vec<u8>,
    /// Where the shell saved it.
    pub path: String,
}

impl ExportedFile {
    pub fn new(e: accord::report::Exported, path: std::path::PathBuf) -> Self {
        ExportedFile {
            file_name: path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or(e.file_name),
            mime: e.media_type,
            bytes: e.bytes,
            path: path.display().to_string(),
        }
    }
}

/// What an import did, in the UI's shape (counts) plus the details a view may show.
#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    /// The new draft.
    pub draft: DocId,
    pub title: String,
    /// How many clauses it has.
    pub clauses: usize,
    /// How many action items the text suggests (see `actions`).
    pub actions_suggested: usize,
    /// What the import did not understand or decided on the reader's behalf.
    pub warnings: Vec<String>,
    /// One line: "12 clauses, 3 action items".
    pub summary: String,
    pub actions: Vec<accord::report::ImportedAction>,
}

impl From<accord::report::Imported> for ImportSummary {
    fn from(i: accord::report::Imported) -> Self {
        ImportSummary {
            draft: i.draft,
            title: i.title,
            clauses: i.clauses.len(),
            actions_suggested: i.actions.len(),
            warnings: i.notes,
            summary: i.summary,
            actions: i.actions,
        }
    }
}
