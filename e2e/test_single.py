"""One delegate, one app: create a meeting with the form, draft clauses, indent one, change
statuses (and see the refusal of "agreed" on bracketed text), add an action item, find a
clause by search and open it; then a screenshot of every main view in English and Spanish."""

from wd import KEYS

TITLE = "Meeting of the Liaison Officer Network"
CLAUSE_1 = "Urge the Member Countries to exchange information on migrant smuggling networks."
CLAUSE_2 = "Request the [Technical Secretariat] to circulate the contact list."
ACTION = "Send the updated contact list of liaison officers"

CLAUSES_JS = ("return [...document.querySelectorAll('[data-clause]')]"
              ".map(e => ({id: e.dataset.clause, depth: e.dataset.depth, status: e.dataset.status}));")


def clauses(s):
    return s.js(CLAUSES_JS)


def editor(s, clause):
    return s.find(f'[data-testid="clause-editor-{clause}"] .cm-content')


def new_clause(s, before):
    """Waits for a clause that was not in `before` and returns its id."""
    known = {c["id"] for c in before}
    fresh = s.wait("a new clause row", lambda: [c for c in clauses(s) if c["id"] not in known])
    return fresh[0]["id"]


def test(ctx):
    s = ctx.app("A")

    ctx.step("first start: the welcome page")
    s.wait_tid("home", timeout=30)

    ctx.step("create a meeting with the form")
    s.click_tid("new-meeting")
    s.type(s.wait_tid("meeting-title"), TITLE)
    s.type(s.tid("meeting-forum"), "Regional Conference on Migration (RCM)")
    s.type(s.tid("meeting-body"), "Liaison Officer Network")
    s.type(s.tid("meeting-venue"), "Managua, Nicaragua")
    s.set_input("meeting-start", "2014-11-20")
    s.set_input("meeting-end", "2014-11-21")
    s.clear(s.tid("meeting-timezone"))
    s.type(s.tid("meeting-timezone"), "America/Managua")
    s.clear(s.tid("meeting-languages"))
    s.type(s.tid("meeting-languages"), "en, es")
    s.click_tid("meeting-submit")
    s.wait("the meeting heading", lambda: s.text(s.tid("meeting-heading")) == TITLE)
    meeting = s.js("return location.hash").split("/")[2]
    s.wait("the meeting in the sidebar list", lambda: s.tid(f"meeting-item-{meeting}"))

    ctx.step("open Drafts, create a draft")
    s.click_tid("tab-drafts")
    s.type(s.wait_tid("new-draft-title"), "Report of the meeting")
    s.click_tid("new-draft-submit")

    ctx.step("add two clauses and type them")
    s.click_tid("add-first-clause")
    c1 = new_clause(s, [])
    s.type(s.wait("clause 1 editor", lambda: editor(s, c1)), CLAUSE_1)
    before = clauses(s)
    s.click_tid(f"add-clause-{c1}")
    c2 = new_clause(s, before)
    s.type(s.wait("clause 2 editor", lambda: editor(s, c2)), CLAUSE_2)
    s.wait("clause 1 text", lambda: s.text(editor(s, c1)) == CLAUSE_1)
    s.wait("clause 2 text", lambda: s.text(editor(s, c2)) == CLAUSE_2)
    s.wait("clause 2 numbered 2.", lambda: s.text(s.tid(f"clause-number-{c2}")) == "2.")

    ctx.step("indent clause 2 under clause 1")
    s.click_tid(f"indent-{c2}")
    s.wait("clause 2 at depth 1", lambda: s.attr(s.tid(f"clause-{c2}"), "data-depth") == "1")
    s.wait("clause 2 numbered a.", lambda: s.text(s.tid(f"clause-number-{c2}")) == "a.")

    ctx.step("change statuses")
    s.select(f"clause-status-{c1}", "agreed")
    s.wait("clause 1 agreed", lambda: s.attr(s.tid(f"clause-{c1}"), "data-status") == "agreed")
    s.select(f"clause-status-{c2}", "agreed")  # has brackets: refused
    err = s.wait_tid("error")
    code, shown = s.attr(err, "data-code"), s.text(err)
    assert code and "bracket" in shown.lower(), (code, shown)
    ctx.step(f"  refused as expected: code={code!r}")
    s.wait("clause 2 still open", lambda: s.attr(s.tid(f"clause-{c2}"), "data-status") == "open")
    s.click(s.find('[data-testid="error"] button'))
    s.select(f"clause-status-{c2}", "bracketed")
    s.wait("clause 2 bracketed", lambda: s.attr(s.tid(f"clause-{c2}"), "data-status") == "bracketed")
    draft = s.js("return document.querySelector('[data-testid^=\"draft-\"][class~=\"draft\"]').dataset.testid").removeprefix("draft-")

    ctx.step("add an action item from clause 1")
    s.click_tid("tab-actions")
    s.type(s.wait_tid("new-action-text"), ACTION)
    s.set_input("new-action-due", "2015-02-27")
    s.select("new-action-source", f"{draft}/{c1}")
    s.click_tid("new-action-submit")
    row = s.wait("the action row", lambda: s.find_all('[data-testid^="action-row-"]'))
    assert ACTION in s.text(row[0]), s.text(row[0])

    ctx.step("search finds clause 1 and opens it")
    s.click_tid("tab-minutes")
    box = s.tid("search-input")
    s.type(box, "smuggling" + KEYS["enter"])
    hit = s.wait_tid("search-hit")
    assert "smuggling" in s.text(s.find("mark", within=hit)).lower()
    s.click(hit)
    s.wait("the drafts tab with clause 1", lambda: f"clause={c1}" in s.js("return location.hash")
           and s.attr(s.tid("tab-drafts"), "aria-selected") == "true" and s.tid(f"clause-{c1}"))

    ctx.step("the demo meeting, for the pictures")
    s.click_tid("home-link")
    s.click_tid("create-demo")
    s.wait("the demo meeting", lambda: s.js("return location.hash").startswith("#/m/")
           and s.js("return location.hash").split("/")[2] != meeting)
    demo = s.js("return location.hash").split("/")[2]
    s.wait("the demo draft", lambda: len(clauses(s)) > 5)

    for lang in ("en", "es"):
        if lang == "es":
            s.select("language-switch", "es")
            s.wait("Spanish labels", lambda: s.js("return document.documentElement.lang") == "es"
                   or s.text(s.tid("tab-drafts")) != "Drafts")
        s.click_tid("home-link")
        s.wait_tid("home")
        s.wait("two meetings listed", lambda: len(s.find_all('[data-testid^="meeting-item-"]')) == 2)
        ctx.shot(s, f"{lang}-meetings")
        s.click_tid(f"meeting-item-{demo}")
        for tab in ("drafts", "minutes", "actions", "participants"):
            s.click_tid(f"tab-{tab}")
            s.wait(f"the {tab} tab", lambda: s.attr(s.tid(f"tab-{tab}"), "aria-selected") == "true" and s.tid(tab))
            if tab == "drafts":
                s.wait("the demo clauses", lambda: len(clauses(s)) > 5)
            if tab == "actions":
                s.wait("the demo actions", lambda: s.find_all('[data-testid^="action-row-"]'))
            ctx.shot(s, f"{lang}-{tab}")
