"""Retention drops idempotency keys past their lifetime, in short batches; younger keys keep answering repeats.

The schedule of `serve` and `worker` drops them with or without a retention age: without one, keys were kept for ever.
"""

from __future__ import annotations

import asyncio
import logging
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

import pytest
from privacy_seed import add_interaction
from sqlalchemy import func, insert, select

from gateway.domain.idempotency import KEY_LIFETIME
from gateway.privacy.retention import prune_before, prune_periodically
from gateway.store.tables import idempotency_keys, interactions

NOW = datetime.now(UTC)


async def add_keys(engine, ages: dict[str, timedelta]) -> None:
    rows = [
        {"scope": "kb.create", "key": key, "subject_id": f"entry-{key}", "field_hashes": {}, "created_at": NOW - age}
        for key, age in ages.items()
    ]
    async with engine.begin() as connection:
        await connection.execute(insert(idempotency_keys), rows)


async def keys_left(engine) -> list[str]:
    async with engine.connect() as connection:
        return sorted((await connection.execute(select(idempotency_keys.c.key))).scalars())


def said_about_keys(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """The log lines a round wrote about idempotency keys."""
    return [record for record in caplog.records if "idempotency keys" in record.getMessage()]


async def test_a_prune_drops_the_keys_past_their_lifetime_in_batches(engine):
    old = {f"old-{n}": KEY_LIFETIME + timedelta(hours=n + 1) for n in range(5)}
    await add_keys(engine, {**old, "young": KEY_LIFETIME - timedelta(hours=1), "new": timedelta(0)})

    # No interaction is due: the keys go all the same, two per transaction.
    report = await prune_before(engine, NOW - timedelta(days=30), batch_size=2)

    assert report.idempotency_keys == 5
    assert await keys_left(engine) == ["new", "young"]


async def test_cli_prune_says_how_many_keys_it_dropped(database_url, engine):
    await add_keys(engine, {"old": KEY_LIFETIME + timedelta(days=1)})

    result = await asyncio.to_thread(
        subprocess.run,
        [sys.executable, "-m", "gateway.cli", "prune", "--older-than", "30"],
        env={**os.environ, "FEEDGATE_DATABASE_URL": database_url},
        capture_output=True,
        text=True,
        timeout=120,
    )

    assert result.returncode == 0, result.stderr
    assert "idempotency keys 1" in result.stdout
    assert await keys_left(engine) == []


async def test_without_a_retention_age_the_schedule_drops_old_keys_and_keeps_every_interaction(
    engine, settings, caplog
):
    await add_keys(engine, {"old-1": KEY_LIFETIME + timedelta(days=1), "old-2": KEY_LIFETIME + timedelta(days=30)})
    await add_keys(engine, {"young": KEY_LIFETIME - timedelta(hours=1)})
    await add_interaction(engine, "alice", "where is my card", NOW - timedelta(days=3_000))
    scheduled = settings.model_copy(update={"retention_days": None, "retention_interval_minutes": 0.001})
    caplog.set_level(logging.INFO, logger="feedgate.retention")

    task = asyncio.create_task(prune_periodically(engine, scheduled))
    # Wait for the round's log line, the last thing it does: the keys are gone before it (the merge judge's answers
    # are dropped and the lock released in between), and a cancel in that gap lost the line (seen on PostgreSQL).
    for _ in range(200):
        if said_about_keys(caplog):
            break
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert await keys_left(engine) == ["young"]
    async with engine.connect() as connection:
        assert (await connection.execute(select(func.count()).select_from(interactions))).scalar() == 1
    [said] = said_about_keys(caplog)
    assert said.getMessage() == "dropped 2 idempotency keys older than 7 days"
    assert said.dropped_idempotency_keys == 2


async def test_without_a_retention_age_the_first_drop_waits_an_interval(engine, settings):
    # Keys are days old before one is due: a process that lives a moment (a command, a test app) touches nothing.
    await add_keys(engine, {"old": KEY_LIFETIME + timedelta(days=1)})
    scheduled = settings.model_copy(update={"retention_days": None, "retention_interval_minutes": 60})

    task = asyncio.create_task(prune_periodically(engine, scheduled))
    await asyncio.sleep(0.5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    assert await keys_left(engine) == ["old"]
