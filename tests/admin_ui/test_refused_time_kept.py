"""A refused time filter (since=, until=) keeps what was typed, in its box and in the refusal, so it can be corrected.

A datetime-local box drops a value it cannot read: the page refused `since=yesterday` with an empty box.
"""

from __future__ import annotations

import pytest
from admin_helpers import signed_in_page
from html_page import parse

from gateway.accounts.records import Role
from gateway.config import Settings


async def test_a_time_the_list_cannot_read_stays_in_its_box_as_typed(browser_as):
    vic = await browser_as("vic", Role.VIEWER)

    answer = await vic.get("/admin/interactions?since=yesterday%209am")

    assert answer.status_code == 400
    page = parse(answer.text)
    box = page.find("input", name="since")
    # A text box: the browser shows the value, where a datetime-local one would show nothing.
    assert (box.attrs["type"], box.attrs["value"]) == ("text", "yesterday 9am")
    assert box.attrs.get("aria-invalid") == "true"
    assert "got 'yesterday 9am'" in page.find(id="filter-error").text


async def test_a_time_the_box_can_show_stays_a_date_and_time_box(browser_as):
    vic = await browser_as("vic", Role.VIEWER)

    page = parse((await vic.get("/admin/interactions?since=2026-12-01T09:30")).text)

    box = page.find("input", name="since")
    assert (box.attrs["type"], box.attrs["value"]) == ("datetime-local", "2026-12-01T09:30")


@pytest.mark.browser
def test_chromium_shows_the_refused_time_as_typed(settings: Settings, start_gateway, browser):
    page = signed_in_page(start_gateway(settings), browser)

    page.goto(page.url.split("/admin")[0] + "/admin/interactions?until=2026-13-45")

    assert page.locator("input[name=until]").input_value() == "2026-13-45"
