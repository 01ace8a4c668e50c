"""A reviewer's name made of blank characters only, zero-width ones included, names nobody: refused like an empty one.

The one blank rule (gateway.domain.blank_text) is what comments and corrections are read by; a name of U+200B
passed `str.strip` and was stored as a reviewer, a person no page can show and no one can type again.
"""

from __future__ import annotations

import pytest
from review_seed import store_interactions

from gateway.domain.errors import InvalidQuery
from gateway.review.records import Outcome, Priority, Source

BLANK_NAMES = ["\u200b", "\u200b\u200b", " \u2060\ufeff ", "\u3000"]


async def open_task(engine, reviews) -> str:
    ids = await store_interactions(engine, 1)
    opened = await reviews.open_or_update(
        app="support-bot", source=Source.MANUAL, reason="Please check", priority=Priority.HIGH, interaction_ids=ids
    )
    return opened.task.task.id


@pytest.mark.parametrize("name", BLANK_NAMES)
async def test_a_decision_by_a_blank_reviewer_is_refused(engine, reviews, name):
    task_id = await open_task(engine, reviews)

    with pytest.raises(InvalidQuery) as refused:
        await reviews.decide(task_id, name, Outcome.APPROVE)

    assert refused.value.field == "reviewer"


@pytest.mark.parametrize("name", BLANK_NAMES)
async def test_a_claim_by_a_blank_reviewer_is_refused(engine, reviews, name):
    task_id = await open_task(engine, reviews)

    with pytest.raises(InvalidQuery) as refused:
        await reviews.claim(task_id, name)

    assert refused.value.field == "reviewer"


async def test_a_name_with_zero_width_ends_is_the_person_without_them(engine, reviews):
    task_id = await open_task(engine, reviews)
    await reviews.claim(task_id, "\u200bAlice\u200b")

    renewed = await reviews.renew(task_id, "alice")

    assert renewed.task.lease is not None and renewed.task.lease.holder == "Alice"


async def test_the_api_refuses_a_zero_width_reviewer_with_a_400_naming_the_field(
    engine, client, admin_headers, gateway
):
    task_id = await open_task(engine, gateway.services.reviews)

    response = await client.post(
        f"/api/reviews/{task_id}/decision", json={"outcome": "approve", "reviewer": "\u200b"}, headers=admin_headers
    )

    assert response.status_code == 400, response.text
    assert "reviewer" in response.text
