"""An upgrade says itself in one log line, not Alembic's line per migration, unless debug logging is on.

A first `feedgate serve` printed some 30 "Running upgrade …" lines before its "Feedgate on … -> …" line.
"""

from __future__ import annotations

import asyncio
import logging

import pytest

from gateway.store.migrate import pending_migrations, schema_position, upgrade_database
from gateway.store.schema_state import expected_revision


def lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [f"{record.name}: {record.getMessage()}" for record in caplog.records]


async def test_an_upgrade_logs_one_summary_line(fresh_database_url: str, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.INFO)
    await asyncio.to_thread(upgrade_database, fresh_database_url, "0028")
    caplog.clear()

    await asyncio.to_thread(upgrade_database, fresh_database_url)

    said = lines(caplog)
    assert said == [
        f"feedgate.store: database upgraded from 0028 to {expected_revision()} ({len(steps_after('0028'))} migrations)"
    ]


async def test_a_first_upgrade_says_it_started_from_an_empty_database(
    fresh_database_url: str,
    caplog: pytest.LogCaptureFixture,
):
    caplog.set_level(logging.INFO)

    await asyncio.to_thread(upgrade_database, fresh_database_url, "0002")

    assert lines(caplog) == ["feedgate.store: database upgraded from an empty database to 0002 (2 migrations)"]
    assert logging.getLogger("alembic").level == logging.NOTSET  # put back as it was


async def test_an_upgrade_with_nothing_to_do_says_nothing(fresh_database_url: str, caplog: pytest.LogCaptureFixture):
    await asyncio.to_thread(upgrade_database, fresh_database_url)
    caplog.set_level(logging.INFO)
    # The first upgrade's line is captured too when an earlier test in this process left INFO on.
    caplog.clear()

    await asyncio.to_thread(upgrade_database, fresh_database_url)

    assert lines(caplog) == []


async def test_debug_logging_keeps_every_migrations_line(fresh_database_url: str, caplog: pytest.LogCaptureFixture):
    caplog.set_level(logging.DEBUG)

    await asyncio.to_thread(upgrade_database, fresh_database_url, "0002")

    said = lines(caplog)
    assert [line for line in said if "Running upgrade" in line] == [
        "alembic.runtime.migration: Running upgrade  -> 0001, " + first_doc("0001"),
        "alembic.runtime.migration: Running upgrade 0001 -> 0002, " + first_doc("0002"),
    ]
    assert not any("database upgraded" in line for line in said)


async def test_checking_a_current_schema_at_start_says_nothing(
    fresh_database_url: str,
    caplog: pytest.LogCaptureFixture,
):
    # Every `serve` process (each `--workers` worker too) and every read-only command checks the schema at
    # start on PostgreSQL: Alembic's "Context impl PostgresqlImpl." and "Will assume transactional DDL."
    # came out at INFO, two lines per process.
    await asyncio.to_thread(upgrade_database, fresh_database_url)
    caplog.set_level(logging.INFO)
    caplog.clear()

    assert await pending_migrations(fresh_database_url) is False

    assert lines(caplog) == []


def steps_after(revision: str) -> list[str]:
    """The revisions after `revision` up to the newest, oldest first."""
    from alembic.script import ScriptDirectory

    from gateway.store.migrate import alembic_config

    scripts = ScriptDirectory.from_config(alembic_config("sqlite://"))
    return [script.revision for script in scripts.iterate_revisions("head", revision)]


def first_doc(revision: str) -> str:
    from alembic.script import ScriptDirectory

    from gateway.store.migrate import alembic_config

    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_revision(revision).doc


def test_a_revision_behind_head_is_said_with_the_number_of_migrations_between():
    head = expected_revision()
    one_before, two_before = f"{int(head) - 1:04d}", f"{int(head) - 2:04d}"

    assert schema_position(head) == f"at revision {head}, up to date"
    assert schema_position(one_before) == f"at revision {one_before}, 1 migration behind {head}"
    assert schema_position(two_before) == f"at revision {two_before}, 2 migrations behind {head}"
