"""The review decision that stands, in SQL: gateway.review.verdicts's rule, for every query that reads verdicts.

The training-data export's labels (gateway.store.label_decisions) and the calibration's bad answers
(gateway.store.confidence_samples) both take a task's verdict from this decision alone, and both let it outrank end
users' feedback the same way (`held_by_standing`: where a standing decision holds an answer right, end users' negative
feedback and corrections of it say nothing). A task judged as a pattern (not `judged_as_one_answer`) gives the export
no label, and its decision, which names no choice (stored as 0), judges every choice of each answer it holds.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.expression import FromClause

from gateway.store.tables import review_decisions, review_events, review_task_interactions, review_tasks

_LATER = review_decisions.alias("later")
# The decisions and the tasks' links `held_by_standing` reads, named apart from any the enclosing query reads.
_STANDING = review_decisions.alias("standing")
_HOLDING = review_task_interactions.alias("holding")
_HELD = review_task_interactions.alias("held")
# The sources of tasks opened about several interactions, whose decision judges what they share (gateway.review.records
# .Source): one stays a pattern when an erasure or a prune leaves it holding one interaction, so its correction never
# becomes that conversation's label.
PATTERN_SOURCES = ("issue", "similar_negative")
# Any other task stays a pattern too once it was given several interactions: a person may open one on several, and a
# person asking about an answer a rule's task holds gives that task the others they name (gateway.review.opening).
# The events that give a task interactions, each counting those it added (`interactions_added`, gateway.review.opening).
GIVING_EVENTS = ("opened", "updated")


def stands(decision: FromClause, newest: str | None = None) -> ColumnElement[bool]:
    """Whether `decision` (the decisions table or an alias, joined to its task in `review_tasks`) is the one that stands:
    the last of its resolved task's current round. `newest`: only decisions stored by that id count as later ones (an
    export's labels as they stood when it began); None: every one stored."""
    d, t = decision.c, review_tasks.c
    stored_by = [] if newest is None else [_LATER.c.id <= newest]
    overruled = exists().where(_LATER.c.task_id == d.task_id, _LATER.c.round == d.round, _LATER.c.id > d.id, *stored_by)
    return and_(t.status == "resolved", d.round == t.round, ~overruled)


def judged_as_one_answer() -> ColumnElement[bool]:
    """Whether the task (`review_tasks`, correlated) judges one answer, not a pattern (gateway.review.verdicts): it
    holds one interaction, was not opened about several (PATTERN_SOURCES), and was given no more than one by its
    events' count of those each added (an event from before that count was written counts none, so such a task is
    judged by what it holds)."""
    t, e = review_tasks.c, review_events.c
    held = select(func.count()).where(_HELD.c.task_id == t.id).correlate(review_tasks).scalar_subquery()
    given = (
        select(func.coalesce(func.sum(e.detail["interactions_added"].as_integer()), 0))
        .where(e.task_id == t.id, e.kind.in_(GIVING_EVENTS))
        .correlate(review_tasks)
        .scalar_subquery()
    )
    return and_(held == 1, t.source.not_in(PATTERN_SOURCES), given <= 1)


def held_by_standing(
    interaction_id: ColumnElement[str], choice: Any, outcomes: Iterable[str], newest: str | None = None
) -> ColumnElement[bool]:
    """Whether the decision that stands on some task holding the interaction `interaction_id` names judges its choice
    `choice` with one of `outcomes` (a task of several answers judges each as a pattern, every choice of it alike,
    gateway.review.verdicts). `newest`: only decisions stored by that id count (an export's labels as they stood when it
    began)."""
    d, held = _STANDING.c, _HOLDING.c
    stored_by = [] if newest is None else [d.id <= newest]
    # A pattern's decision names no choice and is stored as 0: for choice 0 the stored choice says it already.
    judges = d.choice == choice
    if not (isinstance(choice, int) and choice == 0):
        judges = or_(judges, and_(d.choice == 0, ~judged_as_one_answer()))
    query = (
        select(d.id)
        .select_from(
            _HOLDING.join(_STANDING, d.task_id == held.task_id).join(review_tasks, review_tasks.c.id == held.task_id)
        )
        .where(held.interaction_id == interaction_id, judges, d.outcome.in_(tuple(outcomes)))
        .where(stands(_STANDING, newest), *stored_by)
    )
    return query.exists()
