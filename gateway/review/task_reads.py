"""Reading review tasks: one task, the queue's listings, a task's estimated wait and the service-level figures."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.domain.errors import InvalidQuery
from gateway.domain.issue_history import TASK_OPENINGS_SHOWN, TaskOpened
from gateway.domain.paging import Page, offset_page
from gateway.domain.time_range import as_utc, require_order
from gateway.review.errors import TaskNotFound
from gateway.review.figures import ReviewFigures, review_figures
from gateway.review.levels import THROUGHPUT_WINDOW, ServiceLevels, estimated_wait
from gateway.review.records import Decision, ReviewTask, ReviewTaskDetail, SuggestedAction, TaskEvent
from gateway.review.suggestion import example_ids, suggest
from gateway.store.review_figures import ReviewFigureStore
from gateway.store.reviews import ReviewFilter, ReviewSort, ReviewStore

# The stats report's default range, ending now.
DEFAULT_RANGE = timedelta(days=30)


class ReviewReads:
    """Reads review tasks and the queue's figures (the review service adds the verbs that open and change tasks)."""

    def __init__(
        self,
        store: ReviewStore,
        figures: ReviewFigureStore,
        levels: ServiceLevels,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._figures = figures
        self.levels = levels
        self._clock = clock

    async def get(self, task_id: str, *, after_changes: bool = False) -> ReviewTaskDetail:
        """One task with its decisions, events and so on; `after_changes`: once a change under way has committed."""
        if after_changes:
            await self._store.wait_for_changes(task_id)
        row = await self._store.get(task_id)
        if row is None:
            raise TaskNotFound(task_id)
        task = ReviewTask.from_row(row, self._clock())
        wait = await self.estimated_wait(task) if task.active else None
        return ReviewTaskDetail(
            task=task,
            interaction_ids=tuple(row["interaction_ids"]),
            decisions=tuple(Decision.from_row(d) for d in row["decisions"]),
            events=tuple(TaskEvent.from_row(e) for e in row["events"]),
            estimated_wait_minutes=None if wait is None else round(wait.total_seconds() / 60, 1),
        )

    async def list(self, where: ReviewFilter, sort: ReviewSort, limit: int, offset: int = 0) -> Page[ReviewTask]:
        """Tasks matching `where` (as of now), in queue order or newest first, `limit` at a time from `offset`."""
        now = self._clock()
        where = replace(where, now=now)

        def fetch(n: int, skip: int) -> Awaitable[list[dict[str, Any]]]:
            return self._store.list(where, sort, n, skip)

        return await offset_page(fetch, limit, offset, lambda row: ReviewTask.from_row(row, now))

    async def count(self, where: ReviewFilter) -> int:
        """How many tasks match `where` (as of now), as `list` reads it: the API's `total`, the queue page's count."""
        return await self._store.count(replace(where, now=self._clock()))

    async def issue_suggestion(self, issue_id: str, member_ids: Sequence[str]) -> SuggestedAction:
        """The suggested action over an issue's members, as a task about them would get it (its corrections first:
        reviewers', then end users' newest first) and its examples (whose questions a drafted entry's example
        questions are)."""
        notes = await self._figures.feedback_notes(member_ids)
        reviewed = await self._figures.review_corrections(issue_id, None)
        return suggest(notes, reviewed, await self._figures.exchanges(example_ids(notes, member_ids)))

    async def issues_with_tasks(self, issue_ids: Sequence[str]) -> set[str]:
        """Those of `issue_ids` that a task (open or closed) was ever opened for."""
        return await self._store.issues_with_tasks(issue_ids)

    async def openings(self, issue_ids: Sequence[str]) -> tuple[TaskOpened, ...]:
        """The openings of the tasks on `issue_ids` (an issue's scope), the latest `TASK_OPENINGS_SHOWN`, oldest first."""
        rows = await self._store.openings(issue_ids, TASK_OPENINGS_SHOWN)
        return tuple(
            TaskOpened(row["task_id"], row["created_at"], row["actor"], row["reason"]) for row in reversed(rows)
        )

    async def issues_with_open_tasks(self, app: str) -> set[str]:
        """`app`'s issues whose task (of any source) still waits for a person."""
        return await self._store.issues_with_open_tasks(app)

    async def task_holding(self, interaction_id: str) -> str | None:
        """The id of the task that holds or held `interaction_id`, if any."""
        return await self._store.task_holding(interaction_id)

    async def estimated_wait(self, task: ReviewTask) -> timedelta | None:
        """How long until a reviewer gets to `task`, from the whole queue's pace (see levels.estimated_wait).

        Ahead of it: waiting tasks of a higher priority, and older ones of its own. The pace: tasks
        resolved over the last 7 days, or since the first task when the queue is younger.
        """
        now = self._clock()
        first = await self._figures.first_task_at()
        if first is None:
            return None
        history = min(THROUGHPUT_WINDOW, now - first)
        resolved = await self._figures.resolved_since(now - history)
        ahead = await self._figures.waiting_ahead(task.priority.rank, before_id=task.id)
        return estimated_wait(ahead, resolved, history)

    async def stats(
        self, app: str | None = None, since: datetime | None = None, until: datetime | None = None
    ) -> ReviewFigures:
        """Service levels over tasks opened in [since, until) (default: the 30 days up to now), and the backlog now."""
        now = self._clock()
        # Without `until` the range runs up to now, including what happened this very instant.
        given_end = as_utc(until, "until")
        end = given_end or now
        start = as_utc(since, "since")
        if start is None:
            try:
                start = end - DEFAULT_RANGE
            except OverflowError:
                message = "'until' is too early for the default 30-day range; give 'since' too"
                raise InvalidQuery("until", message) from None
        require_order(start, given_end)
        return review_figures(
            start,
            end,
            app,
            await self._figures.tasks_opened(start, given_end, app),
            await self._figures.waiting(app),
            await self._figures.decisions_made(start, given_end, app),
            now,
            await self._figures.answers_reviewed(start, given_end, app, now),
        )
