"""The interaction page says when the knowledge base was searched and no entry reached the threshold: the closest
entry, its score and the threshold, linked to the entry and to previewing a fix for the issue it was linked to."""

from __future__ import annotations

from html_page import parse
from overview_seed import issue_runs
from page_seed import APP, XSS, interaction_row, issue, store

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


async def far_miss(gateway, *, own_issue: str | None = None) -> tuple[str, str, str | None]:
    """A call asking "close my account" whose closest entry, «Transfer fee», made as the fix for issue "Wrong transfer
    fee", scored far below the threshold; the call is a complaint of an issue titled `own_issue` when one is given.
    (the interaction, the entry's issue, the call's own issue)."""
    services = gateway.services
    entry_issue = await issue_runs(services.engine, APP, "Wrong transfer fee", [3])
    entry = await services.knowledge.service.create(APP, "Transfer fee", "1% of the amount.", author="kim")
    await services.fix_links.link_fix(entry_issue, "knowledge", entry.id, actor="kim")
    policies = missed(entry.id, "Transfer fee", score=0.1)
    [interaction_id] = await store(gateway, interaction_row("close my account", "Sure.", policies=policies))
    own = await issue(gateway, [interaction_id], title=own_issue) if own_issue else None
    return interaction_id, entry_issue, own


async def test_a_closest_entry_far_below_the_threshold_is_not_called_near(browser_as, gateway):
    interaction_id, entry_issue, _ = await far_miss(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    page = parse((await rita.get(f"/admin/interactions/{interaction_id}")).text)

    miss = page.find(data_testid="knowledge-miss")
    assert " ".join(miss.text.split()) == (
        "The knowledge base was searched: no entry is close to this question (the closest, «Transfer fee», scored "
        "0.1, far below the 0.6 threshold), so no entry was added: a fix needs a new entry. Add an entry for "
        "support-bot."
    )
    # The entry's issue ("Wrong transfer fee") is another question's: previewing a fix there fixes nothing here.
    assert f"/admin/issues/{entry_issue}/previews" not in [link.attrs["href"] for link in miss.find_all("a")]
    assert miss.find("a", data_testid="new-entry").attrs["href"] == f"/admin/knowledge?app={APP}#new-entry"


async def test_a_far_miss_of_a_question_in_an_issue_offers_a_fix_for_that_issue(browser_as, gateway):
    interaction_id, entry_issue, own = await far_miss(gateway, own_issue="Closing an account")
    rita = await browser_as("rita", Role.REVIEWER)

    page = parse((await rita.get(f"/admin/interactions/{interaction_id}")).text)

    miss = page.find(data_testid="knowledge-miss")
    assert " ".join(miss.text.split()).endswith(
        "a fix needs a new entry. This question is a complaint of the issue «Closing an account»: Preview a fix "
        "there, a new entry linked to the issue so its effect is measured."
    )
    links = [link.attrs["href"] for link in miss.find_all("a")]
    assert f"/admin/issues/{own}/previews" in links and f"/admin/issues/{entry_issue}/previews" not in links


async def test_a_far_miss_offers_a_viewer_no_form_they_cannot_send(browser_as, gateway):
    interaction_id, _, _ = await far_miss(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    miss = page.find(data_testid="knowledge-miss")
    assert " ".join(miss.text.split()).endswith("so no entry was added: a fix needs a new entry.")
    assert [link.text for link in miss.find_all("a")] == ["Transfer fee"]


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
