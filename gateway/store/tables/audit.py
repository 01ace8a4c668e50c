"""The hash-chained audit log and its chain head."""

from __future__ import annotations

from sqlalchemy import JSON, Column, Index, Integer, String, Table

from gateway.store.tables.base import metadata
from gateway.store.types import UtcDateTime

# Append-only and hash-chained (see gateway.audit): each row's hash covers its other columns
# and the previous row's hash, so an edited, deleted or moved row is detectable.
audit_log = Table(
    "audit_log",
    metadata,
    # The chain order: 1, 2, 3… with no gaps, assigned under the chain head's lock.
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("id", String(36), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    # A user name, "admin-token" or "rule:<name>".
    Column("actor", String(200), nullable=False),
    # Dotted: "issue.status", "review.decision", "kb.edit"… (gateway.audit.names lists them all)
    Column("action", String(100), nullable=False),
    Column("subject_type", String(50), nullable=False),
    Column("subject_id", String(200), nullable=False),
    Column("app", String(200)),
    # Plain JSON, not JSONB: JSONB rewrites numbers (1e100 reads back as an integer, -0.0 as
    # 0.0), which would break the hash.
    Column("before", JSON),
    Column("after", JSON),
    Column("detail", JSON),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Index(None, "actor", "seq"),
    Index(None, "action", "seq"),
    Index(None, "subject_type", "subject_id", "seq"),
    Index(None, "app", "seq"),
    Index(None, "created_at"),
)

# The newest audit record's seq and hash, in one row. Every append updates it in the same
# transaction, which serializes appends across processes (a row lock on PostgreSQL, the write
# lock on SQLite) so the chain never forks; verification compares the newest record with it.
audit_chain_head = Table(
    "audit_chain_head",
    metadata,
    Column("name", String(20), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
)
