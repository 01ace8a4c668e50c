"""Which labels an export reads: the filter it was given, and the labels stored when its read began.

Shared by the queries of end users' corrections (gateway.store.training_examples) and of reviewers' decisions
(gateway.store.label_decisions).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_
from sqlalchemy.sql import ColumnElement, Select
from sqlalchemy.sql.expression import FromClause

from gateway.export.examples import ExampleSource
from gateway.privacy.redaction import ONLY_REPLACEMENTS, REPLACEMENT_MARK
from gateway.store.choice_sql import not_blank
from gateway.store.stored_order import STORED_SEQ

# Only chat completions have the messages the chat and preference formats are made of.
CHAT_ENDPOINT = "chat.completions"


@dataclass(frozen=True, slots=True)
class LabelsUpTo:
    """The newest feedback event and review decision stored when a read began ("": none was)."""

    feedback_id: str
    decision_id: str


@dataclass(frozen=True, slots=True)
class StoredRange:
    """The labels of one table numbered after `after`, up to `upto`, in the order they were stored."""

    after: int
    upto: int


@dataclass(frozen=True, slots=True)
class ExampleFilter:
    """Which examples to read: one app's, those labelled in [since, until), one source's, those stored in a range of
    the feedback events' and of the review decisions' stored order; None does not filter."""

    app: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    source: ExampleSource | None = None
    feedback_stored: StoredRange | None = None
    decisions_stored: StoredRange | None = None


def redaction_took_all(text: ColumnElement[str]) -> ColumnElement[bool]:
    """Whether `text` holds nothing but redaction's replacements (gateway.privacy.redaction.redaction_took_all's rule:
    PostgreSQL's `~`, SQLite's REGEXP, which SQLAlchemy's driver gives Python's `re`). The LIKE first: a text without
    a replacement, nearly every one, never reaches the regular expression (a Python call per row on SQLite)."""
    return and_(text.contains(REPLACEMENT_MARK), text.regexp_match(ONLY_REPLACEMENTS))


def says_something(correction: ColumnElement[str]) -> ColumnElement[bool]:
    """Whether a correction says something: more than blank characters, and more than redaction's replacements."""
    return and_(not_blank(correction), ~redaction_took_all(correction))


def stored_by(column: Any, newest: str | None) -> list[ColumnElement[bool]]:
    """The condition that `column` (a label's id) was stored by `newest`; none when there is no bound."""
    return [] if newest is None else [column <= newest]


def labelled_in(
    query: Select[Any], where: ExampleFilter, *, app: Any, label: FromClause, stored: StoredRange | None
) -> Select[Any]:
    """`query` narrowed to `where`'s app (unless `app` is None), its range of the `label` table's times, and the range
    `stored` of its numbers."""
    if where.app is not None and app is not None:
        query = query.where(app == where.app)
    if where.since is not None:
        query = query.where(label.c.created_at >= where.since)
    if where.until is not None:
        query = query.where(label.c.created_at < where.until)
    if stored is not None:
        query = query.where(label.c[STORED_SEQ] > stored.after, label.c[STORED_SEQ] <= stored.upto)
    return query
