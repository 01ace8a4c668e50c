"""The retrain trigger's record: deciding, once across processes, that enough new examples have accumulated."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import uuid_utils
from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.store.locks import advisory_key
from gateway.store.tables import retrain_triggers
from gateway.store.training_examples import ExampleFilter, count_examples

Row = dict[str, Any]
TRIGGER_LOCK = "feedgate.export.retrain"


class RetrainTriggerStore:
    """Counts labelled examples against the last trigger and records each new trigger and its delivery."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def fire_if_due(self, threshold: int, webhook_origin: str, now: datetime) -> Row | None:
        """Record a trigger when at least `threshold` examples were added since the last one; the new row, or None.

        `webhook_origin` is where the notice goes, its scheme and host alone (gateway.url_text.url_origin).

        Serialized across processes, so two checks running at once never both fire for the same examples.
        """
        async with self._engine.begin() as connection:
            await _serialize(connection)
            t = retrain_triggers.c
            last = select(t.total_examples).order_by(t.created_at.desc(), t.id.desc()).limit(1)
            counted_before = (await connection.execute(last)).scalar() or 0
            total = await count_examples(connection, ExampleFilter())
            # Examples can also disappear (a user's newer feedback drops their correction):
            # what is counted is the growth of the whole set since the last trigger.
            new = total - counted_before
            if new < threshold:
                return None
            row = {
                "id": str(uuid_utils.uuid7()),
                "created_at": now,
                "total_examples": total,
                "new_examples": new,
                "threshold": threshold,
                "webhook_origin": webhook_origin,
            }
            await connection.execute(insert(retrain_triggers).values(**row))
        return row

    async def record_delivery(self, trigger_id: str, status: int | None, error: str | None, at: datetime) -> None:
        """What the webhook answered (`status`), or why it could not be delivered (`error`)."""
        t = retrain_triggers.c
        values = {"delivery_status": status, "delivery_error": error, "delivered_at": at}
        async with self._engine.begin() as connection:
            await connection.execute(update(retrain_triggers).where(t.id == trigger_id).values(**values))

    async def list(self) -> list[Row]:
        """Every trigger, oldest first."""
        t = retrain_triggers.c
        async with self._engine.connect() as connection:
            query = select(retrain_triggers).order_by(t.created_at, t.id)
            return [dict(row) for row in (await connection.execute(query)).mappings()]


async def _serialize(connection: AsyncConnection) -> None:
    """Wait for any other check to commit: an advisory lock on PostgreSQL, the write lock on SQLite."""
    if connection.dialect.name == "postgresql":
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(TRIGGER_LOCK)})
    else:
        # An UPDATE that matches nothing still takes SQLite's write lock, before anything is read.
        t = retrain_triggers.c
        await connection.execute(update(retrain_triggers).where(t.id.is_(None)).values(threshold=0))
