"""Which feedback counts: a voter's current feedback on an interaction is their latest event.

Latest by when the feedback was given (`created_at`), ties broken by the event's id: not by the id
alone, which is a UUIDv7 made when the event is stored, so an imported event given long ago would
otherwise outrank every event stored before it. `latest_first`, `is_later` and `superseded` are
that one rule in SQL; gateway.feedback.history.current_order is the same rule in Python.

A voter is who the product can tell apart: the event's `voter` when set (a browser whose token
names no end user, "token:<token id>"), else its user id; events with neither are the
interaction's one anonymous voice. So one token's many submissions, whatever user ids they
claim, count as one vote.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Select, Subquery, Table, and_, exists, func, or_, select
from sqlalchemy.sql import ColumnElement
from sqlalchemy.sql.expression import FromClause

from gateway.store.tables import feedback

# Narrows the events considered, before each voter's latest is picked.
Narrowing = Callable[[Select[Any]], Select[Any]]


def voter_of(events: Table | FromClause) -> ColumnElement[Any]:
    """Who an event of `events` (the feedback table or an alias of it) counts as; NULL: the anonymous voice."""
    return func.coalesce(events.c.voter, events.c.user_id)


def latest_first(events: Table | FromClause) -> tuple[ColumnElement[Any], ...]:
    """ORDER BY terms putting `events` (the feedback table or an alias of it) latest first: the current one first."""
    return (events.c.created_at.desc(), events.c.id.desc())


def is_later(later: Table | FromClause, event: Table | FromClause) -> ColumnElement[bool]:
    """Whether `later`'s event comes after `event`'s in `latest_first`'s order: given later, or at the same time
    with a greater id."""
    return or_(
        later.c.created_at > event.c.created_at,
        and_(later.c.created_at == event.c.created_at, later.c.id > event.c.id),
    )


def superseded(event: Table | FromClause, *, stored_up_to: str | None = None) -> ColumnElement[bool]:
    """Whether `event` (an alias of the feedback table) has a later event by the same voter on its interaction:
    the rule of `current_feedback` as a correlated predicate, for queries that read events one by one.

    `stored_up_to`: only events whose id is at most this one count (the feedback as it stood when that
    event was the newest stored; ids are UUIDv7 made as events are stored). Each check is a few lookups
    in the feedback index on interaction_id.
    """
    later = feedback.alias("later_event")
    bound = [] if stored_up_to is None else [later.c.id <= stored_up_to]
    return exists().where(
        later.c.interaction_id == event.c.interaction_id,
        voter_of(later).is_not_distinct_from(voter_of(event)),
        is_later(later, event),
        *bound,
    )


def current_feedback(*columns: ColumnElement[Any], narrow: Narrowing | None = None) -> Subquery:
    """`columns` of each voter's current (latest) feedback event per interaction, as a subquery.

    Events without a voter count as one anonymous voter (PARTITION BY puts every NULL in one
    partition), as in gateway.feedback.history.current_per_user, the same rule over rows in memory.
    `narrow` may join tables and drop whole interactions (by app, by the interaction's time),
    never single events: dropping a later event would make an earlier one current.
    """
    f = feedback.c
    rank = func.row_number().over(partition_by=(f.interaction_id, voter_of(feedback)), order_by=latest_first(feedback))
    ranked = select(*columns, rank.label("rank"))
    if narrow is not None:
        ranked = narrow(ranked)
    events = ranked.subquery()
    chosen = [column for column in events.c if column.key != "rank"]
    return select(*chosen).where(events.c.rank == 1).subquery()


def has_current_negative(interaction_id: ColumnElement[str]) -> ColumnElement[bool]:
    """Whether some voter's current feedback on `interaction_id` is negative: the rule of `current_feedback`
    as a correlated predicate (a negative event with no later event by the same voter on the interaction).

    Each check is a few lookups in the feedback index on interaction_id, so a newest-first listing
    stops after its page instead of ranking every feedback event first.
    """
    event = feedback.alias("event")
    return exists().where(
        and_(event.c.interaction_id == interaction_id, event.c.negative.is_(True), ~superseded(event))
    )
