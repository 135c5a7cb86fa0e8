// A port of `brackets::analyze` (crates/accord-model/src/brackets.rs). The fake backend uses
// it to build `BracketAnalysis` like the Rust model, and the clause editor uses it to keep
// its bracket highlighting current while the user types (between two reads of the draft).
// Positions are UTF-16 code units, which is what JavaScript string indices count.

import type { BracketAnalysis, BracketSpan, Unbalanced } from './types';

export function analyzeBrackets(text: string): BracketAnalysis {
  const spans: BracketSpan[] = [];
  const unbalanced: Unbalanced[] = [];
  const open: number[] = []; // indices into spans
  for (let pos = 0; pos < text.length; pos++) {
    const c = text[pos];
    if (c === '[') {
      spans.push({ start: pos, end: pos, depth: open.length });
      open.push(spans.length - 1);
    } else if (c === ']') {
      const i = open.pop();
      if (i === undefined) unbalanced.push({ kind: 'unmatched_close', pos });
      else spans[i].end = pos + 1;
    }
  }
  const unclosed = new Set(open);
  for (const i of open) unbalanced.push({ kind: 'unclosed', pos: spans[i].start });
  const keep = spans.filter((_, i) => !unclosed.has(i));
  const depths = keep.map((s) => keep.filter((o) => o.start < s.start && s.end <= o.end).length);
  keep.forEach((s, i) => (s.depth = depths[i]));
  unbalanced.sort((a, b) => a.pos - b.pos);
  const clean_text = tidy(text.replace(/[[\]]/g, ''));
  const agreed_text = tidy(dropOutermost(text, keep));
  return { spans: keep, unbalanced, clean_text, agreed_text };
}

export function hasBrackets(a: BracketAnalysis): boolean {
  return a.spans.length > 0 || a.unbalanced.length > 0;
}

function dropOutermost(text: string, spans: BracketSpan[]): string {
  const outer = spans.filter((s) => s.depth === 0);
  let out = '';
  let next = 0;
  for (let pos = 0; pos < text.length; pos++) {
    const c = text[pos];
    while (next < outer.length && outer[next].end <= pos) next++;
    const inside = next < outer.length && outer[next].start <= pos && pos < outer[next].end;
    if (!inside && c !== '[' && c !== ']') out += c;
  }
  return out;
}

function tidy(s: string): string {
  let out = '';
  for (const c of s) {
    if (c === ' ' && (out.endsWith(' ') || out === '')) continue;
    if (',.;:)'.includes(c) && out.endsWith(' ')) out = out.slice(0, -1);
    out += c;
  }
  return out.replace(/ +$/, '');
}
