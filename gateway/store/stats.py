"""Aggregate queries behind `/api/stats`, grouped by UTC day, app or model on SQLite and PostgreSQL alike."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ColumnElement, Select, Subquery

from gateway.store.current_feedback import current_feedback
from gateway.store.tables import feedback, interactions

Row = dict[str, Any]
# What counts are grouped by: the interaction's UTC day, its app or its model.
GroupKey = Literal["day", "app", "model"]

# Medians are computed in Python over at most this many delays, to keep memory bounded.
MAX_DELAYS = 100_000


@dataclass(frozen=True, slots=True)
class StatsScope:
    """Interactions created in [since, until), optionally of one app and one model."""

    since: datetime
    until: datetime
    app: str | None = None
    model: str | None = None


class StatsStore:
    """Counts interactions and their current feedback per day, app or model."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    def _group(self, key: GroupKey) -> ColumnElement[Any]:
        """The interaction column (or UTC day) that `key` groups by, labelled "key"."""
        if key == "day":
            return self._day(interactions.c.created_at).label("key")
        return interactions.c[key].label("key")

    def _day(self, column: Any) -> ColumnElement[str]:
        """A timestamp's UTC date as 'YYYY-MM-DD' (the dialects spell it differently)."""
        if self._engine.dialect.name == "postgresql":
            return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
        # SQLite keeps the UTC wall time as text.
        return func.strftime("%Y-%m-%d", column)

    def _in_scope(self, query: Select[Any], scope: StatsScope) -> Select[Any]:
        c = interactions.c
        query = query.where(c.created_at >= scope.since, c.created_at < scope.until)
        if scope.app is not None:
            query = query.where(c.app == scope.app)
        if scope.model is not None:
            query = query.where(c.model == scope.model)
        return query

    def _current_feedback(self, scope: StatsScope, key: GroupKey) -> Subquery:
        """Current feedback on the interactions in scope, with the interaction's group."""
        f = feedback.c

        def in_scope(query: Select[Any]) -> Select[Any]:
            return self._in_scope(query.join(interactions, interactions.c.id == f.interaction_id), scope)

        return current_feedback(
            f.interaction_id,
            f.thumbs,
            f.rating,
            f.correction,
            f.negative,
            f.seconds_after_answer,
            self._group(key),
            narrow=in_scope,
        )

    async def interactions_by(self, scope: StatsScope, key: GroupKey) -> dict[Any, int]:
        """How many interactions each day, app or model had."""
        group = self._group(key)
        query = self._in_scope(select(group, func.count().label("n")), scope).group_by(group)
        async with self._engine.connect() as connection:
            return {row.key: int(row.n) for row in await connection.execute(query)}

    async def feedback_by(self, scope: StatsScope, key: GroupKey) -> dict[Any, Row]:
        """Counts over current feedback, by the day, app or model of the interaction it is about."""
        current = self._current_feedback(scope, key)
        c = current.c
        positive = and_(c.negative.is_(False), or_(c.thumbs == "up", c.rating >= 4))
        query = (
            select(
                c.key,
                func.count().label("feedback"),
                func.count(func.distinct(c.interaction_id)).label("interactions_with_feedback"),
                func.sum(case((c.negative.is_(True), 1), else_=0)).label("negative"),
                func.sum(case((positive, 1), else_=0)).label("positive"),
                func.sum(c.rating).label("rating_sum"),
                func.count(c.rating).label("rating_count"),
                func.count(c.correction).label("corrections"),
            )
            .group_by(c.key)
        )
        async with self._engine.connect() as connection:
            result = await connection.execute(query)
            return {row["key"]: {k: int(v or 0) for k, v in row.items() if k != "key"} for row in result.mappings()}

    async def feedback_delays(self, scope: StatsScope, key: GroupKey) -> list[tuple[Any, float]]:
        """(group, seconds from answer to feedback) of current feedback, at most MAX_DELAYS of them."""
        current = self._current_feedback(scope, key)
        c = current.c
        query = (
            select(c.key, c.seconds_after_answer)
            .where(c.seconds_after_answer.is_not(None))
            .limit(MAX_DELAYS)
        )
        async with self._engine.connect() as connection:
            return [(row.key, float(row.seconds_after_answer)) for row in await connection.execute(query)]
