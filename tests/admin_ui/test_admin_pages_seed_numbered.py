"""benchmarks/admin_pages_seed.py stores what the gateway stores: every call and feedback event numbered in stored order.

The pages that follow the stored order (`?stored_after=`, the late-numbering round) are then timed on rows
as a running gateway leaves them, not on rows a late-numbering round would still have to number.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
import uuid_utils
from sqlalchemy import func, select

from benchmarks import admin_pages_seed
from gateway.app import FeedgateApp
from gateway.store.feedback import FeedbackStore
from gateway.store.late_numbers import number_late_rows
from gateway.store.stored_order import stored_after
from gateway.store.tables import feedback, interactions

# A small seed of the benchmark's shape, in seconds.
SMALL = {
    "INTERACTIONS": 300,
    "BATCH": 100,
    "FEEDBACK": 120,
    "ISSUES": 10,
    "RUNS": 2,
    "TASKS": 5,
    "KNOWLEDGE_ENTRIES": 10,
    # Every app has negative feedback in the last 14 days, which the seed's goals need.
    "DAYS": 7,
}


@pytest.fixture
def small_seed(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in SMALL.items():
        monkeypatch.setattr(admin_pages_seed, name, value)


async def numbers(gateway: FeedgateApp, table) -> list[int | None]:
    async with gateway.services.engine.connect() as connection:
        query = select(table.c.stored_seq).order_by(table.c.stored_seq, table.c.id)
        return list((await connection.execute(query)).scalars())


async def count(gateway: FeedgateApp, table) -> int:
    async with gateway.services.engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def test_the_seed_numbers_every_call_and_feedback_event_as_the_stores_do(gateway: FeedgateApp, small_seed: None):
    await admin_pages_seed.seed(gateway, random.Random(7))

    assert await count(gateway, interactions) == SMALL["INTERACTIONS"]
    assert await count(gateway, feedback) == SMALL["FEEDBACK"]
    for table in (interactions, feedback):
        assert await numbers(gateway, table) == list(range(1, await count(gateway, table) + 1)), table.name
        rows, token = await stored_after(gateway.services.engine, table, 0, 10_000)
        assert (len(rows), token) == (await count(gateway, table), len(rows)), table.name
    assert await number_late_rows(gateway.services.engine) == 0

    # The head was moved past the seeded events: the next event stored takes the next number.
    async with gateway.services.engine.connect() as connection:
        interaction_id, app = (await connection.execute(select(interactions.c.id, interactions.c.app).limit(1))).one()
    await FeedbackStore(gateway.services.engine).append(
        {
            "id": str(uuid_utils.uuid7()),
            "interaction_id": interaction_id,
            "created_at": datetime.now(UTC),
            "app": app,
            "user_id": "user-after-the-seed",
            "thumbs": "up",
            "negative": False,
            "submitted_via": "app",
        }
    )
    assert (await numbers(gateway, feedback))[-1] == SMALL["FEEDBACK"] + 1
