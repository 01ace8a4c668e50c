"""daily roll-ups of traffic and feedback, kept current by triggers

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from gateway.store.types import UtcDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

# Every insert or delete of an interaction or a feedback event marks its interaction's (UTC day,
# app) stale, whatever process or tool made it (the writer, a spool replay, an import, pruning,
# erasure). Triggers rather than calls in Python, so no path can forget to. Revision 0022 drops the
# trigger on inserted interactions (SQLite runs it once per row): the stores that insert
# interactions mark each batch's days instead.
SQLITE_TRIGGERS = (
    """
    CREATE TRIGGER daily_stats_interaction_inserted AFTER INSERT ON interactions BEGIN
        INSERT OR IGNORE INTO daily_stats_stale (day, app)
        VALUES (strftime('%Y-%m-%d', NEW.created_at), NEW.app);
    END
    """,
    """
    CREATE TRIGGER daily_stats_interaction_deleted AFTER DELETE ON interactions BEGIN
        INSERT OR IGNORE INTO daily_stats_stale (day, app)
        VALUES (strftime('%Y-%m-%d', OLD.created_at), OLD.app);
    END
    """,
    """
    CREATE TRIGGER daily_stats_feedback_inserted AFTER INSERT ON feedback BEGIN
        INSERT OR IGNORE INTO daily_stats_stale (day, app)
        SELECT strftime('%Y-%m-%d', created_at), app FROM interactions WHERE id = NEW.interaction_id;
    END
    """,
    """
    CREATE TRIGGER daily_stats_feedback_deleted AFTER DELETE ON feedback BEGIN
        INSERT OR IGNORE INTO daily_stats_stale (day, app)
        SELECT strftime('%Y-%m-%d', created_at), app FROM interactions WHERE id = OLD.interaction_id;
    END
    """,
)

# On PostgreSQL, one statement-level trigger per batch (transition tables), not one per row; the
# ORDER BY takes the marker rows' locks in one order, so two writers never deadlock on them.
POSTGRES_FUNCTIONS = (
    """
    CREATE FUNCTION daily_stats_mark_interactions() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO daily_stats_stale (day, app)
        SELECT DISTINCT to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, app FROM changed
        ORDER BY day, app
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$
    """,
    """
    CREATE FUNCTION daily_stats_mark_feedback() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        INSERT INTO daily_stats_stale (day, app)
        SELECT DISTINCT to_char(i.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, i.app
        FROM changed JOIN interactions i ON i.id = changed.interaction_id
        ORDER BY day, app
        ON CONFLICT DO NOTHING;
        RETURN NULL;
    END $$
    """,
)
POSTGRES_TRIGGERS = (
    "CREATE TRIGGER daily_stats_interaction_inserted AFTER INSERT ON interactions REFERENCING NEW TABLE AS changed"
    " FOR EACH STATEMENT EXECUTE FUNCTION daily_stats_mark_interactions()",
    "CREATE TRIGGER daily_stats_interaction_deleted AFTER DELETE ON interactions REFERENCING OLD TABLE AS changed"
    " FOR EACH STATEMENT EXECUTE FUNCTION daily_stats_mark_interactions()",
    "CREATE TRIGGER daily_stats_feedback_inserted AFTER INSERT ON feedback REFERENCING NEW TABLE AS changed"
    " FOR EACH STATEMENT EXECUTE FUNCTION daily_stats_mark_feedback()",
    "CREATE TRIGGER daily_stats_feedback_deleted AFTER DELETE ON feedback REFERENCING OLD TABLE AS changed"
    " FOR EACH STATEMENT EXECUTE FUNCTION daily_stats_mark_feedback()",
)
TRIGGER_NAMES = (
    ("daily_stats_interaction_inserted", "interactions"),
    ("daily_stats_interaction_deleted", "interactions"),
    ("daily_stats_feedback_inserted", "feedback"),
    ("daily_stats_feedback_deleted", "feedback"),
)


def upgrade() -> None:
    op.create_table(
        "daily_stats",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("app", sa.String(length=200), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("interactions", sa.Integer(), nullable=False),
        sa.Column("answers", sa.Integer(), nullable=False),
        sa.Column("feedback", sa.Integer(), nullable=False),
        sa.Column("interactions_with_feedback", sa.Integer(), nullable=False),
        sa.Column("negative", sa.Integer(), nullable=False),
        sa.Column("positive", sa.Integer(), nullable=False),
        sa.Column("rating_sum", sa.Integer(), nullable=False),
        sa.Column("rating_count", sa.Integer(), nullable=False),
        sa.Column("corrections", sa.Integer(), nullable=False),
        sa.Column(
            "delays", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("refreshed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("day", "app", "model", name=op.f("pk_daily_stats")),
    )
    op.create_table(
        "daily_stats_stale",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("app", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("day", "app", name=op.f("pk_daily_stats_stale")),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in (*POSTGRES_FUNCTIONS, *POSTGRES_TRIGGERS):
            op.execute(statement)
        day = "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')"
    else:
        for statement in SQLITE_TRIGGERS:
            op.execute(statement)
        day = "strftime('%Y-%m-%d', created_at)"
    # Every day that already has traffic starts stale: the first read or refresh builds its rows.
    op.execute(f"INSERT INTO daily_stats_stale (day, app) SELECT DISTINCT {day}, app FROM interactions")


def downgrade() -> None:
    for name, table in TRIGGER_NAMES:
        op.execute(
            f"DROP TRIGGER IF EXISTS {name}" + (f" ON {table}" if op.get_bind().dialect.name == "postgresql" else "")
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS daily_stats_mark_interactions()")
        op.execute("DROP FUNCTION IF EXISTS daily_stats_mark_feedback()")
    op.drop_table("daily_stats_stale")
    op.drop_table("daily_stats")
