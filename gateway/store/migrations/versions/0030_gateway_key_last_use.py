"""gateway keys' last use: each interaction names the gateway key it came with, and each key when it was last used

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-05

`feedgate keys list` could not say whether a key was still in use. The proxy now hands the writer the
id of the key a call came with (gateway-key mode only); the writer stores it on the interaction and,
in the same transaction as the batch, moves the key's `last_used_at` forward (never back). The proxy
itself writes nothing more. Keys used only before this revision have no recorded use: the app's
interactions cannot say which of its keys, or an import, made them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from gateway.store.types import UtcDateTime

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Plain ALTER TABLE, not a batch: on SQLite a batch rebuilds the table, which the search index's and
    # the daily stats' triggers name (revision 0006 added `policies` so too).
    op.add_column("interactions", sa.Column("gateway_key_id", sa.String(length=36), nullable=True))
    op.add_column("gateway_keys", sa.Column("last_used_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    op.drop_column("gateway_keys", "last_used_at")
    op.drop_column("interactions", "gateway_key_id")
