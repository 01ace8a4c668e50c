"""In a real headless Chromium: what a screen reader is told as a page's panels come in.

A panel that cannot be loaded says so in one short status line (it said so in the panel only, unannounced); the
issue page's effect panel is no live region, so choosing a fix's effect says which in that line instead of having
the whole table read out.
"""

from __future__ import annotations

import re

import pytest
from admin_helpers import signed_in_page
from playwright.sync_api import expect
from test_issue_effect_choice import two_fixes

from gateway.config import Settings

pytestmark = pytest.mark.browser


def test_an_overview_panel_that_fails_says_so_in_the_status_line(settings: Settings, start_gateway, browser):
    gateway = start_gateway(settings)
    page = signed_in_page(gateway, browser)
    page.route("**/admin/overview/goals?*", lambda route: route.fulfill(status=500, body="no"))

    page.goto(gateway.origin + "/admin")

    status = page.locator("#panel-status")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_have_text("The goals panel could not be loaded (500 Internal Server Error).")
    expect(page.get_by_test_id("goals-panel")).to_contain_text("This panel could not be loaded")
    # The panels are no live regions: the status line alone is read out.
    assert page.locator("[data-panel-src][aria-live]").count() == 0
    page.context.close()


def test_choosing_a_fixs_effect_says_which_in_one_line_not_the_whole_panel(settings: Settings, start_gateway, browser):
    gateway = start_gateway(settings)
    issue_id, first, _ = gateway.run_coroutine(two_fixes(gateway.app.services))
    page = signed_in_page(gateway, browser)
    page.goto(f"{gateway.origin}/admin/issues/{issue_id}")
    page.wait_for_selector("#effect [data-testid=effect]")
    expect(page.locator("#effect")).not_to_have_attribute("aria-live", re.compile(".*"))

    page.click(f"#fixes tr[data-link-id='{first}'] [data-testid=show-effect]")

    expect(page.locator("#panel-status")).to_have_text("The effect of “Cards abroad” is shown below.")
    expect(page.get_by_test_id("effect-fix")).to_contain_text("Cards abroad")

    page.route("**/admin/issues/*/effect?*", lambda route: route.fulfill(status=503, body="no"))
    page.click(f"#fixes tr[data-link-id='{first}'] [data-testid=show-effect]")

    expect(page.locator("#panel-status")).to_have_text("The effect panel could not be loaded now (HTTP 503).")
    page.context.close()
