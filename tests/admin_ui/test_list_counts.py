"""The Knowledge and Review queue pages say how many rows their filters match, as their API listings' `total` does."""

from __future__ import annotations

import pytest
from html_page import parse
from page_seed import interaction_row, store, task
from test_knowledge_list_pages import add_entries
from test_review_pages import finished_and_unfinished_tasks

from admin_ui.knowledge import PAGE_SIZE
from gateway.accounts.records import Role
from gateway.config import Settings
from gateway.review.records import Priority


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second opinions: one decision resolves a task, whatever its id hashes to (the queue's count is pinned)."""
    return settings.model_copy(update={"review_second_opinion_share": 0.0})


def count_said(html: str) -> str:
    """What the list says of how many rows it has."""
    return parse(html).find(id="list-count").text


async def test_the_knowledge_page_says_how_many_entries_its_filters_match_on_a_later_page_too(browser_as, gateway):
    await add_entries(gateway, PAGE_SIZE + 2)
    await add_entries(gateway, 3, app="other")
    viewer = await browser_as("vic", Role.VIEWER)

    later = await viewer.get(f"/admin/knowledge?app=bot&offset={PAGE_SIZE}")
    unfiltered = await viewer.get("/admin/knowledge")

    assert count_said(later.text) == f"{PAGE_SIZE + 2} entries match these filters."
    assert count_said(unfiltered.text) == f"{PAGE_SIZE + 5} entries."


async def test_the_knowledge_page_and_the_api_count_alike(browser_as, gateway, client, admin_headers):
    await add_entries(gateway, 2)
    await add_entries(gateway, 1, app="other")
    viewer = await browser_as("vic", Role.VIEWER)

    page = await viewer.get("/admin/knowledge?q=entry+0")
    api = await client.get("/api/kb", params={"q": "entry 0"}, headers=admin_headers)

    assert api.json()["total"] == 2
    assert count_said(page.text) == "2 entries match these filters."


async def test_a_refused_knowledge_search_says_no_count(browser_as, gateway):
    await add_entries(gateway, 2)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/knowledge", params={"q": "x" * 201})).text)

    assert page.find_all(id="list-count") == []


async def test_the_queue_says_how_many_unfinished_tasks_it_holds_by_default(browser_as, gateway):
    await finished_and_unfinished_tasks(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    default = await viewer.get("/admin/reviews")
    every = await viewer.get("/admin/reviews?status=any")

    assert count_said(default.text) == "2 unfinished tasks."
    assert count_said(every.text) == "4 tasks."


async def test_the_queue_says_how_many_tasks_its_filters_match_and_the_api_agrees(
    browser_as, gateway, client, admin_headers
):
    ids = await store(gateway, *(interaction_row(f"Question {n}", f"Answer {n}") for n in range(3)))
    for n in range(2):
        await task(gateway, [ids[n]], reason=f"Fees {n}", priority=Priority.HIGH, tags=("fees",))
    await task(gateway, [ids[2]], reason="Other", priority=Priority.LOW)
    viewer = await browser_as("vic", Role.VIEWER)

    page = await viewer.get("/admin/reviews?priority=high&tag=fees")
    api = await client.get("/api/reviews?priority=high&tag=fees&status=unfinished", headers=admin_headers)

    assert count_said(page.text) == "2 tasks match these filters."
    assert api.json()["total"] == 2
