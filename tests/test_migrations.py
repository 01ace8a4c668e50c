"""The Alembic migrations build exactly the schema that `gateway.store.tables` declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.tables import metadata
from gateway.store.tables.search_index import include_in_schema_comparison


async def schema_differences(engine: AsyncEngine) -> list:
    async with engine.connect() as connection:
        return await connection.run_sync(
            lambda sync: compare_metadata(
                MigrationContext.configure(sync, opts={"include_name": include_in_schema_comparison}), metadata
            )
        )


async def test_migrated_database_matches_the_declared_tables(engine: AsyncEngine):
    differences = await schema_differences(engine)

    assert differences == []
