"""Where an issue task's other complaints are reviewed: the tasks that held them first.

An interaction is held by one task for good (gateway.review.opening), so an issue task opened after
another task took some of its issue's complaints does not hold them, down to none at all ("Interactions
(0)" on a task about 18 complaints). Its page then names the tasks that do, so nobody looks for them. A task
that would hold none of what it concerns is not opened at all: the review service refuses a person's, naming the
tasks holding it (`holding_nothing_refusal`), and a rule's is not written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gateway.domain.quoting import quoted
from gateway.review.errors import HoldsNothing, TaskConflict
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


async def holding_nothing_refusal(
    holders: ReviewHolders, refused: HoldsNothing, issue_id: str | None = None
) -> TaskConflict:
    """What a person is told when a new task would hold nothing (`refused`): the tasks holding its interactions named,
    with their status, and what to do. `issue_id`: the request named only that issue, and these are its complaints.

    An interaction is held by one task for good, so such a task would hold none of them ("Nothing to decide here"); the
    review service refuses it under the opening's lock (gateway.review.opening.plan_opening) and says this after.
    """
    wanted = list(dict.fromkeys(refused.interaction_ids))
    counts = await holders.counts(wanted)
    statuses = await holders.statuses(list(counts)) if counts else {}
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    named = [f"review task {task_id} ({statuses.get(task_id, '?')}) holds {count}" for task_id, count in ranked[:NAMED]]
    more = f" and {len(ranked) - NAMED} more" if len(ranked) > NAMED else ""
    listed = f" ({'; '.join(named)}{more})" if named else ""
    what, these = (
        (f"every complaint of issue {quoted(issue_id)}", f"its {len(wanted)} complaints")
        if issue_id is not None
        else ("every interaction given", f"these {len(wanted)}")
    )
    if any(statuses.get(task_id) in ACTIVE_STATUSES for task_id in counts):
        return TaskConflict(
            f"{what} is held by another review task already, and an interaction is never reviewed twice, so a new "
            f"task would hold none of {these}{listed}: nothing was opened; comment on the open task that judges "
            "them, or reopen a closed one"
        )
    return TaskConflict(
        f"{what} was already reviewed in an earlier task, and an interaction is never reviewed twice, so a new task "
        f"would hold none of {these}{listed}: nothing was opened; read the decisions there, or reopen that task"
    )
