"""Which issues hold a set of interactions: for a review task to name the issues its answers belong to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.chunks import chunks
from gateway.store.tables import issue_members, issues

Row = dict[str, Any]


class MemberIssueStore:
    """Reads the issues that hold given interactions as members, and the heads of given issues."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def counts(self, interaction_ids: Sequence[str]) -> dict[str, int]:
        """How many of `interaction_ids` each issue holds, by issue id (issues holding none are left out)."""
        m = issue_members.c
        found: dict[str, int] = {}
        async with self._engine.connect() as connection:
            for chunk in chunks(list(dict.fromkeys(interaction_ids))):
                query = select(m.issue_id, func.count()).where(m.interaction_id.in_(chunk)).group_by(m.issue_id)
                for issue_id, count in await connection.execute(query):
                    found[issue_id] = found.get(issue_id, 0) + count
        return found

    async def heads(self, issue_ids: Sequence[str]) -> dict[str, Row]:
        """id, title, status, regressed and merged_into of each of `issue_ids` that exists, by id."""
        c = issues.c
        found: dict[str, Row] = {}
        async with self._engine.connect() as connection:
            for chunk in chunks(list(dict.fromkeys(issue_ids))):
                query = select(c.id, c.title, c.status, c.regressed, c.merged_into).where(c.id.in_(chunk))
                for row in (await connection.execute(query)).mappings():
                    found[row["id"]] = dict(row)
        return found
