// Highlights `[bracketed]` passages in a clause editor: CodeMirror mark decorations built
// from the bracket spans of the text (the same analysis as the Rust model), recomputed as
// the text changes so a delegate sees at once what is still disputed.

import { RangeSetBuilder, StateField, type EditorState, type Extension } from '@codemirror/state';
import { Decoration, EditorView, type DecorationSet } from '@codemirror/view';
import { analyzeBrackets } from '../brackets';
import type { BracketAnalysis } from '../types';

const mark = (depth: number) => Decoration.mark({ class: `cm-bracket cm-bracket-d${Math.min(depth, 2)}` });
const edge = Decoration.mark({ class: 'cm-bracket-edge' });
const unbalanced = Decoration.mark({ class: 'cm-bracket-unbalanced' });

/** The decorations for a bracket analysis of `state`'s text. */
export function bracketDecorations(a: BracketAnalysis): DecorationSet {
  type R = { from: number; to: number; d: Decoration; order: number };
  const ranges: R[] = [];
  for (const s of a.spans) {
    ranges.push({ from: s.start, to: s.end, d: mark(s.depth), order: 0 });
    ranges.push({ from: s.start, to: s.start + 1, d: edge, order: 1 });
    ranges.push({ from: s.end - 1, to: s.end, d: edge, order: 1 });
  }
  for (const u of a.unbalanced) ranges.push({ from: u.pos, to: u.pos + 1, d: unbalanced, order: 1 });
  ranges.sort((x, y) => x.from - y.from || x.order - y.order || y.to - x.to);
  const b = new RangeSetBuilder<Decoration>();
  for (const r of ranges) b.add(r.from, r.to, r.d);
  return b.finish();
}

function compute(state: EditorState): DecorationSet {
  return bracketDecorations(analyzeBrackets(state.doc.toString()));
}

export const bracketField = StateField.define<DecorationSet>({
  create: compute,
  update: (deco, tr) => (tr.docChanged ? compute(tr.state) : deco),
  provide: (f) => EditorView.decorations.from(f),
});

export function bracketHighlight(): Extension {
  return bracketField;
}
