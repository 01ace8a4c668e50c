"""An incremental run retires an issue left smaller than the smallest cluster the last full pass could make (pure)."""

from __future__ import annotations

from datetime import UTC, datetime

from clustering.documents import FeedbackItem
from clustering.issue_status import IssueStatus
from gateway.discovery.issue_increments import Assignment, RunIdentity, incremental_run
from gateway.store.issue_increments import AppIssueState, LiveIssue

APP = "support-bot"
AT = datetime(2026, 6, 1, tzinfo=UTC)
RUN = RunIdentity("run-2", APP, AT, AT, "recipe")


def issue(issue_id: str, size: int) -> LiveIssue:
    return LiveIssue(issue_id, IssueStatus.OPEN, False, size, size, None, None, AT, AT)


def state(members: dict[str, list[str]]) -> AppIssueState:
    issue_of = {member: issue_id for issue_id, ids in members.items() for member in ids}
    return AppIssueState([issue(i, len(ids)) for i, ids in members.items()], issue_of, frozenset(issue_of))


NOTHING_NEW = Assignment(items=(), issue_ids=(), map_points={})


def test_an_issue_at_the_smallest_cluster_size_stays_live():
    run = incremental_run(RUN, state({"refunds": ["a", "b", "c"]}), dict.fromkeys("abc", 1), NOTHING_NEW, (), 3)

    assert (run.live, run.events) == ([("refunds", 3, 3)], [])


def test_an_issue_left_below_it_by_a_withdrawn_complaint_vanishes():
    run = incremental_run(RUN, state({"refunds": ["a", "b", "c"]}), dict.fromkeys("ab", 1), NOTHING_NEW, ["c"], 3)

    assert run.live == []
    [change] = run.changes
    assert (change.id, change.size, change.negative_count, change.status) == ("refunds", 0, 0, IssueStatus.OPEN)
    assert [(event.kind, event.detail) for event in run.events] == [("vanished", {"previous_size": 3})]
    assert run.noise == 2


def test_a_complaint_joining_an_issue_that_stays_below_it_is_left_unassigned():
    newcomer = FeedbackItem("d", APP, "Where is my refund?", created_at=AT)
    joining = Assignment(items=[newcomer], issue_ids=["refunds"], map_points={"d": (0.5, 0.5)})

    run = incremental_run(RUN, state({"refunds": ["a"]}), dict.fromkeys("ad", 1), joining, (), 3)

    assert (run.live, run.joined) == ([], [])
    assert [event.kind for event in run.events] == ["vanished"]
    assert run.map_points == {"d": (0.5, 0.5)}
