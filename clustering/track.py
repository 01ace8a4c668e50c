"""Match a new run's clusters to existing issues, so an issue keeps its identity across runs."""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar

import numpy as np

from clustering.issue_status import IssueStatus

Member = TypeVar("Member", bound=Hashable)

__all__ = [
    "ClusterOutcome",
    "ExistingIssue",
    "IssueStatus",
    "MergeRecord",
    "NewCluster",
    "SplitRecord",
    "TrackingParams",
    "TrackingResult",
    "complaints_since_resolution",
    "match_clusters",
]


@dataclass(frozen=True, slots=True)
class ExistingIssue:
    """An issue as stored after earlier runs."""

    issue_id: str
    centroid: np.ndarray
    member_ids: frozenset[Hashable]
    status: IssueStatus = IssueStatus.OPEN
    # When a resolved issue was resolved (None: not known, so every new complaint counts).
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class NewCluster:
    """A cluster found by this run."""

    centroid: np.ndarray
    member_ids: frozenset[Hashable]


@dataclass(frozen=True, slots=True)
class TrackingParams:
    """When a new cluster counts as the continuation of an issue.

    Two kinds of evidence. Shared members: if most of the smaller side's members are in
    the other (overlap coefficient >= `min_member_overlap`), they are the same complaints
    regrouped. Centroid similarity: when the members are new (a resolved issue coming
    back, or a rolling window that dropped the old items), the cluster is the same issue
    if its centroid lies within `min_centroid_similarity` cosine of the issue's. That bar
    is high because distinct but related issues (two card problems) have centroids around
    0.8-0.9 apart with all-MiniLM-L6-v2; centroids move little when members are added.
    Splits and merges are recorded only from shared members, since they describe where
    existing complaints went.
    """

    min_member_overlap: float = 0.5
    min_centroid_similarity: float = 0.92


@dataclass(frozen=True, slots=True)
class ClusterOutcome:
    """What one new cluster became: the continuation of an issue, or a new issue."""

    cluster_index: int
    # The issue the cluster continues, or None for a brand-new issue.
    issue_id: str | None
    # A resolved issue got new complaints: the caller should reopen it and flag the regression.
    regressed: bool = False
    # How many: complaints it did not hold, about answers given since it was resolved.
    returning_complaints: int = 0
    # For a new issue carved out of an old one by a split: the issue it came from.
    split_from: str | None = None
    centroid_similarity: float = 0.0
    member_overlap: float = 0.0

    @property
    def is_new(self) -> bool:
        """Whether this cluster starts a new issue."""
        return self.issue_id is None


@dataclass(frozen=True, slots=True)
class SplitRecord:
    """One issue's members now sit in several new clusters; the first one keeps its id."""

    issue_id: str
    cluster_indices: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class MergeRecord:
    """Several issues' members now sit in one new cluster, which continues `surviving_issue_id`."""

    cluster_index: int
    issue_ids: tuple[str, ...]
    surviving_issue_id: str


@dataclass(frozen=True, slots=True)
class TrackingResult:
    """The outcome per new cluster, plus splits, merges and issues with no continuation."""

    outcomes: list[ClusterOutcome]
    splits: list[SplitRecord] = field(default_factory=list)
    merges: list[MergeRecord] = field(default_factory=list)
    unmatched_issue_ids: list[str] = field(default_factory=list)


def _unit_rows(vectors: list[np.ndarray], dimensions: int) -> np.ndarray:
    if not vectors:
        return np.zeros((0, dimensions), dtype=np.float64)
    matrix = np.stack([np.asarray(vector, dtype=np.float64) for vector in vectors])
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit: np.ndarray = matrix / norms
    return unit


def complaints_since_resolution(
    newcomers: Iterable[Member], resolved_at: datetime | None, asked_at: Mapping[Member, datetime | None]
) -> list[Member]:
    """The new complaints that can show a resolved issue came back: those about answers given after it was resolved.

    A complaint about an answer given before the resolution (feedback often arrives later) says
    nothing about the fix; counting it reopened issues that had just been fixed. A complaint
    whose time is unknown counts, as does every one when the resolution time is unknown.
    """
    return [
        member
        for member in newcomers
        if resolved_at is None or (moment := asked_at.get(member)) is None or moment > resolved_at
    ]


def match_clusters(
    issues: Sequence[ExistingIssue],
    clusters: Sequence[NewCluster],
    params: TrackingParams = TrackingParams(),
    asked_at: Mapping[Hashable, datetime | None] | None = None,
) -> TrackingResult:
    """Decide for each new cluster which existing issue it continues, if any.

    `asked_at` gives each complaint's interaction time, which decides whether a resolved issue
    regressed (see `complaints_since_resolution`).
    """
    similarity = np.zeros((len(clusters), len(issues)))
    if clusters and issues:
        dimensions = len(clusters[0].centroid)
        cluster_centroids = _unit_rows([c.centroid for c in clusters], dimensions)
        issue_centroids = _unit_rows([i.centroid for i in issues], dimensions)
        similarity = cluster_centroids @ issue_centroids.T
    shared = np.array([[len(c.member_ids & i.member_ids) for i in issues] for c in clusters], dtype=np.float64).reshape(
        len(clusters), len(issues)
    )
    # Overlap coefficient rather than Jaccard: a split half shares all its members with
    # the old issue yet has a Jaccard of only 0.5 with it.
    smaller = np.minimum.outer(
        np.array([len(c.member_ids) for c in clusters], dtype=np.float64),
        np.array([len(i.member_ids) for i in issues], dtype=np.float64),
    ).reshape(len(clusters), len(issues))
    overlap = np.divide(shared, smaller, out=np.zeros_like(shared), where=smaller > 0)
    shares_members = overlap >= params.min_member_overlap
    linked = shares_members | (similarity >= params.min_centroid_similarity)

    # Greedy one-to-one assignment, strongest evidence first: member links before
    # centroid-only links, then by how many complaints they share, then by overlap and
    # similarity. The count comes first so that an issue's id, and with it its triage, fix and
    # measured effect, stays with the body of its complaints: any fragment lies wholly inside
    # the issue (overlap 1.0), and ranking by overlap had handed a fixed issue's id to a
    # 6-complaint fragment while its 17-complaint core became a new issue. Greedy is enough
    # here because links are sparse; ties cannot steal a clearly better match.
    candidates = sorted(
        ((c, i) for c, i in zip(*np.nonzero(linked), strict=True)),
        key=lambda pair: (not shares_members[pair], -shared[pair], -overlap[pair], -similarity[pair], pair),
    )
    issue_of_cluster: dict[int, int] = {}
    cluster_of_issue: dict[int, int] = {}
    for c, i in candidates:
        if c in issue_of_cluster or i in cluster_of_issue:
            continue
        issue_of_cluster[int(c)] = int(i)
        cluster_of_issue[int(i)] = int(c)

    splits: list[SplitRecord] = []
    split_from: dict[int, str] = {}
    for i, issue in enumerate(issues):
        parts = [int(c) for c in np.flatnonzero(shares_members[:, i])]
        if len(parts) < 2:
            continue
        keeper = cluster_of_issue.get(i)
        ordered = ([keeper] if keeper in parts else []) + [c for c in parts if c != keeper]
        splits.append(SplitRecord(issue_id=issue.issue_id, cluster_indices=tuple(ordered)))
        for c in ordered:
            if c not in issue_of_cluster:
                split_from.setdefault(c, issue.issue_id)

    merges: list[MergeRecord] = []
    for c in range(len(clusters)):
        sources = [int(i) for i in np.flatnonzero(shares_members[c])]
        if len(sources) >= 2 and c in issue_of_cluster:
            survivor = issues[issue_of_cluster[c]].issue_id
            merges.append(
                MergeRecord(
                    cluster_index=c,
                    issue_ids=tuple(issues[i].issue_id for i in sources),
                    surviving_issue_id=survivor,
                )
            )

    outcomes = []
    for c in range(len(clusters)):
        i = issue_of_cluster.get(c)
        if i is None:
            outcomes.append(ClusterOutcome(cluster_index=c, issue_id=None, split_from=split_from.get(c)))
            continue
        issue = issues[i]
        # A resolved issue regresses only if its cluster holds complaints it did not have before,
        # about answers given since it was resolved; the same old complaints regrouped are not
        # news. A dismissed one never does.
        returning = 0
        if issue.status == IssueStatus.RESOLVED:
            newcomers = clusters[c].member_ids - issue.member_ids
            returning = len(complaints_since_resolution(newcomers, issue.resolved_at, asked_at or {}))
        outcomes.append(
            ClusterOutcome(
                cluster_index=c,
                issue_id=issue.issue_id,
                regressed=returning > 0,
                returning_complaints=returning,
                centroid_similarity=float(similarity[c, i]),
                member_overlap=float(overlap[c, i]),
            )
        )
    unmatched = [issue.issue_id for i, issue in enumerate(issues) if i not in cluster_of_issue]
    return TrackingResult(outcomes=outcomes, splits=splits, merges=merges, unmatched_issue_ids=unmatched)
