"""Asking for a review task over complaints a closed task already holds, every one, is refused up front (409).

An interaction is held by one task for good, so the issue page's "Open a review task" made a task holding nothing
(its page then said "Nothing to decide here"), and so did `POST /api/reviews` naming only the issue; now both refuse
it by the review service's one rule (gateway.review.opening.plan_opening, gateway.review.issue_holders naming the
task that holds them), and open nothing.
"""

from __future__ import annotations

from html_page import csrf_token_of, parse
from page_seed import APP, interaction_row, issue, store, task

from gateway.accounts.records import Role
from gateway.store.reviews import ReviewFilter


async def reviewed_issue(gateway) -> tuple[str, list[str], str]:
    """An issue whose two complaints a task, dismissed since, holds: (issue id, its members, the holder)."""
    ids = await store(gateway, interaction_row("What is the fee?", "2%"), interaction_row("Is there a fee?", "Yes."))
    issue_id = await issue(gateway, ids, title="Transfer fee answers")
    holder = await task(gateway, ids, reason="Two answers first")
    await gateway.services.reviews.dismiss(holder, "otto")
    return issue_id, ids, holder


async def task_count(gateway) -> int:
    return len((await gateway.services.reviews.list(ReviewFilter(), sort="newest", limit=50)).data)


async def test_the_issue_page_refuses_a_task_that_would_hold_nothing_naming_the_holder(browser_as, gateway):
    issue_id, _, holder = await reviewed_issue(gateway)
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get(f"/admin/issues/{issue_id}")).text)

    answer = await rita.post(
        f"/admin/issues/{issue_id}/review", data={"csrf_token": token, "priority": "medium", "reason": ""}
    )

    assert answer.status_code == 409
    said = parse(answer.text).find("p", id="form-error").text
    assert f"review task {holder} (dismissed)" in said
    assert await task_count(gateway) == 1


async def test_the_api_refuses_it_the_same_way(client, gateway, admin_headers):
    issue_id, ids, holder = await reviewed_issue(gateway)
    body = {"app": APP, "reason": "look", "issue_id": issue_id, "interaction_ids": ids, "created_by": "paula"}

    response = await client.post("/api/reviews", json=body, headers=admin_headers)

    assert response.status_code == 409
    assert f"review task {holder} (dismissed)" in response.json()["detail"]
    assert await task_count(gateway) == 1


async def test_the_api_refuses_a_task_naming_only_the_issue_whose_complaints_closed_tasks_hold(
    client, gateway, admin_headers
):
    issue_id, _, holder = await reviewed_issue(gateway)
    body = {"app": APP, "reason": "look at the issue", "issue_id": issue_id, "created_by": "paula"}

    response = await client.post("/api/reviews", json=body, headers=admin_headers)

    assert response.status_code == 409
    said = response.json()["detail"]
    assert f"review task {holder} (dismissed) holds 2" in said
    assert "reopen that task" in said
    assert await task_count(gateway) == 1
