"""The review decision that stands, in SQL: gateway.review.verdicts's rule, for every query that reads verdicts.

The training-data export's labels (gateway.store.label_decisions) and the calibration's bad answers
(gateway.store.confidence_samples) both take a task's verdict from this decision alone, and both let it outrank end
users' feedback the same way (`held_by_standing`: where a standing decision holds an answer right, end users' negative
feedback and corrections of it say nothing).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import and_, exists, select
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.expression import FromClause

from gateway.store.tables import review_decisions, review_task_interactions, review_tasks

_LATER = review_decisions.alias("later")
# The decisions and the tasks' links `held_by_standing` reads, named apart from any the enclosing query reads.
_STANDING = review_decisions.alias("standing")
_HOLDING = review_task_interactions.alias("holding")


def stands(decision: FromClause, newest: str | None = None) -> ColumnElement[bool]:
    """Whether `decision` (the decisions table or an alias, joined to its task in `review_tasks`) is the one that stands:
    the last of its resolved task's current round. `newest`: only decisions stored by that id count as later ones (an
    export's labels as they stood when it began); None: every one stored."""
    d, t = decision.c, review_tasks.c
    stored_by = [] if newest is None else [_LATER.c.id <= newest]
    overruled = exists().where(_LATER.c.task_id == d.task_id, _LATER.c.round == d.round, _LATER.c.id > d.id, *stored_by)
    return and_(t.status == "resolved", d.round == t.round, ~overruled)


def held_by_standing(
    interaction_id: ColumnElement[str], choice: Any, outcomes: Iterable[str], newest: str | None = None
) -> ColumnElement[bool]:
    """Whether the decision that stands on some task holding the interaction `interaction_id` names judges its choice
    `choice` with one of `outcomes` (a task of several answers judges each as a pattern, gateway.review.verdicts).
    `newest`: only decisions stored by that id count (an export's labels as they stood when it began)."""
    d, held = _STANDING.c, _HOLDING.c
    stored_by = [] if newest is None else [d.id <= newest]
    query = (
        select(d.id)
        .select_from(
            _HOLDING.join(_STANDING, d.task_id == held.task_id).join(review_tasks, review_tasks.c.id == held.task_id)
        )
        .where(held.interaction_id == interaction_id, d.choice == choice, d.outcome.in_(tuple(outcomes)))
        .where(stands(_STANDING, newest), *stored_by)
    )
    return query.exists()
