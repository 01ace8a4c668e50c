"""Each of a task page's keyed forms carries a key of its own: sending one form is never taken as a repeat of another."""

from __future__ import annotations

import pytest
from html_page import hidden_fields, parse
from page_seed import interaction_row, issue, store, task

from gateway.accounts.records import Role
from gateway.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second opinions: a fix's decision resolves the task."""
    return settings.model_copy(update={"review_second_opinion_share": 0.0})


async def issue_task(gateway, browser_as):
    ids = await store(gateway, interaction_row("What is the fee?", "2%"))
    issue_id = await issue(gateway, ids)
    task_id = await task(gateway, ids, issue_id=issue_id, reason="Fee answers")
    return task_id, await browser_as("rita", Role.REVIEWER)


async def test_the_fix_forms_each_carry_their_own_key(browser_as, gateway):
    task_id, rita = await issue_task(gateway, browser_as)

    page = parse((await rita.get(f"/admin/reviews/{task_id}")).text)

    keys = [hidden_fields(page, form_id)["idempotency_key"] for form_id in ("knowledge-form", "prompt-form")]
    assert all(keys) and len(set(keys)) == 2


async def test_a_form_refused_for_a_field_keeps_its_key_and_the_others_get_their_own(browser_as, gateway):
    task_id, rita = await issue_task(gateway, browser_as)
    page = parse((await rita.get(f"/admin/reviews/{task_id}")).text)
    prompt = {
        **hidden_fields(page, "prompt-form"),
        "text": "Be brief.",
        "message": "m",
        "rollout": "canary",
        "canary_percent": "200",
    }

    refused = await rita.post(f"/admin/reviews/{task_id}/fix/prompt", data=prompt)

    assert refused.status_code == 400
    again = parse(refused.text)
    assert hidden_fields(again, "prompt-form")["idempotency_key"] == prompt["idempotency_key"]
    assert hidden_fields(again, "knowledge-form")["idempotency_key"] != prompt["idempotency_key"]


async def test_the_other_fix_form_sent_after_one_made_a_fix_is_not_taken_for_its_repeat(browser_as, gateway):
    task_id, rita = await issue_task(gateway, browser_as)
    page = parse((await rita.get(f"/admin/reviews/{task_id}")).text)
    entry = {**hidden_fields(page, "knowledge-form"), "title": "Fees", "content": "1 %."}
    assert (await rita.post(f"/admin/reviews/{task_id}/fix/knowledge", data=entry)).status_code == 303
    # Back in the browser's history, the same page's other form.
    version = {**hidden_fields(page, "prompt-form"), "text": "Be brief.", "message": "fees", "rollout": "active"}

    answer = await rita.post(f"/admin/reviews/{task_id}/fix/prompt", data=version)

    assert answer.status_code == 409
    said = parse(answer.text).find(id="task-error").text
    assert "already sent once" not in said and "resolved" in said
