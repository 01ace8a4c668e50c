"""The Alembic migrations build exactly the schema that `gateway.store.tables` declares, and undo cleanly."""

from __future__ import annotations

import asyncio
import shutil
import sys
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from subprocess import PIPE

import asyncpg
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.label import MAX_ISSUE_TITLE, capped_title
from gateway.accounts.records import Role, User
from gateway.audit.records import AuditEntry
from gateway.store.engine import create_engine
from gateway.store.interactions import InteractionStore
from gateway.store.knowledge_search import search_text, tag_text
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
from gateway.store.users import UserStore


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


async def test_revision_0023_marks_every_day_with_a_roll_up_stale_once(fresh_database_url: str):
    await asyncio.to_thread(upgrade_database, fresh_database_url, "0022")
    engine = create_engine(fresh_database_url)
    try:
        async with engine.begin() as connection:
            for day, model in (("2026-11-01", "a"), ("2026-11-01", "b"), ("2026-11-02", "a")):
                await connection.execute(
                    text(
                        "INSERT INTO daily_stats (day, app, model, interactions, answers, feedback, "
                        "interactions_with_feedback, positive, negative, corrections, rating_count, rating_sum, delays, "
                        "refreshed_at) VALUES (:day, 'bot', :model, 1, 1, 0, 0, 0, 0, 0, 0, 0, '[]', CURRENT_TIMESTAMP)"
                    ),
                    {"day": day, "model": model},
                )
            await connection.execute(text("INSERT INTO daily_stats_stale (day, app) VALUES ('2026-11-02', 'bot')"))
        await asyncio.to_thread(upgrade_database, fresh_database_url)
        async with engine.connect() as connection:
            stale = (await connection.execute(text("SELECT day, app FROM daily_stats_stale ORDER BY day"))).all()
    finally:
        await engine.dispose()

    assert [tuple(row) for row in stale] == [("2026-11-01", "bot"), ("2026-11-02", "bot")]


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


async def indexes_after(url: str, revision: str, downgrade: bool = False) -> set[tuple[str, str, tuple[str, ...]]]:
    """Migrate `url` up (or down) to `revision`; then (table, index name, columns) of each index on the listed tables."""
    move = command.downgrade if downgrade else command.upgrade
    await asyncio.to_thread(move, alembic_config(url), revision)
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: {
                    (name, index["name"], tuple(index["column_names"]))
                    for name in ("interactions", "feedback")
                    for index in inspect(sync).get_indexes(name)
                }
            )
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
async def fresh_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[str]:
    """An empty database (no migrations) of each kind, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}"
        return
    server: str = request.getfixturevalue("postgres_server")
    admin_url = server.replace("postgresql+asyncpg://", "postgresql://")
    name = f"feedgate_migrations_{uuid.uuid4().hex[:10]}"
    await admin(admin_url, f'CREATE DATABASE "{name}"')
    try:
        yield server.rsplit("/", 1)[0] + f"/{name}"
    finally:
        await admin(admin_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def admin(server_url: str, statement: str) -> None:
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


async def test_revision_0025_cuts_issue_titles_stored_past_the_cap_as_clustering_does(fresh_database_url: str):
    await asyncio.to_thread(upgrade_database, fresh_database_url, "0024")
    long_title = "Card   payment declined " * 20
    engine = create_engine(fresh_database_url)
    try:
        async with engine.begin() as connection:
            for issue_id, title in (("long", long_title), ("short", "Card declined")):
                await connection.execute(
                    text(
                        "INSERT INTO issues (id, app, title, status, regressed, size, negative_count, created_at, "
                        "updated_at) VALUES (:id, 'bot', :title, 'open', false, 3, 3, CURRENT_TIMESTAMP, "
                        "CURRENT_TIMESTAMP)"
                    ),
                    {"id": issue_id, "title": title},
                )
        await asyncio.to_thread(upgrade_database, fresh_database_url)
        async with engine.connect() as connection:
            titles = dict((await connection.execute(text("SELECT id, title FROM issues"))).all())
    finally:
        await engine.dispose()

    assert titles == {"long": capped_title(long_title), "short": "Card declined"}
    assert len(titles["long"]) == MAX_ISSUE_TITLE


async def test_revision_0031_gives_every_knowledge_entry_its_folded_search_text(fresh_database_url: str):
    await asyncio.to_thread(upgrade_database, fresh_database_url, "0030")
    engine = create_engine(fresh_database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO knowledge_entries (id, app, title, content, example_questions, tags, active, version, "
                    "author, created_at, updated_at) VALUES ('e1', 'bank', 'Straße', 'Closed.', :questions, '[]', "
                    "true, 1, 'alice', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)"
                ),
                {"questions": '["Where IS it?", "Why \\"closed\\"?"]'},
            )
        await asyncio.to_thread(upgrade_database, fresh_database_url)
        async with engine.connect() as connection:
            stored = (await connection.execute(text("SELECT search_text FROM knowledge_entries"))).scalar_one()
    finally:
        await engine.dispose()

    assert stored == search_text("Straße", "Closed.", ["Where IS it?", 'Why "closed"?'])
    assert stored == 'strasse\x1fclosed.\x1fwhere is it?\x1fwhy "closed"?'


async def test_revision_0035_gives_every_knowledge_entry_its_folded_tag_text(fresh_database_url: str):
    await asyncio.to_thread(upgrade_database, fresh_database_url, "0034")
    engine = create_engine(fresh_database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO knowledge_entries (id, app, title, content, example_questions, tags, active, version, "
                    "author, created_at, updated_at, search_text) VALUES (:id, 'bank', 'T', 'C.', '[]', :tags, "
                    "true, 1, 'alice', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP, 't')"
                ),
                [{"id": "e1", "tags": '["Straße", "Cards"]'}, {"id": "e2", "tags": "[]"}],
            )
        await asyncio.to_thread(upgrade_database, fresh_database_url)
        async with engine.connect() as connection:
            query = text("SELECT id, tag_text FROM knowledge_entries ORDER BY id")
            stored = dict((await connection.execute(query)).all())
    finally:
        await engine.dispose()

    assert stored == {"e1": tag_text(["Straße", "Cards"]), "e2": tag_text([])}
    assert stored["e1"] == "\x1fstrasse\x1fcards\x1f"


async def test_revision_0032_keeps_a_pair_of_names_in_two_cases_and_refuses_a_third(fresh_database_url: str):
    await asyncio.to_thread(upgrade_database, fresh_database_url, "0031")
    engine = create_engine(fresh_database_url)
    insert_user = text(
        "INSERT INTO admin_users (id, name, role, password_hash, created_at, updated_at) "
        "VALUES (:id, :name, 'viewer', 'hash', :at, :at)"
    )
    try:
        async with engine.begin() as connection:
            for user_id, name, at in (
                ("u2", "alice", "2026-11-02"),
                ("u1", "Alice", "2026-11-01"),
                ("u3", "bo", "2026-11-03"),
            ):
                await connection.execute(insert_user, {"id": user_id, "name": name, "at": datetime.fromisoformat(at)})
        await asyncio.to_thread(upgrade_database, fresh_database_url)
        async with engine.connect() as connection:
            keys = dict((await connection.execute(text("SELECT name, name_key FROM admin_users"))).all())
        now = datetime.now(UTC)
        third = User("u4", "ALICE", Role.VIEWER, now, now, None, None)
        stored = await UserStore(engine).insert(third, "hash", AuditEntry("cli", "user.create", "user", "ALICE"))
    finally:
        await engine.dispose()

    assert keys == {"Alice": "alice", "alice": None, "bo": "bo"}
    assert stored is False


async def test_revision_0037_numbers_existing_rows_by_time_then_id_and_new_ones_after_them(
    fresh_database_url: str,
):
    await asyncio.to_thread(upgrade_database, fresh_database_url, "0036")
    engine = create_engine(fresh_database_url)
    insert = text(
        "INSERT INTO interactions (id, created_at, app, endpoint, upstream, stream, partial)"
        " VALUES (:id, :at, 'bank', 'chat.completions', 'default', false, false)"
    )
    times = {"c": datetime(2026, 1, 1, tzinfo=UTC), "a": datetime(2026, 1, 2, tzinfo=UTC)}
    try:
        async with engine.begin() as connection:
            await connection.execute(insert, [{"id": row_id, "at": times[row_id[0]]} for row_id in ("a2", "c", "a1")])
            await connection.execute(
                text(
                    "INSERT INTO feedback (id, interaction_id, created_at, app, negative, submitted_via)"
                    " VALUES (:id, 'c', :at, 'bank', true, 'app')"
                ),
                [{"id": "later", "at": times["a"]}, {"id": "earlier", "at": times["c"]}],
            )
        await asyncio.to_thread(upgrade_database, fresh_database_url)
        await InteractionStore(engine).insert_many(
            [{"id": "new", "created_at": times["c"], "app": "bank", "endpoint": "e", "upstream": "default"}]
        )
        async with engine.connect() as connection:
            query = text("SELECT id, stored_seq FROM interactions ORDER BY stored_seq")
            numbered = [tuple(row) for row in await connection.execute(query)]
            query = text("SELECT id, stored_seq FROM feedback ORDER BY stored_seq")
            events = [tuple(row) for row in await connection.execute(query)]
            heads = dict((await connection.execute(text("SELECT name, seq FROM stored_order_heads"))).all())
    finally:
        await engine.dispose()

    assert numbered == [("c", 1), ("a1", 2), ("a2", 3), ("new", 4)]
    assert events == [("earlier", 1), ("later", 2)]
    assert heads == {"interactions": 4, "feedback": 2}


async def test_revision_0040_gives_every_review_task_tag_its_folded_key(fresh_database_url: str):
    await asyncio.to_thread(upgrade_database, fresh_database_url, "0039")
    engine = create_engine(fresh_database_url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO review_task_tags (task_id, tag) VALUES (:task_id, :tag)"),
                [
                    {"task_id": "t1", "tag": "Straße"},
                    {"task_id": "t1", "tag": "Cards"},
                    {"task_id": "t2", "tag": "Cards"},
                ],
            )
        await asyncio.to_thread(upgrade_database, fresh_database_url)
        async with engine.connect() as connection:
            query = text("SELECT task_id, tag, tag_key FROM review_task_tags ORDER BY task_id, tag")
            stored = [tuple(row) for row in await connection.execute(query)]
    finally:
        await engine.dispose()

    assert stored == [("t1", "Cards", "cards"), ("t1", "Straße", "strasse"), ("t2", "Cards", "cards")]
