"""What a reviewer writes through `/api/reviews` is trimmed by the one rule (gateway/domain/blank_text.py), as the task
page's forms trim it: a comment, note or tag of blank characters only (zero-width ones included) is none."""

from __future__ import annotations

import pytest
from review_seed import store_interactions

from gateway.app import FeedgateApp
from gateway.review.levels import ServiceLevels
from gateway.review.service import ReviewService
from gateway.store.review_figures import ReviewFigureStore
from gateway.store.reviews import ReviewStore

BLANKS = ["\u200b", "\u200b\u3000\u2060", " \ufeff "]


@pytest.fixture
def no_second_opinions(gateway: FeedgateApp) -> None:
    """Every task resolves on its first decision (the second-opinion share is drawn by hash)."""
    services = gateway.services
    levels = ServiceLevels.from_settings(services.settings.model_copy(update={"review_second_opinion_share": 0.0}))
    services.reviews = ReviewService(ReviewStore(services.engine), ReviewFigureStore(services.engine), levels)


async def open_task(gateway: FeedgateApp, client, admin_headers, **fields) -> dict:
    ids = await store_interactions(gateway.services.engine, 1)
    body = {"app": "support-bot", "reason": "The fee answer is wrong", "interaction_ids": ids, **fields}
    response = await client.post("/api/reviews", json=body, headers=admin_headers)
    assert response.status_code == 201, response.text
    return response.json()


async def decided_comment(gateway, client, admin_headers, comment: str) -> str | None:
    task = await open_task(gateway, client, admin_headers)
    body = {"outcome": "reject", "reviewer": "alice", "comment": comment}

    response = await client.post(f"/api/reviews/{task['id']}/decision", json=body, headers=admin_headers)

    assert response.status_code == 200, response.text
    [decision] = (await gateway.services.reviews.get(task["id"])).decisions
    return decision.comment


@pytest.mark.parametrize("blank", BLANKS)
async def test_a_decision_comment_of_blank_characters_only_is_no_comment(
    gateway, client, admin_headers, no_second_opinions, blank
):
    assert await decided_comment(gateway, client, admin_headers, blank) is None


async def test_a_decision_comments_zero_width_ends_are_trimmed(gateway, client, admin_headers, no_second_opinions):
    comment = await decided_comment(gateway, client, admin_headers, "\ufeff The fee is 1%. \u200b")

    assert comment == "The fee is 1%."


async def test_a_fix_comment_of_zero_width_spaces_adds_nothing_to_the_note(
    gateway, client, admin_headers, no_second_opinions
):
    task = await open_task(gateway, client, admin_headers)
    body = {
        "kind": "prompt",
        "reviewer": "alice",
        "text": "Quote the fee schedule.",
        "message": "fees were wrong",
        "comment": "\u200b\u200b",
    }

    response = await client.post(f"/api/reviews/{task['id']}/fix", json=body, headers=admin_headers)

    assert response.status_code == 201, response.text
    [decision] = (await gateway.services.reviews.get(task["id"])).decisions
    assert decision.comment is not None and decision.comment.endswith(".") and "\u200b" not in decision.comment


async def test_a_fix_comments_zero_width_ends_are_trimmed_in_the_note(
    gateway, client, admin_headers, no_second_opinions
):
    task = await open_task(gateway, client, admin_headers)
    body = {
        "kind": "prompt",
        "reviewer": "alice",
        "text": "Quote the fee schedule.",
        "message": "fees were wrong",
        "comment": "\u200bThe schedule was old.\u2060",
    }

    await client.post(f"/api/reviews/{task['id']}/fix", json=body, headers=admin_headers)

    [decision] = (await gateway.services.reviews.get(task["id"])).decisions
    assert decision.comment is not None and decision.comment.endswith(". The schedule was old.")


@pytest.mark.parametrize("action", ["dismiss", "second_opinion"])
async def test_a_note_of_zero_width_spaces_is_no_note(gateway, client, admin_headers, no_second_opinions, action):
    task = await open_task(gateway, client, admin_headers)

    response = await client.patch(
        f"/api/reviews/{task['id']}", json={"action": action, "note": "\u200b \u200b"}, headers=admin_headers
    )

    assert response.status_code == 200, response.text
    [event] = [event for event in response.json()["events"] if event["kind"] in ("dismissed", "second_opinion_asked")]
    assert "note" not in event["detail"]


async def test_a_notes_zero_width_ends_are_trimmed(gateway, client, admin_headers):
    task = await open_task(gateway, client, admin_headers)

    response = await client.patch(
        f"/api/reviews/{task['id']}",
        json={"action": "dismiss", "note": "\u200bDuplicate.\u200b"},
        headers=admin_headers,
    )

    assert response.json()["events"][-1]["detail"]["note"] == "Duplicate."


async def test_a_tag_of_zero_width_spaces_is_no_tag(gateway, client, admin_headers):
    task = await open_task(gateway, client, admin_headers, tags=["\u200b", "\u200bfees\u2060"])

    assert task["tags"] == ["fees"]
