"""Reads behind review service levels and suggestions: queue positions, throughput, figures, corrections."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.review.held_answer import HELD_KEY, released_unreviewed
from gateway.review.verdicts import JUDGED_RIGHT
from gateway.store.chunks import chunks
from gateway.store.current_feedback import current_feedback
from gateway.store.daily_stats import DailyStatsStore
from gateway.store.issues import member_ids
from gateway.store.recent_traffic import NOT_A_CONVERSATION
from gateway.store.reviews import ACTIVE, priority_rank
from gateway.store.standing_decisions import held_by_standing
from gateway.store.stats import StatsStore
from gateway.store.tables import (
    feedback,
    interactions,
    issues,
    review_decisions,
    review_events,
    review_task_interactions,
    review_tasks,
)

Row = dict[str, Any]


def _of_app(query: Select[Any], app: str | None) -> Select[Any]:
    return query if app is None else query.where(review_tasks.c.app == app)


class ReviewFigureStore:
    """Counts and rows for service levels, the stats report and suggested actions."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._daily = DailyStatsStore(engine, StatsStore(engine))

    async def _rows(self, query: Select[Any]) -> list[Row]:
        async with self._engine.connect() as connection:
            return [dict(row) for row in (await connection.execute(query)).mappings()]

    async def _scalar(self, query: Select[Any]) -> Any:
        async with self._engine.connect() as connection:
            return (await connection.execute(query)).scalar()

    async def waiting_ahead(self, rank: int, before_id: str | None, app: str | None = None) -> int:
        """Open tasks a reviewer takes before one of priority `rank` created as `before_id` (None: any older one)."""
        c = review_tasks.c
        rank_column = priority_rank()
        same_rank_older = rank_column == rank if before_id is None else and_(rank_column == rank, c.id < before_id)
        query = select(func.count()).where(c.status.in_(ACTIVE), or_(rank_column < rank, same_rank_older))
        return int(await self._scalar(_of_app(query, app)))

    async def resolved_since(self, since: datetime, app: str | None = None) -> int:
        """Tasks resolved (not dismissed) at or after `since`."""
        c = review_tasks.c
        query = select(func.count()).where(c.status == "resolved", c.closed_at >= since)
        return int(await self._scalar(_of_app(query, app)))

    async def first_task_at(self, app: str | None = None) -> datetime | None:
        """When the oldest task was opened (None when there is none)."""
        value: datetime | None = await self._scalar(_of_app(select(func.min(review_tasks.c.created_at)), app))
        return value

    async def tasks_opened(self, since: datetime, until: datetime | None, app: str | None = None) -> list[Row]:
        """Status, deadline and open/close times of the tasks opened in [since, until) (until None: up to now)."""
        c = review_tasks.c
        query = select(c.status, c.deadline, c.created_at, c.closed_at).where(c.created_at >= since)
        if until is not None:
            query = query.where(c.created_at < until)
        return await self._rows(_of_app(query, app))

    async def waiting(self, app: str | None = None) -> list[Row]:
        """Priority and deadline of every task still waiting for a person."""
        c = review_tasks.c
        return await self._rows(_of_app(select(c.priority, c.deadline).where(c.status.in_(ACTIVE)), app))

    async def answers_reviewed(
        self, since: datetime, until: datetime | None, app: str | None = None, now: datetime | None = None
    ) -> list[Row]:
        """Per app: its successful answers created in [since, until) (until None: up to now), and how many were reviewed.

        An answer is any conversational call (not embeddings) that got a 200. It counts as reviewed
        when it did not go out on the model's word alone: a person decided a task it is in (any
        decision, in any round, whenever made), or the confidence gate held it for review before
        it went out (the interaction a task holding an answer was opened with), unless the `release`
        fallback let it out undecided by `now` (its hold over, or its task dismissed). Being in a task is
        not enough: an issue, similar-negative or audit task waiting undecided, or dismissed
        without a decision, means nobody has judged the answer. The answers are counted from the
        daily roll-ups (whole days) and the raw rows (partial days); the reviewed ones from the
        tasks' side, which holds far fewer rows.
        """
        end = until if until is not None else datetime.max.replace(tzinfo=UTC)
        answers: dict[str, int] = {}
        for (_, tally_app, _), tally in await self._daily.tallies_between(since, end, app):
            answers[tally_app] = answers.get(tally_app, 0) + tally.count("answers")
        # From the tasks' side: an answer joins a task after it was created, so added_at >= since
        # bounds the tasks' rows, and each is one primary-key lookup (whatever the planner's guesses).
        # The task of each row is a primary-key lookup, its decisions one lookup in their task index.
        in_task, task = review_task_interactions.c, review_tasks.c
        decided = select(review_decisions.c.id).where(review_decisions.c.task_id == in_task.task_id).exists()
        # The gate opens a held answer's task with exactly that interaction; later ones were added, not held.
        held = and_(task.evidence[HELD_KEY].as_string().is_not(None), in_task.added_at <= task.created_at)
        events = review_events.c
        dismissed = select(events.id).where(events.task_id == in_task.task_id, events.kind == "dismissed").exists()
        held_ids = (
            select(
                in_task.interaction_id,
                decided.label("decided"),
                dismissed.label("dismissed"),
                # Two short strings of the held answer, not its body (an answer with log-probabilities: 20 KB).
                task.evidence[(HELD_KEY, "fallback")].as_string().label("fallback"),
                task.evidence[(HELD_KEY, "hold_until")].as_string().label("hold_until"),
            )
            .join(review_tasks, task.id == in_task.task_id)
            .where(in_task.added_at >= since, or_(decided, held))
        )
        at = now if now is not None else datetime.now(UTC)
        judged = [
            row["interaction_id"]
            for row in await self._rows(held_ids)
            if row["decided"] or not released_unreviewed(row["fallback"], row["hold_until"], bool(row["dismissed"]), at)
        ]
        i = interactions.c
        reviewed: dict[str, int] = {}
        for chunk in chunks(judged):
            query = (
                select(i.app, func.count().label("reviewed"))
                .where(i.id.in_(chunk), i.created_at >= since, i.created_at < end)
                .where(i.endpoint != NOT_A_CONVERSATION, i.status_code == 200)
                .group_by(i.app)
            )
            if app is not None:
                query = query.where(i.app == app)
            for row in await self._rows(query):
                reviewed[row["app"]] = reviewed.get(row["app"], 0) + int(row["reviewed"])
        apps = sorted(
            app_name for app_name in set(answers) | set(reviewed) if answers.get(app_name) or reviewed.get(app_name)
        )
        return [{"app": name, "answers": answers.get(name, 0), "reviewed": reviewed.get(name, 0)} for name in apps]

    async def decisions_made(self, since: datetime, until: datetime | None, app: str | None = None) -> list[Row]:
        """Decisions made in [since, until) (until None: up to now), by task, round and time.

        Each row carries its task's second_opinion flag, for the agreement figure.
        """
        d, c = review_decisions.c, review_tasks.c
        query = (
            select(d.task_id, d.round, d.reviewer, d.outcome, d.choice, d.created_at, c.second_opinion)
            .join(review_tasks, c.id == d.task_id)
            .where(d.created_at >= since)
            .order_by(d.task_id, d.round, d.created_at, d.id)
        )
        if until is not None:
            query = query.where(d.created_at < until)
        return await self._rows(_of_app(query, app))

    async def feedback_notes(self, interaction_ids: Sequence[str]) -> list[Row]:
        """Current feedback carrying a correction or a comment on these interactions, newest first, each with the number
        of the answer's choice it judges (`choice`) and whether the review decision that stands approved that choice
        (`held_right`: its correction then gives no right answer, gateway.review.verdicts)."""
        f = feedback.c
        found: list[Row] = []
        for chunk in chunks(list(interaction_ids)):

            def of_chunk(query: Select[Any], ids: Sequence[str] = chunk) -> Select[Any]:
                return query.where(f.interaction_id.in_(ids))

            current = current_feedback(f.id, f.interaction_id, f.correction, f.comment, f.choice, narrow=of_chunk)
            held_right = held_by_standing(current.c.interaction_id, current.c.choice, JUDGED_RIGHT).label("held_right")
            query = select(current, held_right).where(
                or_(current.c.correction.is_not(None), current.c.comment.is_not(None))
            )
            found.extend(await self._rows(query))
        return sorted(found, key=lambda row: row["id"], reverse=True)

    async def review_corrections(self, issue_id: str | None, task_id: str | None) -> list[Row]:
        """Reviewers' corrections on earlier tasks for this issue, or on this task, newest first."""
        d, c, i = review_decisions.c, review_tasks.c, review_task_interactions.c
        scope = []
        if issue_id is not None:
            scope.append(c.issue_id == issue_id)
        if task_id is not None:
            scope.append(c.id == task_id)
        if not scope:
            return []
        # One of the task's interactions, for showing the correction beside the answer it corrects.
        first_held = (
            select(func.min(i.interaction_id))
            .where(i.task_id == d.task_id)
            .correlate(review_decisions)
            .scalar_subquery()
        )
        query = (
            select(d.correction, first_held.label("interaction_id"))
            .join(review_tasks, c.id == d.task_id)
            .where(d.outcome == "correct", d.correction.is_not(None), or_(*scope))
            .order_by(d.created_at.desc())
        )
        return await self._rows(query)

    async def exchanges(self, interaction_ids: Sequence[str]) -> list[Row]:
        """The request, stored answer and answer text (the first listed choice's) of these interactions."""
        i = interactions.c
        found: list[Row] = []
        for chunk in chunks(list(interaction_ids)):
            query = select(i.id, i.request, i.response, i.response_text).where(i.id.in_(chunk))
            found.extend(await self._rows(query))
        return found

    async def interaction_apps(self, interaction_ids: Sequence[str]) -> dict[str, str]:
        """The app of each of these interactions that is stored."""
        i = interactions.c
        apps: dict[str, str] = {}
        for chunk in chunks(list(interaction_ids)):
            for row in await self._rows(select(i.id, i.app).where(i.id.in_(chunk))):
                apps[row["id"]] = row["app"]
        return apps

    async def issue_app(self, issue_id: str) -> str | None:
        """The app of issue `issue_id` (None when there is no such issue)."""
        app: str | None = await self._scalar(select(issues.c.app).where(issues.c.id == issue_id))
        return app

    async def issue_complaints(self, issue_id: str) -> list[str]:
        """The ids of the interactions issue `issue_id` holds (none when there is no such issue)."""
        async with self._engine.connect() as connection:
            return await member_ids(connection, issue_id)
