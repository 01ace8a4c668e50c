"""`insert_skipping_duplicates`: ON CONFLICT DO NOTHING in each database's spelling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select
from sqlalchemy.dialects import mysql
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.tables import feedback, gateway_secrets

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def event(event_id: str, idempotency_key: str) -> dict:
    return {
        "id": event_id,
        "interaction_id": "i1",
        "created_at": NOW,
        "app": "app",
        "negative": True,
        "thumbs": "down",
        "idempotency_key": idempotency_key,
        "submitted_via": "app",
    }


async def count(engine: AsyncEngine, table) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(select(func.count()).select_from(table)))


async def test_a_row_already_stored_is_skipped_and_the_first_value_kept(engine: AsyncEngine):
    insert = insert_skipping_duplicates(engine.dialect, gateway_secrets, ["name"])
    async with engine.begin() as connection:
        await connection.execute(insert.values(name="salt", value="first"))
        await connection.execute(insert.values(name="salt", value="second"))
        value = await connection.scalar(select(gateway_secrets.c.value))

    assert value == "first"


async def test_the_named_unique_index_decides_what_is_a_duplicate(engine: AsyncEngine):
    insert = insert_skipping_duplicates(engine.dialect, feedback, ["interaction_id", "idempotency_key"])
    async with engine.begin() as connection:
        await connection.execute(insert, [event("e1", "k"), event("e2", "k"), event("e3", "other")])

    assert await count(engine, feedback) == 2


async def test_without_columns_any_unique_constraint_counts(engine: AsyncEngine):
    insert = insert_skipping_duplicates(engine.dialect, feedback)
    async with engine.begin() as connection:
        await connection.execute(insert, [event("e1", "k"), event("e1", "other"), event("e2", "k")])

    assert await count(engine, feedback) == 1


def test_a_database_without_on_conflict_is_refused():
    with pytest.raises(ValueError, match="mysql"):
        insert_skipping_duplicates(mysql.dialect(), gateway_secrets)
