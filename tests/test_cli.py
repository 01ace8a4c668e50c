"""The `feedgate` command, run as a user would run it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

FEEDGATE = [sys.executable, "-m", "gateway.cli"]


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*FEEDGATE, *args], env={**os.environ, **env}, capture_output=True, text=True, timeout=60)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


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
    assert "feedgate db upgrade" in result.stderr


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
