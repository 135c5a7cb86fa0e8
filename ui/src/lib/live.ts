// One open document's live session: it subscribes to the document's events, hands remote
// text splices to the open editor of their field, tells the view when structure, statuses,
// details or action items changed (so it re-reads them), and shows peers' cursors.

import type { Backend } from './backend';
import { fieldKey, splicesFor } from './editor/collab';
import { partyColor, type RemoteCursor } from './editor/remoteCursors';
import type { DocEvent, DocPatch, Presence, Splice, TextField } from './types';

export interface EditorHandle {
  field: TextField;
  /** An event of the document, in order: `splices` are what it did to this editor's text
   * (none if it did not touch it). The editor applies another's in place, keeping the local
   * selection, moved over its own edits not yet confirmed; `tag` confirms one of its own. */
  applyEvent(version: number, tag: number | null, splices: Splice[]): void;
  setCursors(cursors: RemoteCursor[]): void;
  focus(at: 'start' | 'end'): void;
}

export interface SessionHandlers {
  /** The clause tree changed: re-read the outline. */
  onStructure?(): void;
  /** Statuses or proposers of these clauses changed. */
  onClauses?(ids: string[]): void;
  /** Meeting details or parties changed. */
  onDetails?(): void;
  /** Action items changed. */
  onActions?(ids: string[]): void;
  /** The peers in this document changed. */
  onPresence?(peers: Presence[]): void;
  /** A text changed (either origin), for views that show derived data such as brackets. */
  onText?(fields: TextField[]): void;
}

export class DocSession {
  private editors = new Map<string, EditorHandle>();
  private pendingFocus = new Map<string, 'start' | 'end'>();
  private unsubscribe: (() => void) | null = null;
  private stopped = false;
  peers: Presence[] = [];
  /** The version of the last document event handled (`null`: none yet); an editor made now
   * starts from it. */
  version: number | null = null;

  constructor(
    readonly backend: Backend,
    readonly docId: string,
    readonly selfDevice: string,
    private handlers: SessionHandlers = {},
    /** A label for a party id (its short name or name). */
    private partyLabel: (party: string | null, device: string) => string = (p) => p ?? '?',
  ) {}

  async start(): Promise<void> {
    const unsub = await this.backend.subscribe(this.docId, (e) => this.handle(e));
    if (this.stopped) unsub();
    else this.unsubscribe = unsub;
  }

  stop() {
    this.stopped = true;
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  register(handle: EditorHandle): () => void {
    const key = fieldKey(handle.field);
    this.editors.set(key, handle);
    handle.setCursors(this.cursorsFor(handle.field));
    const f = this.pendingFocus.get(key);
    if (f) {
      this.pendingFocus.delete(key);
      handle.focus(f);
    }
    return () => {
      if (this.editors.get(key) === handle) this.editors.delete(key);
    };
  }

  /** Focus a field's editor now, or as soon as it is created. */
  focus(field: TextField, at: 'start' | 'end' = 'end') {
    const key = fieldKey(field);
    const h = this.editors.get(key);
    if (h) h.focus(at);
    else this.pendingFocus.set(key, at);
  }

  handle(e: DocEvent) {
    if (e.kind === 'presence') {
      this.peers = e.peers.filter((p) => p.device !== this.selfDevice);
      for (const h of this.editors.values()) h.setCursors(this.cursorsFor(h.field));
      this.handlers.onPresence?.(this.peers);
      return;
    }
    this.handlePatches(e.patches, e.version ?? null, e.tag ?? null);
  }

  private handlePatches(patches: DocPatch[], version: number | null, tag: number | null) {
    const fields = new Map<string, TextField>();
    for (const p of patches) if (p.type === 'splice') fields.set(fieldKey(p.target), p.target);
    const texts = [...fields.values()];
    if (version !== null) {
      // Every editor sees every event: each one moves the base its edits are sent against.
      this.version = version;
      for (const h of this.editors.values()) h.applyEvent(version, tag, splicesFor(patches, h.field));
    }
    if (texts.length) this.handlers.onText?.(texts);
    if (patches.some((p) => p.type === 'structure')) this.handlers.onStructure?.();
    const clauses = patches.flatMap((p) => (p.type === 'clause' ? [p.id] : []));
    if (clauses.length) this.handlers.onClauses?.(clauses);
    if (patches.some((p) => p.type === 'details')) this.handlers.onDetails?.();
    const actions = patches.flatMap((p) => (p.type === 'action' ? [p.id] : []));
    if (actions.length) this.handlers.onActions?.(actions);
  }

  cursorsFor(field: TextField): RemoteCursor[] {
    const clause = field.field === 'clause' ? field.id : null;
    return this.peers
      .filter((p) => p.doc === this.docId && p.cursor && (p.clause ?? null) === clause)
      .map((p) => ({
        device: p.device,
        label: this.partyLabel(p.party, p.device_name),
        color: partyColor(p.party),
        anchor: p.cursor!.anchor,
        head: p.cursor!.head,
      }));
  }
}
