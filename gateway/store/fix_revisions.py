"""Fix revisions: one counter per (kind of fix, app), raised with every change to that app's fixes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.tables import fix_revisions


async def bump_revision(connection: AsyncConnection, kind: str, app: str) -> None:
    """Raise `app`'s revision of `kind`, inside the caller's transaction (so it commits with the change)."""
    now = datetime.now(UTC)
    c = fix_revisions.c
    raise_it = update(fix_revisions).where(c.kind == kind, c.app == app).values(revision=c.revision + 1, updated_at=now)
    if (await connection.execute(raise_it)).rowcount:
        return
    first = insert_skipping_duplicates(connection.dialect, fix_revisions, ["kind", "app"])
    inserted = await connection.execute(first.values(kind=kind, app=app, revision=1, updated_at=now))
    if not inserted.rowcount:  # another transaction made the row meanwhile
        await connection.execute(raise_it)


async def revisions(engine: AsyncEngine, kind: str) -> dict[str, int]:
    """Every app's current revision of `kind`."""
    query = select(fix_revisions.c.app, fix_revisions.c.revision).where(fix_revisions.c.kind == kind)
    async with engine.connect() as connection:
        return {app: int(revision) for app, revision in await connection.execute(query)}
