"""The review decision that stands, in SQL: gateway.review.verdicts's rule, for every query that reads verdicts.

The training-data export's labels (gateway.store.label_decisions) and the calibration's bad answers
(gateway.store.confidence_samples) both take a task's verdict from this decision alone.
"""

from __future__ import annotations

from sqlalchemy import and_, exists
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.expression import FromClause

from gateway.store.tables import review_decisions, review_tasks

_LATER = review_decisions.alias("later")


def stands(decision: FromClause, newest: str | None = None) -> ColumnElement[bool]:
    """Whether `decision` (the decisions table or an alias, joined to its task in `review_tasks`) is the one that stands:
    the last of its resolved task's current round. `newest`: only decisions stored by that id count as later ones (an
    export's labels as they stood when it began); None: every one stored."""
    d, t = decision.c, review_tasks.c
    stored_by = [] if newest is None else [_LATER.c.id <= newest]
    overruled = exists().where(_LATER.c.task_id == d.task_id, _LATER.c.round == d.round, _LATER.c.id > d.id, *stored_by)
    return and_(t.status == "resolved", d.round == t.round, ~overruled)
