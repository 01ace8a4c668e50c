"""In a real headless Chromium at a phone's width (375 px): nothing reaches past the window, not even inside a box
that scrolls sideways (an interaction's fixes applied, with their long details); what does is named."""

from __future__ import annotations

import pytest
from page_seed import interaction_row
from test_admin_browser import capture, screenshots  # noqa: F401 (fixture)
from test_narrow_layout_browser import PHONE, _signed_in_page

from gateway.config import Settings

pytestmark = pytest.mark.browser

# The page's width against the window's, and each element reaching past the window's right edge (the deepest
# ones: a box wider only because of what it holds is left out), with its tag, class and width.
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
        past: deepest.map(e => [what(e), Math.round(e.getBoundingClientRect().right),
                                (e.closest('section[id], [data-testid], table[id]') || {}).id || '']),
    };
}"""
# What the knowledge policy records when it injects several entries, and the confidence gate beside it.
ENTRIES = [{"id": f"0193f0c2-7a41-7c3e-9b1d-{n:012d}", "version": 3, "score": 0.8123} for n in range(6)]
POLICIES = [
    {"policy": "knowledge", "action": "replace_body", "entries": ENTRIES},
    {"policy": "confidence_gate", "action": "hold_for_review", "confidence": 0.31, "threshold": 0.6},
]


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
