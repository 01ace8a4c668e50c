"""Feedback events as the domain reads them: one person's signal on one interaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.domain.records import from_columns

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class FeedbackEvent:
    """One stored submission: thumbs, rating, correction and/or comment, kept forever (events are appended)."""

    id: str
    interaction_id: str
    created_at: datetime
    app: str
    user_id: str | None
    thumbs: str | None
    rating: int | None
    correction: str | None
    comment: str | None
    negative: bool
    metadata: dict[str, Any] | None
    idempotency_key: str | None
    # "token" (a browser), "app" (the app's own credential) or "import".
    submitted_via: str
    seconds_after_answer: float | None
    # Who the event counts as when that is not user_id: "token:<token id>" for a browser whose token
    # names no end user (see gateway.store.current_feedback). None: the user_id is the voter.
    voter: str | None = None
    # Which redaction rules replaced something in the submission before it was stored ({"phone": 1}); None: none.
    redactions: dict[str, int] | None = None
    # The index of the answer's choice the event judges (a call with `n` > 1 has several); 0: the first.
    choice: int = 0

    @classmethod
    def from_row(cls, row: Row) -> FeedbackEvent:
        """The event in a feedback store row."""
        # A row built for an insert before `choice` existed leaves it out: the first choice, as stored.
        return from_columns(cls, row, negative=bool(row["negative"]), choice=row.get("choice") or 0)
