"""Goals per app and their progress: a negative rate brought down by a share within months, tasks reviewed in time.

- `negative_rate_reduction`: "negative rate down 30 % within 3 months". When it is set, the
  app's negative rate (negative ÷ current feedback) over the RATE_WINDOW before is kept as its
  baseline; the target is baseline × (1 − 30 %). Its current rate is the same measure over the
  RATE_WINDOW up to now. Progress is the share of the way from baseline to target covered; it is
  "on track" while that share is at least the share of the time gone (less ON_TRACK_SLACK). A rate
  above its baseline is never progress: 0 % and "behind" (or "missed" once due), whatever the slack.
  A baseline of 0 % leaves nothing to reduce, so such a goal is refused when set (InvalidQuery,
  which the admin page answers with 400 and the reason). One stored before that rule is judged as
  "keep it at 0 %": met while the rate is 0 %, behind (0 % progress) once it is above.
  Setting the same reduction again is the same goal (a form sent twice) only with the same number
  of months; with other months it is refused, naming the goal to remove first.
- `tasks_reviewed_within`: "95 % of tasks reviewed within 48 hours", over the tasks opened in the
  last REVIEW_WINDOW: the share resolved within the hours, among those resolved plus those still
  waiting longer than the hours (dismissed tasks and younger waiting ones are not judged yet).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import uuid_utils

from gateway.audit.records import AuditEntry
from gateway.domain.blank_text import said_name
from gateway.domain.errors import InvalidQuery
from gateway.domain.records import from_columns
from gateway.domain.stats import StatsService
from gateway.domain.stored_text import refuse_nul
from gateway.domain.whole_numbers import whole_number
from gateway.store.goals import GoalStore
from gateway.store.review_figures import ReviewFigureStore

GoalKind = Literal["negative_rate_reduction", "tasks_reviewed_within"]
GOAL_KINDS: tuple[GoalKind, ...] = ("negative_rate_reduction", "tasks_reviewed_within")
GoalState = Literal["met", "on track", "behind", "missed", "no data"]
RATE_WINDOW = timedelta(days=14)
REVIEW_WINDOW = timedelta(days=30)
# A month, for "within N months".
MONTH = timedelta(days=30)
MAX_MONTHS = 24
MAX_HOURS = 24 * 365
# "On track" allows the progress to trail the share of the time gone by this much (a new goal starts at 0).
ON_TRACK_SLACK = 0.05


@dataclass(frozen=True, slots=True)
class Goal:
    """A goal as set: its kind, target, and what was captured when it was set."""

    id: str
    app: str
    kind: GoalKind
    target: float
    hours: int | None
    baseline: float | None
    due_at: datetime | None
    created_by: str
    created_at: datetime

    @property
    def wording(self) -> str:
        """The goal in words."""
        if self.kind == "negative_rate_reduction":
            return f"Negative rate down {self.target * 100:g} % by {self.due_at:%Y-%m-%d}" if self.due_at else ""
        return f"{self.target * 100:g} % of tasks reviewed within {self.hours} hours"


@dataclass(frozen=True, slots=True)
class GoalProgress:
    """Where a goal stands now: the current value against the target value, and the share of the way done."""

    goal: Goal
    current: float | None
    target_value: float | None
    # 0 to 1: the share of the way from the baseline to the target (for a share goal: current ÷ target).
    progress: float | None
    state: GoalState
    measured_on: int


def _state(met: bool, progress: float, goal: Goal, now: datetime) -> GoalState:
    if met:
        return "met"
    if goal.due_at is None:
        return "behind"
    if now >= goal.due_at:
        return "missed"
    elapsed = (now - goal.created_at) / (goal.due_at - goal.created_at)
    return "on track" if progress + ON_TRACK_SLACK >= elapsed else "behind"


def rate_progress(goal: Goal, current: float | None, feedback: int, now: datetime) -> GoalProgress:
    """A negative-rate goal's progress given the app's current rate over `feedback` feedback events."""
    if goal.baseline is None or current is None:
        return GoalProgress(goal, current, None, None, "no data", feedback)
    target_value = goal.baseline * (1 - goal.target)
    if current > goal.baseline:
        # Worse than when it was set (on a 0 % baseline: no longer 0 %): no progress, and no slack for it.
        state: GoalState = "missed" if goal.due_at is not None and now >= goal.due_at else "behind"
        return GoalProgress(goal, current, target_value, 0.0, state, feedback)
    gap = goal.baseline - target_value
    progress = 1.0 if gap <= 0 else min(max((goal.baseline - current) / gap, 0.0), 1.0)
    return GoalProgress(
        goal, current, target_value, progress, _state(current <= target_value, progress, goal, now), feedback
    )


def review_share(tasks: Iterable[dict[str, Any]], hours: int, now: datetime) -> tuple[int, int]:
    """(resolved within `hours`, judged) over task rows with status, created_at and closed_at."""
    limit = timedelta(hours=hours)
    within = judged = 0
    for task in tasks:
        if task["status"] == "resolved" and task["closed_at"] is not None:
            judged += 1
            within += task["closed_at"] - task["created_at"] <= limit
        elif task["status"] in ("open", "in_progress") and now - task["created_at"] > limit:
            judged += 1
    return within, judged


def review_progress(goal: Goal, within: int, judged: int) -> GoalProgress:
    """A review-time goal's progress from the tasks resolved in time among those judged."""
    if not judged:
        return GoalProgress(goal, None, goal.target, None, "no data", 0)
    share = within / judged
    state: GoalState = "met" if share >= goal.target else "behind"
    return GoalProgress(goal, share, goal.target, min(share / goal.target, 1.0), state, judged)


def _checked_app(app: str) -> str:
    """The app a goal is for, without its blank ends (the one rule: a blank one is refused as blank); checked before
    anything is read for it."""
    app = said_name("app", app, "name the app the goal is for")
    if len(app) > 200:
        raise InvalidQuery("app", "'app' must be the app's name, 1 to 200 characters")
    refuse_nul("app", app)
    return app


def _share(value: float, name: str) -> float:
    if not 0 < value <= 1:
        raise InvalidQuery(name, f"'{name}' must be a percentage above 0 and at most 100")
    return value


class GoalService:
    """Sets, lists and removes goals per app (each change audited) and computes their progress."""

    def __init__(
        self,
        store: GoalStore,
        figures: ReviewFigureStore,
        stats: StatsService,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self._store = store
        self._figures = figures
        self._stats = stats
        self._clock = clock

    async def set_rate_goal(self, app: str, reduction: float, months: float, *, actor: str) -> Goal:
        """Aim to cut `app`'s negative rate by `reduction` (0.3 for 30 %) within `months` (a whole number); the
        baseline is taken now."""
        app = _checked_app(app)
        _share(reduction, "reduction")
        months = whole_number(months, "months", "months", MAX_MONTHS, 3)
        now = self._clock()
        report = await self._stats.report(since=now - RATE_WINDOW, until=now, app=app)
        if report.totals.negative_rate is None:
            raise InvalidQuery(
                "app", f"{app} has no feedback in the last {RATE_WINDOW.days} days to take a baseline from"
            )
        if report.totals.negative_rate <= 0:
            raise InvalidQuery(
                "app",
                f"{app}'s negative rate over the last {RATE_WINDOW.days} days is 0 %: there is nothing to reduce, "
                "so a reduction goal cannot be set until it has negative feedback",
            )
        for goal in await self.goals(app):
            # The same reduction again is the same goal (see _insert) only with the same months; else say so.
            same = goal.kind == "negative_rate_reduction" and goal.target == reduction
            if same and goal.due_at is not None and round((goal.due_at - goal.created_at) / MONTH) != months:
                raise InvalidQuery(
                    "months", f"{app} already has the goal '{goal.wording}'; remove it first to set another deadline"
                )
        return await self._insert(
            app,
            "negative_rate_reduction",
            reduction,
            None,
            report.totals.negative_rate,
            now + MONTH * months,
            actor,
            now,
        )

    async def set_review_goal(self, app: str, share: float, hours: float, *, actor: str) -> Goal:
        """Aim to review `share` (0.95 for 95 %) of `app`'s tasks within `hours` (a whole number)."""
        app = _checked_app(app)
        _share(share, "share")
        hours = whole_number(hours, "hours", "hours", MAX_HOURS, 48)
        return await self._insert(app, "tasks_reviewed_within", share, hours, None, None, actor, self._clock())

    async def _insert(
        self,
        app: str,
        kind: GoalKind,
        target: float,
        hours: int | None,
        baseline: float | None,
        due_at: datetime | None,
        actor: str,
        now: datetime,
    ) -> Goal:
        # The same goal set again (a form sent twice, at once too) is one goal, not two rows of it: the store
        # answers the one it has.
        row: dict[str, Any] = {
            "id": str(uuid_utils.uuid7()),
            "app": app,
            "kind": kind,
            "target": target,
            "hours": hours,
            "baseline": baseline,
            "due_at": due_at,
            "created_by": actor,
            "created_at": now,
        }
        after = {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in row.items()}
        audit = AuditEntry(
            actor=actor, action="goal.set", subject_type="goal", subject_id=row["id"], app=app, after=after
        )
        return Goal(**(await self._store.insert(row, audit)))

    async def remove(self, goal_id: str, *, actor: str) -> bool:
        """Remove a goal; False if there was no such goal."""
        goal = await self._store.get(goal_id)
        if goal is None:
            return False
        audit = AuditEntry(
            actor=actor,
            action="goal.delete",
            subject_type="goal",
            subject_id=goal_id,
            app=goal["app"],
            before={"kind": goal["kind"], "target": goal["target"], "hours": goal["hours"]},
        )
        return await self._store.delete(goal_id, audit)

    async def goals(self, app: str | None = None) -> list[Goal]:
        """Every goal (of `app`)."""
        return [from_columns(Goal, row) for row in await self._store.list(app)]

    async def progress(self, app: str | None = None) -> list[GoalProgress]:
        """Every goal (of `app`) with its progress as of now."""
        now = self._clock()
        found = []
        for goal in await self.goals(app):
            if goal.kind == "negative_rate_reduction":
                report = await self._stats.report(since=now - RATE_WINDOW, until=now, app=goal.app)
                found.append(rate_progress(goal, report.totals.negative_rate, report.totals.feedback, now))
            else:
                tasks = await self._figures.tasks_opened(now - REVIEW_WINDOW, None, goal.app)
                found.append(review_progress(goal, *review_share(tasks, goal.hours or 0, now)))
        return found
