"""Where an issue stands for the people fixing it: one vocabulary for the tracker, the store and the API."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


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
# What a person may set by hand, in the order pages and refusals list them; only a clustering run makes an issue NEW.
TRIAGE_ORDER: tuple[IssueStatus, ...] = (IssueStatus.OPEN, IssueStatus.RESOLVED, IssueStatus.DISMISSED)
TRIAGE_STATUSES: frozenset[IssueStatus] = frozenset(TRIAGE_ORDER)
# TRIAGE_ORDER's values as a type, for a field that takes only those: its schema and its refusal list them alone.
SettableStatus = Literal["open", "resolved", "dismissed"]
