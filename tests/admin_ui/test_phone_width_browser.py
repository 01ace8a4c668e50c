"""In a real headless Chromium at a phone's width (375 px): no admin page scrolls sideways, each seeded with what
widens it most (an interaction's fixes applied with their long details, an answer of three choices, a fix preview);
nothing reaches past the window but a table of figures in the named box it scrolls in (templates/tables.html), and
never a table of cards (an interaction's fixes applied scrolled so); what does is named."""

from __future__ import annotations

import pytest
from page_seed import feedback, interaction_row, issue, task
from test_accessibility_browser import _seed, _settle, _sign_in
from test_admin_browser import capture, screenshots  # noqa: F401 (fixture)
from test_interaction_page_choices import chat_response
from test_narrow_layout_browser import PHONE, _signed_in_page
from test_phone_lists_browser import ROLES

from gateway.config import Settings
from gateway.fixes.candidates import candidate_from

pytestmark = pytest.mark.browser

# The page's width against the window's, and each element reaching past the window's right edge (the deepest
# ones: a box wider only because of what it holds is left out), with its tag, class, right edge and the named box
# it scrolls in (templates/tables.html; "" for none), and whether that box holds a table of cards.
PAST_THE_EDGE = """() => {
    const inner = window.innerWidth;
    // Drawn nowhere: clipped away (a visually hidden header row), or not laid out.
    const unseen = e => { for (let at = e; at; at = at.parentElement) {
        const style = getComputedStyle(at);
        if (style.clip !== 'auto' || style.clipPath !== 'none' || style.visibility === 'hidden') return true; }
        return false; };
    const past = [...document.querySelectorAll('body *')].filter(e => {
        const box = e.getBoundingClientRect();
        return box.width > 0 && box.right > inner + 0.5 && !unseen(e);
    });
    const deepest = past.filter(e => !past.some(other => other !== e && e.contains(other)));
    const what = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
        + (typeof e.className === 'string' && e.className ? '.' + e.className.trim().split(/\\s+/).join('.') : '');
    return {
        page: [document.scrollingElement.scrollWidth, inner],
        past: deepest.map(e => { const box = e.closest('.table-scroll');
            return [what(e), Math.round(e.getBoundingClientRect().right), box ? box.getAttribute('aria-label') : '',
                    !!(box && box.querySelector(':scope > table.cards'))]; }),
    };
}"""
# What the knowledge policy records when it injects several entries, and the confidence gate beside it.
ENTRIES = [{"id": f"0193f0c2-7a41-7c3e-9b1d-{n:012d}", "version": 3, "score": 0.8123} for n in range(6)]
POLICIES = [
    {"policy": "knowledge", "action": "replace_body", "entries": ENTRIES},
    {"policy": "confidence_gate", "action": "hold_for_review", "confidence": 0.31, "threshold": 0.6},
]


# The pages whose tables of figures are wider than a phone, and the named boxes they scroll in: columns of figures
# read down and across (a day's rates beside the day before), which a column of cards would lose. The overview's
# figures per app are cards (test_phone_overview_browser.py).
SCROLLING_BY_DESIGN = {"overview": ["The charts' figures per day"]}


def _fits(page) -> dict:
    """The page's and the window's widths, and what reaches past the window (asserted empty by the caller)."""
    return page.evaluate(PAST_THE_EDGE)


def test_an_interactions_fixes_applied_fit_a_phone(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings)
    row = interaction_row("What is the fee?", "There is no fee.", policies=POLICIES)
    gateway.run_coroutine(gateway.app.services.interactions.insert_many([row]))
    page = _signed_in_page(gateway, browser, PHONE)

    page.goto(gateway.origin + f"/admin/interactions/{row['id']}")
    measured = _fits(page)

    capture(page, screenshots, "phone-interaction-fixes")
    scroll_width, viewport = measured["page"]
    assert (scroll_width <= viewport, measured["past"]) == (True, [])
    page.close()


def _seed_the_widest(gateway) -> dict[str, str]:
    """Every admin page (test_accessibility_browser's seed) and those of an answer of three choices with long
    fixes applied, its review task, its issue and a fix preview of it; the pages by name."""
    services = gateway.app.services
    pages = _seed(gateway)
    three = chat_response("There is no fee.", "The fee is 1%.", "It depends on the country.")
    row = interaction_row("What is the fee?", "There is no fee.", policies=POLICIES, response=three)
    gateway.run_coroutine(services.interactions.insert_many([row]))
    gateway.run_coroutine(feedback(gateway.app, row["id"], comment="Wrong", correction="It is 1%.", choice=1))
    issue_id = gateway.run_coroutine(issue(gateway.app, [row["id"]], title="Fee of three answers"))
    task_id = gateway.run_coroutine(task(gateway.app, [row["id"]], reason="Check the three answers"))
    candidate = candidate_from("prompt", text="Tell users: the transfer fee is 1% of the amount.")
    preview = gateway.run_coroutine(services.previews.preview(issue_id, candidate, 1, author="root"))
    return {
        **pages,
        "interaction of three choices": f"/admin/interactions/{row['id']}",
        "its task": f"/admin/reviews/{task_id}",
        "its issue": f"/admin/issues/{issue_id}",
        "its previews": f"/admin/issues/{issue_id}/previews",
        "fix preview": f"/admin/previews/{preview.id}",
        "unknown page": "/admin/no-such-page",
    }


def test_no_admin_page_reaches_past_a_phones_window(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings)
    pages = _seed_the_widest(gateway)
    context, page = _sign_in(gateway, browser, PHONE)

    sideways, past, scrolling, roles = {}, {}, {}, {}
    for name, path in pages.items():
        page.goto(gateway.origin + path)
        _settle(page)
        measured = _fits(page)
        capture(page, screenshots, "phone-page-" + name.replace(" ", "-"))
        if measured["page"][0] > measured["page"][1]:
            sideways[name] = measured["page"]
        # Past the edge outside a scrolling box, or in one whose table is cards (which must fit a phone).
        if outside := [e for e in measured["past"] if not e[2] or e[3]]:
            past[name] = outside
        scrolling[name] = sorted({box for _, _, box, _ in measured["past"] if box})
        # Each table of cards says its parts' roles (test_phone_lists_browser.py: what a screen reader needs).
        if missing := page.eval_on_selector_all("table.cards", f"tables => tables.map({ROLES}).flat()"):
            roles[name] = missing
    context.close()

    assert sideways == {}
    assert past == {}
    assert roles == {}
    # The tables of figures too wide for a phone, each scrolling in its named box (the rest fit, cards or not).
    assert {name: boxes for name, boxes in scrolling.items() if boxes} == SCROLLING_BY_DESIGN
