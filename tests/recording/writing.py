"""Exchanges, a switchable sink and store readers shared by the writer tests."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import orjson
import uuid_utils
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.recording.exchange import Exchange
from gateway.recording.spool import Spool
from gateway.recording.writer import InteractionWriter
from gateway.store.interactions import InteractionStore
from gateway.store.tables import interactions

Row = dict[str, Any]


def chat_exchange(question: str = "What is the capital of France?", answer: str = "Paris.", **fields: Any) -> Exchange:
    """One non-streamed chat call, as the proxy captures it."""
    completion = {
        "id": f"chatcmpl-{uuid_utils.uuid4().hex[:12]}",
        "object": "chat.completion",
        "created": 1_750_000_000,
        "model": "gpt-4o-mini-2024-07-18",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": answer}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 12, "completion_tokens": 3, "total_tokens": 15},
    }
    values: dict[str, Any] = {
        "id": str(uuid_utils.uuid7()),
        "created_at": datetime.now(UTC),
        "app": "support-bot",
        "endpoint": "chat.completions",
        "upstream": "default",
        "request": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]},
        "status_code": 200,
        "content_type": "application/json",
        "body_chunks": [orjson.dumps(completion)],
        "latency_ms": 120.0,
        **fields,
    }
    return Exchange(**values)


def submit_many(writer: InteractionWriter, count: int) -> list[str]:
    """Submit `count` exchanges; their ids in submission order."""
    exchanges = [chat_exchange(f"question {n}") for n in range(count)]
    for exchange in exchanges:
        writer.submit(exchange)
    return [exchange.id for exchange in exchanges]


async def eventually(condition: Callable[[], bool], timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


async def stored_ids(engine: AsyncEngine) -> list[str]:
    async with engine.connect() as connection:
        result = await connection.execute(select(interactions.c.id).order_by(interactions.c.id))
        return list(result.scalars())


async def stored_count(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return (await connection.execute(select(func.count()).select_from(interactions))).scalar_one()


def spooled_ids(spool: Spool) -> list[str]:
    return [row["id"] for batch in spool.read_batches(1000) for row in batch]


def first_occurrences(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(ids))


def as_utc(moment: datetime) -> datetime:
    # SQLite gives back naive datetimes (stored as UTC wall time); PostgreSQL aware ones.
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class SwitchableSink:
    """The real InteractionStore behind a switch that makes it unreachable, like a database outage.

    `delivered` lists the ids of every row that reached the database, in the order
    they got there (a replay may deliver an id again; the store ignores repeats).
    """

    def __init__(self, store: InteractionStore) -> None:
        self.store = store
        self.down = False
        self.calls_before_outage: int | None = None
        self.delivered: list[str] = []
        self.batch_sizes: list[int] = []

    async def insert_many(self, rows: list[Row]) -> None:
        if self.calls_before_outage is not None:
            if self.calls_before_outage == 0:
                self.down = True
                self.calls_before_outage = None
            else:
                self.calls_before_outage -= 1
        if self.down:
            raise OSError("connection refused")
        await self.store.insert_many(rows)
        self.delivered.extend(row["id"] for row in rows)
        self.batch_sizes.append(len(rows))
