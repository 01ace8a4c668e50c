"""feedback whose correction says nothing holds no correction, and is negative only by its other signals

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-22

Feedback intake once kept a correction unless `str.strip` left nothing of it, and `str.strip` keeps zero-width spaces
and the like: a correction of only U+200B (or of other characters the one blank rule, gateway.domain.blank_text,
finds blank) was stored as a correction, and made its feedback negative, though it says nothing. Intake now keeps no
such correction (gateway.feedback.submission). Here the rows stored before get what intake would store today: no
correction, and `negative` by intake's own rule (counts_as_negative) over the row's thumbs and rating.

A correction redaction took all of ("[redacted:email]") is left as it is, negative: the end user did say the answer
was wrong by writing one; redaction hides what they wrote, not that they disagreed (readers that want a right answer,
the export and the suggested actions, already take it as none).

One pass over `feedback`: no index holds corrections, but the database keeps only the rows whose correction begins
with a blank character (a text that says nothing does, and intake never kept an empty one) and is blank by the SQL
mirror of the rule (gateway.store.choice_sql.not_blank); a few rows, checked again by the Python rule and written one
by one. Daily roll-ups count `negative` and corrections: the days of the changed rows' interactions are marked stale,
and the stats refresher recounts them from the raw rows (an UPDATE fires none of the insert/delete triggers that
mark them otherwise). Everything else reads `negative` from the rows as it asks (the clustering pass's complaints,
whose next pass withdraws those no longer negative from their issues; calibration; the listings).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

from gateway.domain.blank_text import BLANK_CHARACTERS, says_nothing
from gateway.feedback.submission import counts_as_negative
from gateway.store.choice_sql import not_blank

revision = "0045"
down_revision = "0044"
branch_labels = None
depends_on = None

_feedback = sa.table(
    "feedback",
    sa.column("id", sa.String()),
    sa.column("interaction_id", sa.String()),
    sa.column("thumbs", sa.String()),
    sa.column("rating", sa.Integer()),
    sa.column("correction", sa.Text()),
    sa.column("negative", sa.Boolean()),
)
_interactions = sa.table("interactions", sa.column("id", sa.String()), sa.column("app", sa.String()))
# The UTC day of an interaction, as the daily roll-ups and their triggers name it (revision 0016).
_DAY = {
    "sqlite": "strftime('%Y-%m-%d', interactions.created_at)",
    "postgresql": "to_char(interactions.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
}
_MARK_STALE = sa.text(
    "INSERT INTO daily_stats_stale (day, app) SELECT CAST(:day AS VARCHAR(10)), CAST(:app AS VARCHAR(200)) WHERE NOT EXISTS "
    "(SELECT 1 FROM daily_stats_stale WHERE day = :day AND app = :app)"
)


def upgrade() -> None:
    connection = op.get_bind()
    f = _feedback.c
    day: sa.ColumnElement[str] = sa.literal_column(_DAY[connection.dialect.name])
    candidates = (
        sa.select(f.id, f.thumbs, f.rating, f.correction, day.label("day"), _interactions.c.app)
        .select_from(_feedback.outerjoin(_interactions, _interactions.c.id == f.interaction_id))
        .where(
            f.correction.is_not(None),
            # Cheap first: one character against the list, before the trim of the whole text.
            sa.func.substr(f.correction, 1, 1).in_(list(BLANK_CHARACTERS)),
            sa.not_(not_blank(f.correction)),
        )
    )
    fixed: list[dict[str, Any]] = []
    days: set[tuple[str, str]] = set()
    for row in connection.execute(candidates):
        if not says_nothing(row.correction):
            continue
        fixed.append({"row_id": row.id, "negative": counts_as_negative(row.thumbs, row.rating, None)})
        if row.day is not None:
            days.add((row.day, row.app))
    if fixed:
        connection.execute(
            sa.update(_feedback)
            .where(f.id == sa.bindparam("row_id"))
            .values(correction=None, negative=sa.bindparam("negative")),
            fixed,
        )
    for day_text, app in sorted(days):
        connection.execute(_MARK_STALE, {"day": day_text, "app": app})


def downgrade() -> None:
    # Nothing to undo: the blank texts said nothing, and the revisions before read no correction as no correction too.
    pass
