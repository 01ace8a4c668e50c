"""From a run's tracking outcome to what the issue store writes: issues, retirements, events."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import uuid_utils

from clustering.issue_status import IssueStatus
from clustering.label import ClusterTitle
from clustering.pipeline import DiscoveredCluster
from clustering.track import TrackingResult
from gateway.discovery.items import NegativeItems
from gateway.store.issue_records import IssueEvent, IssueRetirement, IssueWrite, TrackedIssue


@dataclass(frozen=True, slots=True)
class IssueUpdates:
    """Everything a run changes about an app's issues."""

    writes: list[IssueWrite]
    retired: list[IssueRetirement]
    events: list[IssueEvent]


def issue_updates(
    clusters: Sequence[DiscoveredCluster],
    titles: Sequence[ClusterTitle],
    tracking: TrackingResult,
    tracked: dict[str, TrackedIssue],
    negative: NegativeItems,
) -> IssueUpdates:
    """Issue rows for every cluster, retirements for issues no cluster continues, and the events of both."""
    created_at = {item.interaction_id: item.created_at for item in negative.items}
    issue_of_cluster: dict[int, str] = {}
    writes: list[IssueWrite] = []
    events: list[IssueEvent] = []
    for outcome in tracking.outcomes:
        cluster = clusters[outcome.cluster_index]
        previous = tracked.get(outcome.issue_id) if outcome.issue_id else None
        issue_id = previous.id if previous else str(uuid_utils.uuid7())
        issue_of_cluster[outcome.cluster_index] = issue_id
        seen = [moment for m in cluster.member_ids if (moment := created_at.get(m)) is not None]
        earlier = previous.first_seen if previous else None
        first_seen = min([*seen, *([earlier] if earlier else [])], default=None)
        if previous is None:
            status, regressed = IssueStatus.NEW, False
        elif outcome.regressed:
            status, regressed = IssueStatus.OPEN, True
            events.append(IssueEvent(issue_id, "reopened", {"new_members": outcome.returning_complaints}))
        else:
            status, regressed = previous.status, previous.regressed
        title = titles[outcome.cluster_index]
        writes.append(
            IssueWrite(
                id=issue_id,
                is_new=previous is None,
                title=title.title,
                summary=title.summary or None,
                keywords=list(cluster.keywords),
                status=status,
                regressed=regressed,
                size=cluster.size,
                negative_count=sum(negative.negative_counts.get(m, 0) for m in cluster.member_ids),
                centroid=np.asarray(cluster.centroid, dtype=np.float32),
                examples=[
                    {"interaction_id": rid, "text": text}
                    for rid, text in zip(cluster.representative_ids, cluster.representative_texts, strict=True)
                ],
                first_seen=first_seen,
                last_seen=max(seen, default=None),
                member_ids=cluster.member_ids,
                admission_similarity=cluster.admission_similarity,
            )
        )
    for split in tracking.splits:
        into = [issue_of_cluster[c] for c in split.cluster_indices]
        events.append(IssueEvent(split.issue_id, "split", {"into": into}))
    absorbed_by: dict[str, str] = {}
    for merge in tracking.merges:
        events.append(IssueEvent(merge.surviving_issue_id, "merge", {"merged": list(merge.issue_ids)}))
        for issue_id in merge.issue_ids:
            if issue_id != merge.surviving_issue_id:
                absorbed_by.setdefault(issue_id, merge.surviving_issue_id)
    retired = []
    for issue_id in tracking.unmatched_issue_ids:
        if tracked[issue_id].size == 0:
            continue  # retired by an earlier run already: nothing new to record
        absorber = absorbed_by.get(issue_id)
        retired.append(IssueRetirement(issue_id, merged_into=absorber))
        if absorber is not None:
            events.append(IssueEvent(issue_id, "merged_into", {"issue_id": absorber}))
        else:
            events.append(IssueEvent(issue_id, "vanished", {"previous_size": tracked[issue_id].size}))
    return IssueUpdates(writes=writes, retired=retired, events=events)
