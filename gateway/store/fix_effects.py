"""The kept verdict of each issue's latest fix (gateway.effect.verdict_cache): one row per issue, replaced when measured."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.chunks import chunks
from gateway.store.inserts import conflict_insert
from gateway.store.tables import fix_effects, fix_links, issues

Row = dict[str, Any]


class FixEffectStore:
    """Keeps the latest measured verdict per issue and reads many issues' at once."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def keep(self, row: Row) -> None:
        """Store `row` (every column) as its issue's verdict, replacing the one measured before, unless that one
        was measured later (two measurements at once: the newer stands)."""
        insert = conflict_insert(self._engine.dialect, fix_effects).values(row)
        newer = {column: insert.excluded[column] for column in row if column != "issue_id"}
        upsert = insert.on_conflict_do_update(
            index_elements=["issue_id"], set_=newer, where=fix_effects.c.measured_at <= insert.excluded.measured_at
        )
        async with self._engine.begin() as connection:
            await connection.execute(upsert)

    async def for_issues(self, issue_ids: Sequence[str]) -> dict[str, Row]:
        """The kept verdict of each of `issue_ids` that has one, by issue id."""
        found: dict[str, Row] = {}
        async with self._engine.connect() as connection:
            for chunk in chunks(list(dict.fromkeys(issue_ids))):
                query = select(fix_effects).where(fix_effects.c.issue_id.in_(chunk))
                for row in (await connection.execute(query)).mappings():
                    found[row["issue_id"]] = dict(row)
        return found

    async def due(self, app: str, closed: Sequence[str], limit: int) -> list[str]:
        """`app`'s issues with a fix linked that are neither merged away nor in a `closed` status, those measured
        longest ago first (never measured before all), at most `limit`."""
        i, e = issues.c, fix_effects.c
        query = (
            select(i.id)
            .select_from(issues.outerjoin(fix_effects, e.issue_id == i.id))
            .where(i.app == app, i.status.not_in(list(closed)), i.merged_into.is_(None))
            .where(i.id.in_(select(fix_links.c.issue_id)))
            .order_by(e.measured_at.is_not(None), e.measured_at, i.id)
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            return list((await connection.execute(query)).scalars())
