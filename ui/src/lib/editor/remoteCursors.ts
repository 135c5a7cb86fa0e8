// Other delegations' cursors and selections in an editor: a caret with the delegation's
// name (a widget) and a tinted selection (a mark). Positions are mapped through every
// change until the next presence update replaces them.

import { StateEffect, StateField, type Extension } from '@codemirror/state';
import { Decoration, EditorView, WidgetType, type DecorationSet } from '@codemirror/view';

export interface RemoteCursor {
  /** Device id: one cursor per device. */
  device: string;
  /** What to show: the delegation's name. */
  label: string;
  /** A CSS colour. */
  color: string;
  anchor: number;
  head: number;
}

export const setRemoteCursors = StateEffect.define<RemoteCursor[]>();

class CaretWidget extends WidgetType {
  constructor(readonly label: string, readonly color: string) {
    super();
  }
  eq(other: CaretWidget) {
    return other.label === this.label && other.color === this.color;
  }
  toDOM() {
    const caret = document.createElement('span');
    caret.className = 'cm-remote-caret';
    caret.style.borderColor = this.color;
    caret.setAttribute('data-testid', 'remote-cursor');
    caret.title = this.label;
    // The name is drawn by CSS (`content: attr(data-label)`), not put in as text: the
    // editor's text, as the DOM, screen readers and WebDriver read it, stays the clause's.
    const tag = document.createElement('span');
    tag.className = 'cm-remote-label';
    tag.style.backgroundColor = this.color;
    tag.setAttribute('data-label', this.label);
    caret.appendChild(tag);
    return caret;
  }
  ignoreEvent() {
    return true;
  }
}

function build(cursors: RemoteCursor[], len: number): DecorationSet {
  const ranges = [];
  for (const c of cursors) {
    const head = Math.min(Math.max(0, c.head), len);
    const anchor = Math.min(Math.max(0, c.anchor), len);
    const from = Math.min(head, anchor);
    const to = Math.max(head, anchor);
    if (from < to) ranges.push(Decoration.mark({ class: 'cm-remote-selection', attributes: { style: `background-color: ${c.color}33` } }).range(from, to));
    ranges.push(Decoration.widget({ widget: new CaretWidget(c.label, c.color), side: 1 }).range(head));
  }
  return Decoration.set(ranges, true);
}

export const remoteCursorField = StateField.define<DecorationSet>({
  create: () => Decoration.none,
  update(deco, tr) {
    let next = deco.map(tr.changes);
    for (const e of tr.effects) if (e.is(setRemoteCursors)) next = build(e.value, tr.state.doc.length);
    return next;
  },
  provide: (f) => EditorView.decorations.from(f),
});

export function remoteCursors(): Extension {
  return remoteCursorField;
}

/** A calm colour per party, the same on every device. */
export function partyColor(party: string | null): string {
  const palette = ['#b45309', '#0f766e', '#7c3aed', '#be123c', '#1d4ed8', '#4d7c0f', '#a21caf', '#0e7490'];
  let h = 0;
  for (const c of party ?? '?') h = (h * 31 + c.charCodeAt(0)) >>> 0;
  return palette[h % palette.length];
}
