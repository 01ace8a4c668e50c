"""Read-only commands never migrate: on a schema behind this Feedgate's they refuse, on SQLite as on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import asyncpg
import pytest
from cli_run import one_line_error, run

from gateway.store.migrate import database_revision, upgrade_database

# One revision behind the newest: what a database left by the Feedgate before an upgrade is.
BEHIND = "0029"
OUT_OF_DATE = "feedgate: the database schema is out of date: run `feedgate db upgrade` first"
NO_SCHEMA = "feedgate: the database holds no Feedgate schema yet: run `feedgate db upgrade` first"
READ_ONLY_COMMANDS = [
    ["keys", "list"],
    ["export", "--format", "chat"],
    ["audit", "verify"],
    ["user", "list"],
]


def revision(url: str) -> str | None:
    return asyncio.run(database_revision(url))


@pytest.mark.parametrize("command", READ_ONLY_COMMANDS, ids=lambda command: " ".join(command[:2]))
def test_a_read_only_command_refuses_a_sqlite_schema_behind_and_leaves_it_as_it_was(tmp_path: Path, command):
    url = f"sqlite+aiosqlite:///{tmp_path}/feedgate.db"
    upgrade_database(url, BEHIND)

    result = run(command, {"FEEDGATE_DATABASE_URL": url, "FEEDGATE_LOG_FORMAT": "text"})

    assert result.returncode == 2, result.stdout
    # export too: its progress bar starts once the database is open, so no `exporting chat … 0/?` line.
    assert one_line_error(result) == OUT_OF_DATE
    assert result.stdout == ""
    assert revision(url) == BEHIND


def test_a_read_only_command_on_a_sqlite_file_with_no_schema_says_it_holds_none(tmp_path: Path):
    # An empty file (made by another tool, or a `touch`): it was called "out of date", as if Feedgate had made it.
    path = tmp_path / "feedgate.db"
    path.touch()

    result = run(
        ["keys", "list"], {"FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{path}", "FEEDGATE_LOG_FORMAT": "text"}
    )

    assert result.returncode == 2
    assert one_line_error(result) == NO_SCHEMA
    assert revision(f"sqlite+aiosqlite:///{path}") is None  # nothing migrated


def test_after_db_upgrade_the_read_only_command_runs(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path}/feedgate.db"
    upgrade_database(url, BEHIND)
    env = {"FEEDGATE_DATABASE_URL": url, "FEEDGATE_LOG_FORMAT": "text"}

    assert run(["db", "upgrade"], env).returncode == 0
    result = run(["keys", "list"], env)

    assert result.returncode == 0, result.stderr
    assert result.stderr == "no live keys (--all shows revoked ones too)\n"


def test_a_command_that_may_begin_a_database_still_migrates_sqlite(tmp_path: Path):
    url = f"sqlite+aiosqlite:///{tmp_path}/feedgate.db"
    upgrade_database(url, BEHIND)

    result = run(["keys", "create", "bot"], {"FEEDGATE_DATABASE_URL": url, "FEEDGATE_LOG_FORMAT": "text"})

    assert result.returncode == 0, result.stderr
    assert revision(url) != BEHIND


def test_a_read_only_command_refuses_a_postgres_schema_behind_too(postgres_server: str):
    server = postgres_server.replace("postgresql+asyncpg://", "postgresql://").rsplit("/", 1)[0]
    name = f"feedgate_behind_{os.getpid()}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(f"{server}/test")
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    url = postgres_server.rsplit("/", 1)[0] + f"/{name}"
    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        upgrade_database(url, BEHIND)
        result = run(["keys", "list"], {"FEEDGATE_DATABASE_URL": url, "FEEDGATE_LOG_FORMAT": "text"})
        after = revision(url)
    finally:
        asyncio.run(admin(f'DROP DATABASE "{name}" WITH (FORCE)'))

    assert result.returncode == 2
    assert one_line_error(result) == OUT_OF_DATE
    assert after == BEHIND
