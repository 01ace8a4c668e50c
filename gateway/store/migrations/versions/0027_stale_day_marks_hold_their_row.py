"""a write's stale-day mark holds the marker row until the write commits, on PostgreSQL

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-04

Migration 0016's trigger functions skipped a (day, app) marker already there (ON CONFLICT DO
NOTHING), which takes no lock: a refresh of the daily roll-ups could claim that marker, recount the
day without a feedback event or a deletion not yet committed, and clear it, so the write stayed out
of the roll-up until the day changed again (late feedback on a past day: for good). The functions
now touch a marker already there (ON CONFLICT DO UPDATE), which holds its row lock until the write
commits; the refresh locks the markers it claims first and so waits for such a write, then counts
it (gateway.store.daily_stats). SQLite needs no change: it has one writer at a time.
"""

from __future__ import annotations

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None

_FUNCTIONS = {
    "daily_stats_mark_interactions": """
        INSERT INTO daily_stats_stale (day, app)
        SELECT DISTINCT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, app FROM changed
        ORDER BY day, app
        ON CONFLICT {conflict};
    """,
    "daily_stats_mark_feedback": """
        INSERT INTO daily_stats_stale (day, app)
        SELECT DISTINCT to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, i.app
        FROM changed JOIN interactions i ON i.id = changed.interaction_id
        ORDER BY day, app
        ON CONFLICT {conflict};
    """,
}
TOUCH = "(day, app) DO UPDATE SET day = EXCLUDED.day"
SKIP = "DO NOTHING"


def _replace_functions(conflict: str) -> None:
    for name, body in _FUNCTIONS.items():
        op.execute(
            f"CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
            f"    BEGIN{body.format(conflict=conflict)}        RETURN NULL;\n    END $$"
        )


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _replace_functions(TOUCH)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        _replace_functions(SKIP)
