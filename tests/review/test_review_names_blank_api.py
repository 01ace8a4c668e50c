"""Who acts on a review task (a reviewer, an assignee, a task's `created_by`) and the app a task is for are names,
blank by the one rule (gateway/domain/blank_text.py): one of zero-width or ideographic spaces names no one, and is a
400 naming the field and saying it is blank (str.strip kept U+200B, and such a reviewer decided tasks)."""

from __future__ import annotations

import pytest
from review_seed import store_interactions

from gateway.app import FeedgateApp

BLANKS = ["\u200b", "\u3000", "\u2060 \ufeff"]


async def open_task(gateway: FeedgateApp, client, admin_headers, **fields):
    ids = await store_interactions(gateway.services.engine, 1)
    body = {"app": "support-bot", "reason": "The fee answer is wrong", "interaction_ids": ids, **fields}
    return await client.post("/api/reviews", json=body, headers=admin_headers)


def refused_as_blank(response, field: str) -> bool:
    body = response.json()
    return (
        response.status_code == 400
        and body["detail"].startswith(f"'{field}' is blank: ")
        and [entry["key"] for entry in body["extra"]] == [field]
    )


@pytest.mark.parametrize("blank", BLANKS)
@pytest.mark.parametrize("field", ["app", "created_by"])
async def test_a_task_for_a_blank_app_or_by_a_blank_creator_is_refused_as_blank(
    gateway, client, admin_headers, field, blank
):
    response = await open_task(gateway, client, admin_headers, **{field: blank})

    assert refused_as_blank(response, field), response.text


@pytest.mark.parametrize("blank", BLANKS)
async def test_a_decision_by_a_blank_reviewer_is_refused_as_blank(gateway, client, admin_headers, blank):
    task = (await open_task(gateway, client, admin_headers)).json()

    response = await client.post(
        f"/api/reviews/{task['id']}/decision", json={"outcome": "approve", "reviewer": blank}, headers=admin_headers
    )

    assert refused_as_blank(response, "reviewer"), response.text


@pytest.mark.parametrize(("action", "field"), [("claim", "reviewer"), ("assign", "assignee")])
async def test_a_claim_or_assignment_naming_zero_width_spaces_is_refused_as_blank(
    gateway, client, admin_headers, action, field
):
    task = (await open_task(gateway, client, admin_headers)).json()
    body = {"action": action, "reviewer": "alice", field: "\u200b\u200b"}

    response = await client.patch(f"/api/reviews/{task['id']}", json=body, headers=admin_headers)

    assert refused_as_blank(response, field), response.text
