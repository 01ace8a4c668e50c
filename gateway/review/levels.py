"""Service levels: deadlines per priority, the claim lease, which tasks need a second reviewer, expected waits."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.config import Settings
from gateway.review.records import Priority

# Throughput is measured over this much recent history.
THROUGHPUT_WINDOW = timedelta(days=7)


@dataclass(frozen=True, slots=True)
class ServiceLevels:
    """How long each priority may wait, how long a claim lasts, and the share of tasks judged twice."""

    deadlines: dict[Priority, timedelta]
    lease: timedelta
    second_opinion_share: float

    @classmethod
    def from_settings(cls, settings: Settings) -> ServiceLevels:
        """The levels configured in `settings`."""
        return cls(
            deadlines={
                Priority.HIGH: timedelta(hours=settings.review_high_deadline_hours),
                Priority.MEDIUM: timedelta(hours=settings.review_medium_deadline_hours),
                Priority.LOW: timedelta(hours=settings.review_low_deadline_hours),
            },
            lease=timedelta(seconds=settings.review_lease_seconds),
            second_opinion_share=settings.review_second_opinion_share,
        )

    def deadline(self, priority: Priority, start: datetime) -> datetime:
        """When a task of `priority` waiting since `start` becomes overdue."""
        return start + self.deadlines[priority]

    def needs_second_opinion(self, task_id: str) -> bool:
        """Whether `task_id` falls in the share of tasks a second reviewer must also judge.

        A stable hash of the id, not a random draw: the choice is the same in every process and
        can be recomputed later, and it cannot be steered by whoever opens the task.
        """
        digest = hashlib.sha256(task_id.encode()).digest()
        return int.from_bytes(digest[:8], "big") / 2**64 < self.second_opinion_share


def estimated_wait(ahead: int, resolved_recently: int, history: timedelta) -> timedelta | None:
    """How long a task waits: the tasks ahead of it, plus itself, at the queue's recent pace.

    `ahead` counts the tasks still waiting that a reviewer takes first (higher priority, or the
    same priority and older); `resolved_recently` is how many tasks reviewers resolved over the
    last `history` (THROUGHPUT_WINDOW, or less when the queue is younger). The wait is
    (ahead + 1) / (resolved_recently / history). None when nothing was resolved in that time:
    there is no pace to go by.
    """
    if resolved_recently <= 0 or history <= timedelta(0):
        return None
    per_task = history / resolved_recently
    return per_task * (ahead + 1)
