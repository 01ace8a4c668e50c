"""Rows and a stand-in writer for the domain service tests."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import uuid_utils

from gateway.store.interactions import InteractionStore

Row = dict[str, Any]


def gateway_id(at: datetime) -> str:
    """A UUIDv7 minted at `at`, as the gateway writes it: a fresh one with its 48-bit timestamp replaced."""
    fresh = uuid.UUID(str(uuid_utils.uuid7()))
    return str(uuid.UUID(int=(int(at.timestamp() * 1000) << 80) | (fresh.int & ((1 << 80) - 1))))


def feedback_row(interaction_id: str, user_id: str | None, **signal: Any) -> Row:
    """A feedback store row on `interaction_id`."""
    return {
        "id": str(uuid_utils.uuid7()),
        "interaction_id": interaction_id,
        "created_at": datetime.now(UTC),
        "app": "support-bot",
        "user_id": user_id,
        "thumbs": signal.get("thumbs"),
        "rating": signal.get("rating"),
        "correction": signal.get("correction"),
        "comment": signal.get("comment"),
        "negative": signal.get("thumbs") == "down",
        "submitted_via": "app",
    }


class HoldingWriter:
    """Stands in for the batched writer: holds rows until a flush, or its own next batch, stores them."""

    def __init__(self, store: InteractionStore) -> None:
        self._store = store
        self.held: list[Row] = []
        self.flushes = 0
        self.waits = 0
        self._batch = asyncio.Lock()

    @property
    def backlog(self) -> int:
        """Rows held, not yet stored."""
        return len(self.held)

    async def flush(self) -> None:
        """Store what is held now (counted: the thing callers must not force too often)."""
        self.flushes += 1
        await self._store_held()

    async def caught_up(self) -> None:
        """The writer's own next batch: stores what is held."""
        self.waits += 1
        await self._store_held()

    async def _store_held(self) -> None:
        # Like the real writer, rows count as held until their batch is stored.
        async with self._batch:
            rows = list(self.held)
            await self._store.insert_many(rows)
            del self.held[: len(rows)]
