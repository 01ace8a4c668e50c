"""The goal repository: goals per app, each stored or removed together with its audit record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.audit.records import AuditEntry
from gateway.store.audit import append
from gateway.store.tables import app_goals

Row = dict[str, Any]


class GoalStore:
    """Stores, lists and removes app goals."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def insert(self, goal: Row, audit: AuditEntry) -> Row:
        """Store `goal` (every column) and its audit record in one transaction."""
        async with self._engine.begin() as connection:
            await connection.execute(insert(app_goals).values(goal))
            await append(connection, audit)
        return goal

    async def list(self, app: str | None = None) -> list[Row]:
        """Every goal (of `app`), by app, then the oldest first."""
        c = app_goals.c
        query = select(app_goals).order_by(c.app, c.created_at, c.id)
        if app is not None:
            query = query.where(c.app == app)
        async with self._engine.connect() as connection:
            return [dict(row) for row in (await connection.execute(query)).mappings()]

    async def get(self, goal_id: str) -> Row | None:
        """One goal; None if there is no such goal."""
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(app_goals).where(app_goals.c.id == goal_id))).mappings().first()
        return dict(row) if row is not None else None

    async def delete(self, goal_id: str, audit: AuditEntry) -> bool:
        """Remove the goal with its audit record; False if there was no such goal."""
        async with self._engine.begin() as connection:
            removed = (await connection.execute(delete(app_goals).where(app_goals.c.id == goal_id))).rowcount
            if removed:
                await append(connection, audit)
        return bool(removed)
