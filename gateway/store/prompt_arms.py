"""Counting an app's interactions and their negative feedback by the arm a policy note puts them in (for canaries)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable
from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.current_feedback import current_feedback
from gateway.store.tables import feedback, interactions

# Rows streamed from the database at a time: an app's traffic over days never sits in memory at once.
CHUNK = 5000


async def arm_outcomes(
    engine: AsyncEngine, app: str, since: datetime, until: datetime, arm_of: Callable[[Any], Hashable | None]
) -> Counter[tuple[Hashable, bool]]:
    """How many of `app`'s interactions in [since, until) fall in each arm, with and without negative current feedback.

    `arm_of` reads an interaction's `policies` notes and names its arm (None: not counted).
    An interaction is negative when any user's current feedback on it is negative.
    """
    i = interactions.c
    f = feedback.c

    def of_period(query: Any) -> Any:
        joined = query.join(interactions, i.id == f.interaction_id)
        return joined.where(i.app == app, i.created_at >= since, i.created_at < until)

    current = current_feedback(f.interaction_id, f.negative, narrow=of_period)
    negative = (
        select(current.c.interaction_id, func.max(case((current.c.negative.is_(True), 1), else_=0)).label("negative"))
        .group_by(current.c.interaction_id)
        .subquery()
    )
    query = (
        select(i.policies, negative.c.negative)
        .select_from(interactions.outerjoin(negative, negative.c.interaction_id == i.id))
        .where(i.app == app, i.created_at >= since, i.created_at < until, i.policies.is_not(None))
    )
    counts: Counter[tuple[Hashable, bool]] = Counter()
    async with engine.connect() as connection:
        result = await connection.stream(query.execution_options(yield_per=CHUNK))
        async for policies, is_negative in result:
            arm = arm_of(policies)
            if arm is not None:
                counts[(arm, bool(is_negative))] += 1
    return counts
