"""In a real headless Chromium at a phone's width (375 px): the overview's tables of figures per app ("Drift per app",
"Per app") are columns of cards, each app a card of labelled figures, as the list tables are; they scrolled sideways
in their boxes, the app's name scrolled out of sight beside its last figures. The charts' figures per day stay a
table, read down its columns (a day beside the days before it, up to 90 of them), scrolling in its box with each
row's day kept in sight, whole on one line."""

from __future__ import annotations

import pytest
from test_accessibility_browser import _seed, _settle, _sign_in
from test_admin_browser import capture, screenshots  # noqa: F401 (fixture)
from test_narrow_layout_browser import DESKTOP, PHONE
from test_phone_lists_browser import LABELS, ROLES

from gateway.config import Settings

pytestmark = pytest.mark.browser

# The overview's tables of figures per app, by their data-testid.
PER_APP = ["drift", "groups"]
# Each card's box against the window's: [left, right, window width], per row.
CARDS_IN_WINDOW = """table => [...table.querySelectorAll(':scope > tbody > tr')].map(row => {
    const box = row.getBoundingClientRect(); return [box.left >= 0, box.right <= window.innerWidth]; })"""


def _overview(gateway, browser, viewport):  # the overview, its panels in, its folded parts open
    context, page = _sign_in(gateway, browser, viewport)
    page.goto(gateway.origin + "/admin")
    _settle(page)
    page.eval_on_selector_all("details", "all => all.forEach(details => { details.open = true; })")
    return context, page


@pytest.mark.parametrize("testid", PER_APP)
def test_an_overview_table_of_figures_per_app_is_a_column_of_labelled_cards_on_a_phone(
    settings: Settings, start_gateway, browser, testid: str
):
    gateway = start_gateway(settings)
    _seed(gateway)
    context, page = _overview(gateway, browser, PHONE)

    table = page.locator(f"table[data-testid={testid}]")
    shown_as = table.evaluate("table => getComputedStyle(table.querySelector('tbody > tr')).display")
    headers = [header.text_content().strip() for header in table.get_by_role("columnheader").all()]
    missing_roles = table.evaluate(ROLES)
    labels = table.evaluate(LABELS)
    in_window = table.evaluate(CARDS_IN_WINDOW)
    box = table.evaluate("table => { const box = table.parentElement; return [box.scrollWidth, box.clientWidth]; }")
    context.close()

    assert shown_as == "block"  # a card, not a table's row
    assert missing_roles == []  # a screen reader keeps its rows and cells
    assert labels and labels == [headers] * len(labels)  # each figure named by its column
    assert in_window and all(left and right for left, right in in_window)
    assert box[0] <= box[1]  # nothing to scroll to in its box


def test_the_overview_reads_on_a_phone_without_scrolling_but_in_the_box_of_the_figures_per_day(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = start_gateway(settings)
    _seed(gateway)
    context, page = _overview(gateway, browser, PHONE)

    page_width = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
    scrolling = page.evaluate(
        "() => [...document.querySelectorAll('.table-scroll')].filter(box => box.scrollWidth > box.clientWidth)"
        ".map(box => box.getAttribute('aria-label'))"
    )
    capture(page, screenshots, "phone-overview-figures")
    context.close()

    assert page_width[0] <= page_width[1], page_width
    assert scrolling == ["The charts' figures per day"]


def test_the_figures_per_day_keep_each_rows_day_in_sight_and_whole_when_scrolled_on_a_phone(
    settings: Settings, start_gateway, browser
):
    gateway = start_gateway(settings)
    _seed(gateway)
    context, page = _overview(gateway, browser, PHONE)

    box = page.locator("[data-testid=daily-figures] .table-scroll")
    box.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    scrolled = box.evaluate("box => box.scrollLeft")
    # Each day's cell: its left edge against its box's, and the lines its text takes.
    days = box.evaluate(
        """box => [...box.querySelectorAll('tbody th')].map(day => {
            const text = document.createRange(); text.selectNodeContents(day);
            const tops = new Set([...text.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top)));
            return [Math.round(day.getBoundingClientRect().left - box.getBoundingClientRect().left), tops.size]; })"""
    )
    context.close()

    assert scrolled > 0  # the table is wider than its box at 375 px
    assert days and all(left >= 0 for left, _ in days), days  # the day stays at the box's left edge
    assert all(lines == 1 for _, lines in days), days  # "2026-11-28", not "2026-11-" above "28"


@pytest.mark.parametrize("testid", PER_APP)
def test_an_overview_table_of_figures_per_app_stays_a_table_on_a_laptop_screen(
    settings: Settings, start_gateway, browser, testid: str
):
    gateway = start_gateway(settings)
    _seed(gateway)
    context, page = _overview(gateway, browser, DESKTOP)

    display = page.eval_on_selector(f"table[data-testid={testid}] tbody tr", "row => getComputedStyle(row).display")
    header_shown = page.eval_on_selector(
        f"table[data-testid={testid}] thead", "head => head.getBoundingClientRect().height > 1"
    )
    context.close()

    assert (display, header_shown) == ("table-row", True)
