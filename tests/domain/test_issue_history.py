"""An issue's history: its own events and the review tasks opened on it, in the order they happened."""

from __future__ import annotations

from datetime import UTC, datetime

from gateway.domain.issue_history import TASK_OPENED, TaskOpened, history_with_tasks
from gateway.domain.issues import IssueChange


def at(hour: int) -> datetime:
    return datetime(2025, 3, 1, hour, tzinfo=UTC)


def test_a_task_opened_between_two_changes_comes_between_them():
    changes = [IssueChange("split", None, "run-1", at(9)), IssueChange("status", {"by": "rita"}, None, at(11))]
    opening = TaskOpened("task-1", at(10), "rule:issue", "Issue grew to 12 complaints")

    history = history_with_tasks(changes, [opening])

    assert [change.kind for change in history] == ["split", TASK_OPENED, "status"]
    assert history[1].detail == {"by": "rule:issue", "reason": "Issue grew to 12 complaints", "task": "task-1"}
    assert history[1].at == at(10)


def test_tasks_opened_after_every_change_come_last_oldest_first():
    changes = [IssueChange("renamed", {"by": "rita"}, None, at(9))]
    openings = [TaskOpened("later", at(12), "ann", "Check again"), TaskOpened("earlier", at(10), "rule:issue", "Grew")]

    history = history_with_tasks(changes, openings)

    assert [(change.detail or {}).get("task") for change in history] == [None, "earlier", "later"]
