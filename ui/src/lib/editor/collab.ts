// Pure helpers between CodeMirror and the backend's text operations.
//
// Local edits: a CodeMirror `ChangeSet` becomes a list of `Splice`s that the backend applies
// one after the other. Remote edits: `splice` patches become one CodeMirror transaction,
// annotated as remote so the editor does not send them back, and not added to the undo
// history; CodeMirror maps the local selection through the change, so the caret stays on
// the same character it was next to.

import { Annotation, ChangeSet, EditorState, Transaction } from '@codemirror/state';
import type { DocPatch, Splice, TextField } from '../types';

/** Marks a transaction that applies what a peer did. */
export const remoteEdit = Annotation.define<boolean>();

/** Whether a transaction came from a peer (and so must not be sent to the backend). */
export function isRemote(tr: Transaction): boolean {
  return tr.annotation(remoteEdit) === true;
}

/** The splices that make `changes`, in the order the backend must apply them. Changes are
 * given from last to first so that each position still refers to the old text. */
export function changesToSplices(changes: ChangeSet): Splice[] {
  const out: Splice[] = [];
  changes.iterChanges((fromA, toA, _fromB, _toB, inserted) => {
    out.push({ pos: fromA, del: toA - fromA, insert: inserted.toString() });
  });
  return out.reverse();
}

/** The same field? */
export function sameField(a: TextField, b: TextField): boolean {
  if (a.field !== b.field) return false;
  if ((a.field === 'clause' || a.field === 'action') && (b.field === 'clause' || b.field === 'action')) return a.id === b.id;
  return true;
}

/** A stable string key for a text field: "clause:p2a", "minutes". */
export function fieldKey(f: TextField): string {
  return f.field === 'clause' || f.field === 'action' ? `${f.field}:${f.id}` : f.field;
}

/** The splices in `patches` that edit `target`, in order. */
export function splicesFor(patches: DocPatch[], target: TextField): Splice[] {
  const out: Splice[] = [];
  for (const p of patches) {
    if (p.type === 'splice' && sameField(p.target, target)) out.push({ pos: p.index, del: p.delete, insert: p.insert });
  }
  return out;
}

/** Splices, each on the text the previous one left, as one change of a text of `length`.
 * Splices that reach past the end are clamped rather than thrown, so that one stale patch
 * cannot break the editor. */
export function splicesToChanges(splices: Splice[], length: number): ChangeSet {
  let all = ChangeSet.empty(length);
  for (const s of splices) {
    const len = all.newLength;
    const from = Math.min(Math.max(0, s.pos), len);
    const to = Math.min(from + Math.max(0, s.del), len);
    all = all.compose(ChangeSet.of({ from, to, insert: s.insert }, len));
  }
  return all;
}

/** The transaction that applies what someone else did: selection mapped, not sent back, not
 * in the undo history. */
export function remoteTransaction(state: EditorState, changes: ChangeSet): Transaction {
  return state.update({
    changes,
    annotations: [remoteEdit.of(true), Transaction.addToHistory.of(false), Transaction.remote.of(true)],
  });
}

/** Applies remote splices to a state: one transaction, selection mapped. */
export function applyRemote(state: EditorState, splices: Splice[]): Transaction {
  return remoteTransaction(state, splicesToChanges(splices, state.doc.length));
}
