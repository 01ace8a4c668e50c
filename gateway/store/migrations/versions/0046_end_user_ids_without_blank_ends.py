"""end-user ids stored with blank ends lose them: interactions.end_user and feedback.user_id, as end_user_id reads them

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-07

End-user ids lose their blank ends wherever they come in (gateway.recording.identifiers.end_user_id), so " user-8 "
and "user-8" are one user; rows stored before kept the ends. Erasing "user-8" looks up "user-8" by index and missed
them (an erasure given " user-8 " looks up both forms, but "user-8" cannot find the other without reading every row).
Here every stored id with a blank end gets what end_user_id makes of it today: the one blank rule
(gateway.domain.blank_text), which is neither SQLite's trim() (spaces alone) nor str.strip (which keeps U+200B).

Two tables name an end user: `interactions.end_user` and `feedback.user_id` (erasure reaches every other row through
these: gateway.store.erasure; feedback-token counters and rate limits are keyed by token, address or app, erased
users by a keyed hash, which is left as it is: see docs/privacy.md). No unique constraint holds either column, so two
forms of one user merge with nothing lost or doubled; on an interaction both forms voted on, the later event is now
the user's current one (one voter where there were two), so the days of the changed feedback's interactions are
marked stale for the daily roll-ups' refresher, as revision 0045 does.

Left alone: an id of blank characters only (end_user_id reads it as nobody; an erasure refuses it), and an id fitted
to its column with a blank start (fitted_identifier: its start and a hash of the id *with* its ends, which is not
kept, so the id the proxy now stores for that user cannot be worked out; trimmed, it would name nobody).

Cheap on big tables: one read per table keeps the distinct ids whose first or last character is in the blank list
(no row sent to Python otherwise; PostgreSQL may read the column's index alone), then one UPDATE per such id by the
column's index. Nothing is locked but the rows rewritten (writers carry on; readers never wait).
"""

from __future__ import annotations

import string

import sqlalchemy as sa
from alembic import op

from gateway.domain.blank_text import BLANK_CHARACTERS, says_nothing
from gateway.recording.identifiers import IDENTIFIER_CHARS, end_user_id
from gateway.store.chunks import chunks

revision = "0046"
down_revision = "0045"
branch_labels = None
depends_on = None

_interactions = sa.table(
    "interactions",
    sa.column("id", sa.String()),
    sa.column("app", sa.String()),
    sa.column("end_user", sa.String()),
)
_feedback = sa.table("feedback", sa.column("interaction_id", sa.String()), sa.column("user_id", sa.String()))
# The UTC day of an interaction, as the daily roll-ups and their triggers name it (revision 0016).
_DAY = {
    "sqlite": "strftime('%Y-%m-%d', interactions.created_at)",
    "postgresql": "to_char(interactions.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
}
_MARK_STALE = sa.text(
    "INSERT INTO daily_stats_stale (day, app) SELECT CAST(:day AS VARCHAR(10)), CAST(:app AS VARCHAR(200)) WHERE NOT EXISTS "
    "(SELECT 1 FROM daily_stats_stale WHERE day = :day AND app = :app)"
)
# fitted_identifier's hash: "~" and 16 hex digits ending an id of the column's width.
_DIGEST_CHARS = 16


def upgrade() -> None:
    connection = op.get_bind()
    _trim(connection, _interactions, _interactions.c.end_user)
    old_ids = _trim(connection, _feedback, _feedback.c.user_id)
    for day, app in sorted(_days_rated_by(connection, old_ids)):
        connection.execute(_MARK_STALE, {"day": day, "app": app})


def downgrade() -> None:
    # Nothing to undo: the ends said nothing, and the revisions before read an id without them as the same user.
    pass


def _trim(connection: sa.Connection, table: sa.TableClause, column: sa.ColumnClause[str]) -> list[str]:
    """Rewrite every id of `column` with a blank end as end_user_id reads it; the ids rewritten, as they were."""
    blanks = list(BLANK_CHARACTERS)
    with_blank_ends = (
        sa.select(column)
        .where(
            column.is_not(None),
            sa.or_(
                sa.func.substr(column, 1, 1).in_(blanks), sa.func.substr(column, sa.func.length(column), 1).in_(blanks)
            ),
        )
        .distinct()
    )
    changes = [
        {"old": old, "new": new}
        for old in connection.execute(with_blank_ends).scalars()
        if (new := _trimmed(old)) is not None and new != old
    ]
    if changes:
        connection.execute(
            sa.update(table).where(column == sa.bindparam("old")).values({column.name: sa.bindparam("new")}), changes
        )
    return [change["old"] for change in changes]


def _trimmed(stored: str) -> str | None:
    """The id end_user_id would store for `stored`; None when it must stay as it is (blank, or fitted)."""
    if says_nothing(stored) or _fitted(stored):
        return None
    return end_user_id(stored)


def _fitted(stored: str) -> bool:
    """Whether `stored` is an id fitted_identifier cut (its start, "~", a hash of the whole)."""
    digest = stored[-_DIGEST_CHARS:]
    return (
        len(stored) == IDENTIFIER_CHARS
        and stored[-_DIGEST_CHARS - 1] == "~"
        and all(character in string.hexdigits for character in digest)
    )


def _days_rated_by(connection: sa.Connection, old_ids: list[str]) -> set[tuple[str, str]]:
    """The (day, app) of every interaction feedback named by one of `old_ids` is on: their counts may change."""
    day: sa.ColumnElement[str] = sa.literal_column(_DAY[connection.dialect.name])
    days: set[tuple[str, str]] = set()
    # Rewritten already: the feedback names them by the ids they were given.
    new_ids = sorted({new for old in old_ids if (new := _trimmed(old)) is not None})
    for chunk in chunks(new_ids):
        query = (
            sa.select(day, _interactions.c.app)
            .select_from(_feedback.join(_interactions, _interactions.c.id == _feedback.c.interaction_id))
            .where(_feedback.c.user_id.in_(chunk))
            .distinct()
        )
        days.update((row[0], row[1]) for row in connection.execute(query))
    return days
