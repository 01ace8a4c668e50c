"""A listing's view of an interaction: when, where, how it went, and the start of the question and the answer.

A listing never reads a whole large call (store.interactions.InteractionStore.list_briefly): a request
over BRIEF_REQUEST_CHARS of JSON is not read at all, and its row says so instead of quoting it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.discovery.items import last_user_message
from gateway.domain.feedback import FeedbackEvent
from gateway.feedback.submission import counts_as_positive

# How much of the question and the answer a listing row shows.
EXCERPT_CHARS = 160


def call_outcome(partial: bool, error: str | None, status_code: int | None) -> str:
    """ok, error or partial: the rule the listing's status filter applies in SQL (store.interactions.outcome_matches).

    A partial stream counts as partial, not error; an error is an error message or a status of 400 or more.
    """
    if partial:
        return "partial"
    if error is not None or (status_code or 0) >= 400:
        return "error"
    return "ok"


def excerpt(text: str | None) -> str:
    """The start of `text` on one line, cut at EXCERPT_CHARS with an ellipsis."""
    flat = " ".join((text or "").split())
    return flat if len(flat) <= EXCERPT_CHARS else flat[: EXCERPT_CHARS - 1] + "…"


@dataclass(frozen=True, slots=True)
class FeedbackTally:
    """What an interaction's voters say now (each voter's current feedback), counted for a listing row."""

    voters: int
    negative: int
    positive: int
    corrections: int
    comments: int
    # The mean of the current ratings; None when nobody rated it.
    mean_rating: float | None


def tally_feedback(current: Iterable[Any]) -> dict[str, FeedbackTally]:
    """Each interaction's FeedbackTally, from current feedback rows (store.feedback.FeedbackStore.current_on)."""
    per_interaction: defaultdict[str, list[Any]] = defaultdict(list)
    for row in current:
        per_interaction[row["interaction_id"]].append(row)
    return {interaction_id: tally_of(rows) for interaction_id, rows in per_interaction.items()}


def tally_of(rows: Sequence[Any]) -> FeedbackTally:
    """The FeedbackTally of current feedback rows (`negative`, `thumbs`, `rating`, `corrected`, `commented`)."""
    ratings = [row["rating"] for row in rows if row["rating"] is not None]
    return FeedbackTally(
        voters=len(rows),
        negative=sum(1 for row in rows if row["negative"]),
        positive=sum(1 for row in rows if counts_as_positive(row["negative"], row["thumbs"], row["rating"])),
        corrections=sum(1 for row in rows if row["corrected"]),
        comments=sum(1 for row in rows if row["commented"]),
        mean_rating=sum(ratings) / len(ratings) if ratings else None,
    )


def event_tally(events: Iterable[FeedbackEvent]) -> FeedbackTally:
    """The FeedbackTally of current feedback events, counted as a listing counts its rows."""
    return tally_of(
        [
            {
                "negative": event.negative,
                "thumbs": event.thumbs,
                "rating": event.rating,
                "corrected": event.correction is not None,
                "commented": event.comment is not None,
            }
            for event in events
        ]
    )


@dataclass(frozen=True, slots=True)
class InteractionBrief:
    """One row of an interactions listing."""

    id: str
    created_at: datetime
    app: str
    model: str | None
    status_code: int | None
    # ok, error or partial (call_outcome).
    outcome: str
    latency_ms: float | None
    total_tokens: int | None
    # The start of the end user's last message; empty when the request was too large to read here.
    question: str
    # The request was too large for a listing to read (over store.interactions.BRIEF_REQUEST_CHARS of JSON).
    request_unread: bool
    # The start of the answer, or of the error when there is no answer.
    answer: str
    # Its voters' current feedback; None: nobody gave any.
    feedback: FeedbackTally | None = None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> InteractionBrief:
        """The brief of a row of store.interactions.InteractionStore.list_briefly."""
        return cls(
            id=row["id"],
            created_at=row["created_at"],
            app=row["app"],
            model=row["model"],
            status_code=row["status_code"],
            outcome=call_outcome(row["partial"], row["error"], row["status_code"]),
            latency_ms=row["latency_ms"],
            total_tokens=row["total_tokens"],
            question=excerpt(last_user_message(row["request"])),
            request_unread=row["request"] is None and row["request_stored"],
            answer=excerpt(row["response_text"] or row["error"]),
        )
