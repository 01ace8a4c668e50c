"""When resolved issues were resolved: the moment a complaint must come after to count as a regression."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from clustering.issue_status import IssueStatus
from gateway.store.chunks import chunks
from gateway.store.tables import issue_events


async def resolution_times(connection: AsyncConnection, issue_ids: Sequence[str]) -> dict[str, datetime]:
    """The latest time each of `issue_ids` was set to resolved (its "status" events); absent if never recorded."""
    e = issue_events.c
    resolved: dict[str, datetime] = {}
    for chunk in chunks(list(issue_ids)):
        query = select(e.issue_id, e.detail, e.created_at).where(e.issue_id.in_(chunk), e.kind == "status")
        for issue_id, detail, created_at in await connection.execute(query):
            if created_at is None or not isinstance(detail, dict) or detail.get("to") != IssueStatus.RESOLVED:
                continue
            if issue_id not in resolved or created_at > resolved[issue_id]:
                resolved[issue_id] = created_at
    return resolved
