"""What every insert of interaction rows does in its transaction: index them for search, mark their days stale
(and drop those of end users erased since they were made: gateway.store.erased_users).

Both used to be row triggers on `interactions` (migrations 0016 and 0020). On SQLite a trigger runs
once per row, and the first insert trigger on a table costs ~15-20 µs per row whatever it does;
the search index's, run row by row, also made FTS5 write a segment per row. Measured in plain
sqlite3 on the real schema, batches of 500: 58-70 µs of CPU per stored row with both triggers,
31-43 µs with the index filled by one INSERT ... SELECT per batch and the days marked from Python.
Migration 0022 dropped the two insert triggers; the triggers on deletes and updates stay (pruning,
erasure and redaction change rows one statement at a time, and rarely). The two stores that insert
interactions (InteractionStore.insert_many, ImportStore.insert_batch) go through here, and so must
any other code that inserts them. PostgreSQL keeps its search column by itself (a generated column).

Each row's `choice_positions` is derived here from its `response` (gateway.domain.choice_numbers.recorded_positions),
and its `stored_seq` taken here (gateway.store.stored_order): a row names neither. Every stored answer records how it
lists its choices, which SQL reads them by.

The rows go in as multi-row INSERTs of up to 64 rows (`_Pages`), on both databases, with values
converted by the columns' own SQLAlchemy types, so what is stored is what SQLAlchemy would store.
- On SQLite, executemany runs one statement per row, and the sqlite3 module gives up the GIL
  around each: in a busy gateway the database thread then waited for the event loop's thread once
  per row (54 against 40 µs of CPU per row in that thread with a busy loop).
- On both, SQLAlchemy prepared every row's parameters on the event loop, the whole batch at once:
  the loop's thread went from 32-35 to 18-19 µs per stored row on SQLite (400-row batches), and
  on PostgreSQL a 400-row batch held the loop for milliseconds (p99 at one connection 7.4-7.8 ms).
- A big batch is converted a page per trip to a worker thread: each trip holds the GIL well under
  a millisecond, and the loop runs between trips, rather than waiting out CPython's 5 ms switch
  interval behind one long conversion.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import operator
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Column, Connection, text
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.util import await_
from sqlalchemy.util.concurrency import in_greenlet

from gateway.domain.choice_numbers import recorded_positions
from gateway.store.daily_stats import interaction_days, mark_days_stale
from gateway.store.erased_users import ErasedUsers
from gateway.store.key_use import note_key_use
from gateway.store.stored_order import STORED_SEQ, take_numbers
from gateway.store.tables import interactions
from gateway.store.tables.search_index import SQLITE_SEARCH_TABLE, SQLITE_SEARCH_VIEW

_LAST_ROWID = text("SELECT coalesce(max(rowid), 0) FROM interactions")
_INDEX_ROWS_AFTER = text(
    f"INSERT INTO {SQLITE_SEARCH_TABLE} (rowid, user_text, answer_text)"
    f" SELECT interaction_rowid, user_text, answer_text FROM {SQLITE_SEARCH_VIEW} WHERE interaction_rowid > :after"
)
# The column each insert derives from the row's `response`.
CHOICE_POSITIONS = "choice_positions"
# The columns an insert fills itself, after every column the rows name: a row names neither.
DERIVED_COLUMNS = (CHOICE_POSITIONS, STORED_SEQ)
# Rows per statement: pages of 64, the rest in powers of two, so a handful of statement shapes
# recur and stay prepared (the sqlite3 module's statement cache, asyncpg's prepared statements).
_PAGE_ROWS = 64


class Page(NamedTuple):
    """One INSERT of up to a page of rows: its SQL and flat values, each row's choice_positions then stored_seq last
    (0 until numbered)."""

    sql: str
    values: list[Any]
    rows: int

    def numbered(self, first: int) -> tuple[Any, ...]:
        """The values with the rows numbered `first`, `first` + 1, ..."""
        width = len(self.values) // self.rows
        self.values[width - 1 :: width] = range(first, first + self.rows)
        return tuple(self.values)


class Prepared(NamedTuple):
    """A batch ready to go in: its rows, their pages and their (UTC day, app) pairs, converted before any write."""

    rows: Sequence[Mapping[str, Any]]
    pages: list[Page]
    days: set[tuple[str, str]]


class InteractionInserts:
    """Inserts interaction rows, skipping ids already stored; indexes and marks what is new."""

    def __init__(self, dialect: Dialect) -> None:
        self._pages = _Pages(dialect)
        self._sqlite = dialect.name == "sqlite"
        self._erased = ErasedUsers(dialect.name)

    async def prepare(self, rows: Sequence[Mapping[str, Any]]) -> Prepared:
        """`rows` converted for `write` (a big batch off the loop): before the first write, which on SQLite takes
        the write lock, so not while holding it."""
        if not rows:
            return Prepared(rows, [], set())
        pages, days = await self._pages.of(rows)
        return Prepared(rows, pages, days)

    async def insert(
        self,
        connection: AsyncConnection,
        rows: Sequence[Mapping[str, Any]],
        also_mark: Collection[tuple[str, str]] = (),
        given_users: Mapping[str, str] | None = None,
    ) -> Sequence[Mapping[str, Any]]:
        """`write` of `rows` in `connection`'s transaction, converted first; returns the rows it kept."""
        if not rows:
            return rows
        prepared = await self.prepare(rows)
        return await connection.run_sync(self.write, prepared, also_mark, given_users)

    def write(
        self,
        connection: Connection,
        prepared: Prepared,
        also_mark: Collection[tuple[str, str]] = (),
        given_users: Mapping[str, str] | None = None,
    ) -> Sequence[Mapping[str, Any]]:
        """Insert the prepared rows in `connection`'s transaction, index them for search, mark their days stale and
        note their keys' use.

        Sync, so that on SQLite the writer's whole transaction is one trip to the driver's thread
        (gateway.store.driver_trip); from async code, `insert`.

        `also_mark`: more (day, app) pairs the transaction will mark (an import's feedback), marked with the rows'
        in one sorted pass, before the numbers' lock (gateway.store.stored_order): no marker is waited for under it.

        Rows of an end user erased after they were made are dropped (gateway.store.erased_users; `given_users`: by row
        id, the end user's id as given where the row holds it trimmed, ErasedUsers.kept's `given`): returns the rows it
        kept (of which those whose id was stored already were skipped).
        """
        rows, pages, days = prepared
        if not rows:
            return rows
        # Marking first: on SQLite this first write takes the write lock, so no other writer can
        # add rows between reading the last rowid and inserting ours. Ours then get the rowids
        # after it (SQLite numbers new rows from the largest), and a skipped duplicate keeps its
        # old, already indexed rowid.
        mark_days_stale(connection, days | set(also_mark))
        kept = self._erased.kept(connection, rows, "end_user", given_users)
        if kept is not None:
            # Rare (a late call of a user erased since): the rest is converted again, under the lock.
            rows = kept
            if not rows:
                return rows
            pages = self._pages.again(rows)
        last = connection.execute(_LAST_ROWID).scalar_one() if self._sqlite else None
        # Numbered last, just before they go in: the numbers' lock is held from here to the commit.
        number = take_numbers(connection, interactions, len(rows)) + 1
        for page in pages:
            connection.exec_driver_sql(page.sql, page.numbered(number))
            number += page.rows
        if last is not None:
            connection.execute(_INDEX_ROWS_AFTER, {"after": last})
        note_key_use(connection, rows)
        return rows


class _Pages:
    """Rows as multi-row `INSERT ... ON CONFLICT (id) DO NOTHING` statements with their parameters."""

    def __init__(self, dialect: Dialect) -> None:
        self._quote = dialect.identifier_preparer.quote
        # The driver's own spelling (the SQL goes to it unchanged): ? on SQLite, $1, $2, ... on asyncpg.
        if dialect.paramstyle not in ("qmark", "numeric_dollar"):
            raise ValueError(f"interaction inserts do not speak the {dialect.paramstyle!r} parameter style")
        self._numbered = dialect.paramstyle == "numeric_dollar"
        # Per column: the type's own bind processor for this dialect (what SQLAlchemy applies to a
        # value; None for most) and the value of a row that does not name it (its default, or NULL).
        self._converters = {
            column.name: column.type.dialect_impl(dialect).bind_processor(dialect) for column in interactions.columns
        }
        self._defaults = {column.name: _scalar_default(column) for column in interactions.columns}
        # The converters that store None as SQL NULL (every one of interactions' today): a None is not passed to
        # them. A row names several columns with None (no tool calls, metadata, policies): calls that changed
        # nothing, 0.6-0.8 µs a row, 11-17 % of the conversion (stop 50, benchmark's chat rows, both databases).
        self._null_for_none = {name for name, convert in self._converters.items() if convert and convert(None) is None}

    async def of(self, rows: Sequence[Mapping[str, Any]]) -> tuple[list[Page], set[tuple[str, str]]]:
        """The pages of `rows` in order, and their (UTC day, app) pairs; a big batch converted off the loop."""
        page, parts = self._parts(rows)
        if len(rows) < _PAGE_ROWS:
            return [page(part) for part in parts], interaction_days(rows)
        return [await asyncio.to_thread(page, part) for part in parts], await asyncio.to_thread(interaction_days, rows)

    def again(self, rows: Sequence[Mapping[str, Any]]) -> list[Page]:
        """The pages of `rows`, converted inside a transaction's sync code, off the loop's thread wherever it runs."""
        if in_greenlet():  # `run_sync` on the loop's thread: a page per trip to a worker, as `of` does
            return await_(self.of(rows))[0]
        page, parts = self._parts(rows)  # on the driver's thread already
        return [page(part) for part in parts]

    def _parts(
        self, rows: Sequence[Mapping[str, Any]]
    ) -> tuple[Callable[[Sequence[Mapping[str, Any]]], Page], list[Sequence[Mapping[str, Any]]]]:
        """What converts one part of `rows`, and the parts: one a page."""
        sizes = _page_sizes(len(rows))
        starts = itertools.accumulate(sizes, initial=0)  # one more than the pages: the total, unused
        parts = [rows[start : start + size] for start, size in zip(starts, sizes, strict=False)]
        return functools.partial(self._page, self._columns(rows)), parts

    def _page(self, names: tuple[str, ...], rows: Sequence[Mapping[str, Any]]) -> Page:
        """One statement for `rows` (at most a page) and its flat parameters, each row's stored_seq to be numbered."""
        converted = [
            (i, convert, name in self._null_for_none)
            for i, name in enumerate(names)
            if (convert := self._converters[name])
        ]
        take = operator.itemgetter(*names)
        values: list[Any] = []
        for row in rows:
            if len(row) == len(names):
                row_values = list(take(row))
            else:
                # As if the row did not name the column: its default, or SQL NULL (not JSON null).
                row_values = [row.get(name, self._defaults[name]) for name in names]
            for i, convert, null_for_none in converted:
                value = row_values[i]
                if value is not None or (not null_for_none and names[i] in row):
                    row_values[i] = convert(value)
            values.extend(row_values)
            values.append(self._choice_positions(row.get("response")))
            values.append(0)
        return Page(self._sql(names, len(rows)), values, len(rows))

    def _choice_positions(self, response: Any) -> Any:
        """The stored value of choice_positions for an answer `response` (SQL NULL for the usual listing)."""
        positions = recorded_positions(response.get("choices")) if isinstance(response, dict) else None
        convert = self._converters[CHOICE_POSITIONS]
        return None if positions is None else convert(positions) if convert else positions

    def _columns(self, rows: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
        # The columns any row names, and those with a default (filled in as SQLAlchemy would).
        named = set().union(*(row.keys() for row in rows))
        unknown = named - self._converters.keys()
        if unknown:
            raise ValueError(f"not columns of interactions: {sorted(unknown)}")
        # stored_seq is the store's to give (see gateway.store.stored_order), and choice_positions its to derive from
        # response: both after every named column, and no row names either.
        derived = sorted(named.intersection(DERIVED_COLUMNS))
        if derived:
            raise ValueError(f"the insert fills {', '.join(derived)} itself: a row does not name it")
        return tuple(
            c.name
            for c in interactions.columns
            if (c.name in named or c.default is not None) and c.name not in DERIVED_COLUMNS
        )

    @functools.lru_cache(maxsize=64)  # noqa: B019 - one instance per engine, few shapes
    def _sql(self, names: tuple[str, ...], rows: int) -> str:
        names = (*names, CHOICE_POSITIONS, STORED_SEQ)
        width = len(names)
        if self._numbered:
            groups = ("(" + ", ".join(f"${row * width + i + 1}" for i in range(width)) + ")" for row in range(rows))
            values = ", ".join(groups)
        else:
            values = ", ".join(["(" + ", ".join("?" * width) + ")"] * rows)
        columns = ", ".join(self._quote(name) for name in names)
        table, key = self._quote(interactions.name), self._quote("id")
        return f"INSERT INTO {table} ({columns}) VALUES {values} ON CONFLICT ({key}) DO NOTHING"


def _page_sizes(count: int) -> list[int]:
    """`count` rows as full pages, then the rest in descending powers of two (100 -> 64, 32, 4)."""
    sizes = [_PAGE_ROWS] * (count // _PAGE_ROWS)
    rest = count % _PAGE_ROWS
    bit = _PAGE_ROWS // 2
    while rest:
        if rest >= bit:
            sizes.append(bit)
            rest -= bit
        bit //= 2
    return sizes


def _scalar_default(column: Column[Any]) -> Any:
    default = column.default
    if default is None:
        return None
    if not default.is_scalar:
        raise ValueError(f"interactions.{column.name} has a default that is not a constant")
    return default.arg  # type: ignore[attr-defined]
