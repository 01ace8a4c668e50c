"""Counting interactions and their current feedback from the raw rows, per UTC day, app and model.

The stats report reads whole days from the daily roll-ups (gateway.store.daily_stats); these
queries count what roll-ups cannot hold (the partial days at a range's edges) and rebuild the
roll-up rows of a stale day.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, not_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import ColumnElement, Select, Subquery

from gateway.feedback.delay_histogram import DelayHistogram
from gateway.feedback.insights import Tally
from gateway.feedback.submission import counts_as_positive
from gateway.store.current_feedback import current_feedback
from gateway.store.recent_traffic import NOT_A_CONVERSATION
from gateway.store.repeats import a_repeat
from gateway.store.tables import feedback, interactions

# A tally's key: the interaction's UTC day ('YYYY-MM-DD'), app and model (None when it had none).
TallyKey = tuple[str, str, str | None]


@dataclass(frozen=True, slots=True)
class StatsScope:
    """Interactions created in [since, until), optionally of one app and one model."""

    since: datetime
    until: datetime
    app: str | None = None
    model: str | None = None


def utc_day(dialect: str, column: Any) -> ColumnElement[str]:
    """A timestamp's UTC date as 'YYYY-MM-DD' (the dialects spell it differently)."""
    if dialect == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM-DD")
    # SQLite keeps the UTC wall time as text.
    return func.strftime("%Y-%m-%d", column)


class StatsStore:
    """Tallies of interactions and current feedback per (day, app, model), from the raw rows."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def tallies(self, scope: StatsScope, connection: AsyncConnection | None = None) -> dict[TallyKey, Tally]:
        """The tally of each (day, app, model) with interactions in scope.

        Pass `connection` to count inside a caller's transaction (a roll-up rebuild).
        """
        if connection is not None:
            return await self._tallies(connection, scope)
        async with self._engine.connect() as own:
            return await self._tallies(own, scope)

    async def _tallies(self, connection: AsyncConnection, scope: StatsScope) -> dict[TallyKey, Tally]:
        result: defaultdict[TallyKey, Tally] = defaultdict(Tally)
        for row in await connection.execute(self._interaction_counts(scope)):
            tally = result[(row.day, row.app, row.model)]
            tally.interactions = int(row.n)
            tally.counts["answers"] = int(row.answers or 0)
        current: defaultdict[TallyKey, list[Any]] = defaultdict(list)
        for row in await connection.execute(select(self._current_feedback(scope))):
            current[(row.day, row.app, row.model)].append(row)
        for key, rows in current.items():
            result[key].counts.update(feedback_counts(rows))
            result[key].delays = DelayHistogram.of(
                row.seconds_after_answer for row in rows if row.seconds_after_answer is not None
            )
        return dict(result)

    def _keys(self) -> tuple[ColumnElement[Any], ...]:
        c = interactions.c
        return (
            utc_day(self._engine.dialect.name, c.created_at).label("day"),
            c.app.label("app"),
            c.model.label("model"),
        )

    def _in_scope(self, query: Select[Any], scope: StatsScope) -> Select[Any]:
        c = interactions.c
        query = query.where(c.created_at >= scope.since, c.created_at < scope.until)
        if scope.app is not None:
            query = query.where(c.app == scope.app)
        if scope.model is not None:
            query = query.where(c.model == scope.model)
        return query

    def _interaction_counts(self, scope: StatsScope) -> Select[Any]:
        keys = self._keys()
        c = interactions.c
        # A held call's repeat got the first call's answer, counted with that call: it is no answer of its own.
        repeat = a_repeat(self._engine.dialect.name)
        answer = and_(c.endpoint != NOT_A_CONVERSATION, c.status_code == 200, not_(repeat))
        counts = (func.count().label("n"), func.sum(case((answer, 1), else_=0)).label("answers"))
        return self._in_scope(select(*keys, *counts), scope).group_by(*keys)

    def _current_feedback(self, scope: StatsScope) -> Subquery:
        """Current feedback on the interactions in scope, with the interaction's day, app and model."""
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
            *self._keys(),
            narrow=in_scope,
        )


def feedback_counts(current: list[Any]) -> dict[str, int]:
    """The COUNTS over current feedback rows (each with interaction_id, thumbs, rating, correction, negative)."""
    negative = [row for row in current if row.negative]
    ratings = [row.rating for row in current if row.rating is not None]
    return {
        "feedback": len(current),
        "interactions_with_feedback": len({row.interaction_id for row in current}),
        "negative": len(negative),
        "positive": sum(1 for row in current if counts_as_positive(row.negative, row.thumbs, row.rating)),
        "rating_sum": sum(ratings),
        "rating_count": len(ratings),
        "corrections": sum(1 for row in current if row.correction is not None),
    }
