"""The interaction repository: batched idempotent inserts, lookups and filtered listing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import String, and_, cast, exists, func, not_, or_, select
from sqlalchemy.sql import ColumnElement
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.current_feedback import has_current_negative
from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.listing import fetch_rows, newest_first
from gateway.store.tables import feedback, interactions

Row = dict[str, Any]
# any: some feedback was given; negative: some user's current feedback is negative; none: no feedback at all.
FeedbackPresence = Literal["any", "negative", "none"]
# ok: answered in full without error; error: refused or failed; partial: a stream cut short.
Outcome = Literal["ok", "error", "partial"]


@dataclass(frozen=True, slots=True)
class InteractionFilter:
    """Which interactions a listing returns; every field is optional."""

    app: str | None = None
    model: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    # Keyset paging: only interactions older than this id (ids sort by time).
    before_id: str | None = None
    # Words in the request or the answer (case-insensitive substring match, no index).
    text: str | None = None
    feedback: FeedbackPresence | None = None
    outcome: Outcome | None = None


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def text_matches(text: str, dialect: str) -> ColumnElement[bool]:
    """Interactions whose request (as stored JSON) or answer text contains `text`, ignoring case.

    A scan of both columns (no index). SQLite's LIKE already ignores ASCII case, so there it is used
    as is (ILIKE would lower() every row first, twice as slow); PostgreSQL gets ILIKE.
    """
    c = interactions.c
    pattern = _like_pattern(text)
    # The request is matched as its stored JSON: on SQLite non-ASCII letters are stored as \\uXXXX
    # escapes there, so only the answer text matches them (PostgreSQL's jsonb keeps them as written).
    request_text = cast(c.request, String)
    if dialect == "sqlite":
        return or_(request_text.like(pattern, escape="\\"), c.response_text.like(pattern, escape="\\"))
    return or_(request_text.ilike(pattern, escape="\\"), c.response_text.ilike(pattern, escape="\\"))


def feedback_matches(presence: FeedbackPresence) -> ColumnElement[bool]:
    """Interactions with any feedback, with a user's current feedback negative, or with none."""
    c = interactions.c
    given = exists().where(feedback.c.interaction_id == c.id)
    if presence == "any":
        return given
    if presence == "none":
        return not_(given)
    return has_current_negative(c.id)


def outcome_matches(outcome: Outcome) -> ColumnElement[bool]:
    """Interactions that ended as `outcome`: the rule of domain.interactions.Interaction.outcome, in SQL.

    A partial stream counts as partial, not error; an error is an error message or a status of 400 or more.
    """
    c = interactions.c
    partial = c.partial.is_(True)
    failed = or_(c.error.is_not(None), func.coalesce(c.status_code, 0) >= 400)
    if outcome == "partial":
        return partial
    if outcome == "error":
        return and_(not_(partial), failed)
    return and_(not_(partial), not_(failed))


class InteractionStore:
    """Reads and writes interaction rows."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        # Skipping stored ids makes a replayed batch harmless.
        self._insert = insert_skipping_duplicates(engine.dialect, interactions, ["id"])

    async def insert_many(self, rows: Sequence[Row]) -> None:
        """Insert rows in one transaction, skipping ids that are already stored."""
        if not rows:
            return
        async with self._engine.begin() as connection:
            await connection.execute(self._insert, list(rows))

    async def get(self, interaction_id: str) -> Row | None:
        """One interaction by the gateway's id or the upstream's response id."""
        query = (
            select(interactions)
            .where(
                or_(
                    interactions.c.id == interaction_id,
                    interactions.c.upstream_response_id == interaction_id,
                )
            )
            .order_by(interactions.c.id)
            .limit(1)
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return dict(row) if row else None

    async def list(self, where: InteractionFilter, limit: int) -> list[Row]:
        """The newest interactions matching `where`, newest first."""
        c = interactions.c
        query = newest_first(interactions, limit, since=where.since, until=where.until, before_id=where.before_id)
        if where.app is not None:
            query = query.where(c.app == where.app)
        if where.model is not None:
            query = query.where(c.model == where.model)
        if where.text:
            query = query.where(text_matches(where.text, self._engine.dialect.name))
        if where.feedback is not None:
            query = query.where(feedback_matches(where.feedback))
        if where.outcome is not None:
            query = query.where(outcome_matches(where.outcome))
        return await fetch_rows(self._engine, query)
