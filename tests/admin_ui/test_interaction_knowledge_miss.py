"""The interaction page says when the knowledge base was searched and no entry reached the threshold: the closest
entry, its score and the threshold, linked to the entry and to previewing a fix for the issue it was linked to."""

from __future__ import annotations

from html_page import parse
from overview_seed import issue_runs
from page_seed import APP, XSS, interaction_row, store

from gateway.accounts.records import Role

QUESTION = "What transfer fee do I pay for sending money to Spain?"


def missed(entry_id: str, title: str, score: float = 0.57) -> list[dict]:
    """The policies note of a call whose knowledge search found `entry_id` closest, below the 0.6 threshold."""
    closest = {"id": entry_id, "version": 1, "title": title, "score": score}
    return [{"policy": "knowledge", "action": "pass", "threshold": 0.6, "closest": closest}]


async def test_a_search_below_the_threshold_names_the_closest_entry_its_score_and_a_fix_preview(browser_as, gateway):
    services = gateway.services
    issue_id = await issue_runs(services.engine, APP, "Wrong transfer fee", [3])
    entry = await services.knowledge.service.create(APP, "Foreign transfer fees", "1% of the amount.", author="kim")
    await services.fix_links.link_fix(issue_id, "knowledge", entry.id, actor="kim")
    [interaction_id] = await store(
        gateway, interaction_row(QUESTION, "No fee.", policies=missed(entry.id, "Foreign transfer fees"))
    )
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    miss = page.find(data_testid="knowledge-miss")
    assert " ".join(miss.text.split()) == (
        "The knowledge base was searched: the closest entry, «Foreign transfer fees», scored 0.57, "
        "below the 0.6 threshold, so no entry was added. Preview a fix for the issue it was linked to."
    )
    links = {link.text: link.attrs["href"] for link in miss.find_all("a")}
    assert links == {
        "Foreign transfer fees": f"/admin/knowledge/{entry.id}",
        "Preview a fix": f"/admin/issues/{issue_id}/previews",
    }


async def test_a_closest_entry_far_below_the_threshold_is_not_called_near(browser_as, gateway):
    services = gateway.services
    issue_id = await issue_runs(services.engine, APP, "Wrong transfer fee", [3])
    entry = await services.knowledge.service.create(APP, "Transfer fee", "1% of the amount.", author="kim")
    await services.fix_links.link_fix(issue_id, "knowledge", entry.id, actor="kim")
    policies = missed(entry.id, "Transfer fee", score=0.1)
    [interaction_id] = await store(gateway, interaction_row("close my account", "Sure.", policies=policies))
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    miss = page.find(data_testid="knowledge-miss")
    assert " ".join(miss.text.split()) == (
        "The knowledge base was searched: no entry is close to this question (the closest, «Transfer fee», scored "
        "0.1, far below the 0.6 threshold), so no entry was added: a fix needs a new entry. «Transfer fee» was made "
        "as the fix for an issue: Preview a fix there only if this question is that issue's."
    )
    assert [link.attrs["href"] for link in miss.find_all("a")][-1] == f"/admin/issues/{issue_id}/previews"


async def test_a_closest_entry_linked_to_no_issue_offers_no_fix_preview(browser_as, gateway):
    title = f"Fees {XSS}"
    entry = await gateway.services.knowledge.service.create(APP, title, "1% of the amount.", author="kim")
    [interaction_id] = await store(gateway, interaction_row(QUESTION, "No fee.", policies=missed(entry.id, title)))
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get(f"/admin/interactions/{interaction_id}")

    assert "<script>alert" not in response.text
    miss = parse(response.text).find(data_testid="knowledge-miss")
    assert f"«{title}», scored 0.57, below the 0.6 threshold" in " ".join(miss.text.split())
    assert [link.text for link in miss.find_all("a")] == [title]


async def test_a_call_that_had_entries_added_says_nothing_of_a_miss(browser_as, gateway):
    added = [{"policy": "knowledge", "action": "replace_body", "entries": [{"id": "kb-1", "version": 2, "score": 0.8}]}]
    [interaction_id] = await store(gateway, interaction_row(QUESTION, "1%.", policies=added))
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    assert page.find_all(data_testid="knowledge-miss") == []
