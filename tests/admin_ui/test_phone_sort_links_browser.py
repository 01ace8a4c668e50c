"""In a real headless Chromium at a phone's width (375 px): the issue list's sort links, in the header row a phone
does not show (each row is a card there), are on screen while the keyboard is on them, not focused unseen."""

from __future__ import annotations

import pytest
from overview_seed import issue_runs
from page_seed import APP
from test_narrow_layout_browser import _signed_in_page

from gateway.config import Settings

pytestmark = pytest.mark.browser

# Whether the focused element shows on screen: inside the window, and what the window shows at its middle.
FOCUS_SEEN = """() => { const focused = document.activeElement, box = focused.getBoundingClientRect();
    const middle = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    return {inWindow: box.left >= 0 && box.right <= window.innerWidth && box.width > 2 && box.height > 2,
            shown: middle !== null && (middle === focused || focused.contains(middle))}; }"""


@pytest.mark.parametrize("sort", ["size", "growth"])
def test_a_sort_link_reached_by_the_keyboard_shows_on_a_phone(settings: Settings, start_gateway, browser, sort):
    gateway = start_gateway(settings)
    gateway.run_coroutine(issue_runs(gateway.app.services.engine, APP, "Transfer fee, charged transfer", [3, 7]))
    page = _signed_in_page(gateway, browser)
    page.goto(gateway.origin + "/admin/issues")

    for _ in range(100):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.dataset.testid") == f"sort-{sort}":
            break
    else:
        pytest.fail(f"the keyboard never reached the {sort} sort link")
    page.evaluate("() => document.activeElement.scrollIntoView({block: 'center'})")

    assert page.evaluate(FOCUS_SEEN) == {"inWindow": True, "shown": True}
    page.close()
