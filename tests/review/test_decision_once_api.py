"""`POST /api/reviews/{id}/decision` with an Idempotency-Key: the same decision sent again records one decision."""

from __future__ import annotations

import pytest
from review_seed import open_task

from gateway.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Every task needs two different reviewers: the first decision leaves it open."""
    return settings.model_copy(update={"review_second_opinion_share": 1.0})


async def open_gateway_task(gateway) -> str:
    return await open_task(gateway.services.engine, gateway.services.reviews)


async def test_a_decision_sent_again_under_its_key_answers_200_and_records_one(gateway, client, admin_headers):
    task_id = await open_gateway_task(gateway)
    headers = {**admin_headers, "Idempotency-Key": "decide-1"}
    body = {"outcome": "approve", "reviewer": "alice"}

    first = await client.post(f"/api/reviews/{task_id}/decision", json=body, headers=headers)
    again = await client.post(f"/api/reviews/{task_id}/decision", json=body, headers=headers)

    assert first.status_code == again.status_code == 200, again.text
    assert [decision["reviewer"] for decision in again.json()["decisions"]] == ["alice"]


async def test_the_key_sent_again_with_another_outcome_is_a_422(gateway, client, admin_headers):
    task_id = await open_gateway_task(gateway)
    headers = {**admin_headers, "Idempotency-Key": "decide-1"}
    await client.post(
        f"/api/reviews/{task_id}/decision", json={"outcome": "approve", "reviewer": "alice"}, headers=headers
    )

    again = await client.post(
        f"/api/reviews/{task_id}/decision", json={"outcome": "reject", "reviewer": "alice"}, headers=headers
    )

    assert again.status_code == 422
    assert "outcome" in again.json()["detail"]
    assert len((await gateway.services.reviews.get(task_id)).decisions) == 1


async def test_without_a_key_the_same_reviewer_deciding_again_is_still_a_409(gateway, client, admin_headers):
    task_id = await open_gateway_task(gateway)
    body = {"outcome": "approve", "reviewer": "alice"}
    await client.post(f"/api/reviews/{task_id}/decision", json=body, headers=admin_headers)

    again = await client.post(f"/api/reviews/{task_id}/decision", json=body, headers=admin_headers)

    assert again.status_code == 409
