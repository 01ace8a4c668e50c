"""The Alembic migrations build exactly the schema that `gateway.store.tables` declares, and undo cleanly.

What each revision does to rows stored before it: tests/test_migration_revisions.py.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
from pathlib import Path
from subprocess import PIPE

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.engine import create_engine
from gateway.store.migrate import (
    MIGRATIONS,
    SchemaAhead,
    alembic_config,
    database_revision,
    pending_migrations,
    upgrade_database,
)
from gateway.store.schema_state import expected_revision
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


async def test_revision_0022_drops_the_insert_triggers_and_its_downgrade_restores_them_as_they_were_made(
    fresh_database_url: str,
):
    at_0021 = await triggers_after(fresh_database_url, "0021")

    at_head = await triggers_after(fresh_database_url, "head")
    back_at_0021 = await triggers_after(fresh_database_url, "0021", downgrade=True)

    dropped = {"daily_stats_interaction_inserted", "interaction_search_after_insert"}
    assert "daily_stats_interaction_inserted" in at_0021
    assert at_head == {name: text for name, text in at_0021.items() if name not in dropped}
    assert back_at_0021 == at_0021


async def test_upgrading_a_database_a_newer_feedgate_migrated_says_so_instead_of_failing_in_alembic(
    fresh_database_url: str,
):
    await at_a_newer_revision(fresh_database_url, "0099")

    with pytest.raises(SchemaAhead, match="schema is at 0099, newer than this gateway knows") as raised:
        await asyncio.to_thread(upgrade_database, fresh_database_url)

    assert "\n" not in str(raised.value)
    assert f"newest migration is {expected_revision()}" in str(raised.value)


async def test_two_upgrades_at_once_both_succeed(fresh_database_url: str):
    # A migrate step per replica (an init container each) runs them side by side: one failed with a
    # traceback, creating a table the other had just created.
    command = ["-m", "gateway.cli", "db", "upgrade", "--database-url", fresh_database_url]
    upgrades = [await asyncio.create_subprocess_exec(sys.executable, *command, stderr=PIPE) for _ in range(2)]

    outcomes = await asyncio.wait_for(asyncio.gather(*(upgrade.communicate() for upgrade in upgrades)), 120)
    assert [upgrade.returncode for upgrade in upgrades] == [0, 0], [err[-2000:] for _, err in outcomes]
    assert not await pending_migrations(fresh_database_url)


# A migration after the newest that changes the schema, then fails (bad data, a full disk, a bug).
FAILING_MIGRATION = """
import sqlalchemy as sa
from alembic import op

revision = "9999"
down_revision = "{head}"


def upgrade():
    op.create_table("half_made", sa.Column("id", sa.Integer, primary_key=True))
    op.add_column("interactions", sa.Column("half_made", sa.Integer))
    raise RuntimeError("the migration failed partway")


def downgrade():
    pass
"""


async def test_a_migration_that_fails_partway_leaves_the_schema_as_it_was(fresh_database_url: str, tmp_path: Path):
    # On SQLite each statement of a migration was committed as it ran: the table and column stayed,
    # the revision did not move, and every later `db upgrade` failed on "table half_made already exists".
    await asyncio.to_thread(upgrade_database, fresh_database_url)
    scripts = tmp_path / "migrations"
    shutil.copytree(MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9999_fails_partway.py").write_text(FAILING_MIGRATION.format(head=expected_revision()))
    config = alembic_config(fresh_database_url)
    config.set_main_option("script_location", str(scripts))

    with pytest.raises(RuntimeError, match="failed partway"):
        await asyncio.to_thread(command.upgrade, config, "head")

    engine = create_engine(fresh_database_url)
    try:
        assert await schema_differences(engine) == []
    finally:
        await engine.dispose()
    assert await database_revision(fresh_database_url) == expected_revision()


async def test_a_database_a_newer_feedgate_migrated_is_not_reported_as_pending_migrations(fresh_database_url: str):
    await at_a_newer_revision(fresh_database_url, "0099")

    with pytest.raises(SchemaAhead, match="a newer Feedgate migrated it"):
        await pending_migrations(fresh_database_url)


async def test_a_database_behind_this_gateway_has_pending_migrations(fresh_database_url: str):
    await asyncio.to_thread(upgrade_database, fresh_database_url, "0021")

    assert await pending_migrations(fresh_database_url) is True


async def test_revision_0024_indexes_the_listings_by_time_then_id_and_its_downgrade_restores_the_old_indexes(
    fresh_database_url: str,
):
    at_0023 = await indexes_after(fresh_database_url, "0023")

    at_0024 = await indexes_after(fresh_database_url, "0024")
    back_at_0023 = await indexes_after(fresh_database_url, "0023", downgrade=True)

    added = {
        ("interactions", "ix_interactions_created_at_id", ("created_at", "id")),
        ("interactions", "ix_interactions_app_created_at_id", ("app", "created_at", "id")),
        ("interactions", "ix_interactions_model_created_at_id", ("model", "created_at", "id")),
        ("feedback", "ix_feedback_created_at_id", ("created_at", "id")),
        ("feedback", "ix_feedback_app_created_at_id", ("app", "created_at", "id")),
    }
    # Each a leading part of an added index, or (model, id) and (app, id) that only reads newest by id used.
    dropped = {
        ("interactions", "ix_interactions_created_at", ("created_at",)),
        ("interactions", "ix_interactions_app_created_at", ("app", "created_at")),
        ("interactions", "ix_interactions_model_id", ("model", "id")),
        ("interactions", "ix_interactions_app_id", ("app", "id")),
        ("feedback", "ix_feedback_created_at", ("created_at",)),
        ("feedback", "ix_feedback_app_created_at", ("app", "created_at")),
    }
    assert (at_0024 - at_0023, at_0023 - at_0024) == (added, dropped)
    assert back_at_0023 == at_0023


async def test_revision_0041_indexes_merge_judgements_by_age_and_fix_links_by_fix_and_its_downgrade_drops_them(
    fresh_database_url: str,
):
    tables = ("merge_judgements", "fix_links")
    at_0040 = await indexes_after(fresh_database_url, "0040", tables=tables)

    at_0041 = await indexes_after(fresh_database_url, "0041", tables=tables)
    back_at_0040 = await indexes_after(fresh_database_url, "0040", downgrade=True, tables=tables)

    added = {
        ("merge_judgements", "ix_merge_judgements_asked_at", ("asked_at",)),
        ("fix_links", "ix_fix_links_fix_id", ("fix_id",)),
    }
    assert (at_0041 - at_0040, at_0040 - at_0041) == (added, set())
    assert back_at_0040 == at_0040


async def at_a_newer_revision(url: str, revision: str) -> None:
    """Migrate `url` to this code's newest revision, then mark it as migrated to `revision`, as a newer release would."""
    await asyncio.to_thread(upgrade_database, url)
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("UPDATE alembic_version SET version_num = :rev"), {"rev": revision})
    finally:
        await engine.dispose()


async def triggers_after(url: str, revision: str, downgrade: bool = False) -> dict[str, str]:
    """Migrate `url` up (or down) to `revision`; then each trigger's name and definition, as the database shows it."""
    move = command.downgrade if downgrade else command.upgrade
    await asyncio.to_thread(move, alembic_config(url), revision)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            if engine.dialect.name == "postgresql":
                query = "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal"
            else:
                query = "SELECT name, sql FROM sqlite_master WHERE type = 'trigger'"
            return {row[0]: row[1] for row in await connection.execute(text(query))}
    finally:
        await engine.dispose()


async def indexes_after(
    url: str, revision: str, downgrade: bool = False, tables: tuple[str, ...] = ("interactions", "feedback")
) -> set[tuple[str, str, tuple[str, ...]]]:
    """Migrate `url` up (or down) to `revision`; then (table, index name, columns) of each index on `tables`."""
    move = command.downgrade if downgrade else command.upgrade
    await asyncio.to_thread(move, alembic_config(url), revision)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: {
                    (name, index["name"], tuple(index["column_names"]))
                    for name in tables
                    for index in inspect(sync).get_indexes(name)
                }
            )
    finally:
        await engine.dispose()
