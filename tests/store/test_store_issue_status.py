"""Issue statuses: one vocabulary, growth read the same way by listings and single issues."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.issue_status import IssueStatus
from gateway.store.issue_edits import Edit, IssueEditStore
from gateway.store.issue_records import IssueWrite, RunRecord
from gateway.store.issues import IssueFilter, IssueStore

START = datetime(2026, 3, 1, tzinfo=UTC)


def write(issue_id: str, size: int, *, is_new: bool) -> IssueWrite:
    return IssueWrite(
        id=issue_id,
        is_new=is_new,
        title=issue_id,
        summary=None,
        keywords=[],
        status=IssueStatus.NEW,
        regressed=False,
        size=size,
        negative_count=size,
        centroid=np.ones(4, dtype=np.float32),
        examples=[],
        first_seen=START,
        last_seen=START,
        member_ids=[f"{issue_id}-{n}" for n in range(size)],
    )


async def run(store: IssueStore, run_id: str, day: int, writes: list[IssueWrite]) -> None:
    at = START + timedelta(days=day)
    await store.save_run(
        RunRecord(id=run_id, app="app", started_at=at, finished_at=at, items=0, noise=0, issues=writes)
    )


async def test_growth_is_the_same_in_a_listing_and_for_one_issue(engine: AsyncEngine):
    store = IssueStore(engine)
    await run(store, "run-1", 0, [write("steady", 5, is_new=True), write("growing", 2, is_new=True)])
    await run(store, "run-2", 1, [write("steady", 5, is_new=False), write("growing", 6, is_new=False)])
    await run(store, "run-3", 2, [write("fresh", 3, is_new=True), write("growing", 7, is_new=False)])

    listed = await store.list(IssueFilter(), sort="growth", limit=10)

    assert [(row["id"], row["growth"]) for row in listed] == [("fresh", 3), ("growing", 1), ("steady", 0)]
    for row in listed:
        single = await store.get(row["id"])
        assert single is not None and single["growth"] == row["growth"]


async def test_growth_sorting_pages_with_offset(engine: AsyncEngine):
    store = IssueStore(engine)
    await run(store, "run-1", 0, [write(name, 1, is_new=True) for name in ("a", "b", "c")])
    await run(
        store, "run-2", 1, [write("a", 2, is_new=False), write("b", 5, is_new=False), write("c", 3, is_new=False)]
    )

    pages = [await store.list(IssueFilter(), sort="growth", limit=1, offset=offset) for offset in range(3)]

    assert [page[0]["id"] for page in pages] == ["b", "c", "a"]


async def test_statuses_are_stored_and_read_as_issue_status(engine: AsyncEngine):
    store = IssueStore(engine)
    await run(store, "run-1", 0, [write("x", 1, is_new=True)])

    assert await IssueEditStore(engine).set_status("x", IssueStatus.DISMISSED, "duplicate") is Edit.MADE
    changed = await store.get("x")
    (tracked,) = await store.tracked("app")

    assert changed is not None and changed["status"] == IssueStatus.DISMISSED
    assert tracked.status is IssueStatus.DISMISSED
    assert changed["events"][-1]["detail"] == {"from": "new", "to": "dismissed", "note": "duplicate"}


async def test_only_a_run_makes_an_issue_new(engine: AsyncEngine):
    store = IssueStore(engine)
    await run(store, "run-1", 0, [write("x", 1, is_new=True)])

    with pytest.raises(ValueError, match="new"):
        await IssueEditStore(engine).set_status("x", IssueStatus.NEW)
