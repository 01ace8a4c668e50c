"""The Knowledge list's pages: a way back from a later page, one past the end, and a knowledge base with no entries."""

from __future__ import annotations

from html_page import parse

from admin_ui.knowledge import PAGE_SIZE
from gateway.accounts.records import Role


async def add_entries(gateway, count: int, app: str = "bot") -> None:
    service = gateway.services.knowledge.service
    for number in range(count):
        await service.create(app, f"Entry {number}", f"Content {number}.", author="test")


async def test_a_later_page_links_back_to_the_page_before_with_the_filters_kept(browser_as, gateway):
    await add_entries(gateway, PAGE_SIZE + 3)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/knowledge?app=bot&offset={PAGE_SIZE}")).text)

    previous = page.find("a", rel="prev")
    assert previous.attrs["href"] == "/admin/knowledge?app=bot"
    assert len(page.find(data_testid="entries").find_all("tr")[1:]) == 3


async def test_the_first_page_has_no_link_back_and_links_the_next(browser_as, gateway):
    await add_entries(gateway, PAGE_SIZE + 1)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/knowledge")).text)

    assert page.find_all("a", rel="prev") == []
    assert page.find("a", rel="next").attrs["href"] == f"/admin/knowledge?offset={PAGE_SIZE}"


async def test_a_page_past_the_end_says_the_list_ends_there_not_that_nothing_matches(browser_as, gateway):
    await add_entries(gateway, 2)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/knowledge?app=bot&offset={2 * PAGE_SIZE}")).text)

    said = page.find(data_testid="no-entries")
    assert "The list ends before this page" in said.text and "No entries match" not in said.text
    assert said.find("a").attrs["href"] == "/admin/knowledge?app=bot"


async def test_an_empty_knowledge_base_says_so_rather_than_that_no_entry_matches(browser_as):
    rita = await browser_as("rita", Role.REVIEWER)

    page = parse((await rita.get("/admin/knowledge")).text)

    said = page.find(data_testid="no-entries").text
    assert said.startswith("No knowledge entries yet") and "No entries match" not in said


async def test_filters_that_match_nothing_still_say_no_entry_matches(browser_as, gateway):
    await add_entries(gateway, 1)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get("/admin/knowledge?q=zeppelin")).text)

    assert page.find(data_testid="no-entries").text == "No entries match these filters."
