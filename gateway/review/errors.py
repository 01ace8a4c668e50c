"""What the review service refuses, for the HTTP layer to map: unknown task (404), conflicting state (409)."""

from __future__ import annotations


class TaskNotFound(LookupError):
    """No task has this id."""

    def __init__(self, task_id: str) -> None:
        super().__init__(f"no review task with id {task_id!r}")
        self.task_id = task_id


class TaskConflict(Exception):
    """The task's state forbids the change now (claimed by someone else, already closed…); the message says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
