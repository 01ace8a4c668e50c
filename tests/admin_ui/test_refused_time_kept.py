"""A refused time filter (since=, until=) keeps what was typed, in its box and in the refusal, so it can be corrected.

A datetime-local box drops a value it cannot read: the page refused `since=yesterday` with an empty box. A time it
reads with a zone (`+02:00`, `Z`) is shown in the date-and-time box as the moment in UTC, as the page shows times.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from admin_helpers import signed_in_page
from html_page import parse
from page_seed import interaction_row, store

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


async def test_a_time_with_a_zone_is_shown_in_the_date_and_time_box_in_utc(browser_as):
    vic = await browser_as("vic", Role.VIEWER)

    page = parse((await vic.get("/admin/interactions?since=2026-11-30T10:00:00%2B02:00&until=2026-12-01T09:30Z")).text)

    since, until = page.find("input", name="since"), page.find("input", name="until")
    assert (since.attrs["type"], since.attrs["value"]) == ("datetime-local", "2026-11-30T08:00")
    assert (until.attrs["type"], until.attrs["value"]) == ("datetime-local", "2026-12-01T09:30")


async def test_a_time_with_a_zone_filters_as_the_box_then_sends_it(browser_as, gateway):
    # The box's UTC time, sent again by the form, must list what the time with its zone listed.
    await store(
        gateway,
        interaction_row("Before?", "Yes.", created_at=datetime(2026, 11, 30, 7, 59, tzinfo=UTC)),
        interaction_row("After?", "Yes.", created_at=datetime(2026, 11, 30, 8, 1, tzinfo=UTC)),
    )
    vic = await browser_as("vic", Role.VIEWER)

    with_zone = parse((await vic.get("/admin/interactions?since=2026-11-30T10:00%2B02:00")).text)
    shown = with_zone.find("input", name="since").attrs["value"]
    resent = parse((await vic.get("/admin/interactions", params={"since": shown})).text)

    questions = [[cell.text for cell in page.find_all("td", class_="question")] for page in (with_zone, resent)]
    assert questions == [["After?"], ["After?"]]


async def test_a_time_the_box_could_hold_but_the_list_refuses_stays_as_typed(browser_as):
    # Month 13: shaped like a datetime-local value, so it got that box, which drops what it cannot read.
    vic = await browser_as("vic", Role.VIEWER)

    answer = await vic.get("/admin/interactions?until=2026-13-45T10:00")

    assert answer.status_code == 400
    box = parse(answer.text).find("input", name="until")
    assert (box.attrs["type"], box.attrs["value"]) == ("text", "2026-13-45T10:00")


async def test_a_time_finer_than_the_box_keeps_its_text_box(browser_as):
    # The box holds milliseconds at most: microseconds in it would be cut, and the filter with them.
    vic = await browser_as("vic", Role.VIEWER)

    page = parse((await vic.get("/admin/interactions?since=2026-11-30T10:00:00.123456%2B02:00")).text)

    box = page.find("input", name="since")
    assert (box.attrs["type"], box.attrs["value"]) == ("text", "2026-11-30T10:00:00.123456+02:00")


@pytest.mark.browser
def test_chromium_shows_a_time_with_a_zone_in_its_date_and_time_box(settings: Settings, start_gateway, browser):
    page = signed_in_page(start_gateway(settings), browser)

    page.goto(page.url.split("/admin")[0] + "/admin/interactions?since=2026-11-30T10:00:00%2B02:00")

    box = page.locator("input[name=since]")
    assert (box.get_attribute("type"), box.input_value()) == ("datetime-local", "2026-11-30T08:00")
