"""Writing interactions, feedback and issues straight into the stores, for the overview page tests."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import uuid_utils
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.issue_status import IssueStatus
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionStore
from gateway.store.issue_edits import IssueEditStore
from gateway.store.issue_records import IssueWrite, RunRecord
from gateway.store.issues import IssueStore


def interaction(at: datetime, app: str, question: str = "How do I reset my password?") -> dict[str, Any]:
    """An interaction row of `app` at `at`."""
    return {
        "id": str(uuid_utils.uuid7()),
        "created_at": at,
        "app": app,
        "endpoint": "chat.completions",
        "upstream": "default",
        "model": "gpt-test",
        "stream": False,
        "partial": False,
        "request": {"model": "gpt-test", "messages": [{"role": "user", "content": question}]},
        "response_text": "Here is some help.",
    }


async def rated_traffic(
    engine: AsyncEngine, app: str, since: datetime, until: datetime, negative: int, positive: int
) -> None:
    """negative + positive interactions of `app` spread over [since, until), each with one thumbs."""
    total = negative + positive
    step = (until - since) / total
    rows = [interaction(since + step * n, app) for n in range(total)]
    await InteractionStore(engine).insert_many(rows)
    store = FeedbackStore(engine)
    for n, row in enumerate(rows):
        await store.append(
            {
                "id": str(uuid_utils.uuid7()),
                "interaction_id": row["id"],
                "created_at": row["created_at"] + timedelta(seconds=1),
                "app": app,
                "user_id": f"user-{n}",
                "thumbs": "down" if _spread(n, negative, total) else "up",
                "negative": _spread(n, negative, total),
                "submitted_via": "app",
            }
        )


def _spread(n: int, negative: int, total: int) -> bool:
    """Whether the n-th of `total` is one of the `negative`, spread evenly over time."""
    return (n * negative) // total != ((n + 1) * negative) // total


async def issue_runs(
    engine: AsyncEngine,
    app: str,
    title: str,
    sizes: list[int],
    *,
    regressed: bool = False,
    status: IssueStatus | None = None,
) -> str:
    """An issue of `app` through one clustering run per size in `sizes` (so its growth is the last step); its id."""
    issue_id = str(uuid_utils.uuid7())
    store = IssueStore(engine)
    now = datetime.now(UTC)
    for index, size in enumerate(sizes):
        members = [str(uuid_utils.uuid7()) for _ in range(size)]
        at = now - timedelta(hours=len(sizes) - index)
        write = IssueWrite(
            id=issue_id,
            is_new=index == 0,
            title=title,
            summary=None,
            keywords=["reset", "password"],
            status=IssueStatus.OPEN if regressed else IssueStatus.NEW,
            regressed=regressed and index == len(sizes) - 1,
            size=size,
            negative_count=size,
            centroid=np.zeros(4, dtype=np.float32),
            examples=[{"interaction_id": members[0], "text": title}],
            first_seen=now,
            last_seen=now,
            member_ids=members,
        )
        run = RunRecord(
            id=str(uuid_utils.uuid7()), app=app, started_at=at, finished_at=at, items=size, noise=0, issues=[write]
        )
        await store.save_run(run)
    if status is not None:
        await IssueEditStore(engine).set_status(issue_id, status)
    return issue_id
