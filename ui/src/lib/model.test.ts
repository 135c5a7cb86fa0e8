// The TypeScript ports of the model's pure rules, checked against the cases of the Rust tests
// (brackets.rs, numbering.rs).
import { describe, expect, it } from 'vitest';
import { analyzeBrackets } from './brackets';
import { numberLabel, numberText } from './numbering';
import { snippetParts } from './snippet';
import { HIT_END, HIT_START } from './types';

describe('brackets', () => {
  const check = (text: string, spans: [number, number, number][], clean: string, agreed: string) => {
    const a = analyzeBrackets(text);
    expect(a.spans.map((s) => [s.start, s.end, s.depth])).toEqual(spans);
    expect(a.clean_text).toBe(clean);
    expect(a.agreed_text).toBe(agreed);
  };
  it('no_brackets', () => check('Urge the Member Countries.', [], 'Urge the Member Countries.', 'Urge the Member Countries.'));
  it('one_pair', () => check('Urge [all] Member Countries.', [[5, 10, 0]], 'Urge all Member Countries.', 'Urge Member Countries.'));
  it('nested_pairs', () => check('a [b [c] d] e', [[2, 11, 0], [5, 8, 1]], 'a b c d e', 'a e'));
  it('bracket_at_end_before_punctuation', () => check('by [2015].', [[3, 9, 0]], 'by 2015.', 'by.'));
  it('unmatched_close_and_unclosed_open', () => {
    const a = analyzeBrackets('a ] b [ c');
    expect(a.spans).toEqual([]);
    expect(a.unbalanced).toEqual([
      { kind: 'unmatched_close', pos: 2 },
      { kind: 'unclosed', pos: 6 },
    ]);
    check('[x [y] z', [[3, 6, 0]], 'x y z', 'x z');
  });
  it('positions_count_utf16_code_units', () => {
    const a = analyzeBrackets('é😀 [ñ]');
    expect(a.spans).toEqual([{ start: 4, end: 7, depth: 0 }]);
    expect(a.clean_text).toBe('é😀 ñ');
  });
});

describe('numbering', () => {
  it('labels_per_level', () => {
    const cases: [number, number, string][] = [
      [0, 1, '1'], [0, 12, '12'], [1, 1, 'a'], [1, 26, 'z'], [1, 27, 'aa'], [1, 28, 'bb'],
      [2, 1, 'i'], [2, 4, 'iv'], [2, 9, 'ix'], [2, 14, 'xiv'], [2, 49, 'xlix'], [3, 2, '2'], [4, 3, 'c'],
    ];
    for (const [depth, ordinal, want] of cases) expect(numberLabel({ depth, ordinal })).toBe(want);
    expect(numberText({ depth: 1, ordinal: 2 })).toBe('b.');
  });
});

describe('search snippets', () => {
  it('marks_split_into_parts_and_html_stays_text', () => {
    const parts = snippetParts(`in [San José] ${HIT_START}<b>Tegucigalpa</b>${HIT_END} in 2015`);
    expect(parts).toEqual([
      { text: 'in [San José] ', hit: false },
      { text: '<b>Tegucigalpa</b>', hit: true },
      { text: ' in 2015', hit: false },
    ]);
  });
});
