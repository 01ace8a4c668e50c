"""A task names the issues its answers belong to, with their fixes in force, and may be resolved by such a fix.

The similar-negative rule (and the confidence gate, a flag, a person) opens tasks about answers, not issues: a
task of 26 answers almost all in an issue just fixed said nothing of that issue or its fix, and offered only a
new fix that nobody would measure against the issue.
"""

from __future__ import annotations

import pytest
from html_page import csrf_token_of, parse
from page_seed import interaction_row, issue, store, task

from gateway.accounts.records import Role
from gateway.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second opinions: the fix's decision resolves the task."""
    return settings.model_copy(update={"review_second_opinion_share": 0.0})


async def a_task_about_no_issue(gateway) -> tuple[str, str, str, str]:
    """A task (no issue named) over 4 answers, 3 of them in a fixed issue and 1 in another: (task, fixed issue,
    entry id, link id)."""
    fee_ids = await store(gateway, *(interaction_row(f"What is the fee {n}?", "2%") for n in range(3)))
    other_ids = await store(gateway, interaction_row("Opening hours?", "24/7"))
    fixed = await issue(gateway, fee_ids, title="transfer fees")
    await issue(gateway, other_ids, title="opening hours")
    task_id = await task(
        gateway, [*fee_ids, *other_ids], reason="9 of the 10 most similar answers got negative feedback"
    )
    services = gateway.services
    entry = await services.knowledge.service.create("support-bot", "Transfer fees", "1% abroad.", author="ana")
    link = await services.fix_links.link_fix(fixed, "knowledge", entry.id, actor="ana")
    return task_id, fixed, entry.id, link.id


async def test_the_api_names_the_issues_of_a_tasks_answers_with_counts_and_live_fixes(gateway, client, admin_headers):
    task_id, fixed, entry_id, link_id = await a_task_about_no_issue(gateway)

    response = await client.get(f"/api/reviews/{task_id}", headers=admin_headers)

    assert response.status_code == 200, response.text
    found = response.json()["issues"]
    assert [(i["title"], i["interaction_count"], i["about_task"]) for i in found] == [
        ("transfer fees", 3, False),
        ("opening hours", 1, False),
    ]
    assert found[0]["id"] == fixed
    [live] = found[0]["live_fixes"]
    assert (live["id"], live["fix_id"], live["kind"], live["name"]) == (link_id, entry_id, "knowledge", "Transfer fees")
    assert found[1]["live_fixes"] == []


async def test_a_task_about_no_issue_is_resolved_by_the_live_fix_of_its_answers_issue(gateway, client, admin_headers):
    task_id, fixed, entry_id, link_id = await a_task_about_no_issue(gateway)
    body = {"kind": "linked", "reviewer": "rita", "link_id": link_id}

    response = await client.post(f"/api/reviews/{task_id}/fix", json=body, headers=admin_headers)

    assert response.status_code == 201, response.text
    resolved = response.json()
    assert resolved["task"]["status"] == "resolved"
    assert resolved["task"]["resolved_by_fix"]["id"] == entry_id
    assert resolved["link"]["id"] == link_id
    # Nothing linked again: the issue keeps its one link.
    assert len(await gateway.services.fix_links.fixes_for(fixed)) == 1


async def test_a_task_whose_answers_are_in_no_issue_still_refuses_a_linked_fix(gateway, client, admin_headers):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, ids)

    detail = (await client.get(f"/api/reviews/{task_id}", headers=admin_headers)).json()
    response = await client.post(
        f"/api/reviews/{task_id}/fix",
        json={"kind": "linked", "reviewer": "rita", "link_id": "x"},
        headers=admin_headers,
    )

    assert detail["issues"] == []
    assert response.status_code == 400
    assert "none of its interactions belongs to an issue with a fix in force" in response.text


async def test_the_task_page_names_the_issues_and_offers_their_live_fix(browser_as, gateway):
    task_id, fixed, entry_id, link_id = await a_task_about_no_issue(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    html = (await rita.get(f"/admin/reviews/{task_id}")).text
    page = parse(html)

    items = page.find("section", id="task-issues").find_all("li")
    assert items[0].attrs["data-issue-id"] == fixed
    assert items[0].find(data_testid="issue-share").text == "3 of 4 interactions"
    assert "knowledge-base entry “Transfer fees”" in items[0].find(data_testid="issue-fixes").text
    assert "No fix in force." in items[1].text
    note = " ".join(page.find(id="unmeasured-fix-note").text.split())
    assert note.startswith("3 of its 4 interactions belong to issue transfer fees (and some to 1 more)")
    assert "not measured against it" in note
    [choice] = page.find("form", id="linked-fix-form").find_all("label", class_="choice")
    assert choice.find("input").attrs["value"] == link_id
    assert "for issue “transfer fees”" in choice.text

    response = await rita.post(
        f"/admin/reviews/{task_id}/fix/linked", data={"csrf_token": csrf_token_of(html), "link_id": link_id}
    )

    assert response.status_code == 303, response.text
    status = parse((await rita.get(f"/admin/reviews/{task_id}")).text).find("dd", data_testid="task-status")
    assert status.text == f"resolved by a fix: knowledge-base entry 'Transfer fees' ({entry_id}, version 1)"


async def test_a_task_about_an_issue_names_it_first_even_when_another_task_holds_its_answers(browser_as, gateway):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    issue_id = await issue(gateway, ids, title="fees")
    task_id = await task(gateway, [], issue_id=issue_id, reason="Fee answers")
    viewer = await browser_as("vera", Role.VIEWER)

    page = parse((await viewer.get(f"/admin/reviews/{task_id}")).text)

    [item] = page.find("section", id="task-issues").find_all("li")
    assert item.attrs["data-issue-id"] == issue_id
    assert "(this task's issue)" in item.text
    assert page.find_all(id="unmeasured-fix-note") == []


async def test_a_linked_fix_of_a_task_about_no_issue_sent_again_under_its_key_answers_the_first(
    gateway, client, admin_headers
):
    task_id, _fixed, entry_id, link_id = await a_task_about_no_issue(gateway)
    body = {"kind": "linked", "reviewer": "rita", "link_id": link_id}
    headers = {**admin_headers, "Idempotency-Key": "resolve-by-the-fee-entry"}

    first = await client.post(f"/api/reviews/{task_id}/fix", json=body, headers=headers)
    again = await client.post(f"/api/reviews/{task_id}/fix", json=body, headers=headers)

    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert again.json()["link"]["id"] == link_id
    assert again.json()["task"]["resolved_by_fix"]["id"] == entry_id
