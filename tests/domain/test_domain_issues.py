"""IssueService without HTTP, on both stores: typed listings paged by offset, details, and triage."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from clustering.issue_status import IssueStatus
from gateway.domain.errors import InvalidQuery
from gateway.domain.issues import IssueExample, IssuePoint, IssueService
from gateway.store.issue_records import IssueWrite, RunRecord
from gateway.store.issues import IssueFilter, IssueStore

START = datetime(2026, 3, 1, tzinfo=UTC)


def write(issue_id: str, size: int, *, is_new: bool) -> IssueWrite:
    return IssueWrite(
        id=issue_id,
        is_new=is_new,
        title=f"About {issue_id}",
        summary=None,
        keywords=[issue_id, "help"],
        status=IssueStatus.NEW,
        regressed=False,
        size=size,
        negative_count=size,
        centroid=np.ones(4, dtype=np.float32),
        examples=[{"interaction_id": f"{issue_id}-0", "text": f"no {issue_id}"}],
        first_seen=START,
        last_seen=START,
        member_ids=[f"{issue_id}-{n}" for n in range(size)],
    )


@pytest.fixture
async def service(engine) -> IssueService:
    """Refunds (2, then 5) and passwords (3) over two runs on two days."""
    store = IssueStore(engine)
    for run_id, day, writes in [
        ("run-1", 0, [write("refunds", 2, is_new=True)]),
        ("run-2", 1, [write("refunds", 5, is_new=False), write("passwords", 3, is_new=True)]),
    ]:
        at = START + timedelta(days=day)
        await store.save_run(
            RunRecord(id=run_id, app="shop", started_at=at, finished_at=at, items=0, noise=0, issues=writes)
        )
    return IssueService(store)


async def test_issues_are_listed_as_typed_records_a_page_at_a_time(service):
    first = await service.list(IssueFilter(), sort="size", limit=1)
    second = await service.list(IssueFilter(), sort="size", limit=1, offset=first.next_offset)

    [refunds], [passwords] = first.data, second.data
    assert (first.paging, first.next_offset, second.next_offset) == ("offset", 1, None)
    assert (refunds.id, refunds.size, refunds.growth, refunds.status) == ("refunds", 5, 3, IssueStatus.NEW)
    assert refunds.keywords == ("refunds", "help")
    assert refunds.trend == (IssuePoint(date(2026, 3, 1), 2, 2), IssuePoint(date(2026, 3, 2), 5, 5))
    assert refunds.first_seen == START
    assert passwords.id == "passwords"


async def test_one_issue_has_its_examples_members_and_daily_points(service):
    detail = await service.get("refunds")

    assert detail.issue.title == "About refunds"
    assert detail.examples == (IssueExample("refunds-0", "no refunds"),)
    assert detail.member_ids == tuple(sorted(f"refunds-{n}" for n in range(5)))
    assert [point.size for point in detail.daily] == [2, 5]
    assert detail.changes == ()


async def test_an_issues_members_alone_are_its_examples_and_member_ids_as_in_its_detail(service):
    members = await service.members("refunds")
    detail = await service.get("refunds")

    assert members is not None and detail is not None
    assert (members.examples, members.member_ids) == (detail.examples, detail.member_ids)


async def test_an_unknown_issue_is_none(service):
    assert await service.get("nope") is None
    assert await service.members("nope") is None
    assert await service.triage("nope", IssueStatus.DISMISSED) is None


async def test_triage_changes_the_status_and_records_the_change(service):
    detail = await service.triage("refunds", IssueStatus.RESOLVED, "fixed the prompt")

    assert detail.issue.status == IssueStatus.RESOLVED
    [change] = detail.changes
    assert (change.kind, change.run_id) == ("status", None)
    assert change.detail == {"from": "new", "to": "resolved", "note": "fixed the prompt"}
    assert change.at is not None and change.at.utcoffset() == timedelta(0)
    resolved = await service.list(IssueFilter(status=IssueStatus.RESOLVED), sort="size", limit=10)
    assert [issue.id for issue in resolved.data] == ["refunds"]


async def test_only_a_clustering_run_makes_an_issue_new(service):
    with pytest.raises(InvalidQuery) as refused:
        await service.triage("refunds", IssueStatus.NEW)

    assert refused.value.field == "status"
    assert (await service.get("refunds")).issue.status == IssueStatus.NEW
