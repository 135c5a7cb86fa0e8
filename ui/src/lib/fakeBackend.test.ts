import { describe, expect, it } from 'vitest';
import { FakeBackend } from './fakeBackend';
import { numberText } from './numbering';
import { outline, summarize } from './outline';
import { HIT_END, HIT_START, type AccordError, type DocEvent } from './types';

async function demo() {
  const b = new FakeBackend();
  const m = await b.createDemo();
  const data = await b.getMeeting(m);
  return { b, m, draft: data.drafts[0].id, minutes: data.minutes! };
}

async function numbers(b: FakeBackend, draft: string) {
  return outline(await b.getDraft(draft)).map((r) => `${numberText(r.clause.number)}${r.clause.id}`);
}

describe('FakeBackend follows the model', () => {
  it('demo_meeting_has_the_report_structure', async () => {
    const { b, draft } = await demo();
    const n = await numbers(b, draft);
    expect(n.slice(0, 4)).toEqual(['1.p1', '2.p2', 'a.p2a', 'b.p2b']);
    expect(n).toContain('7.p7');
    const s = summarize(await b.getDraft(draft));
    expect(s).toMatchObject({ total: 16, adopted: 14, bracketed: 1, agreed_ad_ref: 1, with_brackets: 1 });
  });

  it('indent_outdent_renumber', async () => {
    const { b, draft } = await demo();
    await b.indentClause(draft, 'p3');
    expect(await numbers(b, draft)).toEqual(expect.arrayContaining(['f.p3', 'i.p3a', '3.p4']));
    await b.outdentClause(draft, 'p3');
    expect(await numbers(b, draft)).toEqual(expect.arrayContaining(['3.p3', 'a.p3a']));
    await expect(b.indentClause(draft, 'p1')).rejects.toMatchObject({ code: 'cannot_indent' });
    await expect(b.outdentClause(draft, 'p1')).rejects.toMatchObject({ code: 'cannot_outdent' });
  });

  it('agreed_status_is_refused_while_brackets_remain', async () => {
    const { b, draft } = await demo();
    const err = (await b.setClauseStatus(draft, 'p6', 'agreed').catch((e) => e)) as AccordError;
    expect(err.code).toBe('brackets_remain');
    await b.setClauseStatus(draft, 'p6', 'deleted');
    const clean = await b.getDraft(draft, true);
    expect(outline(clean).map((r) => r.clause.id)).not.toContain('p6');
    expect(outline(clean).find((r) => r.clause.id === 'p7')!.clause.number.ordinal).toBe(6);
  });

  it('changes_are_announced_to_subscribers', async () => {
    const { b, draft } = await demo();
    const seen: DocEvent[] = [];
    await b.subscribe(draft, (e) => seen.push(e));
    await b.insertClause(draft, { at: 'end', parent: null }, 'New');
    await b.splice(draft, { field: 'clause', id: 'p1' }, { pos: 0, del: 5, insert: 'Thanks' });
    b.remoteSplice(draft, { field: 'clause', id: 'p1' }, { pos: 0, del: 0, insert: '>' });
    // Each event has its place in one order.
    const versions = seen.map((e) => (e.kind === 'patches' ? e.version : null));
    expect(versions.every((v, i) => typeof v === 'number' && (i === 0 || v > versions[i - 1]!))).toBe(true);
    expect(seen.map((e) => (e.kind === 'patches' ? { ...e, version: undefined, tag: undefined } : e))).toEqual([
      { kind: 'patches', origin: 'local', patches: [{ type: 'structure' }] },
      { kind: 'patches', origin: 'local', patches: [{ type: 'splice', target: { field: 'clause', id: 'p1' }, index: 0, delete: 5, insert: 'Thanks' }] },
      { kind: 'patches', origin: 'remote', patches: [{ type: 'splice', target: { field: 'clause', id: 'p1' }, index: 0, delete: 0, insert: '>' }] },
    ]);
    expect((await b.getDraft(draft)).clauses[0].text.startsWith('>Thanks the delegations')).toBe(true);
  });

  it('search_finds_clauses_with_marked_snippets', async () => {
    const { b, draft } = await demo();
    const hits = await b.search('tegucigalpa');
    expect(hits).toHaveLength(1);
    expect(hits[0]).toMatchObject({ kind: 'draft', document: draft, clause: 'p6' });
    expect(hits[0].snippet).toContain(`${HIT_START}Tegucigalpa${HIT_END}`);
    expect(await b.search('   ')).toEqual([]);
  });

  it('action_filters_by_owner_status_and_overdue', async () => {
    const { b, m } = await demo();
    const ts = await b.listActions({ meeting: m, owner: 'technical-secretariat' });
    expect(ts.map((a) => a.id)).toEqual(['a7', 'a2', 'a3', 'a4']);
    const overdue = await b.listActions({ meeting: m, overdue_on: '2015-03-01' });
    expect(overdue.map((a) => a.id).sort()).toEqual(['a1', 'a5']);
    await b.setActionStatus(m, 'a1', 'done');
    expect((await b.listActions({ meeting: m, overdue_on: '2015-03-01' })).map((a) => a.id)).toEqual(['a5']);
    expect((await b.listActions({ meeting: m, status: 'done' })).map((a) => a.id)).toEqual(['a1']);
    await expect(b.addAction(m, { text: 'x', owners: ['atlantis'], due: null, source: null })).rejects.toMatchObject({ code: 'no_such_party' });
  });
});
