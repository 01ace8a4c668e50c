"""A review task that outlives the pruning of every interaction it held: its pages and the API still answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from page_seed import feedback, held_task, interaction_row, issue, store, task

from gateway.accounts.records import Role
from gateway.privacy.retention import prune_before

OLD = datetime.now(UTC) - timedelta(days=40)
CUTOFF = datetime.now(UTC) - timedelta(days=30)


async def pruned_task(gateway) -> tuple[str, str]:
    (old,) = await store(gateway, interaction_row("PRUNED-QUESTION", "PRUNED-ANSWER", created_at=OLD))
    await feedback(gateway, old, comment="PRUNED-COMMENT")
    task_id = await task(gateway, [old])
    await prune_before(gateway.services.engine, CUTOFF)
    return task_id, old


async def test_the_task_page_of_a_task_whose_interactions_were_pruned_answers(browser_as, gateway):
    task_id, _ = await pruned_task(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    page = await rita.get(f"/admin/reviews/{task_id}")

    assert page.status_code == 200
    assert "PRUNED-QUESTION" not in page.text


async def test_the_api_shows_a_task_whose_interactions_were_pruned(client, gateway, admin_headers):
    task_id, old = await pruned_task(gateway)

    response = await client.get(f"/api/reviews/{task_id}", headers=admin_headers)

    assert response.status_code == 200
    assert old not in response.text


async def test_the_review_queue_lists_it(browser_as, gateway):
    task_id, _ = await pruned_task(gateway)
    rita = await browser_as("rita", Role.REVIEWER)

    page = await rita.get("/admin/reviews")

    assert page.status_code == 200
    assert task_id in page.text


async def test_the_held_task_page_after_its_answer_was_pruned_answers(browser_as, gateway):
    (old,) = await store(gateway, interaction_row("HELD-QUESTION", "HELD-ANSWER", created_at=OLD))
    task_id = await held_task(gateway, old, datetime.now(UTC) + timedelta(minutes=5))
    await prune_before(gateway.services.engine, CUTOFF)
    rita = await browser_as("rita", Role.REVIEWER)

    page = await rita.get(f"/admin/reviews/{task_id}")

    assert page.status_code == 200


async def test_the_issue_page_of_an_issue_whose_members_were_pruned_answers(browser_as, gateway):
    (old,) = await store(gateway, interaction_row("ISSUE-QUESTION", "ISSUE-ANSWER", created_at=OLD))
    await feedback(gateway, old, comment="ISSUE-COMMENT")
    issue_id = await issue(gateway, [old], title="pruned words")
    await prune_before(gateway.services.engine, CUTOFF)
    rita = await browser_as("rita", Role.REVIEWER)

    page = await rita.get(f"/admin/issues/{issue_id}")

    assert page.status_code == 200


async def test_deciding_a_task_whose_interactions_were_pruned_is_no_server_error(client, gateway, admin_headers):
    task_id, _ = await pruned_task(gateway)
    body = {"reviewer": "rita", "outcome": "approve"}

    response = await client.post(f"/api/reviews/{task_id}/decision", json=body, headers=admin_headers)

    assert response.status_code < 500, response.text
