"""Inserts that skip rows already stored, in the spelling of each database."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.dml import Insert

# ON CONFLICT is not standard SQL: each database that has it gets its own statement class.
_INSERTS: dict[str, Callable[[Table], Any]] = {"postgresql": postgresql.insert, "sqlite": sqlite.insert}


def conflict_insert(dialect: Dialect, table: Table) -> Any:
    """An INSERT into `table` in the database's own spelling, which has ON CONFLICT (do nothing, or update)."""
    build = _INSERTS.get(dialect.name)
    if build is None:
        raise ValueError(f"no ON CONFLICT insert for the {dialect.name!r} database")
    return build(table)


def insert_skipping_duplicates(dialect: Dialect, table: Table, conflict_columns: Sequence[str] = ()) -> Insert:
    """An INSERT into `table` with ON CONFLICT DO NOTHING, for PostgreSQL or SQLite.

    `conflict_columns` names the unique index whose duplicates are skipped; empty skips a
    duplicate of any unique constraint.
    """
    statement: Insert = conflict_insert(dialect, table).on_conflict_do_nothing(
        index_elements=list(conflict_columns) or None
    )
    return statement
