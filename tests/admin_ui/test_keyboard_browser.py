"""In a real headless Chromium, with the keyboard alone: the first Tab offers a way past the top bar."""

from __future__ import annotations

import pytest
from admin_helpers import PASSWORD
from test_admin_browser import capture, screenshots  # noqa: F401 (fixture)

from gateway.accounts.records import Role
from gateway.config import Settings

pytestmark = pytest.mark.browser


def test_the_first_tab_shows_a_skip_link_that_moves_focus_to_the_page(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings)
    gateway.run_coroutine(gateway.app.services.accounts.create("root", Role.ADMIN, PASSWORD, actor="test"))
    page = browser.new_page(viewport={"width": 1280, "height": 800})
    page.goto(gateway.origin + "/admin/sign-in?next=/admin/issues")
    page.fill("input[name=name]", "root")
    page.fill("input[name=password]", PASSWORD)
    page.press("input[name=password]", "Enter")
    page.wait_for_selector("h1:text('Issues')")

    page.keyboard.press("Tab")
    focused = page.evaluate(
        "() => [document.activeElement.textContent, document.activeElement.getBoundingClientRect().left]"
    )
    capture(page, screenshots, "skip-link")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    after = page.evaluate("() => document.activeElement.closest('main') !== null")

    assert focused[0] == "Skip to the page" and focused[1] >= 0  # on screen while focused
    assert after  # the next Tab is inside the page, past the top bar's nine links
    page.close()
