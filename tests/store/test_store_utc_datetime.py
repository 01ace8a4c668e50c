"""`UtcDateTime`: aware datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import insert, select
from sqlalchemy.exc import StatementError
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.tables import gateway_keys
from gateway.store.types import NaiveDatetimeError

PARIS_SUMMER = timezone(timedelta(hours=2))
NOON_UTC = datetime(2026, 6, 1, 12, 0, 0, 123_456, tzinfo=UTC)


async def store_key(engine: AsyncEngine, key_id: str, created_at: datetime) -> None:
    async with engine.begin() as connection:
        await connection.execute(
            insert(gateway_keys).values(id=key_id, app="app", key_hash=key_id * 8, created_at=created_at)
        )


async def test_an_aware_datetime_comes_back_as_the_same_instant_in_utc(engine: AsyncEngine):
    await store_key(engine, "k1", NOON_UTC.astimezone(PARIS_SUMMER))

    async with engine.connect() as connection:
        stored = await connection.scalar(select(gateway_keys.c.created_at))

    assert stored == NOON_UTC
    assert stored.tzinfo is UTC


async def test_comparisons_convert_the_bound_value_to_utc(engine: AsyncEngine):
    await store_key(engine, "k1", NOON_UTC)
    # 13:30 in Paris is 11:30 UTC: before noon, though its wall time is later.
    earlier_in_paris = datetime(2026, 6, 1, 13, 30, tzinfo=PARIS_SUMMER)

    async with engine.connect() as connection:
        found = await connection.scalar(select(gateway_keys.c.id).where(gateway_keys.c.created_at > earlier_in_paris))

    assert found == "k1"


async def test_a_naive_datetime_is_refused(engine: AsyncEngine):
    with pytest.raises(StatementError) as refused:
        await store_key(engine, "k1", datetime(2026, 6, 1, 12, 0))  # noqa: DTZ001 - naive on purpose

    assert isinstance(refused.value.orig, NaiveDatetimeError)


async def test_null_stays_null(engine: AsyncEngine):
    await store_key(engine, "k1", NOON_UTC)

    async with engine.connect() as connection:
        revoked_at = await connection.scalar(select(gateway_keys.c.revoked_at))

    assert revoked_at is None
