import { describe, expect, it, vi } from 'vitest';
import { TauriBackend, commandName, toAccordError } from './backend';
import type { DocEvent } from './types';

describe('TauriBackend', () => {
  function setup(result: unknown = null) {
    const invoke = vi.fn(async (_cmd: string, _args?: Record<string, unknown>) => result);
    const channels: ((e: DocEvent) => void)[] = [];
    const b = new TauriBackend(invoke, (f) => {
      channels.push(f);
      return { channel: channels.length };
    });
    return { b, invoke, channels };
  }

  it('command_names_are_snake_case_method_names', () => {
    expect(commandName('insertClause')).toBe('insert_clause');
    expect(commandName('profile')).toBe('profile');
    expect(commandName('setActionDue')).toBe('set_action_due');
  });

  it('arguments_are_camel_case_keys_with_serde_values', async () => {
    const { b, invoke } = setup('c9');
    await b.insertClause('d1', { at: 'after', clause: 'p1' }, 'x');
    expect(invoke).toHaveBeenLastCalledWith('insert_clause', { draftId: 'd1', placement: { at: 'after', clause: 'p1' }, text: 'x' });
    await b.splice('d1', { field: 'clause', id: 'p2a' }, { pos: 3, del: 0, insert: 'x' });
    expect(invoke).toHaveBeenLastCalledWith('splice', { docId: 'd1', target: { field: 'clause', id: 'p2a' }, splice: { pos: 3, del: 0, insert: 'x' } });
    await b.setSettings({ relay_url: null });
    expect(invoke).toHaveBeenLastCalledWith('set_settings', { settings: { relay_url: null } });
    await b.invite('m1', 'mexico', 'member', 24);
    expect(invoke).toHaveBeenLastCalledWith('invite', { meetingId: 'm1', party: 'mexico', role: 'member', expiresHours: 24 });
    await b.listActions({ owner: 'mexico', overdue_on: '2015-03-01' });
    expect(invoke).toHaveBeenLastCalledWith('list_actions', { filter: { owner: 'mexico', overdue_on: '2015-03-01' } });
    await b.getDraft('d1');
    expect(invoke).toHaveBeenLastCalledWith('get_draft', { draftId: 'd1', clean: false });
  });

  it('subscribe_passes_a_channel_and_unsubscribes_by_id', async () => {
    const { b, invoke, channels } = setup(7);
    const seen: DocEvent[] = [];
    const off = await b.subscribe('d1', (e) => seen.push(e));
    expect(invoke).toHaveBeenLastCalledWith('subscribe', { docId: 'd1', onEvent: { channel: 1 } });
    channels[0]({ kind: 'patches', origin: 'remote', patches: [{ type: 'structure' }] });
    expect(seen).toHaveLength(1);
    off();
    expect(invoke).toHaveBeenLastCalledWith('unsubscribe', { id: 7 });
  });

  it('errors_keep_their_code_and_message', () => {
    expect(toAccordError({ code: 'brackets_remain', message: 'clause p6 still has brackets' })).toEqual({
      code: 'brackets_remain',
      message: 'clause p6 still has brackets',
    });
    expect(toAccordError(new Error('boom')).message).toBe('boom');
  });
});
