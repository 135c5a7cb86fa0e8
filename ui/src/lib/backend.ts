// The only door to Rust. Every call the UI makes to the core goes through `Backend`;
// `TauriBackend` maps each method to one Tauri command, `FakeBackend` (fakeBackend.ts) keeps
// everything in memory for unit tests and for `npm run dev` in a plain browser.
//
// Conventions the Rust side (src-tauri) implements:
// - command name = the method name in snake_case (`insertClause` → `insert_clause`);
// - argument keys are the camelCase names below (Tauri maps them to snake_case parameters:
//   `draftId` → `draft_id`); argument *values* that are objects are serde structs and keep
//   their snake_case field names (`{ start_date: … }`);
// - results are serde values in snake_case (see types.ts);
// - every failure rejects with `AccordError { code, message }`.

import type {
  ActionFilter,
  ActionRow,
  ActionStatus,
  AccordError,
  ClauseStatus,
  DocEvent,
  DraftView,
  EditOutcome,
  ExportFormat,
  ExportMode,
  ExportedFile,
  ImportSummary,
  InviteTicket,
  MeetingData,
  MeetingDetails,
  MeetingSummary,
  MinutesView,
  NewAction,
  Party,
  PeerInfo,
  Placement,
  PresenceUpdate,
  Profile,
  Role,
  SearchHit,
  SettingsPatch,
  Splice,
  SyncState,
  TextField,
} from './types';

export interface Backend {
  // ---- profile & settings ----
  /** `profile` {} → Profile. */
  profile(): Promise<Profile>;
  /** `set_settings` { settings: SettingsPatch } → Profile (the profile after the change). */
  setSettings(settings: SettingsPatch): Promise<Profile>;

  // ---- meetings ----
  /** `list_meetings` {} → MeetingSummary[], newest first. */
  listMeetings(): Promise<MeetingSummary[]>;
  /** `create_meeting` { details } → the meeting document's id. The founding device's party
   * is added as a party if it is known. Also creates empty minutes. */
  createMeeting(details: MeetingDetails): Promise<string>;
  /** `create_demo` {} → meeting id of a fresh copy of the demo meeting (RCM Managua 2014). */
  createDemo(): Promise<string>;
  /** `get_meeting` { id } → MeetingData. */
  getMeeting(id: string): Promise<MeetingData>;
  /** `update_meeting` { id, details } → null. */
  updateMeeting(id: string, details: MeetingDetails): Promise<void>;
  /** `put_party` { meetingId, party } → null. Adds the party, or replaces the one with its id. */
  putParty(meetingId: string, party: Party): Promise<void>;

  // ---- drafts ----
  /** `create_draft` { meetingId, title } → draft document id. */
  createDraft(meetingId: string, title: string): Promise<string>;
  /** `get_draft` { draftId, clean } → DraftView. With clean = true, `DraftView::clean()`:
   * clauses with status deleted left out and the rest renumbered. */
  getDraft(draftId: string, clean?: boolean): Promise<DraftView>;
  /** `insert_clause` { draftId, placement, text } → the new clause's id (the backend makes
   * ids; the device's party is recorded as proposer). */
  insertClause(draftId: string, placement: Placement, text: string): Promise<string>;
  /** `move_clause` { draftId, clauseId, placement } → null. */
  moveClause(draftId: string, clauseId: string, placement: Placement): Promise<void>;
  /** `indent_clause` { draftId, clauseId } → null. Fails with code "cannot_indent". */
  indentClause(draftId: string, clauseId: string): Promise<void>;
  /** `outdent_clause` { draftId, clauseId } → null. Fails with code "cannot_outdent". */
  outdentClause(draftId: string, clauseId: string): Promise<void>;
  /** `delete_clause` { draftId, clauseId } → null. Removes the clause and its sub-items. */
  deleteClause(draftId: string, clauseId: string): Promise<void>;
  /** `set_clause_status` { draftId, clauseId, status } → null. Fails with code
   * "brackets_remain" when an agreed status is set on a text with brackets. */
  setClauseStatus(draftId: string, clauseId: string, status: ClauseStatus): Promise<void>;

  // ---- text ----
  /** `splice` { docId, target, splice } → null. Positions in UTF-16 code units. `docId` is
   * the draft (clause, title, preamble), the minutes (minutes) or the meeting (title,
   * action). */
  splice(docId: string, target: TextField, splice: Splice): Promise<void>;
  /** `edit_text` { docId, target, splices, base, tag } → EditOutcome. An editor's edit: the
   * splices one after the other, made against the document as of event `base`; "stale" (and
   * nothing changed) when the document has had events since. Its event carries `tag`. */
  editText(docId: string, target: TextField, splices: Splice[], base: number | null, tag: number): Promise<EditOutcome>;
  /** `get_minutes` { docId } → MinutesView. */
  getMinutes(docId: string): Promise<MinutesView>;

  // ---- action items ----
  /** `add_action` { meetingId, action: NewAction } → action id. */
  addAction(meetingId: string, action: NewAction): Promise<string>;
  /** `set_action_status` { meetingId, actionId, status } → null. */
  setActionStatus(meetingId: string, actionId: string, status: ActionStatus): Promise<void>;
  /** `set_action_due` { meetingId, actionId, due: "YYYY-MM-DD" | null } → null. */
  setActionDue(meetingId: string, actionId: string, due: string | null): Promise<void>;
  /** `set_action_owners` { meetingId, actionId, owners: party ids } → null. */
  setActionOwners(meetingId: string, actionId: string, owners: string[]): Promise<void>;
  /** `list_actions` { filter: ActionFilter } → ActionRow[] (across meetings unless
   * filter.meeting is set), ordered by due date, undated last. */
  listActions(filter: ActionFilter): Promise<ActionRow[]>;

  // ---- search ----
  /** `search` { query } → SearchHit[], best first. */
  search(query: string): Promise<SearchHit[]>;

  // ---- live ----
  /** `subscribe` { docId, onEvent: Channel<DocEvent> } → subscription id (number);
   * the returned function calls `unsubscribe` { id }. */
  subscribe(docId: string, onEvent: (e: DocEvent) => void): Promise<() => void>;
  /** `set_presence` { meetingId, presence: PresenceUpdate } → null. Ephemeral. */
  setPresence(meetingId: string, presence: PresenceUpdate): Promise<void>;

  // ---- sharing & sync ----
  /** `peers` { meetingId } → PeerInfo[]: the roster, this device included. */
  peers(meetingId: string): Promise<PeerInfo[]>;
  /** `invite` { meetingId, party, role, expiresHours } → InviteTicket. */
  invite(meetingId: string, party: string, role: Role, expiresHours: number): Promise<InviteTicket>;
  /** `join` { ticket } → the meeting id. */
  join(ticket: string): Promise<string>;
  /** `revoke` { meetingId, device } → null. */
  revoke(meetingId: string, device: string): Promise<void>;
  /** `accept_held` { meetingId, device } → how many changes: a revoked device's held changes, taken in. */
  acceptHeld(meetingId: string, device: string): Promise<number>;
  /** `sync_state` {} → SyncState. */
  syncState(): Promise<SyncState>;

  // ---- export / import ----
  /** `export_report` { meetingId, draftId, format, mode } → ExportedFile. */
  exportReport(meetingId: string, draftId: string, format: ExportFormat, mode: ExportMode): Promise<ExportedFile>;
  /** `import_report` { meetingId, bytes: number[], fileName } → ImportSummary. */
  importReport(meetingId: string, bytes: number[], fileName: string): Promise<ImportSummary>;
}

/** Whether a rejection value is an `AccordError`. */
export function isAccordError(e: unknown): e is AccordError {
  return typeof e === 'object' && e !== null && typeof (e as AccordError).code === 'string' && typeof (e as AccordError).message === 'string';
}

/** Any rejection as an AccordError, for showing its message. */
export function toAccordError(e: unknown): AccordError {
  if (isAccordError(e)) return e;
  if (e instanceof Error) return { code: 'ui', message: e.message };
  return { code: 'ui', message: String(e) };
}

/** The method names and their commands, for documentation and for the test that checks
 * the Tauri mapping. */
export function commandName(method: string): string {
  return method.replace(/[A-Z]/g, (c) => '_' + c.toLowerCase());
}

type Invoke = (cmd: string, args?: Record<string, unknown>) => Promise<unknown>;

/** The real backend: Tauri commands. `invoke` and `makeChannel` are injected so that the
 * mapping can be tested without Tauri. */
export class TauriBackend implements Backend {
  constructor(
    private invoke: Invoke,
    private makeChannel: (onMessage: (e: DocEvent) => void) => unknown,
  ) {}

  private call<T>(method: string, args: Record<string, unknown> = {}): Promise<T> {
    return this.invoke(commandName(method), args) as Promise<T>;
  }

  profile() { return this.call<Profile>('profile'); }
  setSettings(settings: SettingsPatch) { return this.call<Profile>('setSettings', { settings }); }
  listMeetings() { return this.call<MeetingSummary[]>('listMeetings'); }
  createMeeting(details: MeetingDetails) { return this.call<string>('createMeeting', { details }); }
  createDemo() { return this.call<string>('createDemo'); }
  getMeeting(id: string) { return this.call<MeetingData>('getMeeting', { id }); }
  updateMeeting(id: string, details: MeetingDetails) { return this.call<void>('updateMeeting', { id, details }); }
  putParty(meetingId: string, party: Party) { return this.call<void>('putParty', { meetingId, party }); }
  createDraft(meetingId: string, title: string) { return this.call<string>('createDraft', { meetingId, title }); }
  getDraft(draftId: string, clean = false) { return this.call<DraftView>('getDraft', { draftId, clean }); }
  insertClause(draftId: string, placement: Placement, text: string) {
    return this.call<string>('insertClause', { draftId, placement, text });
  }
  moveClause(draftId: string, clauseId: string, placement: Placement) {
    return this.call<void>('moveClause', { draftId, clauseId, placement });
  }
  indentClause(draftId: string, clauseId: string) { return this.call<void>('indentClause', { draftId, clauseId }); }
  outdentClause(draftId: string, clauseId: string) { return this.call<void>('outdentClause', { draftId, clauseId }); }
  deleteClause(draftId: string, clauseId: string) { return this.call<void>('deleteClause', { draftId, clauseId }); }
  setClauseStatus(draftId: string, clauseId: string, status: ClauseStatus) {
    return this.call<void>('setClauseStatus', { draftId, clauseId, status });
  }
  splice(docId: string, target: TextField, splice: Splice) { return this.call<void>('splice', { docId, target, splice }); }
  editText(docId: string, target: TextField, splices: Splice[], base: number | null, tag: number) {
    return this.call<EditOutcome>('edit_text', { docId, target, splices, base, tag });
  }
  getMinutes(docId: string) { return this.call<MinutesView>('getMinutes', { docId }); }
  addAction(meetingId: string, action: NewAction) { return this.call<string>('addAction', { meetingId, action }); }
  setActionStatus(meetingId: string, actionId: string, status: ActionStatus) {
    return this.call<void>('setActionStatus', { meetingId, actionId, status });
  }
  setActionDue(meetingId: string, actionId: string, due: string | null) {
    return this.call<void>('setActionDue', { meetingId, actionId, due });
  }
  setActionOwners(meetingId: string, actionId: string, owners: string[]) {
    return this.call<void>('setActionOwners', { meetingId, actionId, owners });
  }
  listActions(filter: ActionFilter) { return this.call<ActionRow[]>('listActions', { filter }); }
  search(query: string) { return this.call<SearchHit[]>('search', { query }); }
  async subscribe(docId: string, onEvent: (e: DocEvent) => void) {
    const channel = this.makeChannel(onEvent);
    const id = await this.call<number>('subscribe', { docId, onEvent: channel });
    return () => {
      void this.call<void>('unsubscribe', { id }).catch(() => {});
    };
  }
  setPresence(meetingId: string, presence: PresenceUpdate) { return this.call<void>('setPresence', { meetingId, presence }); }
  peers(meetingId: string) { return this.call<PeerInfo[]>('peers', { meetingId }); }
  invite(meetingId: string, party: string, role: Role, expiresHours: number) {
    return this.call<InviteTicket>('invite', { meetingId, party, role, expiresHours });
  }
  join(ticket: string) { return this.call<string>('join', { ticket }); }
  revoke(meetingId: string, device: string) { return this.call<void>('revoke', { meetingId, device }); }
  acceptHeld(meetingId: string, device: string) { return this.call<number>('accept_held', { meetingId, device }); }
  syncState() { return this.call<SyncState>('syncState'); }
  exportReport(meetingId: string, draftId: string, format: ExportFormat, mode: ExportMode) {
    return this.call<ExportedFile>('exportReport', { meetingId, draftId, format, mode });
  }
  importReport(meetingId: string, bytes: number[], fileName: string) {
    return this.call<ImportSummary>('importReport', { meetingId, bytes, fileName });
  }
}

/** Running inside Tauri? */
export function inTauri(): boolean {
  return typeof window !== 'undefined' && '__TAURI_INTERNALS__' in window;
}

/** The backend for this window: Tauri's when inside Tauri, else the in-memory fake
 * (loaded lazily so the fake's demo data stays out of the desktop bundle's hot path). */
export async function createBackend(): Promise<Backend> {
  if (inTauri()) {
    const core = await import('@tauri-apps/api/core');
    return new TauriBackend(core.invoke, (onMessage) => {
      const ch = new core.Channel<DocEvent>();
      ch.onmessage = onMessage;
      return ch;
    });
  }
  const { FakeBackend } = await import('./fakeBackend');
  const params = new URLSearchParams(window.location.search);
  const fake = new FakeBackend({ withDemo: params.has('demo') });
  return fake;
}
