"""Two delegations, two app instances on one machine (two profiles), joined by a ticket
over loopback: A types into a clause, B sees the text appear, and B's own caret stays where
it was in the text (it moves along with the insertion before it) while A's caret shows in
B's editor as a remote cursor; and A's Participants tab lists both devices online. Both
instances run with ACCORD_NET=loopback (the harness sets it): nothing leaves the machine."""

from wd import KEYS

INSERT = "Hello from A. "
# Ctrl-End / Ctrl-Home: the ends of the clause. Plain End/Home stop at the end of the visual
# line, and a long clause wraps.
DOC_END = KEYS["ctrl"] + KEYS["end"] + KEYS["null"]
DOC_START = KEYS["ctrl"] + KEYS["home"] + KEYS["null"]

REMOTE_CURSOR_LABEL_JS = """
const c = document.querySelector(
  `[data-testid="clause-editor-${arguments[0]}"] [data-testid="remote-cursor"]`);
return c && c.getAttribute('title');
"""

CARET_JS = """
const host = document.querySelector(`[data-testid="clause-editor-${arguments[0]}"] .cm-content`);
const sel = document.getSelection();
if (!host || !sel.rangeCount || !host.contains(sel.focusNode)) return null;
const r = document.createRange();
r.setStart(host, 0);
r.setEnd(sel.focusNode, sel.focusOffset);
return r.toString().length;
"""


def editor(s, clause):
    return s.find(f'[data-testid="clause-editor-{clause}"] .cm-content')


def no_error(s, what):
    """Fails at once, and plainly, if the UI shows a backend error (e.g. not_available)."""
    errs = s.find_all('[data-testid="error"]')
    if errs:
        raise AssertionError(f"{what}: the app says {s.attr(errs[0], 'data-code')!r}: {s.text(errs[0])}")


ONLINE_ROWS_JS = """
return [...document.querySelectorAll('[data-testid="roster"] tr[data-testid^="peer-"]')]
  .filter(r => r.querySelector('.online-dot.on')).length;
"""


def name_device(s, name):
    """Names the device in the settings dialog (the roster and presence show this name)."""
    s.click_tid("settings-button", timeout=30)
    el = s.wait_tid("settings-device-name")
    s.clear(el)
    s.type(el, name)
    s.click_tid("settings-save")
    s.wait("the settings dialog closes", lambda: not s.find_all('[data-testid="settings-dialog"]'))


def test(ctx):
    a, b = ctx.app("A"), ctx.app("B")

    ctx.step("each names its device")
    name_device(a, "Delegation of Mexico")
    name_device(b, "Delegation of Belize")

    ctx.step("A opens the demo meeting")
    a.click_tid("create-demo", timeout=30)
    a.wait("the demo meeting", lambda: a.js("return location.hash").startswith("#/m/"))
    meeting = a.js("return location.hash").split("/")[2]

    ctx.step("A invites a member delegation")
    a.click_tid("tab-participants")
    a.wait_tid("invite-form")
    party = a.js("const o = document.querySelector('[data-testid=\"invite-party\"] option:not([value=\"\"])'); return o && o.value")
    assert party, "the demo meeting has parties to invite"
    a.select("invite-party", party)
    a.select("invite-role", "member")
    a.click_tid("invite-create")
    ticket = a.wait("the ticket", lambda: (no_error(a, "invite"), a.prop(a.tid("invite-ticket"), "value"))[1])
    ctx.step(f"  ticket of {len(ticket)} characters")

    ctx.step("B joins with the ticket")
    b.wait_tid("home", timeout=30)
    b.click_tid("join-link")
    b.type(b.wait_tid("join-ticket"), ticket)
    b.click_tid("join-submit")
    b.wait("B has the meeting", lambda: (no_error(b, "join"), f"#/m/{meeting}" in b.js("return location.hash"))[1], timeout=60)

    ctx.step("both open the draft's first clause")
    a.click_tid("tab-drafts")
    b.click_tid("tab-drafts")
    first = a.wait("A's clauses", lambda: a.js("const e = document.querySelector('[data-clause]'); return e && e.dataset.clause"))
    original = a.text(a.wait("A's editor", lambda: editor(a, first)))
    b.wait("B has the clause's text", lambda: b.text(editor(b, first)) == original, timeout=60)

    ctx.step("B puts its caret at the end of the clause")
    b.click(editor(b, first))
    b.type(editor(b, first), DOC_END)
    b.wait("B's caret at the end", lambda: b.js(CARET_JS, first) == len(original))

    ctx.step("A types at the start of the same clause")
    a.click(editor(a, first))
    a.type(editor(a, first), DOC_START)  # its own call: WebKit keeps Ctrl down to the end of one
    a.type(editor(a, first), INSERT)
    a.wait("A's text", lambda: a.text(editor(a, first)) == INSERT + original)

    ctx.step("B sees the text, its caret where it was, A's caret as a remote cursor")
    b.wait("the text on B", lambda: b.text(editor(b, first)) == INSERT + original, timeout=30)
    caret = b.js(CARET_JS, first)
    assert caret == len(INSERT + original), f"B's caret moved: {caret}, expected {len(INSERT + original)}"
    # The label is read in the same call that finds the cursor: the editor redraws remote
    # cursors as presence and text arrive, so an element found in one call can be gone by
    # the next.
    label = b.wait("A's cursor in B's editor", lambda: b.js(REMOTE_CURSOR_LABEL_JS, first), timeout=30)
    assert label == "Delegation of Mexico", f"A's cursor is labelled {label!r}"
    ctx.shot(a, "collab-A")
    ctx.shot(b, "collab-B")

    ctx.step("Both type into the clause at once, A at its start, B at its end")
    for _ in range(6):
        a.type(editor(a, first), "a")
        b.type(editor(b, first), "b")
    both = lambda: (a.text(editor(a, first)), b.text(editor(b, first)))
    a.wait("both editors show the same text", lambda: both()[0] == both()[1], timeout=30)
    text_a, _ = both()
    assert text_a.count("a") - (INSERT + original).count("a") == 6, f"A's keystrokes: {text_a!r}"
    assert text_a.count("b") - (INSERT + original).count("b") == 6, f"B's keystrokes: {text_a!r}"
    assert text_a == INSERT + "a" * 6 + original + "b" * 6, f"keystrokes not where they were typed: {text_a!r}"

    ctx.step("A's Participants tab: both devices online")
    a.click_tid("tab-participants")
    a.wait("two online devices on A's roster", lambda: a.js(ONLINE_ROWS_JS) >= 2, timeout=30)
    b.click_tid("tab-participants")
    b.wait("two online devices on B's roster", lambda: b.js(ONLINE_ROWS_JS) >= 2, timeout=30)
    mode = a.attr(a.tid("sync-status"), "data-mode")
    assert mode == "lan", f"loopback runs show as LAN-only, not {mode!r}"
    ctx.shot(a, "collab-participants-A")
    ctx.shot(b, "collab-participants-B")
