"""An issue as a clustering run stores it, for tests that need one holding given interactions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import numpy as np
import uuid_utils
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.issue_status import IssueStatus
from gateway.store.issue_records import IssueWrite, RunRecord
from gateway.store.issues import IssueStore


def issue_write(issue_id: str, members: list[str], now: datetime) -> IssueWrite:
    """New issue `issue_id` holding `members` (titled "About <id>"), first and last seen `now`, as a run writes it."""
    return IssueWrite(
        id=issue_id,
        is_new=True,
        title=f"About {issue_id}",
        summary=None,
        keywords=[],
        status=IssueStatus.NEW,
        regressed=False,
        size=len(members),
        negative_count=len(members),
        centroid=np.ones(4, dtype=np.float32),
        examples=[{"interaction_id": members[0], "text": issue_id}],
        first_seen=now,
        last_seen=now,
        member_ids=members,
    )


async def store_issue(engine: AsyncEngine, app: str, issue_id: str, members: list[str], *, new: bool = True) -> None:
    """Store new issue `issue_id` of `app` holding `members` (titled "About <id>"), as one clustering run would.

    `new=False`: the issue is stored already, and a later run finds it holding `members` now (its complaints replaced).
    """
    now = datetime.now(UTC)
    run = RunRecord(
        str(uuid_utils.uuid7()),
        app,
        now,
        now,
        items=len(members),
        noise=0,
        issues=[replace(issue_write(issue_id, members, now), is_new=new)],
    )
    await IssueStore(engine).save_run(run)


async def store_issues_centred(engine: AsyncEngine, app: str, centroids: list[list[float]]) -> list[str]:
    """Issues of `app` centred on `centroids` (unit length made), one run, one made-up complaint each; their ids in order."""
    now = datetime.now(UTC)
    writes = []
    for centroid in centroids:
        vector = np.asarray(centroid, dtype=np.float32)
        write = issue_write(str(uuid_utils.uuid7()), [str(uuid_utils.uuid7())], now)
        writes.append(replace(write, centroid=vector / np.linalg.norm(vector)))
    await IssueStore(engine).save_run(RunRecord(str(uuid_utils.uuid7()), app, now, now, len(writes), 0, writes))
    return [write.id for write in writes]
