"""The `feedgate` command, run as a user would run it."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from pathlib import Path

import httpx
import pytest
from cli_run import FEEDGATE, free_port, one_line_error, run


def test_db_upgrade_creates_the_schema(tmp_path: Path):
    result = run(["db", "upgrade"], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/new.db"})

    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout
    assert (tmp_path / "new.db").exists()


def test_keys_create_prints_the_key_once(tmp_path: Path):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/keys.db"}
    run(["db", "upgrade"], env)

    result = run(["keys", "create", "support-bot"], env)

    assert result.returncode == 0, result.stderr
    assert "app:     support-bot" in result.stdout
    assert "key:     fgk-" in result.stdout


def test_config_errors_are_reported_without_a_traceback(tmp_path: Path):
    result = run(["db", "upgrade", "--config", str(tmp_path / "missing.toml")], {})

    assert result.returncode == 2
    assert "config file not found" in result.stderr
    assert "Traceback" not in result.stderr


def test_serve_on_postgres_refuses_an_unmigrated_database(tmp_path: Path, postgres_database: str):
    import asyncio

    import asyncpg

    server = postgres_database.replace("postgresql+asyncpg://", "postgresql://").rsplit("/", 1)[0]
    name = f"feedgate_empty_{os.getpid()}"

    async def admin(statement: str) -> None:
        connection = await asyncpg.connect(f"{server}/test")
        try:
            await connection.execute(statement)
        finally:
            await connection.close()

    asyncio.run(admin(f'CREATE DATABASE "{name}"'))
    try:
        result = run(["serve", "--port", str(free_port())], {"FEEDGATE_DATABASE_URL": f"{server}/{name}"})
    finally:
        asyncio.run(admin(f'DROP DATABASE "{name}" WITH (FORCE)'))

    assert result.returncode == 2
    # Not "the database schema is out of date": there is no Feedgate schema in it at all.
    assert (
        one_line_error(result) == "feedgate: the database holds no Feedgate schema yet: run `feedgate db upgrade` first"
    )


def closed_port_url() -> str:
    """A PostgreSQL URL whose port nothing listens on (with a password, which no message may show)."""
    return f"postgresql+asyncpg://feedgate:secret@127.0.0.1:{free_port()}/feedgate"


@pytest.mark.parametrize("command", [["serve"], ["db", "upgrade"], ["cluster"], ["keys", "create", "bot"]])
def test_a_database_that_cannot_be_reached_is_one_clear_error(command: list[str]):
    url = closed_port_url()

    result = run(command, {"FEEDGATE_DATABASE_URL": url})

    assert result.returncode == 2
    assert "cannot reach the database postgresql+asyncpg://feedgate:***@127.0.0.1" in result.stderr
    assert "Is the server running" in result.stderr
    assert "secret" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_postgres_database_that_does_not_exist_is_named(postgres_database: str):
    server = postgres_database.rsplit("/", 1)[0]

    result = run(["serve"], {"FEEDGATE_DATABASE_URL": f"{server}/feedgate_no_such_database"})

    assert result.returncode == 2
    assert 'database "feedgate_no_such_database" does not exist' in result.stderr


def test_a_sqlite_file_in_a_missing_folder_says_what_to_check(tmp_path: Path):
    result = run(["serve"], {"FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path}/missing/feedgate.db"})

    assert result.returncode == 2
    assert "Does its folder exist" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.timeout(60)
def test_serve_starts_on_a_fresh_sqlite_file_and_proxies(tmp_path: Path, fake_upstream):
    port = free_port()
    env = {
        **os.environ,
        "FEEDGATE_UPSTREAM_URL": fake_upstream.url,
        "FEEDGATE_SPOOL_PATH": str(tmp_path / "spool.jsonl"),
        "FEEDGATE_ADMIN_TOKEN": "t",
    }
    process = subprocess.Popen(
        [*FEEDGATE, "serve", "--port", str(port)], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                response = httpx.post(
                    f"http://127.0.0.1:{port}/v1/chat/completions",
                    json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
                )
                break
            except httpx.ConnectError:
                assert process.poll() is None, process.stderr.read()
                assert time.monotonic() < deadline, "feedgate serve did not start"
                time.sleep(0.2)
        assert response.json()["choices"][0]["message"]["content"] == "Echo: hi"
        interaction_id = response.headers["x-feedgate-interaction-id"]
        record = httpx.get(
            f"http://127.0.0.1:{port}/api/interactions/{interaction_id}", headers={"authorization": "Bearer t"}
        )
        assert record.json()["response_text"] == "Echo: hi"
    finally:
        process.terminate()
        process.wait(timeout=15)
    # The default database is ./feedgate.db, made and migrated by serve itself.
    assert (tmp_path / "feedgate.db").exists()


def test_serve_in_gateway_key_mode_warns_of_an_upstream_key_variable_that_is_not_set(tmp_path: Path, fake_upstream):
    env = {key: value for key, value in os.environ.items() if key != "OPENAI_API_KEY"}
    env |= {
        "FEEDGATE_KEY_MODE": "gateway",
        "FEEDGATE_UPSTREAM_URL": fake_upstream.url,
        "FEEDGATE_SPOOL_PATH": str(tmp_path / "spool.jsonl"),
        "FEEDGATE_LOG_FORMAT": "text",
    }
    process = subprocess.Popen(
        [*FEEDGATE, "serve", "--port", str(free_port())], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    try:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if "Uvicorn running" in line:
                break
    finally:
        process.terminate()
        process.wait(timeout=15)

    [warning] = [line for line in lines if "has no API key" in line]
    assert "WARNING" in warning
    assert f"upstream 'default' ({fake_upstream.url})" in warning
    assert "OPENAI_API_KEY is not set" in warning


def test_serve_logs_no_password_of_the_upstream_url(tmp_path: Path, fake_upstream):
    # A URL may carry a user and password: the start-up lines name the upstream without them.
    env = {key: value for key, value in os.environ.items() if key != "OPENAI_API_KEY"}
    env |= {
        "FEEDGATE_KEY_MODE": "gateway",
        "FEEDGATE_UPSTREAM_URL": fake_upstream.url.replace("http://", "http://ana:hunter2@"),
        "FEEDGATE_SPOOL_PATH": str(tmp_path / "spool.jsonl"),
        "FEEDGATE_LOG_FORMAT": "text",
    }
    process = subprocess.Popen(
        [*FEEDGATE, "serve", "--port", str(free_port())], cwd=tmp_path, env=env, stderr=subprocess.PIPE, text=True
    )
    lines: list[str] = []
    try:
        assert process.stderr is not None
        for line in process.stderr:
            lines.append(line)
            if "Uvicorn running" in line:
                break
    finally:
        process.terminate()
        process.wait(timeout=15)

    assert any("Feedgate on" in line and "http://***@127.0.0.1" in line for line in lines), lines
    assert any("has no API key" in line for line in lines), lines
    assert not [line for line in lines if "hunter2" in line]


def newer_sqlite_database(path: Path) -> dict[str, str]:
    """A SQLite database migrated by this gateway, then marked as migrated further by a newer release."""
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{path}"}
    assert run(["db", "upgrade"], env).returncode == 0
    with sqlite3.connect(path) as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0099'")
    return env


def test_db_upgrade_of_a_database_a_newer_feedgate_migrated_says_so_in_one_line(tmp_path: Path):
    env = newer_sqlite_database(tmp_path / "newer.db")

    result = run(["db", "upgrade"], env)

    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    # Alembic's INFO lines come first, as on every run.
    assert result.stderr.splitlines()[-1].startswith(
        "feedgate: the database schema is at 0099, newer than this gateway knows"
    )


def test_serve_refuses_a_database_a_newer_feedgate_migrated(tmp_path: Path):
    env = newer_sqlite_database(tmp_path / "newer.db")

    result = run(["serve", "--port", str(free_port())], env)

    assert result.returncode == 2
    assert "a newer Feedgate migrated it" in result.stderr
    assert "Traceback" not in result.stderr


def test_keys_list_shows_each_live_key_without_its_value(tmp_path: Path):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/keys.db"}
    run(["db", "upgrade"], env)
    created = run(["keys", "create", "support-bot"], env).stdout
    key_id = created.split("key id:")[1].split()[0]
    revoked_id = run(["keys", "create", "billing-bot"], env).stdout.split("key id:")[1].split()[0]
    run(["keys", "revoke", revoked_id], env)

    result = run(["keys", "list"], env)

    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    assert line.startswith(f"{key_id}  support-bot  created ")
    assert "fgk-" not in result.stdout


def test_keys_list_says_when_each_key_was_last_used(tmp_path: Path):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/keys.db"}
    run(["db", "upgrade"], env)
    used_id = run(["keys", "create", "support-bot"], env).stdout.split("key id:")[1].split()[0]
    idle_id = run(["keys", "create", "support-bot"], env).stdout.split("key id:")[1].split()[0]
    with sqlite3.connect(tmp_path / "keys.db") as db:
        db.execute("UPDATE gateway_keys SET last_used_at = '2026-03-01 12:05:00.000000' WHERE id = ?", (used_id,))

    result = run(["keys", "list"], env)

    lines = {line.split()[0]: line for line in result.stdout.splitlines()}
    assert lines[used_id].endswith("  last used 2026-03-01 12:05")
    assert lines[idle_id].endswith("  no recorded use")


def test_keys_revoke_says_how_soon_running_gateways_refuse_the_key(tmp_path: Path):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/keys.db", "FEEDGATE_KEY_CACHE_SECONDS": "2"}
    run(["db", "upgrade"], env)
    key_id = run(["keys", "create", "billing-bot"], env).stdout.split("key id:")[1].split()[0]

    result = run(["keys", "revoke", key_id], env)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        f"revoked {key_id}: running gateways refuse it within 2 s (FEEDGATE_KEY_CACHE_SECONDS)"
    )


def test_keys_list_all_shows_revoked_keys_too(tmp_path: Path):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/keys.db"}
    run(["db", "upgrade"], env)
    key_id = run(["keys", "create", "billing-bot"], env).stdout.split("key id:")[1].split()[0]
    run(["keys", "revoke", key_id], env)

    result = run(["keys", "list", "--all", "--app", "billing-bot"], env)

    [line] = result.stdout.splitlines()
    assert line.startswith(f"{key_id}  billing-bot  created ") and "  revoked " in line


def test_a_command_on_a_current_database_logs_no_migration_chatter(tmp_path: Path):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/quiet.db"}
    first = run(["db", "upgrade"], env)  # a command that may begin a database

    again = run(["erase", "--user", "ghost"], env)

    # What a migration did still shows, in one line (every step's with debug logging: test_migration_log.py).
    assert "database upgraded from an empty database to " in first.stderr
    assert "Running upgrade" not in first.stderr
    assert again.returncode == 0, again.stderr
    assert again.stderr == ""


@pytest.mark.parametrize(
    "command",
    [
        ["cluster"],
        ["export", "--format", "jsonl"],
        ["erase", "--user", "ghost"],
        ["prune"],
        ["keys", "list"],
        ["user", "list"],
        ["user", "set-role", "rita", "admin"],
        ["user", "disable", "rita"],
    ],
    ids=["cluster", "export", "erase", "prune", "keys-list", "user-list", "user-set-role", "user-disable"],
)
def test_a_command_on_stored_data_refuses_a_sqlite_file_that_is_not_there(tmp_path: Path, command: list[str]):
    # A mistyped path would be a new, empty database, and "nothing to cluster" would hide the typo.
    missing = tmp_path / "feedgte.db"

    result = run(command, {"FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{missing}", "FEEDGATE_RETENTION_DAYS": "30"})

    assert result.returncode == 2
    assert one_line_error(result).startswith(
        f"feedgate: there is no SQLite database at {missing}: check FEEDGATE_DATABASE_URL"
    )
    assert not missing.exists()


def test_a_command_that_may_begin_a_database_creates_the_sqlite_file(tmp_path: Path):
    path = tmp_path / "new.db"

    result = run(["keys", "create", "support-bot"], {"FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{path}"})

    assert result.returncode == 0, result.stderr
    assert path.exists()


def test_keys_list_for_an_app_with_no_live_keys_names_the_app(tmp_path: Path):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/keys.db"}
    run(["keys", "create", "support-bot"], env)
    revoked_id = run(["keys", "create", "billing-bot"], env).stdout.split("key id:")[1].split()[0]
    run(["keys", "revoke", revoked_id], env)

    live = run(["keys", "list", "--app", "billing-bot"], env)
    any_key = run(["keys", "list", "--app", "billing-bot ", "--all"], env)

    # It said "no live keys" alone: of which app, when the one asked for was misspelt?
    assert live.returncode == 0, live.stderr
    assert live.stderr == "no live keys of app 'billing-bot' (--all shows revoked ones too)\n"
    assert any_key.stderr == "no keys of app 'billing-bot '\n"
