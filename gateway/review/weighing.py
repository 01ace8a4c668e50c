"""What an opening's suggested action weighs, read before the opening's lock and checked under it.

The suggestion reads feedback and earlier reviews, too much for the opening's lock to wait on; so it is read before,
with what it weighs (`Weighing`), and the opening's plan, under the lock, compares that with what the store read there
(`check_weighed`): a person's issue gaining or losing complaints, the task a rule's finding joins gaining
interactions, being closed or another taking its place. Any of these raise Reweigh, and the opening reads the
suggestion again (gateway.review.service.ReviewService._write): every opening, a person's or a rule's, goes this way.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from gateway.review.records import SuggestedAction
from gateway.review.suggestion import example_ids, suggest
from gateway.store.review_figures import ReviewFigureStore
from gateway.store.reviews import ReviewStore

Row = dict[str, Any]
# How many times an opening reads its suggestion again when what it weighs changed before its lock, at most.
WEIGHINGS = 3


class Reweigh(Exception):
    """What an opening concerns, read under its lock, is not what its suggestion weighed: weigh `wanted` again."""

    def __init__(self, wanted: tuple[str, ...]) -> None:
        super().__init__("the interactions changed since the suggestion was read")
        self.wanted = wanted


@dataclass(frozen=True, slots=True)
class Weighing:
    """What a suggested action weighs: the open task the opening joins (None: a new one), the issue whose earlier
    reviews it reads, and every interaction (those the opening concerns and those that task holds)."""

    task_id: str | None
    issue_id: str | None
    interaction_ids: frozenset[str]


def weighing(issue_id: str | None, wanted: Sequence[str], existing: Row | None, held: Sequence[str]) -> Weighing:
    """What a suggestion over `wanted`, joining `existing` (which holds `held`), weighs."""
    if existing is None:
        return Weighing(None, issue_id, frozenset(wanted))
    return Weighing(existing["id"], issue_id or existing["issue_id"], frozenset([*wanted, *held]))


async def weigh(
    store: ReviewStore, figures: ReviewFigureStore, issue_id: str | None, wanted: Sequence[str], by_rule: bool
) -> tuple[SuggestedAction, Weighing]:
    """The suggested action over `wanted` and the interactions of the open task they would join, with what it weighs
    (read without the opening's lock)."""
    existing = await store.open_task_for(issue_id, wanted, by_rule=by_rule)
    held = await store.interaction_ids(existing["id"]) if existing else []
    weighed = weighing(issue_id, wanted, existing, held)
    every_id = list(dict.fromkeys([*wanted, *held]))
    notes = await figures.feedback_notes(every_id)
    reviewed = await figures.review_corrections(weighed.issue_id, weighed.task_id)
    return suggest(notes, reviewed, await figures.exchanges(example_ids(notes, every_id))), weighed


def check_weighed(weighed: Weighing, issue_id: str | None, wanted: Sequence[str], existing: Row | None) -> None:
    """Reweigh unless the opening, as read under its lock (`wanted`, `existing` with its `interaction_ids`: see
    gateway.store.review_opening.open_or_update), is what the suggestion weighed."""
    held = existing["interaction_ids"] if existing is not None else ()
    if weighing(issue_id, wanted, existing, held) != weighed:
        raise Reweigh(tuple(wanted))
