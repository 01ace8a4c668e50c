"""What the review task repository is handed to write (an opening, a change) and what it answers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.audit.records import AuditEntry
from gateway.review.judged_choice import JudgedAnswers
from gateway.store.idempotency import KeyUse

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class EventWrite:
    """A change to record in a task's history."""

    kind: str
    actor: str
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class DecisionWrite:
    """A reviewer's decision to store (in the task's current round)."""

    reviewer: str
    outcome: str
    correction: str | None
    comment: str | None
    # The index of the answer's choice it judges (0: the first, and any decision on a task of several answers).
    choice: int = 0


@dataclass(frozen=True, slots=True)
class TaskChange:
    """What to write for one change to a task: column values, the event, maybe a decision, the audit record."""

    at: datetime
    values: dict[str, Any]
    event: EventWrite
    decision: DecisionWrite | None = None
    audit: AuditEntry | None = None


@dataclass(frozen=True, slots=True)
class TaskState:
    """A task as a change sees it, under its lock: the row, this round's decisions, any rival for its issue."""

    row: Row
    decisions: list[Row]
    # Another open task for the same issue (it blocks reopening this one).
    rival_for_issue: str | None
    # What a decision judges (how many interactions the task holds, and the answer of the one it holds), read under
    # the lock when the change asked for it (`with_answers`); None otherwise.
    answers: JudgedAnswers | None = None


@dataclass(frozen=True, slots=True)
class TaskOpening:
    """A task to insert (`values` hold every column) or the columns to update on an existing one."""

    task_id: str
    created: bool
    at: datetime
    values: dict[str, Any]
    tags: Sequence[str]
    event: EventWrite
    audit: AuditEntry | None = None


@dataclass(frozen=True, slots=True)
class OpenResult:
    """Which task was opened or updated, and which of the asked-for interactions it took."""

    task_id: str
    created: bool
    added: tuple[str, ...]
    # Held by some task already (this one or another): never added again.
    already_held: tuple[str, ...]
    # The opening named an idempotency key an earlier opening claimed: nothing was written, and
    # `task_id` is the task that one opened.
    earlier: KeyUse | None = None
