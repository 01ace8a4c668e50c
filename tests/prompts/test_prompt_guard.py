"""The guarded rollout on both databases: counts by arm from the interactions' notes, and the automatic rollback."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import uuid_utils
from sqlalchemy import insert, select

from gateway.prompts.guard import CanaryGuard
from gateway.prompts.service import PromptService
from gateway.store.prompts import PromptStore
from gateway.store.tables import audit_log, feedback, interactions


@pytest.fixture
def store(engine) -> PromptStore:
    return PromptStore(engine)


@pytest.fixture
def service(store) -> PromptService:
    return PromptService(store)


def guard(engine, store, service) -> CanaryGuard:
    return CanaryGuard(engine, store, service, alpha=0.05, min_interactions=100)


async def add_traffic(engine, note: dict | None, total: int, negative: int, at: datetime | None = None) -> None:
    """`total` interactions of app "bot" carrying `note`, the first `negative` with a thumbs down (after a thumbs up)."""
    at = at or datetime.now(UTC)
    rows, events = [], []
    for n in range(total):
        interaction_id = str(uuid_utils.uuid7())
        rows.append(
            {
                "id": interaction_id,
                "created_at": at,
                "app": "bot",
                "endpoint": "chat.completions",
                "upstream": "default",
                "stream": False,
                "partial": False,
                "policies": [{"policy": "prompts", "action": "replace_body", **note}] if note else None,
            }
        )
        signals = ["up", "down"] if n < negative else (["up"] if n % 3 == 0 else [])
        for thumbs in signals:  # a user's newer event is their current feedback
            events.append(
                {
                    "id": str(uuid_utils.uuid7()),
                    "interaction_id": interaction_id,
                    "created_at": at,
                    "app": "bot",
                    "user_id": "u",
                    "thumbs": thumbs,
                    "negative": thumbs == "down",
                    "submitted_via": "app",
                }
            )
    async with engine.begin() as connection:
        await connection.execute(insert(interactions), rows)
        if events:
            await connection.execute(insert(feedback), events)


async def test_a_clearly_worse_canary_is_rolled_back_with_an_audit_record(engine, store, service):
    v1 = await service.publish("bot", "One.", "", "alice", activate=True)
    v2 = await service.publish("bot", "Two.", "", "alice", canary_share=0.1)
    canary_note = {"version": 2, "version_id": v2.version.id, "arm": "canary", "mode": "prepend"}
    active_note = {"version": 1, "version_id": v1.version.id, "arm": "active", "mode": "prepend"}
    await add_traffic(engine, canary_note, total=150, negative=30)
    await add_traffic(engine, active_note, total=1000, negative=50)
    # Not counted: before the canary started, another model's deployment, no note.
    await add_traffic(engine, canary_note, total=500, negative=0, at=datetime.now(UTC) - timedelta(days=1))
    await add_traffic(engine, {**active_note, "model": "gpt-4o"}, total=500, negative=0)
    await add_traffic(engine, None, total=300, negative=0)

    [check] = await guard(engine, store, service).check_all()

    assert check.rolled_back
    assert (check.verdict.canary.interactions, check.verdict.canary.negative) == (150, 30)
    assert (check.verdict.rest.interactions, check.verdict.rest.negative) == (1000, 50)
    listed = await service.get(v2.version.id)
    assert listed.state == "inactive"
    assert (await store.live("bot")).for_model(None).active.id == v1.version.id
    async with engine.connect() as connection:
        record = (
            (await connection.execute(select(audit_log).order_by(audit_log.c.seq.desc()).limit(1))).mappings().one()
        )
    assert (record["action"], record["actor"], record["subject_id"]) == (
        "prompt.auto_rollback",
        "rule:prompt-guard",
        v2.version.id,
    )
    assert record["before"]["canary"]["number"] == 2 and record["after"]["canary"] is None
    assert record["detail"]["canary"] == {"interactions": 150, "negative": 30, "negative_rate": 0.2}
    assert record["detail"]["rest"]["negative_rate"] == 0.05


async def test_a_canary_as_good_as_the_rest_keeps_running(engine, store, service):
    v1 = await service.publish("bot", "One.", "", "alice", activate=True)
    v2 = await service.publish("bot", "Two.", "", "alice", canary_share=0.1)
    await add_traffic(engine, {"version": 2, "version_id": v2.version.id, "arm": "canary"}, total=150, negative=8)
    await add_traffic(engine, {"version": 1, "version_id": v1.version.id, "arm": "active"}, total=1000, negative=50)

    [check] = await guard(engine, store, service).check_all()

    assert not check.rolled_back and check.verdict.enough_data
    assert (await service.get(v2.version.id)).state == "canary"


async def test_too_little_traffic_is_not_judged(engine, store, service):
    await service.publish("bot", "One.", "", "alice", activate=True)
    v2 = await service.publish("bot", "Two.", "", "alice", canary_share=0.1)
    await add_traffic(engine, {"version": 2, "version_id": v2.version.id, "arm": "canary"}, total=20, negative=20)

    [check] = await guard(engine, store, service).check_all()

    assert not check.rolled_back and not check.verdict.enough_data
