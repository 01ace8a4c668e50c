"""The admin page's own data: users, sessions, sign-in attempts, goals."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, Integer, String, Table, Text

from gateway.store.tables.base import metadata
from gateway.store.types import UtcDateTime

# People who sign in to the admin pages. See gateway.accounts.
admin_users = Table(
    "admin_users",
    metadata,
    # UUIDv7 text.
    Column("id", String(36), primary_key=True),
    # What the person types to sign in and what the audit log names them by.
    Column("name", String(100), nullable=False, unique=True),
    # The name case-folded (gateway.review.people.person_key; "ß" folds to "ss", so up to three characters
    # each): unique, so names differing only in case are one user's even when two are created at once.
    # NULL only for a user the migration found sharing it with an older user (revision 0032): the older
    # one keeps the key, so a new name in that case is still refused.
    Column("name_key", String(300), unique=True),
    # admin / reviewer / viewer.
    Column("role", String(20), nullable=False),
    # An argon2id hash in PHC string form ($argon2id$v=19$m=...,t=...,p=...$salt$hash).
    Column("password_hash", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # Set while the user may not sign in; their sessions end when it is set.
    Column("disabled_at", UtcDateTime()),
    Column("last_sign_in_at", UtcDateTime()),
)

# Signed-in browsers. The cookie holds a random id; only its SHA-256 is stored, so a copy of
# the database does not let anyone sign in.
admin_sessions = Table(
    "admin_sessions",
    metadata,
    Column("id_hash", String(64), primary_key=True),
    Column("user_id", String(36), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # A session ends at `expires_at`, or earlier when unused for the idle timeout (see last_seen_at).
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("last_seen_at", UtcDateTime(), nullable=False),
    Column("address", String(100)),
    Index(None, "user_id"),
    Index(None, "expires_at"),
)

# Sign-in attempts of the last few minutes, counted to rate-limit guessing per user and per address.
admin_sign_in_attempts = Table(
    "admin_sign_in_attempts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # The name as typed (also names that match no user: guessing them is limited too).
    Column("user_name", String(100), nullable=False),
    Column("address", String(100), nullable=False),
    Column("succeeded", Boolean, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index(None, "user_name", "created_at"),
    Index(None, "address", "created_at"),
    Index(None, "created_at"),
)


# A goal an app's team set on the overview page, with the baseline captured when it was set.
# See gateway.domain.goals for the kinds and how their progress is computed.
app_goals = Table(
    "app_goals",
    metadata,
    # UUIDv7 text: sorts by creation time.
    Column("id", String(36), primary_key=True),
    Column("app", String(200), nullable=False),
    # negative_rate_reduction / tasks_reviewed_within.
    Column("kind", String(40), nullable=False),
    # The relative reduction (0.3 for 30 %) or the share of tasks (0.95 for 95 %).
    Column("target", Float, nullable=False),
    # For tasks_reviewed_within: the hours a task may take.
    Column("hours", Integer),
    # For negative_rate_reduction: the app's negative rate when the goal was set, and by when.
    Column("baseline", Float),
    Column("due_at", UtcDateTime()),
    Column("created_by", String(200), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Index(None, "app"),
)
