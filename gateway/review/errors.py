"""What the review service refuses, for the HTTP layer to map: unknown task (404), conflicting state (409), a choice
the answer has not (422)."""

from __future__ import annotations

from datetime import datetime

from gateway.domain.errors import InvalidQuery
from gateway.domain.quoting import quoted


class TaskNotFound(LookupError):
    """No task has this id."""

    def __init__(self, task_id: str) -> None:
        super().__init__(f"no review task with id {quoted(task_id)}")
        self.task_id = task_id


class TaskConflict(Exception):
    """The task's state forbids the change now (claimed by someone else, already closed…); the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class HoldsNothing(TaskConflict):
    """A new task would hold none of the interactions it concerns: other tasks hold every one, for good.

    The review service answers it with the tasks holding them named (gateway.review.issue_holders)."""

    def __init__(self, interaction_ids: tuple[str, ...]) -> None:
        super().__init__("other review tasks already hold every interaction given: nothing was opened")
        self.interaction_ids = interaction_ids


class ClaimedByOther(TaskConflict):
    """Another reviewer's running claim forbids the change: who holds the task, and until when."""

    def __init__(self, task_id: str, holder: str, expires_at: datetime) -> None:
        super().__init__(
            f"review task {task_id} is claimed by {holder} until {expires_at.isoformat()}: "
            f"wait for the claim to lapse or ask {holder} to release it"
        )
        self.task_id = task_id
        self.holder = holder
        self.expires_at = expires_at


class ChoiceRefused(InvalidQuery):
    """A decision's `choice` names no choice the task's answer has, or the task holds no single answer (a 422)."""

    def __init__(self, message: str) -> None:
        super().__init__("choice", message)
