"""A review task and what hangs off it (events, decisions, the suggested action), built from store rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from gateway.review.resolution import ResolvingFix, resolution_text, resolving_fix

Row = dict[str, Any]


class Source(StrEnum):
    """What opened a task."""

    ISSUE = "issue"
    SIMILAR_NEGATIVE = "similar_negative"
    CONFIDENCE = "confidence"
    ANOMALOUS = "anomalous"
    FLAGGED = "flagged"
    MANUAL = "manual"


class Priority(StrEnum):
    """How soon a task must be looked at; its deadline follows from it."""

    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        """0 for high, 1 for medium, 2 for low: the queue's order."""
        return PRIORITY_ORDER.index(self)


PRIORITY_ORDER: tuple[Priority, ...] = (Priority.HIGH, Priority.MEDIUM, Priority.LOW)


class Status(StrEnum):
    """Where a task stands. `in_progress` holds only while its lease runs: a lapsed claim reads as `open`."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    RESOLVED = "resolved"
    DISMISSED = "dismissed"


# Still waiting for a person: at most one such task per issue and per interaction.
ACTIVE_STATUSES: frozenset[Status] = frozenset({Status.OPEN, Status.IN_PROGRESS})
# A listing's status filter for every task still waiting for a person (ACTIVE_STATUSES), whoever holds it.
UNFINISHED = "unfinished"
# What a listing may filter on: one status, or every unfinished one (the API's and the queue page's choices).
ListedStatus = Literal["open", "in_progress", "resolved", "dismissed", "unfinished"]


class Outcome(StrEnum):
    """A reviewer's judgement of the answer(s) a task concerns."""

    APPROVE = "approve"
    REJECT = "reject"
    # The reviewer gives the right answer.
    CORRECT = "correct"


class ActionKind(StrEnum):
    """The fix a task suggests."""

    KNOWLEDGE_BASE_ENTRY = "add_knowledge_base_entry"
    PROMPT_INSTRUCTIONS = "revise_prompt_instructions"


ACTION_LABELS = {
    ActionKind.KNOWLEDGE_BASE_ENTRY: "Add a knowledge-base entry",
    ActionKind.PROMPT_INSTRUCTIONS: "Revise the prompt instructions",
}


@dataclass(frozen=True, slots=True)
class Correction:
    """A right answer someone gave: an end user's feedback correction, or a reviewer's."""

    interaction_id: str | None
    text: str
    # "feedback" or "review".
    source: str


@dataclass(frozen=True, slots=True)
class Example:
    """One of the task's interactions, shown because it tells the most (a correction, then a comment)."""

    interaction_id: str
    question: str
    answer: str | None
    comment: str | None
    correction: str | None


@dataclass(frozen=True, slots=True)
class SuggestedAction:
    """What to do about a task: its kind and the corrections and examples it rests on."""

    kind: ActionKind
    corrections: tuple[Correction, ...] = ()
    examples: tuple[Example, ...] = ()

    @property
    def label(self) -> str:
        """The action as a person reads it."""
        return ACTION_LABELS[self.kind]

    def as_json(self) -> dict[str, Any]:
        """The stored form."""
        return {
            "kind": self.kind.value,
            "label": self.label,
            "corrections": [
                {"interaction_id": c.interaction_id, "text": c.text, "source": c.source} for c in self.corrections
            ],
            "examples": [
                {
                    "interaction_id": e.interaction_id,
                    "question": e.question,
                    "answer": e.answer,
                    "comment": e.comment,
                    "correction": e.correction,
                }
                for e in self.examples
            ],
        }

    @classmethod
    def from_json(cls, stored: dict[str, Any]) -> SuggestedAction:
        """The action in its stored form."""
        return cls(
            kind=ActionKind(stored["kind"]),
            corrections=tuple(Correction(**c) for c in stored.get("corrections") or ()),
            examples=tuple(Example(**e) for e in stored.get("examples") or ()),
        )


@dataclass(frozen=True, slots=True)
class Lease:
    """Who holds a claimed task, and until when."""

    holder: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class ReviewTask:
    """A task as the queue shows it, as of `now`: a lapsed lease has already returned it to the queue."""

    id: str
    app: str
    source: Source
    reason: str
    priority: Priority
    status: Status
    assignee: str | None
    tags: tuple[str, ...]
    deadline: datetime
    issue_id: str | None
    interaction_count: int
    suggested_action: SuggestedAction | None
    evidence: Any
    second_opinion: bool
    round: int
    lease: Lease | None
    outcome: Outcome | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None
    # Past its deadline and still waiting for a person.
    overdue: bool
    # How long past its deadline an overdue task is (None when it is not overdue).
    late_by: timedelta | None = None
    # How long until the deadline of a waiting task that is not late yet (None otherwise).
    due_in: timedelta | None = None
    # The fix a decision of this round resolved the task by (gateway.review.resolution), if any.
    resolved_by_fix: ResolvingFix | None = None

    @property
    def active(self) -> bool:
        """Whether the task still waits for a person (open or in progress)."""
        return self.status in ACTIVE_STATUSES

    @property
    def resolution(self) -> str | None:
        """What became of the task, in words, once closed: by a fix, by an outcome, or dismissed."""
        return resolution_text(self.status.value, self.outcome.value if self.outcome else None, self.resolved_by_fix)

    @classmethod
    def from_row(cls, row: Row, now: datetime) -> ReviewTask:
        """The task in a review store row (with `tags` and `interaction_count`), as it stands at `now`."""
        status = Status(row["status"])
        lease = None
        expires_at = row["lease_expires_at"]
        if row["lease_holder"] is not None and expires_at is not None and expires_at > now:
            lease = Lease(row["lease_holder"], expires_at)
        if status is Status.IN_PROGRESS and lease is None:
            status = Status.OPEN
        action = row.get("suggested_action")
        return cls(
            id=row["id"],
            app=row["app"],
            source=Source(row["source"]),
            reason=row["reason"],
            priority=Priority(row["priority"]),
            status=status,
            assignee=row.get("assignee"),
            tags=tuple(row.get("tags") or ()),
            deadline=row["deadline"],
            issue_id=row.get("issue_id"),
            interaction_count=row.get("interaction_count", 0),
            suggested_action=SuggestedAction.from_json(action) if action else None,
            evidence=row.get("evidence"),
            second_opinion=bool(row["second_opinion"]),
            round=row["round"],
            lease=lease if status is Status.IN_PROGRESS else None,
            outcome=Outcome(row["outcome"]) if row.get("outcome") else None,
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            closed_at=row.get("closed_at"),
            overdue=status in ACTIVE_STATUSES and row["deadline"] <= now,
            late_by=now - row["deadline"] if status in ACTIVE_STATUSES and row["deadline"] <= now else None,
            due_in=row["deadline"] - now if status in ACTIVE_STATUSES and row["deadline"] > now else None,
            resolved_by_fix=resolving_fix(_decided_details(row), row["round"]),
        )


def _decided_details(row: Row) -> list[Any]:
    """The details of the task's decided events: from its events when read whole, else as the listing attaches them."""
    if "events" in row:
        return [event.get("detail") for event in row["events"] if event.get("kind") == "decided"]
    return list(row.get("decided_details") or ())


@dataclass(frozen=True, slots=True)
class TaskEvent:
    """One change to a task: who did what, when, and the details."""

    kind: str
    actor: str
    at: datetime
    detail: Any

    @classmethod
    def from_row(cls, row: Row) -> TaskEvent:
        """The event in a review event row."""
        return cls(kind=row["kind"], actor=row["actor"], at=row["created_at"], detail=row.get("detail"))


@dataclass(frozen=True, slots=True)
class Decision:
    """One reviewer's judgement of a task in one round."""

    id: str
    task_id: str
    round: int
    reviewer: str
    outcome: Outcome
    correction: str | None
    comment: str | None
    at: datetime
    # The index of the answer's choice it judges (an answer to `n` > 1 has several); 0: the first.
    choice: int = 0

    @classmethod
    def from_row(cls, row: Row) -> Decision:
        """The decision in a review decision row."""
        return cls(
            id=row["id"],
            task_id=row["task_id"],
            round=row["round"],
            reviewer=row["reviewer"],
            outcome=Outcome(row["outcome"]),
            correction=row.get("correction"),
            comment=row.get("comment"),
            at=row["created_at"],
            choice=row.get("choice") or 0,
        )


@dataclass(frozen=True, slots=True)
class ReviewTaskDetail:
    """One task with every interaction it holds, its decisions and its history of events."""

    task: ReviewTask
    interaction_ids: tuple[str, ...]
    decisions: tuple[Decision, ...]
    events: tuple[TaskEvent, ...]
    # For a task still waiting: how long until a reviewer gets to it (None without recent throughput).
    estimated_wait_minutes: float | None = None
