"""Interactions whose current feedback is negative: what a clustering run looks at."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from sqlalchemy import Select, Subquery, case, func, null, select, true
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.choice_sql import in_recorded_columns
from gateway.store.chunks import chunks
from gateway.store.current_feedback import current_feedback
from gateway.store.tables import feedback, interactions

Row = dict[str, Any]


def _current_negative(app: str | None = None, among: Collection[str] | None = None) -> Subquery:
    """Current feedback events that are negative, optionally of one app and of the interactions `among`."""
    f = feedback.c

    def of_app(query: Select[Any]) -> Select[Any]:
        if among is not None:
            # Whole interactions only, as current_feedback requires.
            query = query.where(f.interaction_id.in_(among))
        return query if app is None else query.where(f.app == app)

    current = current_feedback(f.interaction_id, f.app, f.negative, f.comment, f.correction, f.choice, narrow=of_app)
    return select(current).where(current.c.negative.is_(True)).subquery()


class NegativeFeedbackStore:
    """Reads the interactions that users currently complain about."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def apps(self) -> list[str]:
        """Every app with at least one interaction whose current feedback is negative, sorted."""
        query = select(_current_negative().c.app).distinct()
        async with self._engine.connect() as connection:
            return sorted((await connection.execute(query)).scalars())

    async def complaints(self, app: str, among: Collection[str] | None = None, *, answers: bool = True) -> list[Row]:
        """One row per user's current negative event on `app`'s interactions, oldest interaction first.

        Each row holds the interaction's id, app, created_at, request and response_text with the event's comment,
        correction and choice (the number of the answer's choice it judges), and `recorded`: whether that choice is
        the one response_text holds; when it is not, `response` is the stored answer (else None: a long answer is
        read only for the complaints that need it). With `among`, only those interactions are read. With
        `answers=False` no answer is read (response_text and response are None): finding which choice is listed
        where reads the stored answer, which a pass whose documents leave the answer out need not pay for.
        """
        if among is None:
            return await self._complaints(app, None, answers)
        rows = []
        for chunk in chunks(sorted(among)):
            rows.extend(await self._complaints(app, chunk, answers))
        return rows

    async def _complaints(self, app: str, among: Collection[str] | None, answers: bool) -> list[Row]:
        negative = _current_negative(app, among)
        i = interactions.c
        recorded = in_recorded_columns(i, negative.c.choice) if answers else true()
        text = i.response_text if answers else null()
        query = (
            select(
                i.id,
                i.app,
                i.created_at,
                i.request,
                text.label("response_text"),
                recorded.label("recorded"),
                case((recorded, null()), else_=i.response).label("response"),
                negative.c.comment,
                negative.c.correction,
                negative.c.choice,
            )
            .join(negative, negative.c.interaction_id == i.id)
            .order_by(i.id)
        )
        async with self._engine.connect() as connection:
            return [dict(row) for row in (await connection.execute(query)).mappings()]

    async def negative_counts(self, app: str) -> dict[str, int]:
        """How many users currently complain about each of `app`'s interactions, by interaction id.

        The ids are those `complaints` reads, without their texts: a pass that needs only to know
        what changed reads 100k of them in a fraction of the time.
        """
        negative = _current_negative(app)
        query = (
            select(negative.c.interaction_id, func.count())
            .join(interactions, interactions.c.id == negative.c.interaction_id)
            .group_by(negative.c.interaction_id)
        )
        async with self._engine.connect() as connection:
            return dict((await connection.execute(query)).all())
