"""In a real headless Chromium: the review queue's row reached by j / k is aria-current (aria-selected, which it had,
means nothing in a plain table's row), and the status line still says which task it is."""

from __future__ import annotations

import re

import pytest
from admin_helpers import signed_in_page
from page_seed import interaction_row, task
from playwright.sync_api import expect

from gateway.config import Settings

pytestmark = pytest.mark.browser


def test_the_queue_row_reached_by_j_is_current_and_the_status_line_says_which(
    settings: Settings, start_gateway, browser
):
    gateway = start_gateway(settings)
    rows = [interaction_row(f"Is there a fee {n}?", "No.") for n in range(2)]
    gateway.run_coroutine(gateway.app.services.interactions.insert_many(rows))
    for n, row in enumerate(rows):
        gateway.run_coroutine(task(gateway.app, [row["id"]], reason=f"Task number {n + 1}"))
    page = signed_in_page(gateway, browser)
    page.goto(gateway.origin + "/admin/reviews")

    page.keyboard.press("j")

    current = page.locator("#queue tr[aria-current=true]")
    expect(current).to_have_count(1)
    expect(current.locator("td.num")).to_have_text("2")
    expect(page.locator("#key-status")).to_have_text(re.compile(r"^Task 2 of 2 selected: Task number "))
    assert page.locator("#queue [aria-selected]").count() == 0
    page.context.close()
