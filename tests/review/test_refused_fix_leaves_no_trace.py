"""A refused `POST /api/reviews/{id}/fix` or `/decision` leaves the task exactly as it was: no claim taken or renewed,
no event, no audit record, no fix, link, decision or idempotency key (each refusal is checked before, or in the same
transaction as, anything written)."""

from __future__ import annotations

from typing import Any

import pytest
from review_seed import store_interactions
from task_trace import task_trace

from gateway.app import FeedgateApp
from gateway.config import Settings
from gateway.knowledge.fields import MAX_TITLE

PROMPT = {"kind": "prompt", "reviewer": "alice", "text": "Quote the fee schedule.", "message": "fees were wrong"}
ENTRY = {"kind": "knowledge", "reviewer": "alice", "title": "Transfer fee", "content": "1%."}

REFUSED_FIXES: dict[str, tuple[dict[str, Any], int]] = {
    "unknown-kind": ({**PROMPT, "kind": "faq"}, 400),
    "field-of-another-kind": ({**PROMPT, "title": "Fees"}, 400),
    "blank-reviewer": ({**PROMPT, "reviewer": "  "}, 400),
    "entry-without-content": ({"kind": "knowledge", "reviewer": "alice", "title": "Transfer fee"}, 400),
    "entry-title-zero-width": ({**ENTRY, "title": "\u200b"}, 400),
    "entry-content-ideographic-space": ({**ENTRY, "content": "\u3000"}, 400),
    "prompt-text-zero-width": ({**PROMPT, "text": "\u200b\u200b"}, 400),
    "prompt-message-zero-width": ({**PROMPT, "message": "\ufeff"}, 400),
    "entry-title-too-long": ({**ENTRY, "title": "t" * (MAX_TITLE + 1)}, 400),
    "canary-asked-of-an-entry": ({**ENTRY, "rollout": "canary", "canary_share": 0.1}, 400),
    "canary-without-share": ({**PROMPT, "rollout": "canary"}, 400),
    "canary-share-out-of-range": ({**PROMPT, "rollout": "canary", "canary_share": 1.5}, 400),
    "choice-the-answer-has-not": ({**PROMPT, "choice": 3}, 422),
    "link-of-no-fix": ({"kind": "linked", "reviewer": "alice", "link_id": "no-such-link"}, 400),
    # The app's rollout refuses it, under the app's lock: the one refusal found only inside the transaction.
    "second-canary": ({**PROMPT, "rollout": "canary", "canary_share": 0.1}, 409),
}

REFUSED_DECISIONS: dict[str, tuple[dict[str, Any], int]] = {
    "unknown-outcome": ({"outcome": "maybe", "reviewer": "alice"}, 400),
    "blank-reviewer": ({"outcome": "approve", "reviewer": "  "}, 400),
    "correct-without-correction": ({"outcome": "correct", "reviewer": "alice"}, 400),
    "correct-with-zero-width-correction": ({"outcome": "correct", "reviewer": "alice", "correction": "\u200b"}, 400),
    "correction-with-approve": ({"outcome": "approve", "reviewer": "alice", "correction": "1%"}, 400),
    "choice-the-answer-has-not": ({"outcome": "reject", "reviewer": "alice", "choice": 3}, 422),
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No second opinions: one decision resolves a task, whatever its id hashes to."""
    return settings.model_copy(update={"review_second_opinion_share": 0.0})


async def open_task(gateway: FeedgateApp, client, admin_headers) -> str:
    ids = await store_interactions(gateway.services.engine, 1)
    body = {"app": "support-bot", "reason": "The fee answer is wrong", "interaction_ids": ids}
    response = await client.post("/api/reviews", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    task_id: str = response.json()["id"]
    return task_id


async def claim(client, admin_headers, task_id: str, reviewer: str) -> None:
    body = {"action": "claim", "reviewer": reviewer}
    response = await client.patch(f"/api/reviews/{task_id}", json=body, headers=admin_headers)
    assert response.status_code == 200, response.text


async def run_canary(gateway: FeedgateApp) -> None:
    """A canary already running for the app: another one is refused until it is promoted or rolled back."""
    await gateway.services.prompts.service.publish("support-bot", "Be brief.", "try", "carol", canary_share=0.2)


@pytest.mark.parametrize("held_by", [None, "alice", "bob"], ids=["open", "claimed-by-the-reviewer", "claimed-by-other"])
@pytest.mark.parametrize("refusal", list(REFUSED_FIXES))
async def test_a_refused_fix_leaves_the_task_as_it_was(gateway, client, admin_headers, refusal, held_by):
    body, status = REFUSED_FIXES[refusal]
    task_id = await open_task(gateway, client, admin_headers)
    await run_canary(gateway)
    if held_by is not None:
        await claim(client, admin_headers, task_id, held_by)
    before = await task_trace(gateway.services.engine, task_id)

    response = await client.post(f"/api/reviews/{task_id}/fix", json=body, headers=admin_headers)

    # A bad field is refused first, whoever holds the task.
    assert response.status_code == status, response.text
    assert await task_trace(gateway.services.engine, task_id) == before


@pytest.mark.parametrize("held_by", [None, "alice", "bob"], ids=["open", "claimed-by-the-reviewer", "claimed-by-other"])
@pytest.mark.parametrize("refusal", list(REFUSED_DECISIONS))
async def test_a_refused_decision_leaves_the_task_as_it_was(gateway, client, admin_headers, refusal, held_by):
    body, status = REFUSED_DECISIONS[refusal]
    task_id = await open_task(gateway, client, admin_headers)
    if held_by is not None:
        await claim(client, admin_headers, task_id, held_by)
    before = await task_trace(gateway.services.engine, task_id)

    response = await client.post(f"/api/reviews/{task_id}/decision", json=body, headers=admin_headers)

    assert response.status_code == status, response.text
    assert await task_trace(gateway.services.engine, task_id) == before


async def test_a_fix_or_decision_on_a_closed_task_leaves_it_as_it_was(gateway, client, admin_headers):
    task_id = await open_task(gateway, client, admin_headers)
    dismissed = await client.patch(f"/api/reviews/{task_id}", json={"action": "dismiss"}, headers=admin_headers)
    assert dismissed.status_code == 200, dismissed.text
    before = await task_trace(gateway.services.engine, task_id)

    fixed = await client.post(f"/api/reviews/{task_id}/fix", json=PROMPT, headers=admin_headers)
    decided = await client.post(
        f"/api/reviews/{task_id}/decision", json={"outcome": "approve", "reviewer": "alice"}, headers=admin_headers
    )

    assert (fixed.status_code, decided.status_code) == (409, 409)
    assert await task_trace(gateway.services.engine, task_id) == before
