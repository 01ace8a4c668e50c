"""Turning a run's tracking outcome into issue writes, retirements and events."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from clustering.documents import FeedbackItem
from clustering.label import ClusterTitle
from clustering.pipeline import DiscoveredCluster
from clustering.track import ClusterOutcome, MergeRecord, TrackingResult
from gateway.discovery.issue_updates import issue_updates
from gateway.discovery.items import NegativeItems
from gateway.store.issue_records import TrackedIssue

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def cluster(*member_ids: str) -> DiscoveredCluster:
    return DiscoveredCluster(
        member_indices=tuple(range(len(member_ids))),
        member_ids=member_ids,
        centroid=np.ones(4, dtype=np.float32) / 2,
        keywords=("refund",),
        title="Refund",
        representative_ids=member_ids[:1],
        representative_texts=("no refund",),
    )


def tracked(issue_id: str, *member_ids: str, size: int | None = None, status: str = "open") -> TrackedIssue:
    return TrackedIssue(
        id=issue_id,
        status=status,
        centroid=np.ones(4, dtype=np.float32) / 2,
        member_ids=frozenset(member_ids),
        first_seen=NOW,
        size=len(member_ids) if size is None else size,
    )


def negative(*member_ids: str) -> NegativeItems:
    items = [FeedbackItem(interaction_id=m, app="a", user_message="q", created_at=NOW) for m in member_ids]
    return NegativeItems(items=items, negative_counts=dict.fromkeys(member_ids, 1))


def test_an_issue_absorbed_by_a_merge_is_retired_into_the_survivor():
    issues = {"A": tracked("A", "1", "2"), "B": tracked("B", "3", "4")}
    tracking = TrackingResult(
        outcomes=[ClusterOutcome(cluster_index=0, issue_id="A")],
        merges=[MergeRecord(cluster_index=0, issue_ids=("A", "B"), surviving_issue_id="A")],
        unmatched_issue_ids=["B"],
    )

    updates = issue_updates(
        [cluster("1", "2", "3", "4")], [ClusterTitle("Refund", "")], tracking, issues, negative("1", "2", "3", "4")
    )

    assert [(r.id, r.merged_into) for r in updates.retired] == [("B", "A")]
    assert {(e.issue_id, e.kind) for e in updates.events} == {("A", "merge"), ("B", "merged_into")}


def test_an_issue_no_cluster_continues_vanishes_once():
    issues = {"A": tracked("A", "1", "2"), "gone": tracked("gone", "9"), "long-gone": tracked("long-gone", size=0)}
    tracking = TrackingResult(
        outcomes=[ClusterOutcome(cluster_index=0, issue_id="A")], unmatched_issue_ids=["gone", "long-gone"]
    )

    updates = issue_updates([cluster("1", "2")], [ClusterTitle("Refund", "")], tracking, issues, negative("1", "2"))

    assert [(r.id, r.merged_into) for r in updates.retired] == [("gone", None)]
    assert [(e.issue_id, e.kind, e.detail) for e in updates.events] == [("gone", "vanished", {"previous_size": 1})]


def test_a_resolved_issue_with_new_complaints_is_reopened_and_flagged():
    issues = {"A": tracked("A", "1", "2", status="resolved")}
    tracking = TrackingResult(
        outcomes=[ClusterOutcome(cluster_index=0, issue_id="A", regressed=True, returning_complaints=1)]
    )

    updates = issue_updates(
        [cluster("1", "2", "3")], [ClusterTitle("Refund", "")], tracking, issues, negative("1", "2", "3")
    )

    [write] = updates.writes
    assert (write.status, write.regressed) == ("open", True)
    assert [(e.kind, e.detail) for e in updates.events] == [("reopened", {"new_members": 1})]


def test_the_llm_title_and_summary_are_written():
    tracking = TrackingResult(outcomes=[ClusterOutcome(cluster_index=0, issue_id=None)])

    updates = issue_updates(
        [cluster("1")], [ClusterTitle("Refunds never arrive", "Users wait weeks.")], tracking, {}, negative("1")
    )

    [write] = updates.writes
    assert (write.title, write.summary, write.status) == ("Refunds never arrive", "Users wait weeks.", "new")
