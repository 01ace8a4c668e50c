"""Where an issue stands for the people fixing it: one vocabulary for the tracker, the store and the API."""

from __future__ import annotations

from enum import StrEnum


class IssueStatus(StrEnum):
    """An issue's triage status, stored as its value."""

    # Found by a clustering run; nobody has looked at it yet.
    NEW = "new"
    # Someone acknowledged it, or a resolved issue came back with new complaints.
    OPEN = "open"
    # Fixed: new complaints in its cluster reopen it as a regression.
    RESOLVED = "resolved"
    # Not worth fixing: the tracker keeps following it but never reopens it.
    DISMISSED = "dismissed"


# Decided by a person: nothing more to do unless it regresses.
CLOSED_STATUSES: frozenset[IssueStatus] = frozenset({IssueStatus.RESOLVED, IssueStatus.DISMISSED})
# What a person may set by hand; only a clustering run makes an issue NEW.
TRIAGE_STATUSES: frozenset[IssueStatus] = frozenset({IssueStatus.OPEN, *CLOSED_STATUSES})
