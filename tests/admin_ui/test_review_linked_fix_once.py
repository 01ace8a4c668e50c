"""A task resolved by a fix already live for its issue ("linked"): a rollout asked of it is refused, not ignored, and an
Idempotency-Key (the API's header, the task page form's key) makes a repeat answer what the first request made.

The linked fix is live as it already is: `rollout` and `canary_share` were read only for new prompt fixes, so a
canary asked of a linked fix resolved the task naming a fix live for all traffic, silently. And the key was dropped:
a retry after a timeout was a 409 (the task already resolved), which a client cannot tell from a refusal.
"""

from __future__ import annotations

import asyncio

import pytest
from html_page import csrf_token_of, parse
from test_review_linked_fix import task_with_a_live_fix

from gateway.accounts.records import Role
from gateway.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second opinions: the fix's decision resolves the task."""
    return settings.model_copy(update={"review_second_opinion_share": 0.0})


def linked(link_id: str, **fields) -> dict:
    return {"kind": "linked", "reviewer": "rita", "link_id": link_id, **fields}


@pytest.mark.parametrize(
    "asked",
    [
        {"rollout": "canary", "canary_share": 0.1},
        {"canary_share": 0.1},
        {"rollout": "canary"},
        {"rollout": "active"},
    ],
)
async def test_a_rollout_asked_of_a_linked_fix_is_a_400_saying_why(gateway, client, admin_headers, asked):
    task_id, _, _, link_id = await task_with_a_live_fix(gateway)

    refused = await client.post(f"/api/reviews/{task_id}/fix", json=linked(link_id, **asked), headers=admin_headers)

    assert refused.status_code == 400, refused.text
    assert "already live" in refused.text and "rollout" in refused.text
    detail = await gateway.services.reviews.get(task_id)
    assert detail.decisions == () or list(detail.decisions) == []
    assert detail.task.lease is None


async def test_a_linked_fix_sent_again_under_its_key_answers_the_resolved_task(gateway, client, admin_headers):
    task_id, _, _, link_id = await task_with_a_live_fix(gateway)
    headers = {**admin_headers, "Idempotency-Key": "linked-1"}
    first = await client.post(f"/api/reviews/{task_id}/fix", json=linked(link_id), headers=headers)

    again = await client.post(f"/api/reviews/{task_id}/fix", json=linked(link_id), headers=headers)

    assert (first.status_code, again.status_code) == (201, 200), again.text
    assert again.json()["fix"] == first.json()["fix"] and again.json()["link"]["id"] == link_id
    assert again.json()["task"]["status"] == "resolved"
    assert len((await gateway.services.reviews.get(task_id)).decisions) == 1


async def test_a_linked_fix_sent_twice_at_once_under_its_key_decides_once(gateway, client, admin_headers):
    task_id, _, _, link_id = await task_with_a_live_fix(gateway)
    headers = {**admin_headers, "Idempotency-Key": "linked-1"}

    answers = await asyncio.gather(
        *(client.post(f"/api/reviews/{task_id}/fix", json=linked(link_id), headers=headers) for _ in range(2))
    )

    assert sorted(answer.status_code for answer in answers) == [200, 201], [answer.text for answer in answers]
    assert {answer.json()["link"]["id"] for answer in answers} == {link_id}
    assert len((await gateway.services.reviews.get(task_id)).decisions) == 1


async def test_the_key_sent_again_with_another_comment_is_a_422(gateway, client, admin_headers):
    task_id, _, _, link_id = await task_with_a_live_fix(gateway)
    headers = {**admin_headers, "Idempotency-Key": "linked-1"}
    assert (await client.post(f"/api/reviews/{task_id}/fix", json=linked(link_id), headers=headers)).status_code == 201

    other = await client.post(f"/api/reviews/{task_id}/fix", json=linked(link_id, comment="other"), headers=headers)

    assert other.status_code == 422, other.text
    assert "comment" in other.json()["detail"]


async def test_the_task_pages_linked_form_sent_twice_at_once_decides_once(browser_as, gateway):
    task_id, _, _, link_id = await task_with_a_live_fix(gateway)
    rita = await browser_as("rita", Role.REVIEWER)
    html = (await rita.get(f"/admin/reviews/{task_id}")).text
    form = parse(html).find("form", id="linked-fix-form")
    hidden = {field.attrs["name"]: field.attrs.get("value", "") for field in form.find_all("input", type="hidden")}
    assert hidden.get("idempotency_key")
    sent = {**hidden, "csrf_token": csrf_token_of(html), "link_id": link_id}

    answers = await asyncio.gather(*(rita.post(f"/admin/reviews/{task_id}/fix/linked", data=sent) for _ in range(2)))

    assert [answer.status_code for answer in answers] == [303, 303], [answer.text[-600:] for answer in answers]
    assert len((await gateway.services.reviews.get(task_id)).decisions) == 1
