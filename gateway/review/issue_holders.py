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


def deciding_advice(task: str, task_id: str | None) -> str:
    """What a person can do on an open task that holds what they asked about: decide it, saying what they found in the
    decision's comment (a task update has no comment action)."""
    path = f"POST /api/reviews/{task_id or '{id}'}/decision"
    return f"decide them on {task}, whose decision ({path}, or the task's page) takes a comment"


async def holding_nothing_refusal(
    holders: ReviewHolders, refused: HoldsNothing, issue_id: str | None = None, named: Sequence[str] = ()
) -> TaskConflict:
    """What a person is told when a new task would hold nothing (`refused`): the tasks holding its interactions named,
    with their status, and what to do. `issue_id`: the issue the request named, whose complaints these are besides the
    interactions it `named`; those are told apart, with what to send for a new task.

    An interaction is held by one task for good, so such a task would hold none of them ("Nothing to decide here"); the
    review service refuses it under the opening's lock (gateway.review.opening.plan_opening) and says this after.
    """
    wanted = list(dict.fromkeys(refused.interaction_ids))
    counts = await holders.counts(wanted)
    statuses = await holders.statuses(list(counts)) if counts else {}
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    holding = [
        f"review task {task_id} ({statuses.get(task_id, '?')}) holds {count}" for task_id, count in ranked[:NAMED]
    ]
    more = f" and {len(ranked) - NAMED} more" if len(ranked) > NAMED else ""
    listed = f" ({'; '.join(holding)}{more})" if holding else ""
    what, these, was, instead = _what_was_asked(wanted, issue_id, named)
    open_holder = next((task_id for task_id, _ in ranked if statuses.get(task_id) in ACTIVE_STATUSES), None)
    if open_holder is not None:
        # Reopening is advice only where a closed task holds some of them.
        closed = next((task_id for task_id, _ in ranked if statuses.get(task_id) not in ACTIVE_STATUSES), None)
        reopen = f", or reopen review task {closed}" if closed is not None else ""
        held_by = "other review tasks" if len(ranked) > 1 else "another review task"
        return TaskConflict(
            f"{what} {'is' if was == 'was' else 'are'} held by {held_by} already, and an interaction is never reviewed "
            f"twice, so a new task would hold none of {these}{listed}: nothing was opened; "
            f"{deciding_advice('the open task that holds them', open_holder)}{reopen}{instead}"
        )
    return TaskConflict(
        f"{what} {was} already reviewed in an earlier task, and an interaction is never reviewed twice, so a new task "
        f"would hold none of {these}{listed}: nothing was opened; read the decisions there, or reopen that task{instead}"
    )


def _what_was_asked(wanted: Sequence[str], issue_id: str | None, named: Sequence[str]) -> tuple[str, str, str, str]:
    """How a refusal names what the request concerns (the interactions named, an issue's complaints, or both), those
    interactions, its verb, and (naming both) what to send for a new task."""
    if issue_id is None:
        return "every interaction given", f"these {len(wanted)}", "was", ""
    if not named:
        return f"every complaint of issue {quoted(issue_id)}", f"its {_count(len(wanted), 'complaint')}", "was", ""
    given = f"the {_count(len(set(named)), 'interaction')} given"
    others = len(set(wanted) - set(named))
    what = (
        f"{given} and the {others} other {'complaint' if others == 1 else 'complaints'} of issue {quoted(issue_id)}"
        if others
        else f"{given}, every complaint of issue {quoted(issue_id)} among them"
    )
    instead = "; for a new task, send interaction_ids that no review task holds yet, with the issue_id or without"
    return what, f"these {len(wanted)}", "were", instead


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}" + ("" if number == 1 else "s")
