"""Storing imported interactions with their feedback, batch by batch."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.domain.answer_choices import choice_count
from gateway.store.chunks import chunks
from gateway.store.daily_stats import interaction_days, mark_days_stale
from gateway.store.erased_users import ErasedUsers
from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.interaction_inserts import DERIVED_COLUMNS, InteractionInserts
from gateway.store.stored_order import STORED_SEQ, take_numbers
from gateway.store.tables import feedback, interactions

Row = dict[str, Any]

# Every column but those the insert fills itself (the number each row gets as it is stored, what the answer records
# of its choices: gateway.store.interaction_inserts).
_INTERACTION_COLUMNS = [column.name for column in interactions.columns if column.name not in DERIVED_COLUMNS]


@dataclass(frozen=True, slots=True)
class GivenUsers:
    """End users' ids as an imported file gave them, by row id, where the row holds another form (" user-8 " stored
    as "user-8"): an erasure recorded by the release before ids were trimmed names the id as given only."""

    interactions: dict[str, str] = field(default_factory=dict)
    feedback: dict[str, str] = field(default_factory=dict)


class ImportStore:
    """Inserts imported rows, skipping those already stored so an import can be re-run after a partial failure."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._insert_interactions = InteractionInserts(engine.dialect)
        self._erased = ErasedUsers(engine.dialect.name)
        self._insert_feedback = insert_skipping_duplicates(engine.dialect, feedback)

    async def already_stored(self, ids: Sequence[str]) -> tuple[set[str], set[tuple[str, str]]]:
        """Which of `ids` are stored interactions, and the (interaction id, idempotency key) of their feedback."""
        stored_ids: set[str] = set()
        stored_keys: set[tuple[str, str]] = set()
        async with self._engine.connect() as connection:
            for chunk in chunks(list(ids)):
                stored_ids.update(
                    await connection.scalars(select(interactions.c.id).where(interactions.c.id.in_(chunk)))
                )
                keys = select(feedback.c.interaction_id, feedback.c.idempotency_key).where(
                    feedback.c.interaction_id.in_(chunk), feedback.c.idempotency_key.is_not(None)
                )
                stored_keys.update((row.interaction_id, row.idempotency_key) for row in await connection.execute(keys))
        return stored_ids, stored_keys

    async def stored_choice_counts(self, ids: Sequence[str]) -> dict[str, int]:
        """How many choices the stored answer of each of `ids` (those stored) has (gateway.domain.answer_choices)."""
        counts: dict[str, int] = {}
        async with self._engine.connect() as connection:
            for chunk in chunks(list(ids)):
                query = select(interactions.c.id, interactions.c.response).where(interactions.c.id.in_(chunk))
                counts.update((row.id, choice_count(row.response)) for row in await connection.execute(query))
        return counts

    async def insert_batch(
        self, interaction_rows: Sequence[Row], feedback_rows: Sequence[Row], given_users: GivenUsers | None = None
    ) -> tuple[int, int]:
        """Store one batch of interactions and their feedback events in one transaction; how many of each it stored.

        Fewer than given when an end user was erased since (gateway.store.erased_users): their
        interactions, the feedback on those, and the feedback they gave, each made before the erasure,
        by the id stored and by the id as the file gave it (`given_users`).
        """
        as_given = given_users or GivenUsers()
        if not interaction_rows and not feedback_rows:
            return 0, 0
        stored_ids: set[str] = set()
        async with self._engine.begin() as connection:
            # The feedback's day markers (its trigger's) with the interactions', before either number is taken.
            feedback_days = await _interaction_days_of(connection, feedback_rows, interaction_rows)
            if interaction_rows:
                rows = [_complete(row) for row in interaction_rows]
                stored = await self._insert_interactions.insert(
                    connection, rows, also_mark=feedback_days, given_users=as_given.interactions
                )
                stored_ids = {row["id"] for row in stored}
            else:
                await connection.run_sync(mark_days_stale, feedback_days)
            given = {row["id"] for row in interaction_rows}
            # Feedback on an interaction of this batch that was not stored goes with it.
            events = [row for row in feedback_rows if row["interaction_id"] not in given - stored_ids]
            if events:
                kept = await connection.run_sync(self._erased.kept, events, "user_id", as_given.feedback)
                events = events if kept is None else kept
            if events:
                first = await connection.run_sync(take_numbers, feedback, len(events)) + 1
                numbered = [{**event, STORED_SEQ: first + n} for n, event in enumerate(events)]
                await connection.execute(self._insert_feedback, numbered)
        return len(stored_ids), len(events)


async def _interaction_days_of(
    connection: AsyncConnection, events: Sequence[Row], interaction_rows: Sequence[Row]
) -> set[tuple[str, str]]:
    """The (day, app) markers storing `events` touches: their interactions', in the batch or stored before."""
    in_batch = {row["id"]: row for row in interaction_rows}
    wanted = {event["interaction_id"] for event in events}
    found = [in_batch[interaction_id] for interaction_id in wanted & in_batch.keys()]
    c = interactions.c
    for chunk in chunks(sorted(wanted - in_batch.keys())):
        stored = await connection.execute(select(c.created_at, c.app).where(c.id.in_(chunk)))
        found.extend({"created_at": row.created_at, "app": row.app} for row in stored)
    return interaction_days(found)


def _complete(row: Row) -> Row:
    # Every row names every column (a field the line lacks is stored as null), as imports always have.
    return {name: row.get(name) for name in _INTERACTION_COLUMNS}
