"""The interaction page names the issue holding the interaction as a complaint (title, status), linked to its page;
an issue merged away is named by the issue holding its complaints now, as every issue filter follows merges."""

from __future__ import annotations

from html_page import parse
from page_seed import XSS, feedback, interaction_row, issue, store

from clustering.issue_status import IssueStatus
from gateway.accounts.records import Role


async def complaint(gateway) -> str:
    """A thumbs-down interaction; its id."""
    [interaction_id] = await store(gateway, interaction_row("Why was I charged twice?", "You were not."))
    await feedback(gateway, interaction_id, comment="I was.")
    return interaction_id


async def test_an_interaction_in_an_issue_names_and_links_that_issue_with_its_status(browser_as, gateway):
    interaction_id = await complaint(gateway)
    title = f"Double charges {XSS}"
    issue_id = await issue(gateway, [interaction_id], title=title)
    viewer = await browser_as("vic", Role.VIEWER)

    response = await viewer.get(f"/admin/interactions/{interaction_id}")

    assert "<script>alert" not in response.text
    held = parse(response.text).find(data_testid="complaint-issue")
    assert " ".join(held.text.split()) == f"{title} (new)"
    assert [link.attrs["href"] for link in held.find_all("a")] == [f"/admin/issues/{issue_id}"]


async def test_an_interaction_of_an_issue_merged_away_names_the_issue_it_was_merged_into(browser_as, gateway):
    interaction_id = await complaint(gateway)
    merged = await issue(gateway, [interaction_id], title="Charged twice")
    [other] = await store(gateway, interaction_row("Two charges on my card", "Only one."))
    kept = await issue(gateway, [other], title="Duplicate card charges")
    await gateway.services.issue_service.triage(kept, IssueStatus.OPEN, actor="ana")
    await gateway.services.issue_service.merge(merged, kept, actor="ana")
    viewer = await browser_as("vic", Role.VIEWER)

    held = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text).find(data_testid="complaint-issue")

    assert " ".join(held.text.split()) == "Duplicate card charges (open)"
    assert [link.attrs["href"] for link in held.find_all("a")] == [f"/admin/issues/{kept}"]


async def test_an_interaction_in_no_issue_names_none(browser_as, gateway):
    interaction_id = await complaint(gateway)
    viewer = await browser_as("vic", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/interactions/{interaction_id}")).text)

    assert page.find_all(data_testid="complaint-issue") == []
    assert "Issue" not in [term.text for term in page.find_all("dt")]
