"""Which feedback counts: a voter's current feedback on an interaction is their newest event.

A voter is who the product can tell apart: the event's `voter` when set (a browser whose token
names no end user, "token:<token id>"), else its user id; events with neither are the
interaction's one anonymous voice. So one token's many submissions, whatever user ids they
claim, count as one vote.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, Subquery, Table, and_, exists, func, select
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.expression import FromClause

from gateway.store.tables import feedback

# Narrows the events considered, before each user's newest is picked.
Narrowing = Callable[[Select[Any]], Select[Any]]


def voter_of(events: Table | FromClause) -> ColumnElement[Any]:
    """Who an event of `events` (the feedback table or an alias of it) counts as; NULL: the anonymous voice."""
    return func.coalesce(events.c.voter, events.c.user_id)


def current_feedback(*columns: ColumnElement[Any], narrow: Narrowing | None = None) -> Subquery:
    """`columns` of each voter's newest feedback event per interaction, as a subquery.

    Events without a voter count as one anonymous voter (PARTITION BY puts every NULL in one
    partition), as in gateway.feedback.history.current_per_user, the same rule over rows in memory.
    `narrow` may join tables and drop whole interactions (by app, by the interaction's time),
    never single events: dropping a newer event would make an older one current.
    """
    f = feedback.c
    newest_first = func.row_number().over(partition_by=(f.interaction_id, voter_of(feedback)), order_by=f.id.desc())
    ranked = select(*columns, newest_first.label("rank"))
    if narrow is not None:
        ranked = narrow(ranked)
    events = ranked.subquery()
    chosen = [column for column in events.c if column.key != "rank"]
    return select(*chosen).where(events.c.rank == 1).subquery()


def has_current_negative(interaction_id: ColumnElement[str]) -> ColumnElement[bool]:
    """Whether some voter's current feedback on `interaction_id` is negative: the rule of `current_feedback`
    as a correlated predicate (a negative event with no newer event by the same voter on the interaction).

    Each check is a few lookups in the feedback index on interaction_id, so a newest-first listing
    stops after its page instead of ranking every feedback event first.
    """
    event = feedback.alias("event")
    newer = feedback.alias("newer")
    superseded = exists().where(
        newer.c.interaction_id == event.c.interaction_id,
        voter_of(newer).is_not_distinct_from(voter_of(event)),
        newer.c.id > event.c.id,
    )
    return exists().where(and_(event.c.interaction_id == interaction_id, event.c.negative.is_(True), ~superseded))
