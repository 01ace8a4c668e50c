"""Which feedback counts: a user's current feedback on an interaction is their newest event."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, Subquery, and_, exists, func, select
from sqlalchemy.sql import ColumnElement

from gateway.store.tables import feedback

# Narrows the events considered, before each user's newest is picked.
Narrowing = Callable[[Select[Any]], Select[Any]]


def current_feedback(*columns: ColumnElement[Any], narrow: Narrowing | None = None) -> Subquery:
    """`columns` of each user's newest feedback event per interaction, as a subquery.

    Events without a user id count as one anonymous user (PARTITION BY puts every NULL in one
    partition), as in gateway.feedback.history.current_per_user, the same rule over rows in memory.
    `narrow` may join tables and drop whole interactions (by app, by the interaction's time),
    never single events: dropping a newer event would make an older one current.
    """
    f = feedback.c
    newest_first = func.row_number().over(partition_by=(f.interaction_id, f.user_id), order_by=f.id.desc())
    ranked = select(*columns, newest_first.label("rank"))
    if narrow is not None:
        ranked = narrow(ranked)
    events = ranked.subquery()
    chosen = [column for column in events.c if column.key != "rank"]
    return select(*chosen).where(events.c.rank == 1).subquery()


def has_current_negative(interaction_id: ColumnElement[str]) -> ColumnElement[bool]:
    """Whether some user's current feedback on `interaction_id` is negative: the rule of `current_feedback`
    as a correlated predicate (a negative event with no newer event by the same user on the interaction).

    Each check is a few lookups in the feedback index on interaction_id, so a newest-first listing
    stops after its page instead of ranking every feedback event first.
    """
    event = feedback.alias("event")
    newer = feedback.alias("newer")
    superseded = exists().where(
        newer.c.interaction_id == event.c.interaction_id,
        newer.c.user_id.is_not_distinct_from(event.c.user_id),
        newer.c.id > event.c.id,
    )
    return exists().where(and_(event.c.interaction_id == interaction_id, event.c.negative.is_(True), ~superseded))
