import { describe, expect, it } from 'vitest';
import { ChangeSet, Text } from '@codemirror/state';
import { FieldSync } from './sync';
import { splicesToChanges } from './collab';
import type { EditOutcome, Splice } from '../types';

/** The backend, as the editor sees it: one text, events in order with versions, an edit made
 * only against the latest event. Its events and its answers reach the editor later, each
 * queue in order, the two in any order against each other. */
class Authority {
  text: string;
  version = 0;
  events: { version: number; tag: number | null; splices: Splice[] }[] = [];
  answers: { tag: number; outcome: EditOutcome }[] = [];
  constructor(text: string) {
    this.text = text;
  }
  private apply(splices: Splice[]) {
    for (const s of splices) {
      expect(s.pos + s.del).toBeLessThanOrEqual(this.text.length);
      this.text = this.text.slice(0, s.pos) + s.insert + this.text.slice(s.pos + s.del);
    }
    this.version += 1;
  }
  /** A peer's edit arrives here. */
  peer(s: Splice) {
    this.apply([s]);
    this.events.push({ version: this.version, tag: null, splices: [s] });
  }
  /** The editor's edit. */
  edit(splices: Splice[], base: number | null, tag: number) {
    if (base !== null && this.version > base) {
      this.answers.push({ tag, outcome: { outcome: 'stale', version: this.version } });
      return;
    }
    this.apply(splices);
    this.events.push({ version: this.version, tag, splices });
    this.answers.push({ tag, outcome: { outcome: 'made', version: this.version } });
  }
}

/** The editor: its text, and the sync between it and the authority. */
class Editor {
  doc: Text;
  sync: FieldSync;
  constructor(
    text: string,
    private backend: Authority,
  ) {
    this.doc = Text.of([text]);
    this.sync = new FieldSync(backend.version);
  }
  get text() {
    return this.doc.toString();
  }
  type(s: Splice) {
    const c = ChangeSet.of({ from: s.pos, to: s.pos + s.del, insert: s.insert }, this.doc.length);
    this.doc = c.apply(this.doc);
    this.sync.local(c);
    this.pump();
  }
  pump() {
    const out = this.sync.next();
    if (out) this.backend.edit(out.splices, out.base, out.tag);
  }
  deliverEvent(): boolean {
    const e = this.backend.events.shift();
    if (!e) return false;
    const c = this.sync.event(e.version, e.tag, e.splices, this.doc.length);
    if (c) this.doc = c.apply(this.doc);
    this.pump();
    return true;
  }
  deliverAnswer(): boolean {
    const a = this.backend.answers.shift();
    if (!a) return false;
    this.sync.answered(a.tag, a.outcome);
    this.pump();
    return true;
  }
  settle() {
    while (this.deliverEvent() || this.deliverAnswer()) {}
  }
}

/** A small deterministic generator (mulberry32). */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomSplice(r: () => number, text: string, letters: string): Splice {
  const pos = Math.floor(r() * (text.length + 1));
  const del = r() < 0.3 ? Math.min(text.length - pos, Math.floor(r() * 3)) : 0;
  const insert = r() < 0.8 ? letters[Math.floor(r() * letters.length)] : '';
  return { pos, del, insert };
}

describe('an editor and the backend editing one text at once', () => {
  it('a_peers_change_arriving_while_an_edit_is_unconfirmed_lands_where_the_peer_made_it', () => {
    const b = new Authority('abc');
    const e = new Editor('abc', b);
    b.peer({ pos: 0, del: 0, insert: 'R' }); // the peer's change is in the backend, not yet here
    e.type({ pos: 3, del: 0, insert: 'X' }); // typed after "c": sent against the old version
    expect(b.answers[0].outcome.outcome).toBe('stale');
    expect(b.text).toBe('Rabc');
    e.deliverEvent(); // the peer's change, moved over the unconfirmed "X"
    expect(e.text).toBe('RabcX');
    e.settle();
    expect(b.text).toBe('RabcX');
    expect(e.text).toBe('RabcX');
    expect(e.sync.unconfirmed).toBe(false);
  });

  it('the_answer_may_come_before_or_after_the_edits_event', () => {
    for (const answerFirst of [true, false]) {
      const b = new Authority('');
      const e = new Editor('', b);
      e.type({ pos: 0, del: 0, insert: 'a' });
      e.type({ pos: 1, del: 0, insert: 'b' }); // waits: one edit in flight at a time
      expect(b.text).toBe('a');
      if (answerFirst) e.deliverAnswer();
      e.deliverEvent(); // confirms "a", sends "b"
      expect(b.text).toBe('ab');
      e.settle();
      expect([b.text, e.text, e.sync.unconfirmed]).toEqual(['ab', 'ab', false]);
    }
  });

  it('both_insert_at_one_place_and_end_with_the_same_text', () => {
    const b = new Authority('ab');
    const e = new Editor('ab', b);
    b.peer({ pos: 1, del: 0, insert: 'P' });
    e.type({ pos: 1, del: 0, insert: 'L' });
    e.settle();
    expect(e.text).toBe(b.text);
    expect(b.text).toBe('aPLb');
  });

  it('random_typing_on_both_sides_with_any_delivery_order_converges', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const r = rng(seed);
      const b = new Authority('Urge the parties.');
      const e = new Editor('Urge the parties.', b);
      for (let step = 0; step < 60; step++) {
        const x = r();
        if (x < 0.3) e.type(randomSplice(r, e.text, 'xyz'));
        else if (x < 0.55) b.peer(randomSplice(r, b.text, 'PQ'));
        else if (x < 0.8) e.deliverEvent();
        else e.deliverAnswer();
      }
      e.settle();
      expect(e.text, `seed ${seed}`).toBe(b.text);
      expect(e.sync.unconfirmed, `seed ${seed}`).toBe(false);
    }
  });

  it('an_edit_that_changed_nothing_is_confirmed_by_its_answer', () => {
    const b = new Authority('ab');
    const e = new Editor('ab', b);
    const s = e.sync;
    s.local(ChangeSet.of({ from: 0, to: 0, insert: 'x' }, 2));
    const out = s.next()!;
    s.answered(out.tag, { outcome: 'made', version: null });
    expect(s.unconfirmed).toBe(false);
  });

  it('splices_past_the_end_are_clamped', () => {
    const c = splicesToChanges([{ pos: 10, del: 5, insert: 'x' }], 3);
    expect(c.apply(Text.of(['abc'])).toString()).toBe('abcx');
  });
});
