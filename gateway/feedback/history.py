"""Reading an interaction's feedback history: every event kept, each voter's latest counts."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from gateway.domain.feedback import FeedbackEvent


def voter_of(event: FeedbackEvent) -> str | None:
    """Who `event` counts as: its voter when set (an anonymous token), else its user id; None: the anonymous voice."""
    return event.voter if event.voter is not None else event.user_id


def current_order(event: FeedbackEvent) -> tuple[datetime, str]:
    """The sort key of the current-feedback rule: when the feedback was given, then (on a tie) the event's id.

    Not the id alone: it is a UUIDv7 made when the event is stored, so an imported event given long
    ago would outrank everything stored before it. The same order in SQL is
    gateway.store.current_feedback.latest_first: change both together.
    """
    return (event.created_at, event.id)


def current_per_user(events: Iterable[FeedbackEvent]) -> tuple[FeedbackEvent, ...]:
    """Each voter's latest event (by `current_order`), oldest first.

    Events without a voter count as one anonymous voter. The same rule in SQL, for queries
    over many interactions, is gateway.store.current_feedback.current_feedback: change both together.
    """
    latest: dict[str | None, FeedbackEvent] = {}
    for event in sorted(events, key=current_order):
        voter = voter_of(event)
        latest.pop(voter, None)  # re-inserted, so the order follows each latest event
        latest[voter] = event
    return tuple(latest.values())
