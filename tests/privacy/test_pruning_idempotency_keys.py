"""Retention drops idempotency keys past their lifetime, in short batches; younger keys keep answering repeats."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from sqlalchemy import insert, select

from gateway.domain.idempotency import KEY_LIFETIME
from gateway.privacy.retention import prune_before
from gateway.store.tables import idempotency_keys

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
