"""every day with a stored roll-up is marked stale: it is recounted under the latest-given feedback rule

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03

A voter's current feedback used to be the one stored last; it is now the one given last
(created_at, then id: gateway.store.current_feedback). Imports may store an older event after a
newer one, so the daily roll-ups built before could count the wrong vote. Marking every day that
has a roll-up stale has the stats refresher recount each once, from the raw rows.
"""

from __future__ import annotations

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        "INSERT INTO daily_stats_stale (day, app) "
        "SELECT DISTINCT day, app FROM daily_stats AS built "
        "WHERE NOT EXISTS (SELECT 1 FROM daily_stats_stale AS stale WHERE stale.day = built.day AND stale.app = built.app)"
    )


def downgrade() -> None:
    # Nothing to undo: a stale mark only asks for a recount, which gives the same rows again.
    pass
