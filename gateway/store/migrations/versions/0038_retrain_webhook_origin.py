"""retrain triggers keep the webhook's origin alone: its path and query, often its secret, are cut from every row

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-05

Each retrain trigger recorded the webhook's whole URL, and a webhook's path is often its secret
(`https://hooks.slack.com/services/…`): anyone who could read the database, or a backup or export of
it, could post to the receiver. The column becomes `webhook_origin`, the URL's scheme and host alone
(gateway.url_text.url_origin); each existing row is rewritten to it here. Downgraded, the column
holds the origins: the cut paths are not brought back.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.url_text import url_origin

revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

_triggers = sa.table("retrain_triggers", sa.column("id", sa.String()), sa.column("webhook_url", sa.Text()))


def upgrade() -> None:
    connection = op.get_bind()
    c = _triggers.c
    for row in connection.execute(sa.select(c.id, c.webhook_url)).all():
        connection.execute(sa.update(_triggers).where(c.id == row.id).values(webhook_url=url_origin(row.webhook_url)))
    with op.batch_alter_table("retrain_triggers", schema=None) as batch_op:
        batch_op.alter_column(
            "webhook_url", new_column_name="webhook_origin", existing_type=sa.Text(), existing_nullable=False
        )


def downgrade() -> None:
    with op.batch_alter_table("retrain_triggers", schema=None) as batch_op:
        batch_op.alter_column(
            "webhook_origin", new_column_name="webhook_url", existing_type=sa.Text(), existing_nullable=False
        )
