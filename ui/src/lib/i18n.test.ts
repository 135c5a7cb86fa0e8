import { describe, expect, it } from 'vitest';
import { en } from './i18n/en';
import { es } from './i18n/es';
import { i18n, languageFor, t } from './i18n.svelte';

describe('i18n', () => {
  it('english_and_spanish_have_the_same_keys', () => {
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
  });

  it('no_translation_is_empty_and_parameters_match', () => {
    for (const k of Object.keys(en) as (keyof typeof en)[]) {
      expect(es[k].trim(), k).not.toBe('');
      const params = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort();
      expect(params(es[k]), k).toEqual(params(en[k]));
    }
  });

  it('switching_language_changes_every_string', () => {
    i18n.set('en');
    expect(t('meeting.tab.drafts')).toBe('Drafts');
    i18n.set('es');
    expect(t('meeting.tab.drafts')).toBe('Borradores');
    expect(t('drafts.summary', { agreed: 7, total: 12, bracketed: 3 })).toBe('7 de 12 acordados, 3 entre corchetes');
    i18n.set('en');
    expect(t('drafts.summary', { agreed: 7, total: 12, bracketed: 3 })).toBe('7 of 12 agreed, 3 bracketed');
  });

  it('language_follows_the_system_tag', () => {
    expect(languageFor('es-NI')).toBe('es');
    expect(languageFor('es')).toBe('es');
    expect(languageFor('en-CA')).toBe('en');
    expect(languageFor('fr-FR')).toBe('en');
    expect(languageFor(undefined)).toBe('en');
  });
});
