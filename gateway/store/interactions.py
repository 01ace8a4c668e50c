"""The interaction repository: batched idempotent inserts, lookups and filtered listing."""

from __future__ import annotations

import builtins
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import Connection, Select, Text, and_, case, cast, exists, false, func, not_, null, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.sql import ColumnElement

from gateway.store.current_feedback import has_current_negative
from gateway.store.driver_trip import in_one_trip
from gateway.store.engine import SQLITE_BUSY_TIMEOUT_MS, is_sqlite
from gateway.store.interaction_inserts import InteractionInserts, Prepared
from gateway.store.interaction_search import search_words, text_condition
from gateway.store.later_answers import ANSWER_OF, fill_later_answers
from gateway.store.listing import Position, fetch_rows, newest_first
from gateway.store.stored_order import horizon, stored_after
from gateway.store.tables import feedback, interactions, issue_members

Row = dict[str, Any]
# any: some feedback was given; negative: some user's current feedback is negative; none: no feedback at all.
FeedbackPresence = Literal["any", "negative", "none"]
# ok: answered in full without error; error: refused or failed; partial: a stream cut short.
Outcome = Literal["ok", "error", "partial"]


@dataclass(frozen=True, slots=True)
class InteractionFilter:
    """Which interactions a listing returns; every field is optional."""

    app: str | None = None
    model: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    # Keyset paging: only interactions listed after this one (older, or as old with a smaller id).
    after: Position | None = None
    # Words to find in the end user's messages or the answer (see store.interaction_search).
    text: str | None = None
    feedback: FeedbackPresence | None = None
    outcome: Outcome | None = None
    # Only the members of this issue (its id as stored: the domain follows a merge to the issue holding them).
    issue: str | None = None


def feedback_matches(presence: FeedbackPresence) -> ColumnElement[bool]:
    """Interactions with any feedback, with a user's current feedback negative, or with none."""
    c = interactions.c
    given = exists().where(feedback.c.interaction_id == c.id)
    if presence == "any":
        return given
    if presence == "none":
        return not_(given)
    return has_current_negative(c.id)


def outcome_matches(outcome: Outcome) -> ColumnElement[bool]:
    """Interactions that ended as `outcome`: the rule of domain.interaction_briefs.call_outcome, in SQL.

    A partial stream counts as partial, not error; an error is an error message or a status of 400 or more.
    """
    c = interactions.c
    partial = c.partial.is_(True)
    failed = or_(c.error.is_not(None), func.coalesce(c.status_code, 0) >= 400)
    if outcome == "partial":
        return partial
    if outcome == "error":
        return and_(not_(partial), failed)
    return and_(not_(partial), not_(failed))


# A brief row's request up to this many characters of JSON: what a listing may parse for the question.
BRIEF_REQUEST_CHARS = 256 * 1024
# A brief row's answer and error: their first characters only.
BRIEF_TEXT_CHARS = 1_000
# The columns of a brief row that are read whole (small by their types).
BRIEF_COLUMNS = (
    "id",
    "created_at",
    "app",
    "endpoint",
    "upstream",
    "model",
    "stream",
    "end_user",
    "upstream_response_id",
    "status_code",
    "partial",
    "finish_reason",
    "prompt_tokens",
    "completion_tokens",
    "total_tokens",
    "latency_ms",
    "ttfb_ms",
)


def _brief_columns(dialect: str) -> list[ColumnElement[Any]]:
    """A listing's columns: with whole rows, four 23 MB requests made one page view take 2.2 s and 390 MB."""
    c = interactions.c
    return [
        *(c[name] for name in BRIEF_COLUMNS),
        case((_request_is_small(dialect), c.request), else_=null()).label("request"),
        # Cheap (no value is read): tells a request left out for its size from none stored.
        c.request.is_not(None).label("request_stored"),
        func.substr(c.response_text, 1, BRIEF_TEXT_CHARS).label("response_text"),
        func.substr(c.error, 1, BRIEF_TEXT_CHARS).label("error"),
    ]


def _request_is_small(dialect: str) -> ColumnElement[bool]:
    """Whether the stored request's JSON text is at most BRIEF_REQUEST_CHARS characters (bytes, on PostgreSQL)."""
    request = interactions.c.request
    if dialect != "postgresql":
        return func.length(request) <= BRIEF_REQUEST_CHARS
    # Writing a jsonb document out as text to measure it took 90 ms for 23 MB. Its stored size is
    # known without reading it, and close to the text's when not compressed (jsonb adds a little):
    # a row stored over the bound is not read; one under it (maybe compressed well) is measured as text.
    stored = func.pg_column_size(request)
    return case(
        (stored > BRIEF_REQUEST_CHARS, false()),
        else_=func.octet_length(cast(request, Text)) <= BRIEF_REQUEST_CHARS,
    )


class InteractionStore:
    """Reads and writes interaction rows."""

    def __init__(self, engine: AsyncEngine, *, sqlite_lock_wait: float | None = None) -> None:
        self._engine = engine
        # The writer's inserts on SQLite wait this long for another connection's write lock (a prune, a
        # backup), not the 5 s every connection waits: a lock held a little longer is no outage to spool for.
        self._lock_wait_ms = None if sqlite_lock_wait is None or not is_sqlite(engine) else int(sqlite_lock_wait * 1000)
        # Skipping stored ids makes a replayed batch harmless.
        self._inserts = InteractionInserts(engine.dialect)

    @property
    def engine(self) -> AsyncEngine:
        """The database this store reads and writes."""
        return self._engine

    async def insert_many(self, rows: Sequence[Row]) -> None:
        """Insert rows in one transaction, skipping ids that are already stored (indexed for search, days marked stale).

        Later answers among them (gateway.store.later_answers) fill their interactions after the inserts.
        The rows are converted first; the transaction, its commit included, is then one trip to SQLite's
        thread (gateway.store.driver_trip), or `run_sync` on PostgreSQL.
        """
        if not rows:
            return
        answers = [row for row in rows if ANSWER_OF in row]
        prepared = await self._inserts.prepare([row for row in rows if ANSWER_OF not in row] if answers else rows)
        async with self._engine.connect() as connection:
            await in_one_trip(connection, functools.partial(self._transaction, prepared, answers))

    def _transaction(self, prepared: Prepared, answers: Sequence[Row], connection: Connection) -> None:
        with connection.begin():
            if self._lock_wait_ms is None:
                self._store(connection, prepared, answers)
                return
            # The pool's connections serve the long jobs too (the writer is on the jobs' engine), with the usual wait.
            connection.exec_driver_sql(f"PRAGMA busy_timeout={self._lock_wait_ms}")
            try:
                self._store(connection, prepared, answers)
            finally:
                connection.exec_driver_sql(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")

    def _store(self, connection: Connection, prepared: Prepared, answers: Sequence[Row]) -> None:
        self._inserts.write(connection, prepared)
        if answers:
            fill_later_answers(connection, answers)

    async def get(self, interaction_id: str, app: str | None = None) -> Row | None:
        """One interaction by the gateway's id or the upstream's response id (of `app`, if given).

        Upstreams may reuse their ids (small counters, caches, proxies): the gateway's own id wins,
        then the newest interaction that carries the upstream id.
        """
        c = interactions.c
        query = select(interactions).where(or_(c.id == interaction_id, c.upstream_response_id == interaction_id))
        if app is not None:
            query = query.where(c.app == app)
        query = query.order_by(case((c.id == interaction_id, 0), else_=1), c.created_at.desc(), c.id.desc()).limit(1)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return dict(row) if row else None

    async def list(self, where: InteractionFilter, limit: int) -> list[Row]:
        """The newest interactions matching `where`, newest first (by created_at, then id)."""
        return await fetch_rows(self._engine, await self._page(where, limit, None))

    async def list_briefly(self, where: InteractionFilter, limit: int) -> builtins.list[Row]:
        """As `list`, each row cut to what a listing shows (see BRIEF_COLUMNS): never a whole large document.

        `request` is None when its JSON text is longer than BRIEF_REQUEST_CHARS (`request_stored` says
        whether there is one); `response_text` and `error` are their first BRIEF_TEXT_CHARS characters.
        """
        return await fetch_rows(self._engine, await self._page(where, limit, _brief_columns(self._engine.dialect.name)))

    async def list_stored_after(
        self, after: int, limit: int, where: InteractionFilter
    ) -> tuple[builtins.list[Row], int]:
        """Up to `limit` interactions of `where.app` and `where.model` stored after number `after`, oldest stored first,
        and the number the next read starts after (gateway.store.stored_order); the other filters do not apply."""
        c = interactions.c
        conditions = [
            column == value for column, value in ((c.app, where.app), (c.model, where.model)) if value is not None
        ]
        return await stored_after(self._engine, interactions, after, limit, conditions)

    async def stored_horizon(self) -> int:
        """The number of the newest interaction stored so far (0 for none): following from it lists what comes next."""
        return await horizon(self._engine, interactions)

    async def _page(
        self, where: InteractionFilter, limit: int, columns: builtins.list[ColumnElement[Any]] | None
    ) -> Select[Any]:
        """The page's query: `columns` (None: whole rows) of the newest `limit` interactions matching `where`."""
        if where.issue is None:
            query = newest_first(
                interactions, limit, since=where.since, until=where.until, after=where.after, columns=columns
            )
            return await self._filtered(query, where)
        # An issue's members are found by its key, then sorted by time: all of them, as both databases read them
        # (an index walk by time would pass every newer call to reach an old issue's). Sorting whole rows made
        # one page of an issue of 3,000 calls with 8 KB requests take 170 ms on PostgreSQL: the page's ids are
        # sorted first, alone, and only those rows read.
        ids = newest_first(
            interactions, limit, since=where.since, until=where.until, after=where.after, columns=[interactions.c.id]
        )
        page_ids = (await self._filtered(ids, where)).scalar_subquery()
        c = interactions.c
        query = select(*columns) if columns is not None else select(interactions)
        return query.where(c.id.in_(page_ids)).order_by(c.created_at.desc(), c.id.desc())

    async def _filtered(self, query: Select[Any], where: InteractionFilter) -> Select[Any]:
        c = interactions.c
        if where.app is not None:
            query = query.where(c.app == where.app)
        if where.model is not None:
            query = query.where(c.model == where.model)
        words = search_words(where.text or "")
        if words:
            query = query.where(await text_condition(self._engine, words))
        if where.feedback is not None:
            query = query.where(feedback_matches(where.feedback))
        if where.outcome is not None:
            query = query.where(outcome_matches(where.outcome))
        if where.issue is not None:
            # Found by the members' primary key (issue_id, interaction_id), each row then by its own.
            members = select(issue_members.c.interaction_id).where(issue_members.c.issue_id == where.issue)
            query = query.where(c.id.in_(members))
        return query
