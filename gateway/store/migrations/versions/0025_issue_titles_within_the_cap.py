"""issue titles stored before the 200-character cap are cut to it

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03

Since stop 24 every issue title is at most 200 characters, whoever gives it (clustering's
`capped_title`, a rename's limit), and triage sends the title it showed back as `expected_title`,
refused past 200. A title stored before the cap (an LLM's, a long keyword title) made every triage
form of its issue a 400 until the next full clustering pass cut it. This cuts them now, as
`capped_title` does: runs of spaces folded, then the first 199 characters (trailing spaces
dropped) and "…". Frozen here as it was at this revision, so a later change of the rule does not
rewrite history. Not undone by the downgrade: the cut text is gone.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

_CAP = 200
_issues = sa.table("issues", sa.column("id", sa.String), sa.column("title", sa.Text))


def _capped(title: str) -> str:
    folded = " ".join(title.split())
    return folded if len(folded) <= _CAP else folded[: _CAP - 1].rstrip() + "…"


def upgrade() -> None:
    connection = op.get_bind()
    long_titles = connection.execute(
        sa.select(_issues.c.id, _issues.c.title).where(sa.func.length(_issues.c.title) > _CAP)
    )
    for issue_id, title in long_titles.all():
        connection.execute(sa.update(_issues).where(_issues.c.id == issue_id).values(title=_capped(title)))


def downgrade() -> None:
    pass
