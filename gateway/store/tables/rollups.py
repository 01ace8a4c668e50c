"""Daily roll-ups of traffic and feedback, so stats over months read a row per day, not every call."""

from __future__ import annotations

from sqlalchemy import Column, Integer, String, Table

from gateway.store.tables.base import JSONDocument, metadata
from gateway.store.types import UtcDateTime

# One row per UTC day, app and model: the counts /api/stats reports, over the current feedback
# on that day's interactions. Rebuilt from the raw rows whenever the day changes (see below).
daily_stats = Table(
    "daily_stats",
    metadata,
    # 'YYYY-MM-DD' (UTC): the same text on both databases, and it sorts as a date.
    Column("day", String(10), primary_key=True),
    Column("app", String(200), primary_key=True),
    # '' for interactions without a model (a primary key cannot hold NULL on PostgreSQL).
    Column("model", String(200), primary_key=True),
    Column("interactions", Integer, nullable=False),
    # Conversational calls (not embeddings) that got a 200: the answers review automation counts.
    Column("answers", Integer, nullable=False),
    Column("feedback", Integer, nullable=False),
    Column("interactions_with_feedback", Integer, nullable=False),
    Column("negative", Integer, nullable=False),
    Column("positive", Integer, nullable=False),
    Column("rating_sum", Integer, nullable=False),
    Column("rating_count", Integer, nullable=False),
    Column("corrections", Integer, nullable=False),
    # A gateway.feedback.delay_histogram.DelayHistogram of seconds from answer to feedback.
    Column("delays", JSONDocument, nullable=False),
    Column("refreshed_at", UtcDateTime(), nullable=False),
)

# (day, app) pairs whose roll-up rows are out of date. Database triggers on interactions and
# feedback add them (inserts and deletes, from any process or tool); a refresh rebuilds the
# pair's rows and removes the marker in the same transaction.
daily_stats_stale = Table(
    "daily_stats_stale",
    metadata,
    Column("day", String(10), primary_key=True),
    Column("app", String(200), primary_key=True),
)
