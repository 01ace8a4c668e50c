"""Where an issue task's other complaints are reviewed: the tasks that held them first.

An interaction is held by one task for good (gateway.review.opening), so an issue task opened after
another task took some of its issue's complaints does not hold them, down to none at all ("Interactions
(0)" on a task about 18 complaints). Its page then names the tasks that do, so nobody looks for them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.review.errors import TaskConflict
from gateway.review.records import ACTIVE_STATUSES, ReviewTask
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


async def refuse_a_task_holding_nothing(holders: ReviewHolders, interaction_ids: Sequence[str]) -> None:
    """Refuse (TaskConflict naming them) a task over `interaction_ids` when closed tasks hold every one of them.

    An interaction is held by one task for good, so such a task would hold none of them ("Nothing to decide here");
    an open task holding some is updated instead, and ids nobody holds yet make a task worth opening.
    """
    wanted = list(dict.fromkeys(interaction_ids))
    counts = await holders.counts(wanted) if wanted else {}
    if not wanted or sum(counts.values()) < len(wanted):
        return
    statuses = await holders.statuses(list(counts))
    if any(statuses.get(task_id) in ACTIVE_STATUSES for task_id in counts):
        return
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    named = [f"review task {task_id} ({statuses.get(task_id, '?')}) holds {count}" for task_id, count in ranked[:NAMED]]
    more = f" and {len(ranked) - NAMED} more" if len(ranked) > NAMED else ""
    # The words the review service's own refusal of a request naming no issue uses (ReviewService.open_manual).
    raise TaskConflict(
        "every interaction given was already reviewed in an earlier task, and an interaction is never reviewed twice, "
        f"so a new task would hold none of these {len(wanted)} ({'; '.join(named)}{more}): nothing was opened; "
        "read the decisions there, or reopen that task"
    )
