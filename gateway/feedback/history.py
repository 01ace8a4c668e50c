"""Reading an interaction's feedback history: every event kept, the newest per user counts."""

from __future__ import annotations

from collections.abc import Iterable

from gateway.domain.feedback import FeedbackEvent


def current_per_user(events: Iterable[FeedbackEvent]) -> tuple[FeedbackEvent, ...]:
    """Each user's newest event, oldest first.

    Events without a user id count as one anonymous user. The same rule in SQL, for queries
    over many interactions, is gateway.store.current_feedback.current_feedback: change both together.
    """
    latest: dict[str | None, FeedbackEvent] = {}
    for event in sorted(events, key=lambda event: event.id):
        latest.pop(event.user_id, None)  # re-inserted, so the order follows each newest event
        latest[event.user_id] = event
    return tuple(latest.values())
