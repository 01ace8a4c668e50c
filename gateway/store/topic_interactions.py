"""What an issue's topic is read from: its members' questions, and an app's interactions with their current feedback, in chunks."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.chunks import chunks
from gateway.store.current_feedback import current_feedback
from gateway.store.tables import feedback, interactions, issue_members, issues

Row = dict[str, Any]
# Interactions read (and embedded) at a time: a window of an app's traffic never sits in memory at once, and
# 500 long conversations stay a few tens of MB.
CHUNK = 500
# Endpoints whose request carries no end-user question.
NO_QUESTION_ENDPOINTS = ("embeddings",)


async def issue_question_sources(engine: AsyncEngine, app: str) -> dict[str, list[str]]:
    """Per issue of `app`: the interaction ids its question centroid is built from.

    Its members while it holds complaints; for an issue whose complaints vanished (size 0, no
    members: often what a working fix does) the interactions of its kept representative examples.
    """
    sources: dict[str, list[str]] = {}
    async with engine.connect() as connection:
        rows = (await connection.execute(select(issues.c.id, issues.c.examples).where(issues.c.app == app))).all()
        for issue_id, _examples in rows:
            sources[issue_id] = []
        for chunk in chunks(list(sources)):
            query = select(issue_members).where(issue_members.c.issue_id.in_(chunk))
            for issue_id, interaction_id in await connection.execute(query):
                sources[issue_id].append(interaction_id)
    for issue_id, examples in rows:
        if not sources[issue_id]:
            sources[issue_id] = [
                e["interaction_id"] for e in examples or () if isinstance(e, dict) and "interaction_id" in e
            ]
    return {issue_id: sorted(ids) for issue_id, ids in sources.items()}


async def live_issue_ids(engine: AsyncEngine, app: str, found_before: datetime | None = None) -> list[str]:
    """`app`'s issues that still hold complaints (size > 0), only those found before `found_before` if given."""
    query = select(issues.c.id).where(issues.c.app == app, issues.c.size > 0).order_by(issues.c.id)
    if found_before is not None:
        query = query.where(issues.c.created_at < found_before)
    async with engine.connect() as connection:
        return list((await connection.execute(query)).scalars())


async def requests_of(engine: AsyncEngine, interaction_ids: Sequence[str]) -> dict[str, Any]:
    """Interaction id -> its request document, for the ids that exist."""
    found: dict[str, Any] = {}
    async with engine.connect() as connection:
        for chunk in chunks(list(interaction_ids)):
            query = select(interactions.c.id, interactions.c.request).where(interactions.c.id.in_(chunk))
            found.update({row.id: row.request for row in await connection.execute(query)})
    return found


async def interactions_with_feedback(
    engine: AsyncEngine,
    app: str,
    since: datetime,
    until: datetime,
    chunk: int = CHUNK,
    follow_up: timedelta | None = None,
) -> AsyncIterator[list[Row]]:
    """`app`'s interactions created in [since, until), oldest first, `chunk` at a time.

    Each row: id, created_at, request, policies, `negative` (any user's current feedback on it is
    negative, as gateway.store.current_feedback defines current) and `with_feedback` (it has any).
    With `follow_up`, only feedback given within that time of the answer counts (current as of
    then), so answers of different ages are judged on the same follow-up. Pages by (created_at, id),
    each page a short read of its own, so no cursor stays open while the caller embeds.
    """
    i = interactions.c
    last: tuple[datetime, str] | None = None
    while True:
        query = (
            select(i.id, i.created_at, i.request, i.policies)
            .where(i.app == app, i.created_at >= since, i.created_at < until, i.endpoint.not_in(NO_QUESTION_ENDPOINTS))
            .order_by(i.created_at, i.id)
            .limit(chunk)
        )
        if last is not None:
            query = query.where(or_(i.created_at > last[0], and_(i.created_at == last[0], i.id > last[1])))
        async with engine.connect() as connection:
            rows = [dict(row) for row in (await connection.execute(query)).mappings()]
            outcomes = await _feedback_outcomes(connection, [row["id"] for row in rows], follow_up)
        if not rows:
            return
        for row in rows:
            row["negative"], row["with_feedback"] = outcomes.get(row["id"], (False, False))
        yield rows
        last = (rows[-1]["created_at"], rows[-1]["id"])


async def _feedback_outcomes(
    connection: Any, interaction_ids: list[str], follow_up: timedelta | None = None
) -> dict[str, tuple[bool, bool]]:
    """Interaction id -> (any current feedback negative, any feedback) for the ids that have feedback.

    With `follow_up`, events given later than that after the answer are left out before the current
    one is chosen: each voter's feedback as it stood then. (Events whose delay is unknown count.)
    """
    if not interaction_ids:
        return {}
    f = feedback.c
    within: ColumnElement[bool] = f.interaction_id.in_(interaction_ids)
    if follow_up is not None:
        within = and_(
            within, or_(f.seconds_after_answer.is_(None), f.seconds_after_answer <= follow_up.total_seconds())
        )
    current = current_feedback(f.interaction_id, f.negative, narrow=lambda q: q.where(within))
    query = select(current.c.interaction_id, func.max(case((current.c.negative.is_(True), 1), else_=0))).group_by(
        current.c.interaction_id
    )
    return {interaction_id: (bool(negative), True) for interaction_id, negative in await connection.execute(query)}
