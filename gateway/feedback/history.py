"""Reading an interaction's feedback history: every event kept, the newest per user counts."""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]


def current_per_user(events: list[Row]) -> list[Row]:
    """Each user's newest event, oldest first.

    Events without a user id count as one anonymous user.
    """
    latest: dict[str | None, Row] = {}
    for event in sorted(events, key=lambda event: event["id"]):
        latest.pop(event["user_id"], None)  # re-inserted, so the order follows each newest event
        latest[event["user_id"]] = event
    return list(latest.values())
