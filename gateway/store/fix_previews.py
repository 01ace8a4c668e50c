"""The fix-preview repository: what a preview replays (an issue's member interactions) and the previews kept."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.store.current_feedback import current_feedback
from gateway.store.tables import feedback, fix_previews, interactions, issue_members, issues

Row = dict[str, Any]
# The endpoints a fix shapes (chat completions and the Responses API): only these can be replayed.
REPLAYABLE_ENDPOINTS = ("chat.completions", "responses")


async def move_live_link(connection: AsyncConnection, preview_id: str, seen: str | None, link_id: str) -> bool:
    """Record `link_id` as the link that made preview `preview_id` live, inside the caller's transaction, if its
    `live_link_id` is still `seen` (what the request read); False when another make-live moved it first.

    A conditional UPDATE: on PostgreSQL a second one waits for the first's row lock and then finds the
    condition false; on SQLite the write lock orders them. Taken first in the transaction, before the fix's
    own locks, so every make-live takes its locks in one order.
    """
    c = fix_previews.c
    held = c.live_link_id.is_(None) if seen is None else c.live_link_id == seen
    moved = update(fix_previews).where(c.id == preview_id, held).values(live_link_id=link_id)
    return bool((await connection.execute(moved)).rowcount == 1)


async def live_link_of(connection: AsyncConnection, preview_id: str) -> str | None:
    """The link the preview's newest make-live made, as committed (None: none recorded)."""
    query = select(fix_previews.c.live_link_id).where(fix_previews.c.id == preview_id)
    found: str | None = (await connection.execute(query)).scalar_one_or_none()
    return found


class FixPreviewStore:
    """Reads an issue's interactions to replay and stores previews."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def issue_app(self, issue_id: str) -> str | None:
        """The issue's app; None if there is no such issue."""
        query = select(issues.c.app).where(issues.c.id == issue_id)
        async with self._engine.connect() as connection:
            return (await connection.execute(query)).scalar_one_or_none()

    async def members_to_replay(self, issue_id: str, limit: int) -> list[Row]:
        """Up to `limit` of the issue's replayable members, newest first, each with its end users' corrections.

        Each row: id, endpoint, model, request, response_text, tool_calls, created_at and `corrections` (the
        current feedback's corrections, oldest user first).
        """
        i = interactions.c
        query = (
            select(i.id, i.endpoint, i.model, i.request, i.response_text, i.tool_calls, i.created_at)
            .join(issue_members, issue_members.c.interaction_id == i.id)
            .where(issue_members.c.issue_id == issue_id, i.endpoint.in_(REPLAYABLE_ENDPOINTS), i.request.is_not(None))
            .order_by(i.created_at.desc(), i.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            rows = [dict(row) for row in (await connection.execute(query)).mappings()]
            ids = [row["id"] for row in rows]
            f = feedback.c
            current = current_feedback(
                f.id, f.interaction_id, f.correction, narrow=lambda q: q.where(f.interaction_id.in_(ids))
            )
            found = select(current.c.interaction_id, current.c.correction).where(current.c.correction.is_not(None))
            corrections: dict[str, list[str]] = {}
            for row in (await connection.execute(found.order_by(current.c.id))).mappings():
                corrections.setdefault(row["interaction_id"], []).append(row["correction"])
        for preview in rows:
            preview["corrections"] = corrections.get(preview["id"], [])
        return rows

    async def insert(self, preview: Row) -> Row:
        """Store a preview (every column)."""
        async with self._engine.begin() as connection:
            await connection.execute(insert(fix_previews).values(preview))
        return preview

    async def get(self, preview_id: str) -> Row | None:
        """One preview; None if there is no such preview."""
        query = select(fix_previews).where(fix_previews.c.id == preview_id)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return dict(row) if row is not None else None

    async def for_issues(self, issue_ids: Sequence[str], limit: int) -> list[Row]:
        """The newest `limit` previews of any of `issue_ids`, newest first (ids are UUIDv7: they sort by creation)."""
        query = (
            select(fix_previews)
            .where(fix_previews.c.issue_id.in_(list(issue_ids)))
            .order_by(fix_previews.c.created_at.desc(), fix_previews.c.id.desc())
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            return [dict(row) for row in (await connection.execute(query)).mappings()]
