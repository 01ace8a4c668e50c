"""Issue discovery: cached embeddings, issues, their members, runs, history, events, kept fits, map points, locks, judged pairs."""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, Index, Integer, LargeBinary, String, Table, Text

from gateway.store.tables.base import JSONDocument, metadata
from gateway.store.types import UtcDateTime

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

# The LLM merge judge's answers (gateway.discovery.merge_judging), keyed by the question's sha256
# (model, instructions and what it was shown: clustering.llm_judge), so no pass asks the same twice.
# No text is kept: the hash and a yes or no.
merge_judgements = Table(
    "merge_judgements",
    metadata,
    Column("question_key", String(64), primary_key=True),
    Column("model", String(200), nullable=False),
    Column("same", Boolean, nullable=False),
    Column("asked_at", UtcDateTime, nullable=False),
    # Pruning finds the answers past their lifetime by it (revision 0041).
    Index(None, "asked_at"),
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
    # The cosine to the centroid from which a new complaint joins this issue between full passes
    # (clustering.assign); set by each full pass, empty on issues stored before it existed.
    Column("admission_similarity", Float),
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
    # "full" (every complaint re-clustered) or "incremental" (new ones assigned to existing issues);
    # empty on runs stored before incremental passes existed, which were all full.
    Column("kind", String(20)),
    # What the run's clustering depended on, hashed (embedding model and the whole recipe): an
    # incremental pass builds on the last full run only while it is the same.
    Column("recipe", String(64)),
    # Incremental runs: how many complaints they added or withdrew without re-clustering.
    Column("changed_items", Integer),
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
    # Set on the landmarks: the fitted points that incremental passes place new items among
    # (clustering.landmarks), the hash of the document embedded for them (a key of `embeddings`).
    Column("content_hash", String(64)),
    # The hash of the document each point was fitted on: a point whose document changed since is placed
    # anew (clustering.reduce.reduce_with_fit). Empty on points fitted before migration 0028.
    Column("document_hash", String(64)),
    # Pruning and erasure remove points by interaction alone.
    Index(None, "interaction_id"),
)

# SQLite has no advisory locks: a row with an expiry stands in for one.
clustering_locks = Table(
    "clustering_locks",
    metadata,
    Column("name", String(100), primary_key=True),
    Column("holder", String(100), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
)

# Each app's negative feedback in 2-D for the issue page's map, computed by the clustering pass
# (a projection of the reduced coordinates, see gateway/discovery/feedback_map.py) and kept, so
# the page reads points instead of projecting on request. x and y lie in [0, 1].
feedback_map_points = Table(
    "feedback_map_points",
    metadata,
    Column("app", String(200), primary_key=True),
    Column("interaction_id", String(36), primary_key=True),
    Column("x", Float, nullable=False),
    Column("y", Float, nullable=False),
)
