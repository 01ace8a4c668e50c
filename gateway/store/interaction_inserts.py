"""What every insert of interaction rows does in its transaction: index them for search, mark their days stale.

Both used to be row triggers on `interactions` (migrations 0016 and 0020). On SQLite a trigger runs
once per row, and the first insert trigger on a table costs ~15-20 µs per row whatever it does;
the search index's, run row by row, also made FTS5 write a segment per row. Measured in plain
sqlite3 on the real schema, batches of 500: 58-70 µs of CPU per stored row with both triggers,
31-43 µs with the index filled by one INSERT ... SELECT per batch and the days marked from Python.
Migration 0022 dropped the two insert triggers; the triggers on deletes and updates stay (pruning,
erasure and redaction change rows one statement at a time, and rarely). The two stores that insert
interactions (InteractionStore.insert_many, ImportStore.insert_batch) go through here, and so must
any other code that inserts them. PostgreSQL keeps its search column by itself (a generated column).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert

from gateway.store.daily_stats import mark_interaction_days_stale
from gateway.store.tables.search_index import SQLITE_SEARCH_TABLE, SQLITE_SEARCH_VIEW

_LAST_ROWID = text("SELECT coalesce(max(rowid), 0) FROM interactions")
_INDEX_ROWS_AFTER = text(
    f"INSERT INTO {SQLITE_SEARCH_TABLE} (rowid, user_text, answer_text)"
    f" SELECT interaction_rowid, user_text, answer_text FROM {SQLITE_SEARCH_VIEW} WHERE interaction_rowid > :after"
)


async def insert_interaction_rows(
    connection: AsyncConnection, statement: Insert, rows: Sequence[Mapping[str, Any]]
) -> None:
    """Insert `rows` with `statement` (which may skip duplicates), then index and mark what is new, in `connection`'s transaction."""
    # Marking first: on SQLite this first write takes the database's write lock, so no other
    # writer can add rows between reading the last rowid and inserting ours. Ours then get the
    # rowids after it (SQLite numbers new rows from the largest), and a skipped duplicate keeps
    # its old, already indexed rowid.
    await mark_interaction_days_stale(connection, rows)
    if connection.dialect.name != "sqlite":
        await connection.execute(statement, list(rows))
        return
    last = (await connection.execute(_LAST_ROWID)).scalar_one()
    await connection.execute(statement, list(rows))
    await connection.execute(_INDEX_ROWS_AFTER, {"after": last})
