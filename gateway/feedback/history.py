"""Reading an interaction's feedback history: every event kept, the newest per voter counts."""

from __future__ import annotations

from collections.abc import Iterable

from gateway.domain.feedback import FeedbackEvent


def voter_of(event: FeedbackEvent) -> str | None:
    """Who `event` counts as: its voter when set (an anonymous token), else its user id; None: the anonymous voice."""
    return event.voter if event.voter is not None else event.user_id


def current_per_user(events: Iterable[FeedbackEvent]) -> tuple[FeedbackEvent, ...]:
    """Each voter's newest event, oldest first.

    Events without a voter count as one anonymous voter. The same rule in SQL, for queries
    over many interactions, is gateway.store.current_feedback.current_feedback: change both together.
    """
    latest: dict[str | None, FeedbackEvent] = {}
    for event in sorted(events, key=lambda event: event.id):
        voter = voter_of(event)
        latest.pop(voter, None)  # re-inserted, so the order follows each newest event
        latest[voter] = event
    return tuple(latest.values())
