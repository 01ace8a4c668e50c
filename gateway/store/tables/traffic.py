"""What the proxy and the feedback endpoint store: interactions, gateway keys, secrets, feedback."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Float, Index, Integer, String, Table, Text, UniqueConstraint

from gateway.store.types import UtcDateTime
from gateway.store.tables.base import JSONDocument, metadata

interactions = Table(
    "interactions",
    metadata,
    # UUIDv7 text: sorts by creation time, so it doubles as the paging cursor.
    Column("id", String(36), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("app", String(200), nullable=False),
    Column("endpoint", String(100), nullable=False),
    Column("upstream", String(100), nullable=False),
    Column("model", String(200)),
    Column("stream", Boolean, nullable=False, default=False),
    Column("request", JSONDocument),
    Column("response", JSONDocument),
    Column("response_text", Text),
    Column("tool_calls", JSONDocument),
    Column("finish_reason", String(50)),
    Column("upstream_response_id", String(200)),
    Column("status_code", Integer),
    Column("error", Text),
    Column("partial", Boolean, nullable=False, default=False),
    Column("prompt_tokens", Integer),
    Column("completion_tokens", Integer),
    Column("total_tokens", Integer),
    Column("latency_ms", Float),
    Column("ttfb_ms", Float),
    Column("end_user", String(200)),
    Column("metadata", JSONDocument),
    # What request policies (fixes, the confidence gate) did to the call: [{"policy", "action", ...}].
    Column("policies", JSONDocument),
    Index(None, "upstream_response_id"),
    Index(None, "app", "created_at"),
    Index(None, "created_at"),
    # Newest-first listings of one app or one model (the admin interactions page).
    Index(None, "app", "id"),
    Index(None, "model", "id"),
)

gateway_keys = Table(
    "gateway_keys",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("app", String(200), nullable=False),
    # sha256 of the key: the raw key is shown once at creation and never stored.
    Column("key_hash", String(64), nullable=False, unique=True),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("revoked_at", UtcDateTime()),
)

# Small values the gateway generates once and must keep (signing secrets, salts).
gateway_secrets = Table(
    "gateway_secrets",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("value", Text, nullable=False),
)

# One row per feedback submission, never updated: the audit trail. A user's
# current feedback on an interaction is their newest row.
feedback = Table(
    "feedback",
    metadata,
    # UUIDv7 text: sorts by creation time, so it doubles as the paging cursor.
    Column("id", String(36), primary_key=True),
    Column("interaction_id", String(36), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    # Denormalised from the interaction so listings filter without a join.
    Column("app", String(200), nullable=False),
    Column("user_id", String(200)),
    Column("thumbs", String(4)),
    Column("rating", Integer),
    Column("correction", Text),
    Column("comment", Text),
    Column("negative", Boolean, nullable=False),
    Column("metadata", JSONDocument),
    Column("idempotency_key", String(200)),
    # "app" (the app's own credential) or "token" (an end user's feedback token).
    Column("submitted_via", String(10), nullable=False),
    # From the end of the answer to this submission, for time-to-feedback insights.
    Column("seconds_after_answer", Float),
    Index(None, "interaction_id"),
    Index(None, "created_at"),
    Index(None, "app", "created_at"),
    # Scoped to the interaction so one client's key can never return another interaction's feedback.
    UniqueConstraint("interaction_id", "idempotency_key"),
)
