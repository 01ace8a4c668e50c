"""A task resolved by a fix says so, the fix linked, on its page and in the queue, as the JSON API says it."""

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


async def resolved_by_an_entry(gateway, browser_as) -> tuple[str, str, object]:
    """A task about an issue that rita resolved by a knowledge-base entry: its id, the entry's id, rita's client."""
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    issue_id = await issue(gateway, ids)
    task_id = await task(gateway, ids, issue_id=issue_id, reason="Fee answers")
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get(f"/admin/reviews/{task_id}")).text)
    response = await rita.post(
        f"/admin/reviews/{task_id}/fix/knowledge", data={"csrf_token": token, "title": "Fees", "content": "1%."}
    )
    assert response.status_code == 303, response.text
    [link] = await gateway.services.fix_links.fixes_for(issue_id)
    return task_id, link.fix_id, rita


async def test_the_task_page_says_the_task_was_resolved_by_the_fix_and_links_it(browser_as, gateway):
    task_id, entry_id, rita = await resolved_by_an_entry(gateway, browser_as)

    status = parse((await rita.get(f"/admin/reviews/{task_id}")).text).find("dd", data_testid="task-status")

    assert status.text == f"resolved by a fix: knowledge-base entry 'Fees' ({entry_id}, version 1)"
    assert "reject" not in status.text
    assert status.find("a", data_testid="resolving-fix").attrs["href"] == f"/admin/knowledge/{entry_id}"


async def test_the_queue_row_says_the_task_was_resolved_by_the_fix(browser_as, gateway):
    task_id, entry_id, rita = await resolved_by_an_entry(gateway, browser_as)

    row = parse((await rita.get("/admin/reviews?status=resolved")).text).find("tr", data_task_id=task_id)

    cell = row.find("td", class_="status")
    assert cell.text == f"resolved by a fix: knowledge-base entry 'Fees' ({entry_id}, version 1)"
    assert cell.find("a").attrs["href"] == f"/admin/knowledge/{entry_id}"


async def test_the_api_says_what_the_pages_say_of_a_task_resolved_by_a_fix(browser_as, gateway, client, admin_headers):
    task_id, entry_id, rita = await resolved_by_an_entry(gateway, browser_as)
    shown = parse((await rita.get(f"/admin/reviews/{task_id}")).text).find("dd", data_testid="task-status").text

    one = (await client.get(f"/api/reviews/{task_id}", headers=admin_headers)).json()
    [listed] = (await client.get("/api/reviews?status=resolved", headers=admin_headers)).json()["data"]

    assert one["resolution"] == listed["resolution"] == shown
    fix = {
        "kind": "knowledge",
        "id": entry_id,
        "version": 1,
        "label": f"knowledge-base entry 'Fees' ({entry_id}, version 1)",
    }
    assert one["resolved_by_fix"] == listed["resolved_by_fix"] == fix


@pytest.mark.parametrize(
    ("form", "fields"),
    [("knowledge", {"title": "", "content": "1%."}), ("prompt", {"text": "   ", "message": "fees"})],
)
async def test_a_refused_fix_form_leaves_the_task_as_it_was(browser_as, gateway, form, fields):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    task_id = await task(gateway, ids, issue_id=await issue(gateway, ids), reason="Fee answers")
    rita = await browser_as("rita", Role.REVIEWER)
    token = csrf_token_of((await rita.get(f"/admin/reviews/{task_id}")).text)

    response = await rita.post(f"/admin/reviews/{task_id}/fix/{form}", data={"csrf_token": token, **fields})

    assert response.status_code == 400
    detail = await gateway.services.reviews.get(task_id)
    assert (detail.task.status.value, detail.task.lease, detail.task.assignee) == ("open", None, None)
    assert [event.kind for event in detail.events] == ["opened"]
