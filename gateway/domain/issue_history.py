"""An issue's history as a person triaging it reads it: its own events and the review tasks opened on it, by time.

A review task opened on an issue (by the issue rule or by a person) is something that happened to the
issue, though it is stored as the task's "opened" event, not as an issue event: the history reads both. The issue
page and GET /api/issues/{id} (its `events`) both read `issue_history`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from gateway.domain.issue_scope import IssueScope
from gateway.domain.issues import IssueChange, IssueDetail

# The kind a task's opening has in the issue's history.
TASK_OPENED = "review task opened"
# How many task openings the history shows, the latest: the review queue, filtered on the issue, lists every task.
TASK_OPENINGS_SHOWN = 50


@dataclass(frozen=True, slots=True)
class TaskOpened:
    """A review task's "opened" event: which task, when, by whom (a person, or "rule:<source>"), and why."""

    task_id: str
    at: datetime
    actor: str
    reason: str


# Reads the openings of the tasks on some issues (gateway.review.task_reads.TaskReads.openings), oldest first.
OpeningsReader = Callable[[Sequence[str]], Awaitable[Sequence["TaskOpened"]]]


async def issue_history(detail: IssueDetail, scope: IssueScope, openings: OpeningsReader) -> list[IssueChange]:
    """The issue's history, oldest first: its changes with the openings of the tasks on it, read by `openings`.

    A merged-away issue's history stays its own; a live one's holds the tasks on the issues merged into it (`scope`).
    """
    issue = detail.issue
    issue_ids = (issue.id,) if issue.merged_into else scope.issue_ids
    return history_with_tasks(detail.changes, await openings(issue_ids))


def history_with_tasks(changes: Sequence[IssueChange], openings: Sequence[TaskOpened]) -> list[IssueChange]:
    """The issue's `changes` (oldest first) with the `openings` of tasks on it, each before the first later change."""
    pending = sorted(openings, key=lambda opening: opening.at)
    history: list[IssueChange] = []
    taken = 0
    for change in changes:
        # The issue's changes keep their stored order; one without a time takes no opening before it.
        while taken < len(pending) and change.at is not None and pending[taken].at < change.at:
            history.append(_as_change(pending[taken]))
            taken += 1
        history.append(change)
    history.extend(_as_change(opening) for opening in pending[taken:])
    return history


def _as_change(opening: TaskOpened) -> IssueChange:
    """A task's opening as an entry of the issue's history; the page links "task" to the task."""
    return IssueChange(
        TASK_OPENED, {"by": opening.actor, "reason": opening.reason, "task": opening.task_id}, None, opening.at
    )
