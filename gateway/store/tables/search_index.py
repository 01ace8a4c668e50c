"""The interaction text search index: built by raw SQL in migration 0020, so not declared as tables.

SQLite keeps it in an FTS5 virtual table (with shadow tables of its own) fed through a view: by
each batch insert (gateway/store/interaction_inserts.py, since migration 0022) and by triggers on
deleted and updated `interactions` rows; PostgreSQL in a generated tsvector column with a GIN index. None of
these can be spelled as portable SQLAlchemy tables, so schema comparison (Alembic autogenerate,
tests/test_migrations.py) is told to leave them out instead of proposing to drop them.

A later migration that rebuilds `interactions` on SQLite (batch_alter_table recreating the table)
drops its triggers and renumbers its rowids: it must recreate the triggers and refill the index
(delete from `interaction_search`, then insert from the view, as 0020 does).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from alembic.runtime.environment import NameFilterParentNames

# The FTS5 table (SQLite); its shadow tables are named after it with a suffix.
SQLITE_SEARCH_TABLE = "interaction_search"
# The view that extracts each interaction's searchable text (SQLite).
SQLITE_SEARCH_VIEW = "interaction_search_text"
# The generated tsvector column on `interactions` and its GIN index (PostgreSQL).
POSTGRES_SEARCH_COLUMN = "search_vector"
POSTGRES_SEARCH_INDEX = "ix_interactions_search_vector"
# The text search configuration both the column and the queries use (PostgreSQL).
POSTGRES_SEARCH_CONFIG = "feedgate_search"
_SQLITE_TABLES = frozenset(
    {SQLITE_SEARCH_VIEW, SQLITE_SEARCH_TABLE}
    | {f"{SQLITE_SEARCH_TABLE}_{shadow}" for shadow in ("data", "idx", "docsize", "config", "content")}
)


def include_in_schema_comparison(name: str | None, type_: str, parent_names: NameFilterParentNames) -> bool:
    """Alembic's include_name hook: every reflected object except those of the search index."""
    return name is None or not _is_search_index(name, type_, parent_names)


def _is_search_index(name: str, type_: str, parent_names: NameFilterParentNames) -> bool:
    if type_ == "table":
        return name in _SQLITE_TABLES
    if type_ == "column":
        return name == POSTGRES_SEARCH_COLUMN and parent_names.get("table_name") == "interactions"
    if type_ == "index":
        return name == POSTGRES_SEARCH_INDEX
    return False
