// Formatting a computed `ClauseNumber` (numbering.rs): level 0 is 1, 2, 3; level 1 a, b, c;
// level 2 i, ii, iii; deeper levels repeat the cycle. The UI only formats the number the
// backend computed; it never counts clauses itself.

import type { ClauseNumber } from './types';

export function numberLabel(n: ClauseNumber): string {
  switch (n.depth % 3) {
    case 0:
      return String(n.ordinal);
    case 1:
      return alpha(n.ordinal);
    default:
      return roman(n.ordinal);
  }
}

/** "3.", "c.", "iii." */
export function numberText(n: ClauseNumber): string {
  return numberLabel(n) + '.';
}

/** a … z, then aa, bb … zz, then aaa …: the convention of UN documents. */
function alpha(ordinal: number): string {
  if (ordinal <= 0) return '0';
  const letter = String.fromCharCode(97 + ((ordinal - 1) % 26));
  return letter.repeat(Math.floor((ordinal - 1) / 26) + 1);
}

function roman(n: number): string {
  if (n <= 0 || n >= 4000) return String(n);
  const table: [number, string][] = [
    [1000, 'm'], [900, 'cm'], [500, 'd'], [400, 'cd'], [100, 'c'], [90, 'xc'],
    [50, 'l'], [40, 'xl'], [10, 'x'], [9, 'ix'], [5, 'v'], [4, 'iv'], [1, 'i'],
  ];
  let out = '';
  for (const [value, digits] of table) {
    while (n >= value) {
      out += digits;
      n -= value;
    }
  }
  return out;
}
