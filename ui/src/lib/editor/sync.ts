// An editor's text kept in step with the backend while both change it.
//
// The backend applies an edit at the positions it names, and reports every change of the
// document as an event, in order, each with a version. What the editor holds is the text as of
// the last event it applied plus its own edits the backend has not confirmed yet. So:
//
// - an edit goes out naming the version it was made after (`base`); the backend makes it only
//   if the document has had no event since, and otherwise answers "stale" — the editor then
//   applies the events it has not seen yet, which moves its edit over them, and sends it again;
// - a peer's change arrives on the text as of the previous event, that is without the edits
//   not yet confirmed here: it is moved over them before the editor applies it, and they over
//   it, so that both sides end with the same text (the peer's insertion first where both
//   insert at one place, as the backend's own order of the two would give);
// - the event of an edit of this editor's (known by its tag) confirms it.
//
// One edit is in flight at a time; what is typed meanwhile goes out with the next one, joined.

import type { ChangeSet } from '@codemirror/state';
import type { EditOutcome, Splice } from '../types';
import { changesToSplices, splicesToChanges } from './collab';

/** An edit to send. */
export interface Outgoing {
  splices: Splice[];
  base: number | null;
  tag: number;
}

let lastTag = 0;

export class FieldSync {
  /** Local edits not confirmed, in order, each on the text the previous one left. The first
   * is in flight while `inflight` holds its tag. */
  private pending: ChangeSet[] = [];
  private inflight: number | null = null;
  /** After a stale answer: send again once the event of this version is applied. */
  private waitFor: number | null = null;

  /** `version`: the last event the editor's text reflects (`null`: none seen yet). */
  constructor(public version: number | null = null) {}

  /** Whether edits made here are still to be confirmed. */
  get unconfirmed(): boolean {
    return this.pending.length > 0;
  }

  /** An edit made in the editor. */
  local(changes: ChangeSet) {
    if (!changes.empty) this.pending.push(changes);
  }

  /** The edit to send now, if any: everything not yet sent, as one. */
  next(): Outgoing | null {
    if (this.inflight !== null || this.pending.length === 0) return null;
    if (this.waitFor !== null) {
      if (this.version === null || this.version < this.waitFor) return null;
      this.waitFor = null;
    }
    const all = this.pending.reduce((a, b) => a.compose(b));
    this.pending = [all];
    this.inflight = ++lastTag;
    return { splices: changesToSplices(all), base: this.version, tag: this.inflight };
  }

  /** The backend answered the edit tagged `tag`. */
  answered(tag: number, outcome: EditOutcome) {
    if (tag !== this.inflight) return; // its event came first and confirmed it
    if (outcome.outcome === 'stale') {
      this.inflight = null;
      this.waitFor = outcome.version;
    } else if (outcome.version === null) {
      // Made, and it changed nothing: no event will confirm it.
      this.pending.shift();
      this.inflight = null;
    }
  }

  /** The edit tagged `tag` failed: the backend has none of what was pending. */
  failed(tag: number) {
    if (tag !== this.inflight) return;
    this.pending = [];
    this.inflight = null;
    this.waitFor = null;
  }

  /** An event of the document, in order: `tag` its edit's, `splices` what it did to this
   * editor's text, on the text as of the previous event. `length`: the editor's text's now.
   * Returns what to apply to the editor, if anything. */
  event(version: number, tag: number | null, splices: Splice[], length: number): ChangeSet | null {
    this.version = version;
    if (tag !== null && tag === this.inflight) {
      this.pending.shift();
      this.inflight = null;
      return null;
    }
    if (splices.length === 0) return null;
    let theirs = splicesToChanges(splices, this.pending.length ? this.pending[0].length : length);
    this.pending = this.pending.map((mine) => {
      const moved = mine.map(theirs);
      theirs = theirs.map(mine, true);
      return moved;
    });
    return theirs;
  }
}
