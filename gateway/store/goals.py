"""The goal repository: goals per app, each stored or removed together with its audit record."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.audit.records import AuditEntry
from gateway.store.audit import append
from gateway.store.locks import advisory_key
from gateway.store.tables import app_goals

Row = dict[str, Any]
# Setting goals is serialized across processes, so a form sent twice at once stores one goal.
SETTING_LOCK = "feedgate.goals.setting"
# What makes two goals of one app the same goal.
SAME_GOAL = ("kind", "target", "hours")


class GoalStore:
    """Stores, lists and removes app goals."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def insert(self, goal: Row, audit: AuditEntry) -> Row:
        """Store `goal` (every column) and its audit record in one transaction, unless its app has the same goal
        (kind, target and hours): then that goal, and nothing is stored."""
        async with self._engine.begin() as connection:
            await _serialize(connection)
            c = app_goals.c
            for row in (await connection.execute(select(app_goals).where(c.app == goal["app"]))).mappings():
                if all(row[name] == goal[name] for name in SAME_GOAL):
                    return dict(row)
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


async def _serialize(connection: AsyncConnection) -> None:
    """Wait for any other goal being set to commit: an advisory lock on PostgreSQL, the write lock on SQLite."""
    if connection.dialect.name == "postgresql":
        await connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(SETTING_LOCK)})
    else:
        # An UPDATE that matches nothing still takes SQLite's write lock, before anything is read.
        await connection.execute(update(app_goals).where(app_goals.c.id.is_(None)).values(hours=None))
