"""Revision 0038 cuts the retrain webhook's path and query from every trigger recorded before (both databases)."""

from __future__ import annotations

import asyncio

from sqlalchemy import text
from test_migrations import fresh_database_url  # noqa: F401 - the fixture

from gateway.store.engine import create_engine
from gateway.store.migrate import upgrade_database

INSERT = text(
    "INSERT INTO retrain_triggers (id, created_at, total_examples, new_examples, threshold, webhook_url) "
    "VALUES (:id, CURRENT_TIMESTAMP, 3, 3, 3, :url)"
)


async def test_revision_0038_keeps_each_triggers_webhook_origin_alone(fresh_database_url: str):  # noqa: F811
    await asyncio.to_thread(upgrade_database, fresh_database_url, "0037")
    engine = create_engine(fresh_database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                INSERT,
                [
                    {"id": "t1", "url": "https://hooks.example.test/services/T0/B0/XyzSecret"},
                    {"id": "t2", "url": "http://user:pw@ml.internal:8080/retrain?token=tok3n"},
                    {"id": "t3", "url": "https://ml.example.test"},
                ],
            )
        await asyncio.to_thread(upgrade_database, fresh_database_url)
        async with engine.connect() as connection:
            query = text("SELECT id, webhook_origin FROM retrain_triggers ORDER BY id")
            stored = dict((await connection.execute(query)).all())
    finally:
        await engine.dispose()

    assert stored == {
        "t1": "https://hooks.example.test",
        "t2": "http://ml.internal:8080",
        "t3": "https://ml.example.test",
    }
