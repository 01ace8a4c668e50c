"""What has been done about a set of issues, in two queries: their waiting review tasks and their linked fixes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.chunks import chunks
from gateway.store.fix_effects import FixEffectStore
from gateway.store.fix_links import standing
from gateway.store.tables import fix_links, review_tasks

Row = dict[str, Any]
# Tasks still waiting for a person (a lapsed claim is still in progress here: it waits all the same).
WAITING = ("open", "in_progress")


class IssueFollowUpStore:
    """Reads the review tasks and fix links of many issues at once (for the overview's top issues)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def waiting_tasks(self, issue_ids: Sequence[str]) -> list[Row]:
        """id, issue_id, priority and deadline of every waiting task about one of `issue_ids`."""
        c = review_tasks.c
        found: list[Row] = []
        async with self._engine.connect() as connection:
            for chunk in chunks(list(issue_ids)):
                query = (
                    select(c.id, c.issue_id, c.priority, c.deadline)
                    .where(c.issue_id.in_(chunk), c.status.in_(WAITING))
                    .order_by(c.deadline, c.id)
                )
                found.extend(dict(row) for row in (await connection.execute(query)).mappings())
        return found

    async def fix_links(self, issue_ids: Sequence[str]) -> list[Row]:
        """id, issue_id, kind, arm, live_at and standing (store.fix_links.standing) of every fix linked to one of
        `issue_ids`, the earliest live first."""
        c = fix_links.c
        found: list[Row] = []
        async with self._engine.connect() as connection:
            for chunk in chunks(list(issue_ids)):
                query = (
                    select(c.id, c.issue_id, c.kind, c.arm, c.live_at, standing().label("standing"))
                    .where(c.issue_id.in_(chunk))
                    .order_by(c.live_at, c.id)
                )
                found.extend(dict(row) for row in (await connection.execute(query)).mappings())
        return found

    async def fix_effects(self, issue_ids: Sequence[str]) -> dict[str, Row]:
        """The kept effect verdict (gateway.store.fix_effects) of each of `issue_ids` that has one, by issue id."""
        return await FixEffectStore(self._engine).for_issues(issue_ids)
