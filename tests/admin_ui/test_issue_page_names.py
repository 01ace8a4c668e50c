"""The issue page names what it links to as a person knows it: other issues by title, fixes by the entry's title or
the prompt version's label, each linked to its page; an example links its interaction's page; and the browser tab
names the issue."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from html_page import parse
from issue_seed import issue_with_examples
from overview_seed import issue_runs

from gateway.accounts.records import Role

APP = "bank"


async def merged_pair(gateway) -> tuple[str, str]:
    """Two issues of the bank, the first merged into the second ("Card declined abroad") by a person; their ids."""
    engine = gateway.services.engine
    merged = await issue_runs(engine, APP, "Cards fail overseas", [2])
    kept = await issue_runs(engine, APP, "Card declined abroad", [5])
    await gateway.services.issue_service.merge(merged, kept, actor="sam")
    return merged, kept


async def test_a_merged_issue_names_the_issue_it_was_merged_into_by_its_title_with_the_link(browser_as, gateway):
    merged, kept = await merged_pair(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{merged}")).text)

    link = page.find(data_testid="merged-into").find("a")
    assert (link.text, link.attrs["href"]) == ("Card declined abroad", f"/admin/issues/{kept}")


async def test_the_history_names_the_issue_merged_in_by_its_title_with_the_link(browser_as, gateway):
    merged, kept = await merged_pair(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{kept}")).text)

    event = page.find("tr", data_kind="merge")
    link = event.find("a", data_testid="event-issue")
    assert (link.text, link.attrs["href"]) == ("Cards fail overseas", f"/admin/issues/{merged}")
    assert merged not in event.text


async def test_the_history_says_a_merges_fields_in_words_not_their_keys(browser_as, gateway):
    _, kept = await merged_pair(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{kept}")).text)

    detail = page.find("tr", data_kind="merge").find("td", class_="detail").text
    assert "merged in: Cards fail overseas" in detail
    assert "complaints moved in: " in detail
    assert "members_added" not in detail


async def issue_with_knowledge_fix(gateway) -> tuple[str, str]:
    """An issue of the bank with the knowledge entry "Cards abroad" linked as its fix, by kim; their ids."""
    services = gateway.services
    issue_id = await issue_runs(services.engine, APP, "Card declined abroad", [3])
    entry = await services.knowledge.service.create(APP, "Cards abroad", "Turn on travel mode.", author="kim")
    await services.fix_links.link_fix(issue_id, "knowledge", entry.id, actor="kim")
    return issue_id, entry.id


async def test_a_knowledge_fix_is_named_by_the_entrys_title_linked_to_its_page(browser_as, gateway):
    issue_id, entry_id = await issue_with_knowledge_fix(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{issue_id}")).text)

    name = page.find("table", id="fixes").find("a", data_testid="fix-name")
    assert (name.text, name.attrs["href"]) == ("Cards abroad", f"/admin/knowledge/{entry_id}")
    assert entry_id not in page.find("table", id="fixes").text


async def test_a_prompt_fix_is_named_by_the_versions_label_linked_to_the_apps_versions(browser_as, gateway):
    services = gateway.services
    issue_id = await issue_runs(services.engine, APP, "Card declined abroad", [3])
    await services.prompts.service.publish(APP, "Be brief.", "first", "kim", activate=True)
    second = await services.prompts.service.publish(APP, "Mention travel mode.", "travel mode", "kim", activate=True)
    await services.fix_links.link_fix(issue_id, "prompt", second.version.id, actor="kim")
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{issue_id}")).text)

    fixes = page.find("table", id="fixes")
    name = fixes.find("a", data_testid="fix-name")
    assert (name.text, name.attrs["href"]) == ("v2", f"/admin/prompts?app={APP}")
    assert fixes.find(data_testid="fix-message").text == "“travel mode”"
    assert second.version.id not in fixes.text


async def test_the_effect_panel_names_the_fix_it_measured(browser_as, gateway):
    services = gateway.services
    issue_id = await issue_runs(services.engine, APP, "Card declined abroad", [3])
    entry = await services.knowledge.service.create(APP, "Cards abroad", "Turn on travel mode.", author="kim")
    # Live a minute ago: the effect says it is too early to measure, without embedding any traffic.
    live_at = datetime.now(UTC) - timedelta(minutes=1)
    await services.fix_links.link_fix(issue_id, "knowledge", entry.id, live_at=live_at, actor="kim")
    viewer = await browser_as("vic", Role.VIEWER)

    panel = parse((await viewer.get(f"/admin/issues/{issue_id}/effect")).text).find(data_testid="effect")

    name = panel.find(data_testid="effect-fix").find("a", data_testid="fix-name")
    assert (name.text, name.attrs["href"]) == ("Cards abroad", f"/admin/knowledge/{entry.id}")


async def test_the_browser_tab_names_the_issue_and_its_app(browser_as, gateway):
    issue_id = await issue_runs(gateway.services.engine, APP, "Card declined abroad", [3])
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{issue_id}")).text)

    assert page.find("title").text == "Card declined abroad · bank · Issue · Feedgate"


async def test_an_example_links_its_interactions_page_for_the_whole_conversation(browser_as, gateway):
    issue_id = await issue_with_examples(gateway.services.engine)
    viewer = await browser_as("vic", Role.VIEWER)

    example = parse((await viewer.get(f"/admin/issues/{issue_id}")).text).find(data_testid="example")

    interaction_id = example.attrs["data-interaction-id"]
    link = example.find("a", data_testid="example-interaction")
    assert (link.attrs["href"], link.text) == (f"/admin/interactions/{interaction_id}", interaction_id)
    assert (await viewer.get(link.attrs["href"])).status_code == 200


async def test_a_fix_no_longer_in_force_says_so_beside_how_it_went_live(browser_as, gateway):
    services = gateway.services
    issue_id = await issue_runs(services.engine, APP, "Card declined abroad", [3])
    entry = await services.knowledge.service.create(APP, "Cards abroad", "Turn on travel mode.", author="kim")
    await services.fix_links.link_fix(issue_id, "knowledge", entry.id, actor="kim")
    await services.knowledge.service.deactivate(entry.id, author="kim")
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{issue_id}")).text)

    assert page.find("table", id="fixes").find("td", data_testid="fix-standing").text == "no longer in force"


async def test_the_history_chart_marks_when_each_linked_fix_went_live(browser_as, gateway):
    issue_id, _ = await issue_with_knowledge_fix(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/issues/{issue_id}")).text)

    marker = page.find(data_testid="history-chart").find("g", class_="marker")
    assert marker.attrs["data-marker"].startswith("knowledge fix Cards abroad live from ")
