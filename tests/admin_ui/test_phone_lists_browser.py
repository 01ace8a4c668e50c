"""In a real headless Chromium at a phone's width (375 px): every list page reads without scrolling sideways,
neither the page nor a table inside its box (a table too wide for the screen is a column of cards there), and a
screen reader still finds its rows and cells, each cell under its column's header."""

from __future__ import annotations

import pytest
from overview_seed import issue_runs
from page_seed import APP, feedback, interaction_row, task
from test_admin_browser import capture, screenshots  # noqa: F401 (fixture)
from test_narrow_layout_browser import PHONE, _signed_in_page

from gateway.accounts.records import Role
from gateway.config import Settings

pytestmark = pytest.mark.browser

# The page's width against the window's, and each table box whose table is wider than the box.
SIDEWAYS = """() => ({
    page: [document.documentElement.scrollWidth, document.documentElement.clientWidth],
    boxes: [...document.querySelectorAll('.table-scroll')]
        .filter(box => box.scrollWidth > box.clientWidth)
        .map(box => [box.getAttribute('aria-label'), box.scrollWidth, box.clientWidth]),
})"""
# Each visible cell of the first row as its label and text, and whether it lies within the window.
FIRST_ROW = """selector => [...document.querySelector(selector).querySelectorAll('td')]
    .filter(cell => cell.getBoundingClientRect().height > 0)
    .map(cell => { const box = cell.getBoundingClientRect();
        return [cell.dataset.label || '', cell.innerText.trim(), box.left >= 0 && box.right <= window.innerWidth]; })"""
REASON = "New issue “Transfer fee, charged transfer, wrong” appeared with 7 complaints in one clustering pass."
LIST_PAGES = {
    "reviews": "/admin/reviews",
    "interactions": "/admin/interactions",
    "issues": "/admin/issues",
    "knowledge": "/admin/knowledge",
    "prompts": f"/admin/prompts?app={APP}",
    "users": "/admin/users",
}


def _seeded(settings: Settings, start_gateway):  # a running gateway holding a row for every list page
    gateway = start_gateway(settings)
    app = gateway.app
    row = interaction_row("What is the transfer fee abroad?", "There is no fee.", app="key-4203ea26bc772375")
    gateway.run_coroutine(app.services.interactions.insert_many([row]))
    gateway.run_coroutine(feedback(app, row["id"], comment="Wrong: it is 1%", correction="The fee is 1%."))
    tags = ("abroad", "bank", "fee", "fee send", "transfer fee")
    gateway.run_coroutine(task(app, [row["id"]], reason=REASON, tags=tags, app="key-4203ea26bc772375"))
    gateway.run_coroutine(issue_runs(app.services.engine, APP, "Transfer fee, charged transfer, wrong", [3, 7]))
    knowledge = app.services.knowledge.service
    gateway.run_coroutine(knowledge.create(APP, "Transfer fees abroad", "The fee is 1%.", ["fee?"], [], author="t"))
    prompts = app.services.prompts.service
    gateway.run_coroutine(prompts.publish(APP, "Be brief.", "teach account closing", "rev", activate=True))
    gateway.run_coroutine(prompts.publish(APP, "Be polite.", "polite v2", "pe", canary_share=0.5))
    gateway.run_coroutine(
        app.services.accounts.create("reviewer-with-a-long-name", Role.REVIEWER, "pw-" * 6, actor="t")
    )
    gateway.interaction_id = row["id"]  # its page's feedback is a table of cards too
    return gateway


# The explicit role each part of a card table must carry: Safari and Firefox drop a table's own semantics where
# CSS sets display:block on it (Chromium keeps them, so the roles are checked as written too).
ROLES = """table => [table, ...table.querySelectorAll(':scope > thead, :scope > tbody, :scope > * > tr, :scope > * > tr > *')]
    .filter(part => part.getAttribute('role') !== {TABLE: 'table', THEAD: 'rowgroup', TBODY: 'rowgroup', TR: 'row',
        TH: 'columnheader', TD: 'cell'}[part.tagName])
    .map(part => part.tagName.toLowerCase() + (part.getAttribute('role') ? '[role=' + part.getAttribute('role') + ']' : ''))"""
# Each body row's cells by the label shown beside them (a cell spanning the whole row, an empty list's, has none).
LABELS = """table => [...table.querySelectorAll(':scope > tbody > tr')]
    .map(row => [...row.children].map(cell => cell.dataset.label || null))"""
CARD_PAGES = {**LIST_PAGES, "interaction": "/admin/interactions/{interaction_id}"}


@pytest.mark.parametrize("name", list(CARD_PAGES))
def test_a_screen_reader_finds_a_card_tables_rows_and_cells_each_under_its_column_on_a_phone(
    settings: Settings, start_gateway, browser, name: str
):
    gateway = _seeded(settings, start_gateway)
    page = _signed_in_page(gateway, browser, PHONE)

    page.goto(gateway.origin + CARD_PAGES[name].format(interaction_id=gateway.interaction_id))
    table = page.locator(".table-scroll > table.cards").first
    shown_as = table.evaluate("table => getComputedStyle(table.querySelector('tbody > tr')).display")
    headers = [header.text_content().replace("▼", "").strip() for header in table.get_by_role("columnheader").all()]
    rows = table.get_by_role("row").all()
    cells = [row.get_by_role("cell").count() for row in rows[1:]]
    missing_roles = table.evaluate(ROLES)
    labels = table.evaluate(LABELS)

    assert shown_as == "block"  # a column of cards, not a table's rows
    assert len(headers) >= 5 and len(rows) >= 2
    assert cells == [len(headers)] * (len(rows) - 1)  # a reader's column n is the header's column n
    assert missing_roles == []
    assert labels == [headers] * len(labels)  # the name shown beside a cell is its column's
    page.close()


@pytest.mark.parametrize("name", list(LIST_PAGES))
def test_a_list_page_reads_on_a_phone_without_scrolling_sideways(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
    name: str,
):
    gateway = _seeded(settings, start_gateway)
    page = _signed_in_page(gateway, browser, PHONE)

    page.goto(gateway.origin + LIST_PAGES[name])
    measured = page.evaluate(SIDEWAYS)
    cells = page.evaluate(FIRST_ROW, ".table-scroll table tbody tr")

    capture(page, screenshots, f"phone-list-{name}")
    scroll_width, client_width = measured["page"]
    assert scroll_width <= client_width, measured
    assert measured["boxes"] == [], measured
    assert [label for label, _, on_screen in cells if not on_screen] == [], cells
    page.close()


def test_the_review_queue_on_a_phone_shows_each_task_as_a_card_of_labelled_fields(
    settings: Settings,
    start_gateway,
    browser,
    screenshots,  # noqa: F811 - the fixture imported above
):
    gateway = _seeded(settings, start_gateway)
    page = _signed_in_page(gateway, browser, PHONE)

    page.goto(gateway.origin + "/admin/reviews")
    cells = {label: (text, on_screen) for label, text, on_screen in page.evaluate(FIRST_ROW, "#queue tbody tr")}
    header_shown = page.eval_on_selector("#queue thead", "e => e.getBoundingClientRect().height > 1")

    capture(page, screenshots, "phone-review-queue-cards")
    assert cells["Reason"] == (REASON, True)
    assert cells["Priority"] == ("medium", True)
    assert cells["Status"] == ("open", True)
    assert cells["App"] == ("key-4203ea26bc772375", True)
    assert cells["Tags"] == ("abroad, bank, fee, fee send, transfer fee", True)
    assert cells["Late by / due in"][0].startswith("due in ")
    assert not header_shown  # each field is named beside it
    page.close()


def test_the_review_queue_stays_a_table_on_a_laptop_screen(
    settings: Settings,
    start_gateway,
    browser,
):
    gateway = _seeded(settings, start_gateway)
    page = _signed_in_page(gateway, browser, {"width": 1024, "height": 900})

    page.goto(gateway.origin + "/admin/reviews")
    display = page.eval_on_selector("#queue tbody tr", "e => getComputedStyle(e).display")
    header_shown = page.eval_on_selector("#queue thead", "e => e.getBoundingClientRect().height > 1")

    assert (display, header_shown) == ("table-row", True)
    page.close()
