import { describe, expect, it } from 'vitest';
import { EditorSelection, EditorState, Transaction } from '@codemirror/state';
import { applyRemote, changesToSplices, isRemote, remoteEdit, splicesFor } from './collab';
import type { Splice } from '../types';

function state(doc: string, anchor: number, head = anchor) {
  return EditorState.create({ doc, selection: EditorSelection.single(anchor, head) });
}

/** Applies splices the way the backend does: one after the other. */
function applyText(text: string, splices: Splice[]) {
  for (const s of splices) text = text.slice(0, s.pos) + s.insert + text.slice(s.pos + s.del);
  return text;
}

describe('remote splices keep the local selection', () => {
  const text = 'Urge the Member Countries to send the information.';

  it('remote_insert_before_the_selection_shifts_it', () => {
    const s = state(text, 9, 15); // "Member"
    const tr = applyRemote(s, [{ pos: 0, del: 0, insert: 'Kindly ' }]);
    expect(tr.state.doc.toString()).toBe('Kindly ' + text);
    expect(tr.state.sliceDoc(tr.state.selection.main.from, tr.state.selection.main.to)).toBe('Member');
    expect(isRemote(tr)).toBe(true);
    expect(tr.annotation(remoteEdit)).toBe(true);
  });

  it('remote_insert_after_the_caret_leaves_it_alone', () => {
    const s = state(text, 4);
    const tr = applyRemote(s, [{ pos: 20, del: 0, insert: '[all] ' }]);
    expect(tr.state.selection.main.head).toBe(4);
  });

  it('remote_insert_at_the_caret_does_not_push_it', () => {
    const s = state(text, 9);
    const tr = applyRemote(s, [{ pos: 9, del: 0, insert: 'eleven ' }]);
    expect(tr.state.doc.toString()).toBe('Urge the eleven Member Countries to send the information.');
    expect(tr.state.selection.main.head).toBe(9);
  });

  it('remote_delete_around_the_selection_collapses_it_to_the_gap', () => {
    const s = state(text, 10, 12);
    const tr = applyRemote(s, [{ pos: 9, del: 7, insert: '' }]); // "Member "
    expect(tr.state.doc.toString()).toBe('Urge the Countries to send the information.');
    expect(tr.state.selection.main.from).toBe(9);
    expect(tr.state.selection.main.to).toBe(9);
  });

  it('sequential_remote_splices_apply_in_order', () => {
    const s = state(text, text.length);
    const splices = [
      { pos: 0, del: 4, insert: 'Request' },
      { pos: 7, del: 0, insert: ' that' },
    ];
    const tr = applyRemote(s, splices);
    expect(tr.state.doc.toString()).toBe(applyText(text, splices));
    expect(tr.state.selection.main.head).toBe(tr.state.doc.length);
  });

  it('utf16_positions_count_surrogate_pairs_as_two', () => {
    const s = state('é😀 [ñ]', 7);
    const tr = applyRemote(s, [{ pos: 4, del: 3, insert: 'ñ' }]);
    expect(tr.state.doc.toString()).toBe('é😀 ñ');
    expect(tr.state.selection.main.head).toBe(5);
  });

  it('a_stale_splice_past_the_end_is_clamped_not_thrown', () => {
    const s = state('abc', 1);
    const tr = applyRemote(s, [{ pos: 10, del: 5, insert: 'x' }]);
    expect(tr.state.doc.toString()).toBe('abcx');
  });

  it('remote_edits_are_not_undoable_locally', () => {
    const s = state('abc', 1);
    const tr = applyRemote(s, [{ pos: 0, del: 0, insert: 'x' }]);
    expect(tr.annotation(Transaction.addToHistory)).toBe(false);
    expect(tr.annotation(Transaction.remote)).toBe(true);
  });
});

describe('local changes become splices', () => {
  it('multi_range_changes_go_out_last_first_so_positions_stay_valid', () => {
    const s = EditorState.create({ doc: 'one two three' });
    const tr = s.update({ changes: [{ from: 0, to: 3, insert: 'ONE' }, { from: 8, to: 13, insert: '3' }] });
    const splices = changesToSplices(tr.changes);
    expect(splices).toEqual([
      { pos: 8, del: 5, insert: '3' },
      { pos: 0, del: 3, insert: 'ONE' },
    ]);
    expect(applyText('one two three', splices)).toBe(tr.state.doc.toString());
  });

  it('splices_for_picks_the_target_field', () => {
    const got = splicesFor(
      [
        { type: 'splice', target: { field: 'clause', id: 'p1' }, index: 0, delete: 0, insert: 'a' },
        { type: 'structure' },
        { type: 'splice', target: { field: 'clause', id: 'p2' }, index: 1, delete: 0, insert: 'b' },
        { type: 'splice', target: { field: 'clause', id: 'p1' }, index: 2, delete: 1, insert: '' },
      ],
      { field: 'clause', id: 'p1' },
    );
    expect(got).toEqual([
      { pos: 0, del: 0, insert: 'a' },
      { pos: 2, del: 1, insert: '' },
    ]);
  });
});
