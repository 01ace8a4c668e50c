"""Which schema revision a database is at, and which one this code expects (for readiness checks)."""

from __future__ import annotations

from functools import cache

from alembic.script import ScriptDirectory
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.migrate import alembic_config, current_revision


@cache
def expected_revision() -> str | None:
    """The newest migration this code ships (read once: the migrations do not change while it runs)."""
    # The URL is not used to find the scripts; any placeholder will do.
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def schema_revision(engine: AsyncEngine) -> str | None:
    """The revision the database is at (None: never migrated); raises when the database does not answer.

    Read from Alembic's version table directly: a MigrationContext would log two INFO lines on every
    readiness probe.
    """
    async with engine.connect() as connection:
        return await connection.run_sync(current_revision)
