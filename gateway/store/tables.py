"""SQLAlchemy table definitions: the schema Alembic migrations build."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Date,
    Float,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from sqlalchemy.dialects.postgresql import JSONB

from gateway.store.types import UtcDateTime

# JSONB on PostgreSQL so documents can be queried and indexed; plain JSON text elsewhere.
JSONDocument = JSON().with_variant(JSONB(), "postgresql")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

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

# -- issue discovery -------------------------------------------------------------------

# Vectors keyed by the text's sha256 and the embedding model, so re-runs embed only new text.
embeddings = Table(
    "embeddings",
    metadata,
    Column("content_hash", String(64), primary_key=True),
    Column("model", String(200), primary_key=True),
    # float32 little-endian bytes (numpy tobytes): 1.5 KB for 384 dims, no JSON parsing.
    Column("vector", LargeBinary, nullable=False),
    Column("dims", Integer, nullable=False),
)

# A recurring problem found by clustering negative feedback; its id survives re-runs.
issues = Table(
    "issues",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("app", String(200), nullable=False),
    Column("title", Text, nullable=False),
    Column("summary", Text),
    Column("keywords", JSONDocument),
    # An IssueStatus value (clustering.issue_status): new / open / resolved / dismissed.
    Column("status", String(20), nullable=False),
    # A resolved issue that got new complaints.
    Column("regressed", Boolean, nullable=False, default=False),
    # Set when a run found this issue's complaints inside another issue's cluster.
    Column("merged_into", String(36)),
    Column("size", Integer, nullable=False),
    Column("negative_count", Integer, nullable=False),
    Column("centroid", LargeBinary),
    # The most typical members, [{"interaction_id", "text"}], as shown on the issue page.
    Column("examples", JSONDocument),
    Column("first_seen", UtcDateTime()),
    Column("last_seen", UtcDateTime()),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Index(None, "app", "status"),
)

issue_members = Table(
    "issue_members",
    metadata,
    Column("issue_id", String(36), primary_key=True),
    Column("interaction_id", String(36), primary_key=True),
    Index(None, "interaction_id"),
)

cluster_runs = Table(
    "cluster_runs",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("app", String(200), nullable=False),
    Column("started_at", UtcDateTime(), nullable=False),
    Column("finished_at", UtcDateTime()),
    Column("items", Integer, nullable=False, default=0),
    Column("clusters", Integer, nullable=False, default=0),
    Column("noise", Integer, nullable=False, default=0),
    Index(None, "app", "started_at"),
)

# An issue's size after each run, for trends.
issue_history = Table(
    "issue_history",
    metadata,
    Column("issue_id", String(36), primary_key=True),
    Column("run_id", String(36), primary_key=True),
    Column("day", Date, nullable=False),
    Column("size", Integer, nullable=False),
    Column("negative_count", Integer, nullable=False),
)

# What happened to an issue: split, merge, reopened or vanished (decided by a run), or a
# status change made by a person (no run).
issue_events = Table(
    "issue_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("issue_id", String(36), nullable=False),
    Column("run_id", String(36)),
    Column("kind", String(20), nullable=False),
    Column("detail", JSONDocument),
    # Empty on events stored before this column existed.
    Column("created_at", UtcDateTime()),
    Index(None, "issue_id"),
)

# Each app's kept UMAP fit: the reduced coordinates of the points it was fitted on, so a
# re-run places only new points instead of refitting (see clustering.reduce).
reduction_points = Table(
    "reduction_points",
    metadata,
    Column("app", String(200), primary_key=True),
    Column("interaction_id", String(36), primary_key=True),
    # What the coordinates depend on: embedding model, document recipe, reduction parameters.
    Column("fingerprint", String(64), nullable=False),
    # float32 little-endian bytes, n_components values.
    Column("coordinates", LargeBinary, nullable=False),
)

# SQLite has no advisory locks: a row with an expiry stands in for one.
clustering_locks = Table(
    "clustering_locks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(100), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

# -- audit log -------------------------------------------------------------------------

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
    # Dotted: "issue.status", "review.decision", "kb.update"…
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

# -- review tasks ----------------------------------------------------------------------

# Something a person must judge: opened by a rule (issue size/growth, similar negatives,
# confidence, anomalous input, a flag) or by hand. See gateway.review.
review_tasks = Table(
    "review_tasks",
    metadata,
    # UUIDv7 text: sorts by creation time.
    Column("id", String(36), primary_key=True),
    Column("app", String(200), nullable=False),
    # issue / similar_negative / confidence / anomalous / flagged / manual.
    Column("source", String(20), nullable=False),
    # Why the task exists, in a sentence a person understands.
    Column("reason", Text, nullable=False),
    # high / medium / low.
    Column("priority", String(10), nullable=False),
    # open / in_progress / resolved / dismissed. A lapsed lease reads as open (see gateway.review).
    Column("status", String(20), nullable=False),
    Column("assignee", String(200)),
    Column("deadline", UtcDateTime(), nullable=False),
    Column("issue_id", String(36)),
    # The issue while the task is open, null once it is closed: one open task per issue at most.
    Column("active_issue_id", String(36), unique=True),
    # {"kind", "label", "corrections": [...], "examples": [...]}.
    Column("suggested_action", JSONDocument),
    # What the task was opened (or last updated) on, as it was then; earlier versions are in its events.
    Column("evidence", JSONDocument),
    # Chosen at creation: this task needs decisions from two different reviewers.
    Column("second_opinion", Boolean, nullable=False),
    # 1, and one more each time the task is reopened: decisions count within their round.
    Column("round", Integer, nullable=False),
    # Who holds the claim and until when; a lapsed lease is ignored, not cleared.
    Column("lease_holder", String(200)),
    Column("lease_expires_at", UtcDateTime()),
    # The deciding outcome (approve / reject / correct) of a resolved task.
    Column("outcome", String(10)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # When it was resolved or dismissed.
    Column("closed_at", UtcDateTime()),
    Index(None, "status", "priority", "deadline"),
    Index(None, "app", "status"),
    Index(None, "issue_id"),
    Index(None, "created_at"),
    Index(None, "closed_at"),
)

# The interactions a task concerns. Keyed by the interaction alone: once any task has held an
# interaction, no task ever takes it again.
review_task_interactions = Table(
    "review_task_interactions",
    metadata,
    Column("interaction_id", String(36), primary_key=True),
    Column("task_id", String(36), nullable=False),
    Column("added_at", UtcDateTime(), nullable=False),
    Index(None, "task_id"),
)

# A task's tags (its app, its issue's keywords…), so reviewers can filter for the areas they know.
review_task_tags = Table(
    "review_task_tags",
    metadata,
    Column("task_id", String(36), primary_key=True),
    Column("tag", String(200), primary_key=True),
    Index(None, "tag"),
)

# One reviewer's judgement of a task; a second-opinion task gets two per round.
review_decisions = Table(
    "review_decisions",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("task_id", String(36), nullable=False),
    Column("round", Integer, nullable=False),
    Column("reviewer", String(200), nullable=False),
    # approve / reject / correct.
    Column("outcome", String(10), nullable=False),
    Column("correction", Text),
    Column("comment", Text),
    Column("created_at", UtcDateTime(), nullable=False),
    Index(None, "task_id"),
    Index(None, "created_at"),
)

# Every change to a task: who, what, when.
review_events = Table(
    "review_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", String(36), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("actor", String(200), nullable=False),
    # opened / updated / claimed / renewed / released / assigned / dismissed / reopened / decided.
    Column("kind", String(20), nullable=False),
    Column("detail", JSONDocument),
    Index(None, "task_id"),
)
