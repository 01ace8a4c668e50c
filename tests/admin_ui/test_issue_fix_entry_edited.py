"""A knowledge fix whose entry was edited after it went live: the issue page says the entry's version now, so a
reader knows the effect measured is of the older text; the effect itself is measured as before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from html_page import parse
from overview_seed import issue_runs

from gateway.accounts.records import Role

APP = "bank"


async def knowledge_fix(gateway, *, live_ago: timedelta = timedelta(minutes=1)) -> tuple[str, str]:
    """An issue of the bank with version 1 of the entry "Cards abroad" linked as its fix; their ids."""
    services = gateway.services
    issue_id = await issue_runs(services.engine, APP, "Card declined abroad", [3])
    entry = await services.knowledge.service.create(APP, "Cards abroad", "Turn on travel mode.", author="kim")
    live_at = datetime.now(UTC) - live_ago
    await services.fix_links.link_fix(issue_id, "knowledge", entry.id, live_at=live_at, actor="kim")
    return issue_id, entry.id


async def edit_twice(gateway, entry_id: str) -> None:
    knowledge = gateway.services.knowledge.service
    await knowledge.edit(entry_id, author="kim", content="Turn on travel mode in the app.")
    await knowledge.edit(entry_id, author="kim", content="Turn on travel mode under Cards.")


def fix_row(page_text: str):
    return parse(page_text).find("table", id="fixes").find("tbody").find("tr")


async def test_the_fixes_table_says_the_entry_is_now_at_a_later_version(browser_as, gateway):
    issue_id, entry_id = await knowledge_fix(gateway)
    await edit_twice(gateway, entry_id)
    viewer = await browser_as("vic", Role.VIEWER)

    row = fix_row((await viewer.get(f"/admin/issues/{issue_id}")).text)

    said = row.find(data_testid="fix-version").text
    assert said == "(version 1; the entry is now at version 3, edited after this fix went live)"


async def test_an_entry_not_edited_since_says_its_version_alone(browser_as, gateway):
    issue_id, _ = await knowledge_fix(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    row = fix_row((await viewer.get(f"/admin/issues/{issue_id}")).text)

    assert row.find(data_testid="fix-version").text == "(version 1)"


async def test_the_effect_panel_says_it_too(browser_as, gateway):
    issue_id, entry_id = await knowledge_fix(gateway)
    await edit_twice(gateway, entry_id)
    viewer = await browser_as("vic", Role.VIEWER)

    panel = parse((await viewer.get(f"/admin/issues/{issue_id}/effect")).text).find(data_testid="effect-fix")

    assert "the entry is now at version 3, edited after this fix went live" in panel.text


async def test_a_later_version_linked_before_it_went_live_makes_no_claim_of_when(browser_as, gateway):
    services = gateway.services
    issue_id = await issue_runs(services.engine, APP, "Card declined abroad", [3])
    entry = await services.knowledge.service.create(APP, "Cards abroad", "Turn on travel mode.", author="kim")
    await services.knowledge.service.edit(entry.id, author="kim", content="Turn on travel mode in the app.")
    # Version 1 linked as the fix, going live now: version 2 already existed, it was not edited after.
    await services.fix_links.link_fix(issue_id, "knowledge", entry.id, fix_version=1, actor="kim")
    viewer = await browser_as("vic", Role.VIEWER)

    row = fix_row((await viewer.get(f"/admin/issues/{issue_id}")).text)

    assert row.find(data_testid="fix-version").text == "(version 1; the entry is now at version 2)"
