// An in-memory `Backend` with the demo meeting's data, for unit tests and for `npm run dev`
// in a plain browser. It follows the Rust model's rules where the UI can see them: computed
// numbering (1., a., i.), bracket analysis, status summaries, "brackets remain" refusals,
// indent/outdent/move rules, and patches to subscribers after every change.
//
// Test hooks (not part of `Backend`): `remoteSplice`, `remoteStructure`, `emitPresence`.

import type { Backend } from './backend';
import { analyzeBrackets, hasBrackets } from './brackets';
import * as demo from './demoData';
import { summarize } from './outline';
import {
  HIT_END,
  HIT_START,
  isAgreed,
  type AccordError,
  type ActionFilter,
  type ActionRow,
  type ActionStatus,
  type ActionView,
  type ClauseStatus,
  type ClauseView,
  type DocEvent,
  type DocPatch,
  type EditOutcome,
  type DocRef,
  type DraftSummary,
  type DraftView,
  type ExportFormat,
  type ExportMode,
  type ExportedFile,
  type ImportSummary,
  type InviteTicket,
  type MeetingData,
  type MeetingDetails,
  type MeetingSummary,
  type MinutesView,
  type NewAction,
  type Party,
  type PeerInfo,
  type Placement,
  type Presence,
  type PresenceUpdate,
  type Profile,
  type Role,
  type SearchHit,
  type SettingsPatch,
  type Splice,
  type SyncState,
  type TextField,
} from './types';

interface FClause {
  id: string;
  text: string;
  status: ClauseStatus;
  proposed_by: string[];
  children: FClause[];
}
interface FDraft {
  id: string;
  meeting: string;
  title: string;
  preamble: string;
  clauses: FClause[];
}
interface FMeeting {
  id: string;
  details: MeetingDetails;
  parties: Party[];
  documents: DocRef[];
  actions: ActionView[];
  roster: PeerInfo[];
}

function fail(code: string, message: string): never {
  const e: AccordError = { code, message };
  throw e;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

export const SELF_DEVICE = 'a1'.repeat(32);

export interface FakeOptions {
  withDemo?: boolean;
  /** Milliseconds each call waits; 0 in tests. */
  latency?: number;
}

export class FakeBackend implements Backend {
  meetings = new Map<string, FMeeting>();
  drafts = new Map<string, FDraft>();
  minutes = new Map<string, MinutesView>();
  private subs = new Map<string, Set<(e: DocEvent) => void>>();
  private seq = 0;
  private settings: Profile = {
    device_id: SELF_DEVICE,
    device_name: 'TS laptop',
    party: 'technical-secretariat',
    data_dir: '/home/delegate/.local/share/accord',
    language: null,
    relay_url: null,
    offline: false,
  };
  /** The version of the last document event, and of each document's last. */
  private version = 0;
  private lastVersion = new Map<string, number>();
  /** Every presence update this device sent, newest last (for tests). */
  sentPresence: PresenceUpdate[] = [];

  constructor(opts: FakeOptions = {}) {
    if (opts.withDemo) this.buildDemo();
  }

  private nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}${this.seq}`;
  }

  // ---- events -------------------------------------------------------------------------

  private emit(docId: string, e: DocEvent) {
    if (e.kind === 'patches') {
      // Every document event has its place in one order, as the backend's do.
      this.version += 1;
      this.lastVersion.set(docId, this.version);
      e = { ...e, version: this.version, tag: e.tag ?? null };
    }
    const set = this.subs.get(docId);
    if (!set) return;
    for (const f of [...set]) f(clone(e));
  }
  private local(docId: string, patches: DocPatch[], tag: number | null = null) {
    this.emit(docId, { kind: 'patches', origin: 'local', patches, tag });
  }

  /** Test hook: a peer edits a text. Applies it and tells subscribers (origin remote). */
  remoteSplice(docId: string, target: TextField, s: Splice) {
    this.applySplice(docId, target, s);
    this.emit(docId, {
      kind: 'patches',
      origin: 'remote',
      patches: [{ type: 'splice', target, index: s.pos, delete: s.del, insert: s.insert }],
    });
  }
  /** Test hook: a peer adds a clause at the end of a draft. */
  remoteInsertClause(draftId: string, placement: Placement, text: string): string {
    const id = this.doInsert(draftId, placement, text, ['mexico']);
    this.emit(draftId, { kind: 'patches', origin: 'remote', patches: [{ type: 'structure' }] });
    return id;
  }
  /** Test hook: `n` changes of a (revoked) device arrive after its revocation and are held. */
  holdChanges(meetingId: string, device: string, n: number) {
    const p = this.meeting(meetingId).roster.find((r) => r.device === device);
    if (p) p.held += n;
  }

  /** Test hook: the presence of peers in a document changes. */
  emitPresence(docId: string, peers: Presence[]) {
    this.emit(docId, { kind: 'presence', peers });
  }

  // ---- profile --------------------------------------------------------------------------

  async profile() {
    return clone(this.settings);
  }
  async setSettings(s: SettingsPatch) {
    if (s.device_name !== undefined) {
      if (!s.device_name.trim()) fail('invalid', 'device name is empty');
      this.settings.device_name = s.device_name.trim();
    }
    if (s.language !== undefined) this.settings.language = s.language;
    if (s.relay_url !== undefined) this.settings.relay_url = s.relay_url || null;
    if (s.offline !== undefined) this.settings.offline = s.offline;
    return clone(this.settings);
  }

  // ---- meetings -------------------------------------------------------------------------

  async listMeetings(): Promise<MeetingSummary[]> {
    return [...this.meetings.values()].reverse().map((m) => ({
      id: m.id,
      title: m.details.title,
      forum: m.details.forum,
      venue: m.details.venue,
      start_date: m.details.start_date,
      end_date: m.details.end_date,
    }));
  }

  async createMeeting(details: MeetingDetails) {
    if (!details.title.trim()) fail('invalid', 'meeting title is empty');
    if (details.start_date && details.end_date && details.end_date < details.start_date)
      fail('invalid', 'the meeting ends before it starts');
    const id = this.nextId('meeting-');
    const minutesId = this.nextId('minutes-');
    const parties: Party[] = [];
    if (this.settings.party === demo.TS)
      parties.push({ id: demo.TS, name: 'Technical Secretariat', kind: 'secretariat', short_name: 'TS' });
    this.meetings.set(id, {
      id,
      details: clone(details),
      parties,
      documents: [{ id: minutesId, kind: 'minutes' }],
      actions: [],
      roster: [this.selfPeer()],
    });
    this.minutes.set(minutesId, { meeting: id, text: '' });
    return id;
  }

  async createDemo() {
    return this.buildDemo();
  }

  private selfPeer(): PeerInfo {
    return {
      device: SELF_DEVICE,
      device_name: this.settings.device_name,
      party: this.settings.party,
      role: 'admin',
      online: true,
      up_to_date: true,
      revoked: false,
      is_self: true,
      held: 0,
    };
  }

  private buildDemo(): string {
    let n = 1;
    while (this.meetings.has(n === 1 ? 'demo-meeting' : `demo-meeting-${n}`)) n++;
    const suffix = n === 1 ? '' : `-${n}`;
    const id = `demo-meeting${suffix}`;
    const draftId = `demo-draft${suffix}`;
    const minutesId = `demo-minutes${suffix}`;
    const draft: FDraft = { id: draftId, meeting: id, title: demo.DRAFT_TITLE, preamble: demo.PREAMBLE, clauses: [] };
    this.drafts.set(draftId, draft);
    for (const [cid, parent, text] of demo.CLAUSES) {
      const c: FClause = { id: cid, text, status: demo.statusOf(cid), proposed_by: [demo.TS], children: [] };
      if (parent) this.find(draft, parent)!.clause.children.push(c);
      else draft.clauses.push(c);
    }
    this.minutes.set(minutesId, { meeting: id, text: demo.MINUTES });
    const created = Date.parse('2014-11-24T18:00:00Z');
    const actions: ActionView[] = demo.ACTIONS.map(([aid, text, owners, due, clause], i) => ({
      id: aid,
      text,
      owners: owners(),
      due,
      status: 'open',
      source: { draft: draftId, clause },
      created: new Date(created + i).toISOString(),
    }));
    this.meetings.set(id, {
      id,
      details: clone(demo.details),
      parties: demo.parties(),
      documents: [
        { id: minutesId, kind: 'minutes' },
        { id: draftId, kind: 'draft' },
      ],
      actions,
      roster: [
        this.selfPeer(),
        { device: 'b2'.repeat(32), device_name: 'Mexico — delegation laptop', party: 'mexico', role: 'member', online: true, up_to_date: true, revoked: false, is_self: false, held: 0 },
        { device: 'c3'.repeat(32), device_name: 'Canada', party: 'canada', role: 'member', online: true, up_to_date: false, revoked: false, is_self: false, held: 0 },
        { device: 'd4'.repeat(32), device_name: 'IOM observer', party: demo.IOM, role: 'observer', online: false, up_to_date: false, revoked: false, is_self: false, held: 0 },
      ],
    });
    return id;
  }

  private meeting(id: string): FMeeting {
    return this.meetings.get(id) ?? fail('no_such_meeting', `no meeting ${id}`);
  }

  async getMeeting(id: string): Promise<MeetingData> {
    const m = this.meeting(id);
    const drafts: DraftSummary[] = m.documents
      .filter((d) => d.kind === 'draft')
      .map((d) => {
        const v = this.view(this.draft(d.id));
        return { id: d.id, title: v.title, summary: summarize(v) };
      });
    return clone({
      id,
      view: { details: m.details, parties: m.parties, documents: m.documents, actions: m.actions },
      minutes: m.documents.find((d) => d.kind === 'minutes')?.id ?? null,
      drafts,
    });
  }

  async updateMeeting(id: string, details: MeetingDetails) {
    const m = this.meeting(id);
    if (!details.title.trim()) fail('invalid', 'meeting title is empty');
    m.details = clone(details);
    this.local(id, [{ type: 'details' }]);
  }

  async putParty(meetingId: string, party: Party) {
    const m = this.meeting(meetingId);
    if (!party.id || !party.name.trim()) fail('invalid', 'party needs an id and a name');
    const i = m.parties.findIndex((p) => p.id === party.id);
    if (i >= 0) m.parties[i] = clone(party);
    else m.parties.push(clone(party));
    this.local(meetingId, [{ type: 'details' }]);
  }

  // ---- drafts ---------------------------------------------------------------------------

  async createDraft(meetingId: string, title: string) {
    const m = this.meeting(meetingId);
    const id = this.nextId('draft-');
    this.drafts.set(id, { id, meeting: meetingId, title, preamble: '', clauses: [] });
    m.documents.push({ id, kind: 'draft' });
    this.local(meetingId, [{ type: 'details' }]);
    return id;
  }

  private draft(id: string): FDraft {
    return this.drafts.get(id) ?? fail('no_such_document', `no draft ${id}`);
  }

  private find(d: FDraft, id: string): { clause: FClause; list: FClause[]; index: number; parent: FClause | null } | null {
    const walk = (list: FClause[], parent: FClause | null): ReturnType<FakeBackend['find']> => {
      for (let i = 0; i < list.length; i++) {
        if (list[i].id === id) return { clause: list[i], list, index: i, parent };
        const r = walk(list[i].children, list[i]);
        if (r) return r;
      }
      return null;
    };
    return walk(d.clauses, null);
  }

  private must(d: FDraft, id: string) {
    return this.find(d, id) ?? fail('no_such_clause', `no clause ${id}`);
  }

  private view(d: FDraft, clean = false): DraftView {
    const toView = (cs: FClause[], depth: number): ClauseView[] =>
      cs
        .filter((c) => !clean || c.status !== 'deleted')
        .map((c, i) => ({
          id: c.id,
          number: { ordinal: i + 1, depth },
          text: c.text,
          status: c.status,
          proposed_by: [...c.proposed_by],
          brackets: analyzeBrackets(c.text),
          children: toView(c.children, depth + 1),
        }));
    return { meeting: d.meeting, title: d.title, preamble: d.preamble, clauses: toView(d.clauses, 0) };
  }

  async getDraft(draftId: string, clean = false) {
    return clone(this.view(this.draft(draftId), clean));
  }

  /** Where a placement puts a clause: the list and the index in it. */
  private slot(d: FDraft, at: Placement): { list: FClause[]; index: number } {
    if (at.at === 'start' || at.at === 'end') {
      const list = at.parent ? this.must(d, at.parent).clause.children : d.clauses;
      return { list, index: at.at === 'start' ? 0 : list.length };
    }
    const f = this.must(d, at.clause);
    return { list: f.list, index: at.at === 'after' ? f.index + 1 : f.index };
  }

  private doInsert(draftId: string, at: Placement, text: string, proposedBy: string[]): string {
    const d = this.draft(draftId);
    const { list, index } = this.slot(d, at);
    const id = this.nextId('c');
    list.splice(index, 0, { id, text, status: 'open', proposed_by: proposedBy, children: [] });
    return id;
  }

  async insertClause(draftId: string, placement: Placement, text: string) {
    const id = this.doInsert(draftId, placement, text, this.settings.party ? [this.settings.party] : []);
    this.local(draftId, [{ type: 'structure' }]);
    return id;
  }

  async moveClause(draftId: string, clauseId: string, at: Placement) {
    const d = this.draft(draftId);
    const me = this.must(d, clauseId);
    const anchor = at.at === 'after' || at.at === 'before' ? at.clause : at.parent;
    if (anchor === clauseId && (at.at === 'after' || at.at === 'before')) return;
    if (anchor && (anchor === clauseId || this.findIn(me.clause.children, anchor)))
      fail('move_into_itself', `clause ${clauseId} cannot move into itself`);
    me.list.splice(me.index, 1);
    const { list, index } = this.slot(d, at);
    list.splice(index, 0, me.clause);
    this.local(draftId, [{ type: 'structure' }]);
  }

  private findIn(list: FClause[], id: string): boolean {
    return list.some((c) => c.id === id || this.findIn(c.children, id));
  }

  async indentClause(draftId: string, clauseId: string) {
    const d = this.draft(draftId);
    const me = this.must(d, clauseId);
    if (me.index === 0) fail('cannot_indent', `clause ${clauseId} has no clause before it at its level`);
    const prev = me.list[me.index - 1];
    await this.moveClause(draftId, clauseId, { at: 'end', parent: prev.id });
  }

  async outdentClause(draftId: string, clauseId: string) {
    const d = this.draft(draftId);
    const me = this.must(d, clauseId);
    if (!me.parent) fail('cannot_outdent', `clause ${clauseId} is already at the top level`);
    await this.moveClause(draftId, clauseId, { at: 'after', clause: me.parent.id });
  }

  async deleteClause(draftId: string, clauseId: string) {
    const d = this.draft(draftId);
    const me = this.must(d, clauseId);
    me.list.splice(me.index, 1);
    this.local(draftId, [{ type: 'structure' }]);
  }

  async setClauseStatus(draftId: string, clauseId: string, status: ClauseStatus) {
    const d = this.draft(draftId);
    const me = this.must(d, clauseId);
    if (isAgreed(status) && hasBrackets(analyzeBrackets(me.clause.text)))
      fail('brackets_remain', `clause ${clauseId} still has brackets; it cannot be ${status.replace(/_/g, ' ')}`);
    me.clause.status = status;
    this.local(draftId, [{ type: 'clause', id: clauseId }]);
  }

  // ---- text -----------------------------------------------------------------------------

  private applySplice(docId: string, target: TextField, s: Splice) {
    const edit = (old: string): string => {
      if (s.pos < 0 || s.del < 0 || s.pos + s.del > old.length)
        fail('invalid_splice', `splice at ${s.pos} deleting ${s.del} reaches past the end (${old.length})`);
      return old.slice(0, s.pos) + s.insert + old.slice(s.pos + s.del);
    };
    switch (target.field) {
      case 'clause': {
        const c = this.must(this.draft(docId), target.id).clause;
        c.text = edit(c.text);
        return;
      }
      case 'minutes': {
        const m = this.minutes.get(docId) ?? fail('no_such_document', `no minutes ${docId}`);
        m.text = edit(m.text);
        return;
      }
      case 'preamble': {
        const d = this.draft(docId);
        d.preamble = edit(d.preamble);
        return;
      }
      case 'title': {
        const d = this.drafts.get(docId);
        if (d) d.title = edit(d.title);
        else {
          const m = this.meeting(docId);
          m.details.title = edit(m.details.title);
        }
        return;
      }
      case 'action': {
        const a = this.action(docId, target.id);
        a.text = edit(a.text);
        return;
      }
    }
  }

  async splice(docId: string, target: TextField, s: Splice) {
    this.applySplice(docId, target, s);
    this.local(docId, [{ type: 'splice', target, index: s.pos, delete: s.del, insert: s.insert }]);
  }

  async editText(docId: string, target: TextField, splices: Splice[], base: number | null, tag: number): Promise<EditOutcome> {
    const last = this.lastVersion.get(docId) ?? 0;
    if (base !== null && last > base) return { outcome: 'stale', version: last };
    for (const s of splices) this.applySplice(docId, target, s);
    if (splices.length === 0) return { outcome: 'made', version: null };
    const patches: DocPatch[] = splices.map((s) => ({ type: 'splice', target, index: s.pos, delete: s.del, insert: s.insert }));
    this.local(docId, patches, tag);
    return { outcome: 'made', version: this.version };
  }

  async getMinutes(docId: string) {
    return clone(this.minutes.get(docId) ?? fail('no_such_document', `no minutes ${docId}`));
  }

  // ---- actions --------------------------------------------------------------------------

  private action(meetingId: string, actionId: string): ActionView {
    return this.meeting(meetingId).actions.find((a) => a.id === actionId) ?? fail('no_such_action', `no action item ${actionId}`);
  }

  private checkOwners(m: FMeeting, owners: string[]) {
    const missing = owners.find((o) => !m.parties.some((p) => p.id === o));
    if (missing) fail('no_such_party', `no party ${missing} in this meeting`);
  }

  async addAction(meetingId: string, a: NewAction) {
    const m = this.meeting(meetingId);
    if (!a.text.trim()) fail('invalid', 'action item text is empty');
    this.checkOwners(m, a.owners);
    const id = this.nextId('act-');
    m.actions.push({ id, text: a.text, owners: [...new Set(a.owners)], due: a.due, status: 'open', source: a.source, created: new Date().toISOString() });
    this.local(meetingId, [{ type: 'action', id }]);
    return id;
  }

  async setActionStatus(meetingId: string, actionId: string, status: ActionStatus) {
    this.action(meetingId, actionId).status = status;
    this.local(meetingId, [{ type: 'action', id: actionId }]);
  }

  async setActionDue(meetingId: string, actionId: string, due: string | null) {
    if (due !== null && !/^\d{4}-\d{2}-\d{2}$/.test(due)) fail('invalid', `due date ${due} is not YYYY-MM-DD`);
    this.action(meetingId, actionId).due = due;
    this.local(meetingId, [{ type: 'action', id: actionId }]);
  }

  async setActionOwners(meetingId: string, actionId: string, owners: string[]) {
    this.checkOwners(this.meeting(meetingId), owners);
    this.action(meetingId, actionId).owners = [...new Set(owners)];
    this.local(meetingId, [{ type: 'action', id: actionId }]);
  }

  async listActions(f: ActionFilter): Promise<ActionRow[]> {
    const rows: ActionRow[] = [];
    for (const m of this.meetings.values()) {
      if (f.meeting && m.id !== f.meeting) continue;
      for (const a of m.actions) {
        if (f.owner && !a.owners.includes(f.owner)) continue;
        if (f.status && a.status !== f.status) continue;
        if (f.overdue_on && !(a.status === 'open' && a.due !== null && a.due < f.overdue_on)) continue;
        rows.push({ ...clone(a), meeting: m.id, meeting_title: m.details.title });
      }
    }
    // By due date, undated last; the stable sort keeps creation order otherwise.
    return rows.sort((x, y) => (x.due ?? '9999') < (y.due ?? '9999') ? -1 : (x.due ?? '9999') > (y.due ?? '9999') ? 1 : 0);
  }

  // ---- search ---------------------------------------------------------------------------

  async search(query: string): Promise<SearchHit[]> {
    const q = query.trim().toLowerCase();
    if (!q) return [];
    const hits: SearchHit[] = [];
    const snippet = (text: string): string | null => {
      const i = text.toLowerCase().indexOf(q);
      if (i < 0) return null;
      const from = Math.max(0, i - 40);
      const to = Math.min(text.length, i + q.length + 40);
      return (from > 0 ? '…' : '') + text.slice(from, i) + HIT_START + text.slice(i, i + q.length) + HIT_END + text.slice(i + q.length, to) + (to < text.length ? '…' : '');
    };
    for (const m of this.meetings.values()) {
      const base = { meeting: m.id, meeting_title: m.details.title };
      const s = snippet(m.details.title);
      if (s) hits.push({ ...base, document: m.id, kind: 'meeting', clause: null, label: m.details.title, snippet: s });
      for (const doc of m.documents) {
        if (doc.kind === 'draft') {
          const d = this.draft(doc.id);
          const v = this.view(d);
          const walk = (cs: ClauseView[], prefix: string) => {
            for (const c of cs) {
              const num = prefix + numberLabelOf(c);
              const sn = snippet(c.text);
              if (sn) hits.push({ ...base, document: d.id, kind: 'draft', clause: c.id, label: `${d.title} · ${num}`, snippet: sn });
              walk(c.children, num + '.');
            }
          };
          walk(v.clauses, '');
        } else if (doc.kind === 'minutes') {
          const sn = snippet(this.minutes.get(doc.id)?.text ?? '');
          if (sn) hits.push({ ...base, document: doc.id, kind: 'minutes', clause: null, label: 'minutes', snippet: sn });
        }
      }
      for (const a of m.actions) {
        const sn = snippet(a.text);
        if (sn) hits.push({ ...base, document: m.id, kind: 'action', clause: a.source?.clause ?? null, label: a.text, snippet: sn });
      }
    }
    return hits;
  }

  // ---- live -----------------------------------------------------------------------------

  async subscribe(docId: string, onEvent: (e: DocEvent) => void) {
    let set = this.subs.get(docId);
    if (!set) this.subs.set(docId, (set = new Set()));
    set.add(onEvent);
    return () => {
      set!.delete(onEvent);
    };
  }

  /** How many subscriptions a document has (for tests). */
  subscriberCount(docId: string): number {
    return this.subs.get(docId)?.size ?? 0;
  }

  async setPresence(_meetingId: string, p: PresenceUpdate) {
    this.sentPresence.push(clone(p));
  }

  // ---- sharing & sync -------------------------------------------------------------------

  async peers(meetingId: string) {
    const m = this.meeting(meetingId);
    m.roster[0] = { ...this.selfPeer() };
    if (this.settings.offline) return clone(m.roster.map((p) => (p.is_self ? p : { ...p, online: false })));
    return clone(m.roster);
  }

  async invite(meetingId: string, party: string, role: Role, expiresHours: number): Promise<InviteTicket> {
    const m = this.meeting(meetingId);
    if (!m.parties.some((p) => p.id === party)) fail('no_such_party', `no party ${party} in this meeting`);
    if (!(expiresHours > 0)) fail('invalid', 'an invitation must expire in at least one hour');
    const secret = (this.seq++ * 2654435761 >>> 0).toString(36);
    const ticket = `accord1:${meetingId}:${party}:${role}:${expiresHours}h:${secret}${'x'.repeat(40)}`;
    return { ticket, qr_svg: fakeQr(ticket) };
  }

  async join(ticket: string) {
    const parts = ticket.trim().split(':');
    if (parts[0] !== 'accord1' || parts.length < 3) fail('bad_ticket', 'this is not an Accord ticket');
    const id = parts[1];
    if (!this.meetings.has(id)) fail('unreachable', 'the host of this meeting cannot be reached');
    return id;
  }

  async revoke(meetingId: string, device: string) {
    const m = this.meeting(meetingId);
    const p = m.roster.find((r) => r.device === device) ?? fail('no_such_device', `device ${device.slice(0, 10)} is not on the roster`);
    if (p.is_self) fail('invalid', 'a device cannot revoke itself');
    p.revoked = true;
    p.online = false;
  }

  async acceptHeld(meetingId: string, device: string) {
    const m = this.meeting(meetingId);
    const p = m.roster.find((r) => r.device === device) ?? fail('no_such_device', `device ${device.slice(0, 10)} is not on the roster`);
    const n = p.held;
    p.held = 0;
    return n;
  }

  async syncState(): Promise<SyncState> {
    if (this.settings.offline) return { mode: 'lan', peers_online: 0 };
    const online = new Set<string>();
    for (const m of this.meetings.values()) for (const r of m.roster) if (r.online && !r.is_self && !r.revoked) online.add(r.device);
    return { mode: online.size ? 'online' : 'offline', peers_online: online.size };
  }

  // ---- export / import ------------------------------------------------------------------

  async exportReport(meetingId: string, draftId: string, format: ExportFormat, mode: ExportMode): Promise<ExportedFile> {
    this.meeting(meetingId);
    const v = this.view(this.draft(draftId), mode === 'clean');
    const lines: string[] = [`# ${v.title}`, '', v.preamble, ''];
    const walk = (cs: ClauseView[]) => {
      for (const c of cs) {
        lines.push(`${'    '.repeat(c.number.depth)}${numberLabelOf(c)}. ${mode === 'clean' ? c.brackets.clean_text : c.text}`);
        walk(c.children);
      }
    };
    walk(v.clauses);
    const text = lines.join('\n') + '\n';
    const bytes = [...new TextEncoder().encode(text)];
    const ext = format === 'markdown' ? 'md' : format;
    return { file_name: `report.${ext}`, mime: format === 'html' ? 'text/html' : 'text/markdown', bytes };
  }

  /** A small stand-in for the real importer: `# Title`, `1.` paragraphs and `a.` sub-items;
   * every other non-empty line is left out with a note, so nothing goes missing silently. */
  async importReport(meetingId: string, bytes: number[], fileName: string): Promise<ImportSummary> {
    this.meeting(meetingId);
    if (/\.docx$/i.test(fileName)) fail('invalid', `${fileName}: the demo backend reads only text and Markdown`);
    const text = new TextDecoder().decode(new Uint8Array(bytes));
    const lines = text.split(/\r?\n/);
    const heading = lines.map((l) => /^#\s+(.+)$/.exec(l.trim())?.[1]).find((h) => h);
    const title = heading ?? (fileName.replace(/\.[^.]+$/, '') || 'Imported draft');
    const draft = await this.createDraft(meetingId, title);
    const warnings: string[] = [];
    let paragraphs = 0;
    let subItems = 0;
    let parent: string | null = null;
    lines.forEach((raw, i) => {
      const line = raw.trim();
      if (!line || /^#\s/.test(line)) return;
      const top = /^\d+\.\s+(.*)$/.exec(line);
      const sub = /^[a-z]\.\s+(.*)$/.exec(line);
      if (top) {
        parent = this.doInsert(draft, { at: 'end', parent: null }, top[1], []);
        paragraphs++;
      } else if (sub && parent) {
        this.doInsert(draft, { at: 'end', parent }, sub[1], []);
        subItems++;
      } else if (sub) {
        this.doInsert(draft, { at: 'end', parent: null }, sub[1], []);
        paragraphs++;
        warnings.push(`line ${i + 1}: a sub-item before any paragraph, kept as a paragraph`);
      } else {
        warnings.push(`line ${i + 1}: not a numbered paragraph, left out: “${line}”`);
      }
    });
    this.local(draft, [{ type: 'structure' }]);
    const clauses = paragraphs + subItems;
    const summary = `${paragraphs} paragraphs, ${subItems} sub-items, 0 suggested action items, ${warnings.length} notes`;
    return { draft, title, clauses, actions_suggested: 0, warnings, summary, actions: [] };
  }

}

function numberLabelOf(c: ClauseView): string {
  const n = c.number;
  if (n.depth % 3 === 0) return String(n.ordinal);
  if (n.depth % 3 === 1) return String.fromCharCode(96 + n.ordinal);
  return ['i', 'ii', 'iii', 'iv', 'v', 'vi', 'vii', 'viii', 'ix', 'x'][n.ordinal - 1] ?? String(n.ordinal);
}

/** A QR-like picture: the fake has no QR encoder, the real backend draws a real code. */
function fakeQr(text: string): string {
  const n = 25;
  let h = 2166136261;
  const cells: string[] = [];
  for (let y = 0; y < n; y++)
    for (let x = 0; x < n; x++) {
      h = Math.imul(h ^ text.charCodeAt((x * n + y) % text.length), 16777619) >>> 0;
      const finder = (x < 7 && y < 7) || (x >= n - 7 && y < 7) || (x < 7 && y >= n - 7);
      const on = finder ? (x % (n - 7) === 0 || y % (n - 7) === 0 || x % (n - 7) === 6 || y % (n - 7) === 6 || (x % (n - 7) >= 2 && x % (n - 7) <= 4 && y % (n - 7) >= 2 && y % (n - 7) <= 4)) : (h & 1) === 1;
      if (on) cells.push(`<rect x="${x}" y="${y}" width="1" height="1"/>`);
    }
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="-2 -2 ${n + 4} ${n + 4}" shape-rendering="crispEdges"><rect x="-2" y="-2" width="${n + 4}" height="${n + 4}" fill="#fff"/><g fill="#111">${cells.join('')}</g></svg>`;
}
