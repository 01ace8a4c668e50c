"""What a clustering run reads and writes about an app's issues: the issues it tracks, and what it found."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

import numpy as np

from clustering.issue_status import IssueStatus


@dataclass(frozen=True, slots=True)
class TrackedIssue:
    """An issue as the next run needs it for tracking."""

    id: str
    status: IssueStatus
    centroid: np.ndarray
    member_ids: frozenset[str]
    first_seen: datetime | None
    regressed: bool = False
    size: int = 0
    title: str = ""
    summary: str | None = None
    keywords: tuple[str, ...] = ()
    # A person renamed it (a "renamed" event): runs keep that title.
    renamed: bool = False
    # A person merged another issue into it (a "merge" event naming who): runs keep its complaints together.
    merged_by_person: bool = False
    # When it was last set to resolved, if it is resolved.
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IssueWrite:
    """An issue's state after a run: created when `is_new`, updated otherwise."""

    id: str
    is_new: bool
    title: str
    summary: str | None
    keywords: list[str]
    status: IssueStatus
    regressed: bool
    size: int
    negative_count: int
    centroid: np.ndarray
    examples: list[dict[str, str]]
    first_seen: datetime | None
    last_seen: datetime | None
    member_ids: Sequence[str]
    # From which cosine to the centroid a new complaint joins between full passes (clustering.assign).
    admission_similarity: float | None = None


@dataclass(frozen=True, slots=True)
class IssueRetirement:
    """An issue no cluster of this run continues: its complaints became noise, or joined
    another issue (`merged_into`). It keeps its id, status and centroid, so it can come back."""

    id: str
    merged_into: str | None = None


EventKind = Literal["split", "merge", "merged_into", "reopened", "vanished", "status", "renamed"]


@dataclass(frozen=True, slots=True)
class IssueEvent:
    """Something that happened to an issue: decided by a run, or a person's status change."""

    issue_id: str
    kind: EventKind
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RunRecord:
    """Everything one clustering run over one app found."""

    id: str
    app: str
    started_at: datetime
    finished_at: datetime
    items: int
    noise: int
    issues: list[IssueWrite] = field(default_factory=list)
    retired: list[IssueRetirement] = field(default_factory=list)
    events: list[IssueEvent] = field(default_factory=list)
    # What the clustering depended on, hashed: incremental runs build on this run only while it holds.
    recipe: str | None = None
