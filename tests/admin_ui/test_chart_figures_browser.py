"""In a real headless Chromium, as a screen reader reads it: a chart is one image, so its figures are also a table.

A chart's `role="img"` makes everything inside it presentational: the accessibility tree holds its name and
nothing else (a point's <title> shows only under a mouse). The figures it draws are in a folded table after it,
which the keyboard opens.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from admin_helpers import PASSWORD
from overview_seed import issue_runs, rated_traffic

from gateway.accounts.records import Role
from gateway.config import Settings

pytestmark = pytest.mark.browser


def _signed_in_page(gateway, browser):  # a Playwright page, signed in as a viewer
    gateway.run_coroutine(gateway.app.services.accounts.create("vic", Role.VIEWER, PASSWORD, actor="test"))
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(gateway.origin + "/admin/sign-in")
    page.fill("input[name=name]", "vic")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1:text('Overview')")
    return page


def _open_with_the_keyboard(page, summary: str) -> None:
    page.get_by_text(summary, exact=True).focus()
    page.keyboard.press("Enter")


def test_the_overviews_daily_figures_are_read_as_a_table_under_the_charts(settings: Settings, start_gateway, browser):
    gateway = start_gateway(settings)
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    gateway.run_coroutine(rated_traffic(gateway.app.services.engine, "bot", today, today + timedelta(minutes=1), 1, 3))
    page = _signed_in_page(gateway, browser)
    page.wait_for_selector("[data-testid=traffic-panel][data-panel-loaded=true]")

    _open_with_the_keyboard(page, "The charts' figures per day")
    table = page.get_by_role("table", name="Interactions, votes and rates per UTC day")

    headers = table.get_by_role("columnheader").all_inner_texts()
    assert headers == ["Day (UTC)", "Interactions", "Votes", "Positive", "Negative"]
    row = table.get_by_role("row", name=today.date().isoformat())
    assert row.get_by_role("cell").all_inner_texts() == ["4", "4", "75.0 %", "25.0 %"]
    page.close()


def test_an_issues_history_figures_are_read_as_a_table_under_its_chart(settings: Settings, start_gateway, browser):
    gateway = start_gateway(settings)
    issue_id = gateway.run_coroutine(issue_runs(gateway.app.services.engine, "bot", "Refund refused", [4, 9]))
    page = _signed_in_page(gateway, browser)
    page.goto(f"{gateway.origin}/admin/issues/{issue_id}")

    _open_with_the_keyboard(page, "The chart's figures per day")
    table = page.get_by_role("table", name="Complaints and negative feedback per UTC day")

    assert table.get_by_role("columnheader").all_inner_texts() == [
        "Day (UTC)",
        "Complaints (size)",
        "Negative feedback",
    ]
    last = table.get_by_role("row").last
    assert last.get_by_role("cell").all_inner_texts() == ["9", "9"]
    page.close()
