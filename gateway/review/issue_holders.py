"""Where an issue task's other complaints are reviewed: the tasks that held them first.

An interaction is held by one task for good (gateway.review.opening), so an issue task opened after
another task took some of its issue's complaints does not hold them, down to none at all ("Interactions
(0)" on a task about 18 complaints). Its page then names the tasks that do, so nobody looks for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.review.records import ReviewTask
from gateway.store.review_holders import ReviewHolders

# How many other tasks a page names; the rest are counted.
NAMED = 5


@dataclass(frozen=True, slots=True)
class HeldElsewhere:
    """Another task holding some of the issue's complaints, and how many."""

    task_id: str
    count: int
    # Its status (open, in_progress, resolved, dismissed): whether the complaints are judged there now, or were.
    status: str = ""


async def held_elsewhere(holders: ReviewHolders, task: ReviewTask, member_ids: Sequence[str]) -> list[HeldElsewhere]:
    """The other tasks holding some of `member_ids` (the task's issue's complaints), the most first."""
    counts = await holders.counts(member_ids)
    counts.pop(task.id, None)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    statuses = await holders.statuses([task_id for task_id, _ in ranked[:NAMED]])
    return [HeldElsewhere(task_id, count, statuses.get(task_id, "")) for task_id, count in ranked]
