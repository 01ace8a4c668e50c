"""Where a recorded Responses call was served: the upstream and model of the create that named a response id.

Read by the proxy for a later look at that response (GET, cancel, DELETE, /input_items) when several upstreams
are configured (gateway.proxy.response_homes): one indexed lookup (interactions.upstream_response_id).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.tables import interactions

# Only the Responses API names responses that are looked at later.
_ENDPOINT = "responses"


@dataclass(frozen=True, slots=True)
class ResponseHome:
    """The upstream (by name) that served a response's create, and the model the create named."""

    upstream: str
    model: str | None


class ResponseHomeStore:
    """Finds the create that named a response id, as the later answers' fill does (same app, newest first)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def home(self, app: str, response_id: str) -> ResponseHome | None:
        """Where `app`'s newest recorded create that named `response_id` (as stored: fitted) was served; None if none did."""
        c = interactions.c
        query = (
            select(c.upstream, c.model)
            .where(c.upstream_response_id == response_id, c.app == app, c.endpoint == _ENDPOINT)
            .order_by(c.created_at.desc(), c.id.desc())
            .limit(1)
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return None if row is None else ResponseHome(row.upstream, row.model)
