"""The feedback repository: append-only events, idempotent on (interaction, idempotency key)."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.privacy.redaction import FEEDBACK_FIELDS, Redactor
from gateway.store.chunks import chunks
from gateway.store.current_feedback import Narrowing, current_feedback
from gateway.store.erased_users import ErasedUsers
from gateway.store.feedback_token_uses import TokenBound, count_submission
from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.listing import Position, fetch_rows, newest_first
from gateway.store.stored_order import horizon, stored_after, take_numbers
from gateway.store.tables import feedback, feedback_token_uses, interactions

Row = dict[str, Any]

# The event's interaction, still stored; on PostgreSQL its key stays locked until the event commits, so a
# prune or an erasure deleting it waits, then finds the event (it deletes the interactions first).
_INTERACTION_KEPT = (
    select(interactions.c.id).where(interactions.c.id == bindparam("id")).with_for_update(key_share=True)
)


class InteractionRemoved(Exception):
    """The event's interaction was pruned or erased after the post found it: nothing was stored."""


class EndUserErased(Exception):
    """The event's end user was erased after the event was made: nothing was stored."""


@dataclass(frozen=True, slots=True)
class FeedbackFilter:
    """Which feedback events a listing returns; every field is optional."""

    app: str | None = None
    interaction_id: str | None = None
    negative: bool | None = None
    has_correction: bool | None = None
    since: datetime | None = None
    until: datetime | None = None
    # Keyset paging: only events listed after this one (older, or as old with a smaller id).
    after: Position | None = None


class FeedbackStore:
    """Appends and reads feedback events."""

    def __init__(self, engine: AsyncEngine, redactor: Redactor | None = None) -> None:
        self._engine = engine
        # With redaction on, an event's texts are redacted before they are stored (see gateway.privacy).
        self._redactor = redactor
        self._insert = insert_skipping_duplicates(engine.dialect, feedback, ["interaction_id", "idempotency_key"])
        self._erased = ErasedUsers(engine.dialect.name)

    def as_stored(self, row: Row) -> Row:
        """`row` as `append` stores it: redacted when redaction is on."""
        return self._redactor.noted(row, FEEDBACK_FIELDS) if self._redactor is not None else row

    async def append(
        self, row: Row, *, bound: TokenBound | None = None, made_at: datetime | None = None
    ) -> tuple[Row, bool]:
        """Store one event; with an idempotency key already used on its interaction, return that event instead.

        The second value says whether `row` was stored (False: an earlier event was returned). With
        `bound`, a new event also counts against its feedback token, in the same transaction; at the
        bound nothing is stored and TokenExhausted is raised (a replay never counts). An event whose
        interaction went meanwhile (InteractionRemoved), or whose end user was erased after it was made
        (EndUserErased), is not stored: the post found the interaction before a prune or erasure ran.
        `made_at` is when the post reached the gateway (default: the event's `created_at`).
        """
        row = self.as_stored(row)
        insert = self._insert.values(**row).returning(feedback.c.id)
        async with self._engine.begin() as connection:
            stored_id = (await connection.execute(insert)).scalar()
            if stored_id is not None:
                # After the insert, which holds SQLite's write lock: the removal is wholly before or after.
                if await connection.scalar(_INTERACTION_KEPT, {"id": row["interaction_id"]}) is None:
                    raise InteractionRemoved(row["interaction_id"])
                made = {"user_id": row.get("user_id"), "created_at": made_at or row.get("created_at")}
                if await connection.run_sync(self._erased.kept, [made], "user_id") == []:
                    raise EndUserErased()
                if bound is not None:
                    await count_submission(connection, bound)
                await _number(connection, stored_id)
                return dict(row), True
            query = _keyed(row["interaction_id"], row["idempotency_key"])
            existing = (await connection.execute(query)).mappings().one()
        return dict(existing), False

    async def keyed(self, interaction_id: str, idempotency_key: str) -> Row | None:
        """The event stored on an interaction under an idempotency key, if one was."""
        async with self._engine.connect() as connection:
            found = (await connection.execute(_keyed(interaction_id, idempotency_key))).mappings().first()
        return dict(found) if found is not None else None

    async def erasure_of(self, user: str) -> datetime | None:
        """When end user `user` was last erased on request (None: never)."""
        async with self._engine.connect() as connection:
            return await self._erased.erased_at(connection, user)

    async def token_submissions(self, token_id: str) -> int:
        """How many submissions the feedback token `token_id` has stored (0 for one never used)."""
        query = select(feedback_token_uses.c.submissions).where(feedback_token_uses.c.token_id == token_id)
        async with self._engine.connect() as connection:
            return int((await connection.execute(query)).scalar() or 0)

    async def for_interaction(self, interaction_id: str) -> list[Row]:
        """Every event on one interaction, oldest first: by when it was given, then by id (the current-feedback order)."""
        c = feedback.c
        query = select(feedback).where(c.interaction_id == interaction_id).order_by(c.created_at, c.id)
        async with self._engine.connect() as connection:
            return [dict(row) for row in (await connection.execute(query)).mappings()]

    async def current_on(self, interaction_ids: Sequence[str]) -> list[Row]:
        """Each voter's current feedback on these interactions: interaction_id, negative, thumbs, rating, and
        whether it has a correction (`corrected`) and a comment (`commented`), never their texts."""
        f = feedback.c
        columns = (
            f.interaction_id,
            f.negative,
            f.thumbs,
            f.rating,
            f.correction.is_not(None).label("corrected"),
            f.comment.is_not(None).label("commented"),
        )
        rows: list[Row] = []
        async with self._engine.connect() as connection:
            for chunk in chunks(list(dict.fromkeys(interaction_ids))):
                current = current_feedback(*columns, narrow=_on_interactions(chunk))
                rows.extend(dict(row) for row in (await connection.execute(select(current))).mappings())
        return rows

    async def list(self, where: FeedbackFilter, limit: int) -> list[Row]:
        """The newest events matching `where`, newest first (by created_at, then id)."""
        c = feedback.c
        query = newest_first(feedback, limit, since=where.since, until=where.until, after=where.after)
        if where.app is not None:
            query = query.where(c.app == where.app)
        if where.interaction_id is not None:
            query = query.where(c.interaction_id == where.interaction_id)
        if where.negative is not None:
            query = query.where(c.negative.is_(where.negative))
        if where.has_correction is not None:
            query = query.where(c.correction.is_not(None) if where.has_correction else c.correction.is_(None))
        return await fetch_rows(self._engine, query)

    async def list_stored_after(self, after: int, limit: int, app: str | None) -> tuple[builtins.list[Row], int]:
        """Up to `limit` events (of `app`, if given) stored after number `after`, oldest stored first, and the number
        the next read starts after (gateway.store.stored_order)."""
        conditions = [feedback.c.app == app] if app is not None else []
        return await stored_after(self._engine, feedback, after, limit, conditions)

    async def stored_horizon(self) -> int:
        """The number of the newest event stored so far (0 for none): following from it lists what comes next."""
        return await horizon(self._engine, feedback)


async def _number(connection: AsyncConnection, event_id: str) -> None:
    """Give the event just inserted its place in the stored order (gateway.store.stored_order).

    Last, after the insert's trigger took its day marker: every writer takes markers before a head
    (the writer of interactions, an import), so on PostgreSQL none waits for a marker while holding a head.
    """
    number = await connection.run_sync(take_numbers, feedback, 1) + 1
    await connection.execute(update(feedback).where(feedback.c.id == event_id).values(stored_seq=number))


def _keyed(interaction_id: str, idempotency_key: str) -> Select[Any]:
    """The event stored on an interaction under an idempotency key (unique together)."""
    return select(feedback).where(
        feedback.c.interaction_id == interaction_id, feedback.c.idempotency_key == idempotency_key
    )


def _on_interactions(interaction_ids: Sequence[str]) -> Narrowing:
    """A current_feedback narrowing to these interactions' events (it drops whole interactions, never one event)."""
    return lambda query: query.where(feedback.c.interaction_id.in_(interaction_ids))
