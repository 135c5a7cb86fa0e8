// TypeScript mirrors of the serde shapes that cross the Tauri boundary.
//
// Model types (crates/accord-model) are mirrored field for field, in snake_case as serde
// writes them. Types that only the desktop shell defines (Profile, PeerInfo, SyncState, …)
// are specified here for the Rust side to match, also in snake_case, so every object that
// comes back from Rust follows one rule. Ids are plain strings; dates are "YYYY-MM-DD";
// timestamps are RFC 3339 strings (jiff's serde form).

/** `ClauseStatus` (status.rs). */
export type ClauseStatus = 'open' | 'bracketed' | 'agreed_ad_ref' | 'agreed' | 'adopted' | 'deleted';
export const CLAUSE_STATUSES: ClauseStatus[] = ['open', 'bracketed', 'agreed_ad_ref', 'agreed', 'adopted', 'deleted'];
/** Statuses whose text may not carry brackets (`ClauseStatus::is_agreed`). */
export function isAgreed(s: ClauseStatus): boolean {
  return s === 'agreed_ad_ref' || s === 'agreed' || s === 'adopted';
}

/** `ActionStatus` (status.rs). */
export type ActionStatus = 'open' | 'done' | 'cancelled';
export const ACTION_STATUSES: ActionStatus[] = ['open', 'done', 'cancelled'];

/** `MeetingKind` (meeting.rs). */
export type MeetingKind =
  | 'regular'
  | 'extraordinary'
  | 'ministerial'
  | 'vice_ministerial'
  | 'technical'
  | 'workshop'
  | 'other';
export const MEETING_KINDS: MeetingKind[] = [
  'regular',
  'extraordinary',
  'ministerial',
  'vice_ministerial',
  'technical',
  'workshop',
  'other',
];

/** `PartyKind` (meeting.rs). */
export type PartyKind = 'member' | 'secretariat' | 'observer' | 'civil_society';
export const PARTY_KINDS: PartyKind[] = ['member', 'secretariat', 'observer', 'civil_society'];

/** `DocKind` (schema.rs). */
export type DocKind = 'meeting' | 'minutes' | 'draft';

/** `Party` (meeting.rs). */
export interface Party {
  id: string;
  /** As written in running text: "the Dominican Republic". */
  name: string;
  kind: PartyKind;
  /** "TS", "IOM", or null. */
  short_name: string | null;
}

/** `MeetingDetails` (meeting.rs). */
export interface MeetingDetails {
  title: string;
  forum: string;
  body: string;
  kind: MeetingKind;
  venue: string;
  start_date: string | null;
  end_date: string | null;
  /** IANA time zone, e.g. "America/Managua". */
  time_zone: string;
  /** Language codes; the first is the language of the report. */
  languages: string[];
  addressee: string;
}

/** `DocRef` (meeting.rs). */
export interface DocRef {
  id: string;
  kind: DocKind;
}

/** `ClauseRef` (action.rs). */
export interface ClauseRef {
  draft: string;
  clause: string;
}

/** `ActionView` (action.rs). */
export interface ActionView {
  id: string;
  text: string;
  owners: string[];
  due: string | null;
  status: ActionStatus;
  source: ClauseRef | null;
  /** RFC 3339 timestamp. */
  created: string;
}

/** `NewAction` (action.rs). */
export interface NewAction {
  text: string;
  owners: string[];
  due: string | null;
  source: ClauseRef | null;
}

/** `MeetingView` (meeting.rs). */
export interface MeetingView {
  details: MeetingDetails;
  parties: Party[];
  documents: DocRef[];
  actions: ActionView[];
}

/** `ClauseNumber` (numbering.rs): the 1-based position among siblings, and the depth. */
export interface ClauseNumber {
  ordinal: number;
  depth: number;
}

/** `BracketSpan` (brackets.rs), in UTF-16 code units, brackets included. */
export interface BracketSpan {
  start: number;
  end: number;
  depth: number;
}

/** `Unbalanced` (brackets.rs). */
export type Unbalanced = { kind: 'unmatched_close'; pos: number } | { kind: 'unclosed'; pos: number };

/** `BracketAnalysis` (brackets.rs). */
export interface BracketAnalysis {
  spans: BracketSpan[];
  unbalanced: Unbalanced[];
  clean_text: string;
  agreed_text: string;
}

/** `ClauseView` (draft.rs). */
export interface ClauseView {
  id: string;
  number: ClauseNumber;
  text: string;
  status: ClauseStatus;
  proposed_by: string[];
  brackets: BracketAnalysis;
  children: ClauseView[];
}

/** `DraftView` (draft.rs). */
export interface DraftView {
  meeting: string;
  title: string;
  preamble: string;
  clauses: ClauseView[];
}

/** `StatusSummary` (draft.rs). */
export interface StatusSummary {
  total: number;
  open: number;
  bracketed: number;
  agreed_ad_ref: number;
  agreed: number;
  adopted: number;
  deleted: number;
  with_brackets: number;
}

/** `Placement` (draft.rs): `{"at":"after","clause":"p1"}`, `{"at":"end","parent":null}`. */
export type Placement =
  | { at: 'start'; parent: string | null }
  | { at: 'end'; parent: string | null }
  | { at: 'after'; clause: string }
  | { at: 'before'; clause: string };

/** `TextField` (change.rs): `{"field":"clause","id":"p2a"}`, `{"field":"minutes"}`. */
export type TextField =
  | { field: 'title' }
  | { field: 'preamble' }
  | { field: 'minutes' }
  | { field: 'clause'; id: string }
  | { field: 'action'; id: string };

/** `Splice` (text.rs): replace `del` UTF-16 code units at `pos` by `insert`. */
export interface Splice {
  pos: number;
  del: number;
  insert: string;
}

/** `DocPatch` (change.rs). */
export type DocPatch =
  | { type: 'splice'; target: TextField; index: number; delete: number; insert: string }
  | { type: 'structure' }
  | { type: 'clause'; id: string }
  | { type: 'details' }
  | { type: 'action'; id: string };

/** `MinutesView` (minutes.rs). */
export interface MinutesView {
  meeting: string;
  text: string;
}

// ---- shapes defined by the desktop shell (src-tauri), not by the model ----------------

/** The error every command rejects with. `code` is stable and machine-readable
 * (e.g. "no_such_clause", "brackets_remain", "offline"); `message` is for people. */
export interface AccordError {
  code: string;
  message: string;
}

export type Language = 'en' | 'es';

/** This device's profile and settings. */
export interface Profile {
  /** 64 hex digits. */
  device_id: string;
  device_name: string;
  /** The party this device speaks for, once it has joined or founded a meeting. */
  party: string | null;
  data_dir: string;
  /** The chosen UI language; null = follow the system. */
  language: Language | null;
  /** A self-hosted relay, or null for the default relays. */
  relay_url: string | null;
  /** "Offline / LAN only": no relays, no internet discovery. */
  offline: boolean;
}

/** A change to the settings: absent fields stay as they are. For `language` and
 * `relay_url`, null means "back to the default". */
export interface SettingsPatch {
  device_name?: string;
  language?: Language | null;
  relay_url?: string | null;
  offline?: boolean;
}

/** One row of the meeting list. */
export interface MeetingSummary {
  id: string;
  title: string;
  forum: string;
  venue: string;
  start_date: string | null;
  end_date: string | null;
}

/** A draft of a meeting, for the Drafts tab. */
export interface DraftSummary {
  id: string;
  title: string;
  summary: StatusSummary;
}

/** Everything the meeting screen needs in one call. */
export interface MeetingData {
  /** The meeting document's id. */
  id: string;
  view: MeetingView;
  /** The minutes document's id, if the meeting has minutes. */
  minutes: string | null;
  drafts: DraftSummary[];
}

/** `listActions` filter: every field optional, all given ones must hold. */
export interface ActionFilter {
  owner?: string | null;
  status?: ActionStatus | null;
  /** "YYYY-MM-DD": only open items due before that day. */
  overdue_on?: string | null;
  meeting?: string | null;
}

/** An action item with the meeting it belongs to (ActionView flattened, plus two fields). */
export interface ActionRow extends ActionView {
  meeting: string;
  meeting_title: string;
}

/** Search snippets mark the matched words with these two characters (FTS5 `snippet()`
 * start/end markers). Control characters cannot clash with the `[brackets]` of
 * negotiated text. */
export const HIT_START = '\u0001';
export const HIT_END = '\u0002';

export interface SearchHit {
  meeting: string;
  meeting_title: string;
  /** The document (draft, minutes or meeting doc) the hit is in. */
  document: string;
  kind: 'draft' | 'minutes' | 'meeting' | 'action';
  /** The clause, for hits in a draft's clause. */
  clause: string | null;
  /** Where it is, for people: "Report … · 2.a", "Minutes", an action's text. */
  label: string;
  /** Plain text around the match, the match between HIT_START and HIT_END. */
  snippet: string;
}

export interface Cursor {
  anchor: number;
  head: number;
}

/** Where a device is: ephemeral, never stored. */
export interface Presence {
  device: string;
  device_name: string;
  party: string | null;
  doc: string | null;
  clause: string | null;
  cursor: Cursor | null;
}

/** What this device tells the others about where it is. */
export interface PresenceUpdate {
  doc: string | null;
  clause: string | null;
  cursor: Cursor | null;
}

/** Events on a document subscription (`subscribe`). Patches with origin "local" echo this
 * device's own commands; "remote" ones came from a peer. */
export type DocEvent =
  /** `version`: the event's place in the backend's order (`null`: events were lost, re-read);
   * `tag`: the editor's edit that made it. */
  | { kind: 'patches'; origin: 'local' | 'remote'; patches: DocPatch[]; version?: number | null; tag?: number | null }
  | { kind: 'presence'; peers: Presence[] };

/** The backend's answer to an editor's edit (`edit_text`): made, with the version of its
 * event (`null`: it changed nothing), or stale, the document's events being up to `version`. */
export type EditOutcome = { outcome: 'made'; version: number | null } | { outcome: 'stale'; version: number };

export type Role = 'admin' | 'member' | 'observer';
export const ROLES: Role[] = ['admin', 'member', 'observer'];

/** A device on a meeting's roster. */
export interface PeerInfo {
  device: string;
  device_name: string;
  party: string | null;
  role: Role;
  /** Connected right now. */
  online: boolean;
  /** Has every change this device has for the meeting. */
  up_to_date: boolean;
  revoked: boolean;
  /** This device itself. */
  is_self: boolean;
  /** Its changes held here: made after its revocation, not merged until an admin takes them in. */
  held: number;
}

export interface InviteTicket {
  ticket: string;
  /** A QR code of the ticket as a standalone `<svg>` document. */
  qr_svg: string;
  party?: string;
  role?: Role;
  /** RFC 3339. */
  expires?: string;
}

export type SyncMode = 'offline' | 'lan' | 'online';
export interface SyncState {
  mode: SyncMode;
  peers_online: number;
  /** This device's addresses, when the network is on. */
  addr?: string | null;
  /** The network mode the app was started with (ACCORD_NET). */
  net?: 'off' | 'loopback' | 'lan' | 'online';
  /** The offline setting changed since start-up; it applies at the next start. */
  restart_needed?: boolean;
  /** Why the network could not start. */
  error?: string | null;
}

export type ExportFormat = 'markdown' | 'html' | 'docx';
/** "working": every clause with brackets and statuses; "clean": the agreed text. */
export type ExportMode = 'working' | 'clean';
export interface ExportedFile {
  file_name: string;
  mime: string;
  /** The file's bytes. */
  bytes: number[];
  /** Where the desktop app saved the file (then the page does not download it itself). */
  path?: string;
}

/** An action item an import suggests (`accord::report::ImportedAction`). */
export interface ImportedAction {
  text: string;
  owners: string[];
  /** Owners named in the text that are none of the meeting's parties. */
  unmatched_owners: string[];
  /** "YYYY-MM-DD": the deadline (the end of a range when the text gave one). */
  due: string | null;
  approximate: [string, string] | null;
  event: string | null;
  due_text: string | null;
  clause: string | null;
  /** The action item made from it, if it was added. */
  added: string | null;
}

/** `import_report`'s result (`dto::ImportSummary`). */
export interface ImportSummary {
  /** The draft the import created. */
  draft: string;
  title: string;
  /** How many clauses it has. */
  clauses: number;
  /** Action items suggested from deadlines and owners found in the text. */
  actions_suggested: number;
  /** What the import did not understand or decided on the reader's behalf, one per line. */
  warnings: string[];
  /** One line from the backend: "5 paragraphs, 9 sub-items, 11 suggested action items, 0 notes". */
  summary: string;
  actions: ImportedAction[];
}
