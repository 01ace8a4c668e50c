"""A title a person gave an issue survives later clustering runs; other issues keep getting the run's title."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

from clustering.issue_status import IssueStatus
from clustering.label import MAX_ISSUE_TITLE
from clustering.pipeline import DiscoveredCluster
from clustering.track import ClusterOutcome, TrackingResult
from gateway.discovery.titles import title_clusters
from gateway.store.issue_edits import IssueEditStore
from gateway.store.issue_records import IssueWrite, RunRecord, TrackedIssue
from gateway.store.issues import IssueStore

NOW = datetime(2026, 11, 23, tzinfo=UTC)


def cluster(title: str) -> DiscoveredCluster:
    return DiscoveredCluster(
        member_indices=(0,),
        member_ids=("1",),
        centroid=np.ones(4, dtype=np.float32) / 2,
        keywords=("refund",),
        title=title,
        representative_ids=("1",),
        representative_texts=("no refund",),
    )


def tracked(issue_id: str, title: str, *, renamed: bool) -> TrackedIssue:
    return TrackedIssue(
        id=issue_id,
        status=IssueStatus.OPEN,
        centroid=np.ones(4, dtype=np.float32),
        member_ids=frozenset({"1"}),
        first_seen=NOW,
        size=1,
        title=title,
        renamed=renamed,
    )


def test_a_renamed_issue_keeps_its_title_and_others_take_the_runs():
    issues = {"A": tracked("A", "Slow refunds", renamed=True), "B": tracked("B", "Old keyword title", renamed=False)}
    tracking = TrackingResult(outcomes=[ClusterOutcome(0, "A"), ClusterOutcome(1, "B")])

    titles = title_clusters([cluster("refund · late"), cluster("refund · card")], tracking, issues, titler=None)

    assert [t.title for t in titles] == ["Slow refunds", "refund · card"]


def test_a_title_kept_from_before_the_cap_is_cut_to_an_issue_titles_limit_by_the_next_run():
    # An LLM title stored before titles were capped: the next run keeps it, cut to what forms send back.
    issues = {"B": tracked("B", "Slow " * 100, renamed=False)}
    tracking = TrackingResult(outcomes=[ClusterOutcome(0, "B")])

    [title] = title_clusters([cluster("Slow " * 100)], tracking, issues, titler=None)

    assert len(title.title) == MAX_ISSUE_TITLE and title.title.endswith("…")


async def test_the_store_tells_the_next_run_which_issues_a_person_renamed(engine):
    store = IssueStore(engine)
    writes = [
        IssueWrite(
            id=issue_id,
            is_new=True,
            title="refund",
            summary=None,
            keywords=["refund"],
            status=IssueStatus.NEW,
            regressed=False,
            size=1,
            negative_count=1,
            centroid=np.ones(4, dtype=np.float32),
            examples=[],
            first_seen=NOW,
            last_seen=NOW,
            member_ids=[f"{issue_id}-1"],
        )
        for issue_id in ("A", "B")
    ]
    await store.save_run(
        RunRecord(id="run-1", app="shop", started_at=NOW, finished_at=NOW, items=2, noise=0, issues=writes)
    )

    assert await IssueEditStore(engine).rename("A", "Slow refunds", actor="rita")

    found = {issue.id: (issue.title, issue.renamed) for issue in await store.tracked("shop")}
    assert found == {"A": ("Slow refunds", True), "B": ("refund", False)}
