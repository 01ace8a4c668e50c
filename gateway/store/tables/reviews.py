"""Review tasks, their interactions, tags, decisions and events; retrain triggers."""

from __future__ import annotations

from sqlalchemy import BigInteger, Boolean, Column, Index, Integer, String, Table, Text

from gateway.store.tables.base import JSONDocument, metadata
from gateway.store.types import UtcDateTime

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
    # The tag as the tag filter compares it, folded (gateway.store.folded_text.tag_key; "ß" folds to "ss",
    # so up to three characters for one), written with the tag: SQL's lower() differs by database.
    Column("tag_key", String(600), nullable=False),
    Index(None, "tag"),
    Index(None, "tag_key"),
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
    # The index of the answer's choice the decision judges (an answer to `n` > 1 has several); 0: the first.
    # Revision 0042 (decisions stored before it judged the first).
    Column("choice", Integer, nullable=False, server_default="0"),
    Column("created_at", UtcDateTime(), nullable=False),
    # The order decisions were stored in (gateway.store.stored_order), as interactions.stored_seq: what the
    # export's `stored_after` follows. Null only for a row inserted by hand or by a gateway older than revision 0041,
    # until a round numbers it (gateway.store.late_numbers). Revision 0041.
    Column("stored_seq", BigInteger),
    Index(None, "task_id"),
    Index(None, "created_at"),
    Index(None, "stored_seq", unique=True),
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


# Each time enough new labelled examples had accumulated to ask for a retrain (see
# gateway.export.retrain): what was counted, and whether the webhook got through.
retrain_triggers = Table(
    "retrain_triggers",
    metadata,
    # UUIDv7 text: sorts by creation time.
    Column("id", String(36), primary_key=True),
    Column("created_at", UtcDateTime(), nullable=False),
    # Labelled examples in the whole store when it fired; the next trigger counts from here.
    Column("total_examples", Integer, nullable=False),
    # Of those, new since the previous trigger (all of them for the first).
    Column("new_examples", Integer, nullable=False),
    Column("threshold", Integer, nullable=False),
    # Where the notice went: its scheme and host alone. The URL's path and query, often the receiver's
    # secret, stay in the configuration (revision 0038 cut the full URLs stored before).
    Column("webhook_origin", Text, nullable=False),
    # The webhook's HTTP status, or why it could not be delivered; both null until it was tried.
    Column("delivery_status", Integer),
    Column("delivery_error", Text),
    Column("delivered_at", UtcDateTime()),
    Index(None, "created_at"),
)
