// A small typed i18n module. `t(key, params)` reads the current language from a rune, so
// every template that calls it re-renders when the language changes. The language follows
// the system (`navigator.language`) until the user picks one.

import { en, type Key } from './i18n/en';
import { es } from './i18n/es';
import type { Language } from './types';

export type { Key };
export const dictionaries: Record<Language, Record<Key, string>> = { en, es };
export const LANGUAGES: Language[] = ['en', 'es'];

/** The UI language for a BCP 47 tag: Spanish for any `es-*`, else English. */
export function languageFor(tag: string | null | undefined): Language {
  return tag && tag.toLowerCase().startsWith('es') ? 'es' : 'en';
}

function systemLanguage(): Language {
  return typeof navigator === 'undefined' ? 'en' : languageFor(navigator.language);
}

const state = $state({ lang: systemLanguage() as Language });

export const i18n = {
  get lang(): Language {
    return state.lang;
  },
  /** Switch the language; null = back to the system's. */
  set(lang: Language | null) {
    state.lang = lang ?? systemLanguage();
    if (typeof document !== 'undefined') document.documentElement.lang = state.lang;
  },
};

export function t(key: Key, params?: Record<string, string | number>): string {
  const s = dictionaries[state.lang][key] ?? en[key] ?? key;
  if (!params) return s;
  return s.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

/** A "YYYY-MM-DD" date in the current language, e.g. "24 Nov 2014" / "24 nov 2014". */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '';
  const [y, m, d] = iso.split('-').map(Number);
  if (!y || !m || !d) return iso;
  try {
    return new Intl.DateTimeFormat(state.lang, { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' }).format(
      new Date(Date.UTC(y, m - 1, d)),
    );
  } catch {
    return iso;
  }
}

/** A date range: "24 Nov 2014" or "24 Nov 2014 – 26 Nov 2014". */
export function formatRange(start: string | null, end: string | null): string {
  if (!start) return formatDate(end);
  if (!end || end === start) return formatDate(start);
  return `${formatDate(start)} – ${formatDate(end)}`;
}
