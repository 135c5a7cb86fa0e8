// The UI against the fake backend: what a delegate does, checked through the DOM.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/svelte';
import { EditorView } from '@codemirror/view';
import App from '../App.svelte';
import { FakeBackend } from '../lib/fakeBackend';
import { i18n } from '../lib/i18n.svelte';
import { router } from '../lib/router.svelte';

const TODAY = '2015-03-01';

function start(hash: string, backend = new FakeBackend({ withDemo: true })) {
  window.location.hash = hash;
  router.sync();
  render(App, { props: { backend, today: () => TODAY } });
  return backend;
}

async function openDraft() {
  const b = start('#/m/demo-meeting/drafts');
  await screen.findByTestId('clause-p1');
  return b;
}

function number(id: string) {
  return screen.getByTestId(`clause-number-${id}`).textContent;
}

function editorView(id: string): EditorView {
  const host = screen.getByTestId(`clause-editor-${id}`);
  const v = EditorView.findFromDOM(host.querySelector('.cm-editor') as HTMLElement);
  if (!v) throw new Error(`no editor for ${id}`);
  return v;
}

function key(id: string, init: KeyboardEventInit) {
  const v = editorView(id);
  fireEvent.keyDown(v.contentDOM, init);
}

function ids(): string[] {
  return [...document.querySelectorAll('[data-clause]')].map((e) => e.getAttribute('data-clause')!);
}

beforeEach(() => i18n.set('en'));
afterEach(() => {
  cleanup();
  window.location.hash = '';
});

describe('meetings', () => {
  it('first_start_offers_the_demo_meeting_in_one_click', async () => {
    start('#/', new FakeBackend());
    const demo = await screen.findByTestId('create-demo');
    await fireEvent.click(demo);
    await screen.findByTestId('meeting-item-demo-meeting');
    expect(await screen.findByTestId('clause-p1')).toBeInTheDocument();
    expect(number('p1')).toBe('1.');
    expect(number('p2a')).toBe('a.');
    expect(screen.getByTestId('meeting-heading')).toHaveTextContent('Liaison Officer Network');
  });

  it('a_search_hit_opens_the_meeting_at_the_clause', async () => {
    start('#/');
    const input = await screen.findByTestId('search-input');
    await fireEvent.input(input, { target: { value: 'Tegucigalpa' } });
    await fireEvent.keyDown(input, { key: 'Enter' });
    const hit = await screen.findByTestId('search-hit');
    expect(hit.querySelector('mark')).toHaveTextContent('Tegucigalpa');
    await fireEvent.click(hit);
    await screen.findByTestId('clause-p6');
    expect(window.location.hash).toContain('clause=p6');
  });

  it('creating_a_meeting_sends_every_detail', async () => {
    const b = start('#/new', new FakeBackend());
    await fireEvent.input(await screen.findByTestId('meeting-title'), { target: { value: 'XX Vice-Ministerial Meeting' } });
    await fireEvent.input(screen.getByTestId('meeting-forum'), { target: { value: 'Regional Conference on Migration (RCM)' } });
    await fireEvent.change(screen.getByTestId('meeting-kind'), { target: { value: 'vice_ministerial' } });
    await fireEvent.input(screen.getByTestId('meeting-venue'), { target: { value: 'Tegucigalpa, Honduras' } });
    await fireEvent.input(screen.getByTestId('meeting-start'), { target: { value: '2015-06-25' } });
    await fireEvent.input(screen.getByTestId('meeting-end'), { target: { value: '2015-06-26' } });
    await fireEvent.input(screen.getByTestId('meeting-timezone'), { target: { value: 'America/Tegucigalpa' } });
    await fireEvent.input(screen.getByTestId('meeting-languages'), { target: { value: 'es, en' } });
    await fireEvent.click(screen.getByTestId('meeting-submit'));
    await waitFor(() => expect(screen.getByTestId('meeting-heading')).toHaveTextContent('XX Vice-Ministerial Meeting'));
    const m = [...b.meetings.values()][0];
    expect(m.details).toMatchObject({
      kind: 'vice_ministerial',
      venue: 'Tegucigalpa, Honduras',
      start_date: '2015-06-25',
      end_date: '2015-06-26',
      time_zone: 'America/Tegucigalpa',
      languages: ['es', 'en'],
    });
  });

  it('a_meeting_without_title_is_not_submitted', async () => {
    const b = start('#/new', new FakeBackend());
    await fireEvent.click(await screen.findByTestId('meeting-submit'));
    expect(screen.getByTestId('form-problem')).toHaveTextContent('A title is needed.');
    expect(b.meetings.size).toBe(0);
  });
});

describe('drafts', () => {
  it('clause_tree_renders_computed_numbers_and_summary', async () => {
    await openDraft();
    expect(ids().slice(0, 4)).toEqual(['p1', 'p2', 'p2a', 'p2b']);
    expect(number('p2e')).toBe('e.');
    expect(number('p7')).toBe('7.');
    expect(screen.getByTestId('clause-p2a').getAttribute('data-depth')).toBe('1');
    expect(screen.getByTestId('draft-summary')).toHaveTextContent('15 of 16 agreed, 1 bracketed');
  });

  it('buttons_add_a_sub_item_indent_outdent_and_delete', async () => {
    const b = await openDraft();
    await fireEvent.click(screen.getByTestId('add-sub-p2a'));
    await waitFor(() => expect(ids().indexOf('p2b')).toBe(ids().indexOf('p2a') + 2));
    const sub = ids()[ids().indexOf('p2a') + 1];
    expect(number(sub)).toBe('i.');

    await fireEvent.click(screen.getByTestId('indent-p3'));
    await waitFor(() => expect(number('p3')).toBe('f.'));
    expect(number('p3a')).toBe('i.');
    expect(number('p4')).toBe('3.');
    await fireEvent.click(screen.getByTestId('outdent-p3'));
    await waitFor(() => expect(number('p3')).toBe('3.'));

    await fireEvent.click(screen.getByTestId('delete-p7'));
    await fireEvent.click(screen.getByTestId('delete-confirm-yes-p7'));
    await waitFor(() => expect(screen.queryByTestId('clause-p7')).toBeNull());
    expect((await b.getDraft('demo-draft')).clauses.map((c) => c.id)).not.toContain('p7');
  });

  it('keyboard_shortcuts_indent_outdent_move_and_add', async () => {
    await openDraft();
    key('p3', { key: 'Tab' });
    await waitFor(() => expect(number('p3')).toBe('f.'));
    key('p3', { key: 'Tab', shiftKey: true });
    await waitFor(() => expect(number('p3')).toBe('3.'));

    key('p1', { key: 'ArrowDown', altKey: true });
    await waitFor(() => expect(number('p1')).toBe('2.'));
    expect(number('p2')).toBe('1.');
    key('p1', { key: 'ArrowUp', altKey: true });
    await waitFor(() => expect(number('p1')).toBe('1.'));

    const v = editorView('p7');
    v.dispatch({ selection: { anchor: v.state.doc.length } });
    key('p7', { key: 'Enter' });
    await waitFor(() => expect(ids()).toHaveLength(17));
    const added = ids()[16];
    expect(number(added)).toBe('8.');
    // Backspace in the new, empty clause deletes it again.
    key(added, { key: 'Backspace' });
    await waitFor(() => expect(ids()).toHaveLength(16));
  });

  it('the_shortcuts_help_lists_the_keys', async () => {
    await openDraft();
    await fireEvent.click(screen.getByTestId('shortcuts-button'));
    const help = screen.getByTestId('shortcuts-help');
    expect(help).toHaveTextContent('Indent: make it a sub-item of the clause above');
    await fireEvent.click(screen.getByTestId('shortcuts-close'));
    expect(screen.queryByTestId('shortcuts-help')).toBeNull();
  });

  it('status_chip_changes_status_and_summary', async () => {
    await openDraft();
    const chip = screen.getByTestId('clause-status-p1') as HTMLSelectElement;
    expect(chip.value).toBe('adopted');
    await fireEvent.change(chip, { target: { value: 'open' } });
    await waitFor(() => expect(screen.getByTestId('draft-summary')).toHaveTextContent('14 of 16 agreed, 1 bracketed'));
    expect(screen.getByTestId('clause-p1').getAttribute('data-status')).toBe('open');
    expect(screen.getByTestId('clause-status-p1')).toHaveClass('status-open');

    await fireEvent.change(screen.getByTestId('clause-status-p2'), { target: { value: 'deleted' } });
    await waitFor(() => expect(screen.getByTestId('clause-p2')).toHaveClass('status-deleted'));
  });

  it('agreeing_a_clause_with_brackets_shows_the_backend_message', async () => {
    await openDraft();
    await fireEvent.change(screen.getByTestId('clause-status-p6'), { target: { value: 'agreed' } });
    const err = await screen.findByTestId('error');
    expect(err.getAttribute('data-code')).toBe('brackets_remain');
    expect(err).toHaveTextContent('The change was not saved: clause p6 still has brackets');
    expect(screen.getByTestId('clause-p6').getAttribute('data-status')).toBe('bracketed');
  });

  it('brackets_are_highlighted_in_the_editor', async () => {
    await openDraft();
    const marks = screen.getByTestId('clause-editor-p6').querySelectorAll('.cm-bracket');
    expect([...marks].map((m) => m.textContent)).toEqual(['[San José, Costa Rica]', '[Tegucigalpa, Honduras]']);
    expect(screen.getByTestId('clause-editor-p1').querySelectorAll('.cm-bracket')).toHaveLength(0);
  });

  it('typing_sends_splices_in_utf16_units', async () => {
    const b = await openDraft();
    const v = editorView('p7');
    v.dispatch({ changes: { from: 0, insert: '😀 ' } });
    v.dispatch({ changes: { from: 3, to: 10, insert: 'Ask' } });
    await waitFor(async () => expect((await b.getDraft('demo-draft')).clauses.slice(-1)[0].text).toBe('😀 Ask the TS to circulate this report to the Member Countries.'));
  });

  it('clean_text_preview_drops_deleted_clauses_and_brackets', async () => {
    const b = await openDraft();
    await b.setClauseStatus('demo-draft', 'p1', 'deleted');
    await fireEvent.click(screen.getByTestId('clean-toggle'));
    const preview = await screen.findByTestId('clean-preview');
    expect(within(preview).queryByTestId('clean-clause-p1')).toBeNull();
    expect(within(preview).getByTestId('clean-clause-p2')).toHaveTextContent(/^1\./);
    expect(within(preview).getByTestId('clean-clause-p6')).toHaveTextContent('San José, Costa Rica Tegucigalpa, Honduras');
  });
});

describe('import', () => {
  it('importing_a_report_opens_the_new_draft_and_lists_every_warning', async () => {
    const b = await openDraft();
    const text = '# Draft declaration\n\n1. Welcome the report.\na. Thank Nicaragua.\nSigned in Managua\n2. Ask the TS to circulate it.\n';
    const file = new File([text], 'declaration.txt', { type: 'text/plain' });
    const input = screen.getByTestId('import-file') as HTMLInputElement;
    expect(input.accept).toBe('.txt,.md,.markdown,.docx');
    let clicked = false;
    input.addEventListener('click', () => (clicked = true));
    await fireEvent.click(screen.getByTestId('import-report'));
    expect(clicked).toBe(true);
    await fireEvent.change(input, { target: { files: [file] } });

    const notice = await screen.findByTestId('import-summary');
    expect(notice).toHaveTextContent('Imported “Draft declaration” as a new draft.');
    expect(notice).toHaveTextContent('2 paragraphs, 1 sub-items, 0 suggested action items, 1 notes');
    expect([...notice.querySelectorAll('li')].map((li) => li.textContent)).toEqual(['line 5: not a numbered paragraph, left out: “Signed in Managua”']);

    await waitFor(() => expect(screen.getByTestId('draft-title')).toHaveTextContent('Draft declaration'));
    const draft = (await b.getMeeting('demo-meeting')).drafts.find((d) => d.title === 'Draft declaration')!;
    expect(screen.getByTestId(`draft-${draft.id}`)).toBeInTheDocument();
    await waitFor(() => expect(ids()).toHaveLength(3));
    expect(ids().map(number)).toEqual(['1.', 'a.', '2.']);
    expect(ids().map((id) => editorView(id).state.doc.toString())).toEqual(['Welcome the report.', 'Thank Nicaragua.', 'Ask the TS to circulate it.']);
    expect(window.location.hash).toContain(`/drafts/${draft.id}`);
  });

  it('an_import_the_backend_refuses_shows_its_message', async () => {
    await openDraft();
    const file = new File([new Uint8Array([0x50, 0x4b, 3, 4])], 'report.docx');
    await fireEvent.change(screen.getByTestId('import-file'), { target: { files: [file] } });
    const err = await screen.findByTestId('error');
    expect(err).toHaveTextContent('The change was not saved: report.docx: the demo backend reads only text and Markdown');
    expect(screen.queryByTestId('import-summary')).toBeNull();
  });
});

describe('live collaboration', () => {
  it('a_remote_splice_lands_in_the_open_editor_and_keeps_the_local_selection', async () => {
    const b = await openDraft();
    const v = editorView('p7');
    // The local user has "circulate" selected.
    const from = v.state.doc.toString().indexOf('circulate');
    v.dispatch({ selection: { anchor: from, head: from + 'circulate'.length } });
    b.remoteSplice('demo-draft', { field: 'clause', id: 'p7' }, { pos: 0, del: 0, insert: 'Kindly ' });
    expect(v.state.doc.toString()).toBe('Kindly Request the TS to circulate this report to the Member Countries.');
    const sel = v.state.selection.main;
    expect(v.state.sliceDoc(sel.from, sel.to)).toBe('circulate');
    // Not sent back: the backend holds the text once.
    await new Promise((r) => setTimeout(r, 10));
    expect((await b.getDraft('demo-draft')).clauses.slice(-1)[0].text.startsWith('Kindly Request')).toBe(true);
    expect((await b.getDraft('demo-draft')).clauses.slice(-1)[0].text.startsWith('Kindly Kindly')).toBe(false);
  });

  it('a_remote_structure_change_renumbers_without_replacing_editors', async () => {
    const b = await openDraft();
    const before = editorView('p2');
    b.remoteInsertClause('demo-draft', { at: 'start', parent: null }, 'A new first paragraph.');
    await waitFor(() => expect(number('p1')).toBe('2.'));
    expect(number('p2')).toBe('3.');
    expect(editorView('p2')).toBe(before);
  });

  it('remote_cursors_show_the_delegation_name', async () => {
    const b = await openDraft();
    b.emitPresence('demo-draft', [
      { device: 'b2'.repeat(32), device_name: 'Mexico laptop', party: 'mexico', doc: 'demo-draft', clause: 'p6', cursor: { anchor: 10, head: 10 } },
    ]);
    const caret = await within(screen.getByTestId('clause-editor-p6')).findByTestId('remote-cursor');
    expect(caret.querySelector('.cm-remote-label')?.getAttribute('data-label')).toContain('Mexico');
    expect(caret.textContent).toBe(''); // the clause's text stays its own
    expect(within(screen.getByTestId('clause-p6')).getByTestId('presence')).toBeInTheDocument();
  });
});

describe('action items', () => {
  it('overdue_items_stand_out_and_filters_apply', async () => {
    const b = start('#/m/demo-meeting/actions');
    await screen.findByTestId('action-row-a1');
    expect(screen.getByTestId('action-row-a1')).toHaveClass('overdue');
    expect(screen.getByTestId('overdue-a1')).toHaveTextContent('overdue');
    expect(screen.getByTestId('action-row-a7')).not.toHaveClass('overdue'); // due 31 March
    expect(screen.getByTestId('action-row-a2')).not.toHaveClass('overdue'); // no date
    expect(screen.getByTestId('action-source-a1')).toHaveTextContent('clause 2.a');
    expect(screen.getByTestId('action-source-a1').getAttribute('href')).toContain('clause=p2a');

    await fireEvent.change(screen.getByTestId('filter-owner'), { target: { value: 'technical-secretariat' } });
    await waitFor(() => expect(screen.queryByTestId('action-row-a1')).toBeNull());
    const rows = [...document.querySelectorAll('[data-testid^="action-row-"]')].map((r) => r.getAttribute('data-testid'));
    expect(rows).toEqual(['action-row-a7', 'action-row-a2', 'action-row-a3', 'action-row-a4']);

    await fireEvent.change(screen.getByTestId('filter-owner'), { target: { value: '' } });
    await fireEvent.click(screen.getByTestId('filter-overdue'));
    await waitFor(() => expect(document.querySelectorAll('[data-testid^="action-row-"]')).toHaveLength(2));

    await fireEvent.change(screen.getByTestId('action-status-a1'), { target: { value: 'done' } });
    await waitFor(() => expect(screen.queryByTestId('action-row-a1')).toBeNull());
    expect((await b.listActions({ status: 'done' })).map((a) => a.id)).toEqual(['a1']);
  });

  it('the_add_form_creates_an_action_item_linked_to_a_clause', async () => {
    const b = start('#/m/demo-meeting/actions');
    await screen.findByTestId('action-row-a1');
    await fireEvent.input(screen.getByTestId('new-action-text'), { target: { value: 'Circulate the report' } });
    const owners = screen.getByTestId('new-action-owners') as HTMLSelectElement;
    [...owners.options].find((o) => o.value === 'technical-secretariat')!.selected = true;
    await fireEvent.change(owners);
    await fireEvent.input(screen.getByTestId('new-action-due'), { target: { value: '2015-01-15' } });
    await waitFor(() => expect((screen.getByTestId('new-action-source') as HTMLSelectElement).options.length).toBeGreaterThan(10));
    await fireEvent.change(screen.getByTestId('new-action-source'), { target: { value: 'demo-draft/p7' } });
    await fireEvent.click(screen.getByTestId('new-action-submit'));
    await waitFor(async () => expect(await b.listActions({ owner: 'technical-secretariat', overdue_on: TODAY })).toHaveLength(1));
    const added = (await b.listActions({})).find((a) => a.text === 'Circulate the report')!;
    expect(added).toMatchObject({ owners: ['technical-secretariat'], due: '2015-01-15', source: { draft: 'demo-draft', clause: 'p7' } });
    await waitFor(() => expect(screen.getByTestId(`action-row-${added.id}`)).toHaveClass('overdue'));
  });
});

describe('participants and sync', () => {
  it('invite_shows_ticket_and_qr_and_revoke_warns_plainly', async () => {
    const b = start('#/m/demo-meeting/participants');
    await screen.findByTestId('peer-' + 'c3'.repeat(32));
    await fireEvent.change(screen.getByTestId('invite-party'), { target: { value: 'mexico' } });
    await fireEvent.click(screen.getByTestId('invite-create'));
    const ticket = (await screen.findByTestId('invite-ticket')) as HTMLTextAreaElement;
    expect(ticket.value).toMatch(/^accord1:demo-meeting:mexico:member:/);
    expect(screen.getByTestId('invite-qr').getAttribute('src')).toMatch(/^data:image\/svg\+xml/);

    await fireEvent.click(screen.getByTestId('revoke-' + 'c3'.repeat(32)));
    expect(screen.getByTestId('revoke-warning')).toHaveTextContent('What it has already received stays on it');
    await fireEvent.click(screen.getByTestId('revoke-confirm'));
    await waitFor(async () => expect((await b.peers('demo-meeting')).find((p) => p.device === 'c3'.repeat(32))!.revoked).toBe(true));
  });

  it('a_revoked_devices_held_changes_are_shown_and_an_admin_takes_them_in', async () => {
    const b = start('#/m/demo-meeting/participants');
    const canada = 'c3'.repeat(32);
    await screen.findByTestId('peer-' + canada);
    b.holdChanges('demo-meeting', canada, 3);
    await fireEvent.click(screen.getByTestId('revoke-' + canada));
    await fireEvent.click(screen.getByTestId('revoke-confirm'));
    const held = await screen.findByTestId('peer-held-' + canada);
    expect(held).toHaveTextContent('3 changes it made after its revocation are held');
    await fireEvent.click(screen.getByTestId('accept-held-' + canada));
    await waitFor(async () => expect((await b.peers('demo-meeting')).find((p) => p.device === canada)!.held).toBe(0));
    await waitFor(() => expect(screen.queryByTestId('peer-held-' + canada)).toBeNull());
  });

  it('status_bar_shows_mode_and_per_peer_sync', async () => {
    start('#/m/demo-meeting/drafts');
    const status = await screen.findByTestId('sync-status');
    await waitFor(() => expect(status.getAttribute('data-mode')).toBe('online'));
    await waitFor(() => expect(screen.getByTestId('sync-peer-' + 'c3'.repeat(32)).getAttribute('data-up-to-date')).toBe('false'));
    await fireEvent.click(screen.getByTestId('offline-switch'));
    await waitFor(() => expect(screen.getByTestId('sync-status').getAttribute('data-mode')).toBe('lan'));
  });

  it('the_language_switch_translates_the_ui', async () => {
    const b = await openDraft();
    await fireEvent.change(screen.getByTestId('language-switch'), { target: { value: 'es' } });
    await waitFor(() => expect(screen.getByTestId('tab-drafts')).toHaveTextContent('Borradores'));
    expect(screen.getByTestId('draft-summary')).toHaveTextContent('15 de 16 acordados, 1 entre corchetes');
    expect(screen.getByTestId('clause-status-p6').querySelector('option[value="bracketed"]')).toHaveTextContent('entre corchetes');
    expect((await b.profile()).language).toBe('es');
  });
});
