"""inserted interactions are indexed for search and mark their days stale from the stores, not row triggers

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-02

SQLite runs a trigger once per row. Its two insert triggers on `interactions` (0016's stale day
mark, 0020's search index) cost about half the CPU the proxy's background writer spent storing a
row: the first insert trigger on a table costs ~15-20 µs per row whatever it does, and the search
index, fed row by row, made FTS5 write a segment per row. The stores that insert interactions now
do both once per batch, in the insert's transaction (gateway/store/interaction_inserts.py).
PostgreSQL's insert trigger (per statement) goes too, so that the marks have one source on both
databases; its function stays, as the delete trigger runs it. The triggers on deleted and updated
interactions and on feedback stay as they were.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

STALE_DAY_TRIGGER = "daily_stats_interaction_inserted"
SEARCH_TRIGGER = "interaction_search_after_insert"  # SQLite only


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"DROP TRIGGER IF EXISTS {STALE_DAY_TRIGGER} ON interactions")
    else:
        op.execute(f"DROP TRIGGER IF EXISTS {STALE_DAY_TRIGGER}")
        op.execute(f"DROP TRIGGER IF EXISTS {SEARCH_TRIGGER}")


def downgrade() -> None:
    # The statements 0016 and 0020 ran, from their own modules, so the triggers come back exactly as
    # they were made. Rows inserted meanwhile are indexed and marked already (by the stores).
    daily_stats = _revision("0016_daily_stats.py")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(_creating(STALE_DAY_TRIGGER, daily_stats.POSTGRES_TRIGGERS))
    else:
        op.execute(_creating(STALE_DAY_TRIGGER, daily_stats.SQLITE_TRIGGERS))
        op.execute(_creating(SEARCH_TRIGGER, _revision("0020_interaction_text_search.py").SQLITE_UPGRADE))


def _revision(file_name: str) -> ModuleType:
    """An earlier migration's module, loaded from its file as Alembic loads it (its name is no identifier)."""
    path = Path(__file__).with_name(file_name)
    spec = importlib.util.spec_from_file_location(f"feedgate_migration_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load migration {file_name} from {path}")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _creating(trigger: str, statements: tuple[str, ...]) -> str:
    """The one statement of `statements` that creates `trigger`."""
    [statement] = [text for text in statements if f"CREATE TRIGGER {trigger} " in text]
    return statement
