"""The automation rate: the share of an app's answers in the period that went out without review."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from calibration_seed import store_answers

from gateway.app import FeedgateApp
from gateway.review.figures import Automation
from gateway.review.records import Outcome, Priority, Source
from gateway.store.interactions import InteractionStore


async def store_other_calls(engine, when: datetime) -> None:
    """Calls that are no answers: an embedding and a failed chat call."""
    base = {"app": "support-bot", "upstream": "default", "model": "gpt-test", "stream": False, "partial": False}
    await InteractionStore(engine).insert_many(
        [
            {**base, "id": "embedding-1", "created_at": when, "endpoint": "embeddings", "status_code": 200},
            {**base, "id": "failed-1", "created_at": when, "endpoint": "chat.completions", "status_code": 500},
        ]
    )


async def test_answers_a_person_decided_count_as_reviewed_per_app(engine, reviews, clock):
    when = clock.now - timedelta(hours=1)
    ids = await store_answers(engine, [0.9] * 10, when)
    await store_answers(engine, [0.9] * 4, when, app="other-bot")
    old = await store_answers(engine, [0.9] * 5, clock.now - timedelta(days=40))
    await store_other_calls(engine, when)
    # Audited by the gate, still undecided (it went out unreviewed), and reviewed on request (decided).
    await reviews.open_or_update(
        app="support-bot",
        source=Source.CONFIDENCE,
        reason="Low confidence: 0.42",
        priority=Priority.MEDIUM,
        interaction_ids=ids[:1],
    )
    manual = await reviews.open_or_update(
        app="support-bot",
        source=Source.MANUAL,
        reason="Check",
        priority=Priority.LOW,
        interaction_ids=ids[1:2] + old[:1],
    )
    await reviews.decide(manual.task.task.id, "alice", Outcome.APPROVE)

    figures = await reviews.stats()
    one_app = await reviews.stats(app="other-bot")

    assert figures.automation_by_app == {"other-bot": Automation(4, 0), "support-bot": Automation(10, 1)}
    assert figures.automation_by_app["support-bot"].rate == pytest.approx(0.9)
    assert (figures.automation, figures.automation.rate) == (Automation(14, 1), pytest.approx(13 / 14))
    assert one_app.automation_by_app == {"other-bot": Automation(4, 0)}
    assert one_app.automation.rate == 1.0


async def test_without_answers_there_is_no_rate(reviews):
    figures = await reviews.stats()

    assert (figures.automation, figures.automation.rate, figures.automation_by_app) == (Automation(0, 0), None, {})


async def test_the_stats_api_reports_the_automation_rate(client, admin_headers, gateway: FeedgateApp):
    ids = await store_answers(gateway.services.engine, [0.9] * 4, datetime.now(UTC) - timedelta(hours=1))
    task = {"app": "support-bot", "reason": "A customer escalated this answer", "interaction_ids": ids[:1]}
    opened = await client.post("/api/reviews", json=task, headers=admin_headers)
    assert opened.status_code == 201
    decision = {"outcome": "approve", "reviewer": "alice"}
    decided = await client.post(f"/api/reviews/{opened.json()['id']}/decision", json=decision, headers=admin_headers)
    assert decided.status_code == 200, decided.text

    body = (await client.get("/api/reviews/stats?app=support-bot", headers=admin_headers)).json()

    assert body["automation"] == {"answers": 4, "reviewed": 1, "rate": 0.75}
    assert body["automation_by_app"] == {"support-bot": {"answers": 4, "reviewed": 1, "rate": 0.75}}
