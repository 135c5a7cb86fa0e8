import type { Party } from './types';

/** How a party is named in tight places: its abbreviation, else its name without "the". */
export function partyLabel(p: Party): string {
  return p.short_name ?? p.name.replace(/^the /, '');
}

export function partyLabelFor(parties: Party[], id: string | null, fallback = '?'): string {
  const p = id ? parties.find((x) => x.id === id) : undefined;
  return p ? partyLabel(p) : id ?? fallback;
}
