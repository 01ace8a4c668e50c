"""`feedgate import`, `export`, `keys …` and `user …` stop on SIGTERM as `cluster`, `prune` and `erase` do.

SIGTERM's default action (a container stop, systemd's) ended them on the spot: an import in the middle of a
batch, an export with its half-written twin (`.NAME.partial`) left beside its file, a key issued and never
shown, and none of them said a word. Now each rolls back the transaction under way, removes what it had begun
writing, says in one line what was done and what was not, and exits 128 + the signal (143).

Each test holds the database (a table's lock on PostgreSQL; the whole file on SQLite, which has no table
locks) so the command is caught waiting in the middle of its work, then stops it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine
from test_cli_sigterm import (  # noqa: F401 - environment is a fixture
    FEEDGATE,
    SIGTERM_STATUS,
    _waiting_on_a_lock,
    count,
    environment,
    feedgate,
    said,
    said_once,
)

from gateway.store.keys import GatewayKeyStore
from gateway.store.tables import admin_users, audit_log, feedback, gateway_keys, interactions

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def env(request: pytest.FixtureRequest) -> dict[str, str]:
    """The commands' environment (test_cli_sigterm's): this test's database, plain-text logs."""
    commands: dict[str, str] = request.getfixturevalue("environment")
    return commands


@asynccontextmanager
async def held(engine: AsyncEngine, database_url: str, *tables: str) -> AsyncIterator[None]:
    """`tables` locked against writes on PostgreSQL (reads go on); on SQLite, the whole file, reads too."""
    if engine.dialect.name == "postgresql":
        async with engine.connect() as connection:
            for table in tables:
                await connection.execute(text(f"LOCK TABLE {table} IN EXCLUSIVE MODE"))
            yield
            await connection.rollback()
        return
    await engine.dispose()  # its pooled connections would keep the file open, the lock out of reach
    locker = sqlite3.connect(make_url(database_url).database or "", isolation_level=None, timeout=10)
    try:
        # Exclusive locking mode keeps even WAL readers out, so a command waits on its first statement.
        locker.execute("PRAGMA locking_mode=EXCLUSIVE")
        locker.execute("BEGIN EXCLUSIVE")
        yield
    finally:
        locker.close()


async def waiting(engine: AsyncEngine, database_url: str, process: asyncio.subprocess.Process, log: Path) -> None:
    """Until `process` waits on the database: for a lock on PostgreSQL; on SQLite, once it has the file open
    (its work, and so its SIGTERM handling, has begun; the file is locked, so it waits there)."""
    database = make_url(database_url).database or ""

    async def arrived() -> bool:
        if engine.dialect.name == "postgresql":
            return await _waiting_on_a_lock(engine)
        return any(_names(Path(f"/proc/{process.pid}/fd"), database))

    async with asyncio.timeout(60):
        while not await arrived():
            assert process.returncode is None, said(log)
            await asyncio.sleep(0.1)


def _names(fds: Path, database: str) -> list[Path]:
    found = []
    for fd in fds.iterdir():
        try:
            if os.readlink(fd) == database:
                found.append(fd)
        except OSError:
            pass  # closed meanwhile
    return found


async def stopped(process: asyncio.subprocess.Process) -> int:
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(60):
        return await process.wait()


def history(path: Path, lines: int, with_feedback_from: int) -> Path:
    """`lines` interactions with ids, each with a complaint from line `with_feedback_from` on."""
    request = {"model": "gpt-test", "messages": [{"role": "user", "content": "Where is my refund?"}]}
    rows = [
        {
            "id": f"imp-{n}",
            "app": "support",
            "created_at": "2024-01-01T00:00:00Z",
            "request": request,
            **({"feedback": [{"thumbs": "down", "comment": "wrong"}]} if n >= with_feedback_from else {}),
        }
        for n in range(1, lines + 1)
    ]
    path.write_bytes(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    return path


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_sigterm_inside_an_imports_batch_rolls_it_back_and_says_where_to_go_on(
    env: dict[str, str], engine: AsyncEngine, database_url: str, tmp_path: Path
):
    # PostgreSQL alone can hold one table: the first batch (no feedback) is stored, the second waits, inside its
    # transaction, its interactions inserted, for the feedback table.
    file = history(tmp_path / "history.jsonl", 30, with_feedback_from=11)
    log = tmp_path / "import.log"
    async with held(engine, database_url, "feedback"):
        process = await feedgate(["import", str(file), "--batch-size", "10"], env, log)
        await waiting(engine, database_url, process, log)
        status = await stopped(process)

    assert status == SIGTERM_STATUS, said(log)
    line = said_once(log)
    assert "lines 1-10 are stored (10 interactions, 0 feedback events)" in line, line
    assert "the batch under way is rolled back" in line and "tail -n +11" in line, line
    assert (await count(engine, interactions), await count(engine, feedback)) == (10, 0)
    again = await feedgate(["import", str(file)], env, tmp_path / "again.log")
    assert await again.wait() == 0, said(tmp_path / "again.log")
    assert (await count(engine, interactions), await count(engine, feedback)) == (30, 20)


async def test_sigterm_before_an_imports_first_batch_is_stored_leaves_nothing(
    env: dict[str, str], engine: AsyncEngine, database_url: str, tmp_path: Path
):
    file = history(tmp_path / "history.jsonl", 30, with_feedback_from=1)
    log = tmp_path / "import.log"
    async with held(engine, database_url, "interactions", "feedback"):
        process = await feedgate(["import", str(file), "--batch-size", "10"], env, log)
        await waiting(engine, database_url, process, log)
        status = await stopped(process)

    assert status == SIGTERM_STATUS, said(log)
    assert "the import was cut short: no line is stored" in said_once(log)
    assert (await count(engine, interactions), await count(engine, feedback)) == (0, 0)


@pytest.mark.parametrize("before", ["the last export\n", None], ids=["over-a-file", "new-file"])
async def test_sigterm_stops_an_export_leaving_no_partial_file_and_the_old_one_as_it_was(
    env: dict[str, str], engine: AsyncEngine, database_url: str, tmp_path: Path, before: str | None
):
    (tmp_path / "out").mkdir()
    output = tmp_path / "out" / "train.jsonl"
    if before is not None:
        output.write_text(before)
    log = tmp_path / "export.log"
    # On PostgreSQL its reads wait for a lock no write takes: ACCESS EXCLUSIVE.
    async with held_for_reads(engine, database_url):
        process = await feedgate(["export", "--format", "chat", "--output", str(output)], env, log)
        await waiting(engine, database_url, process, log)
        assert (tmp_path / "out" / ".train.jsonl.partial").exists()  # the export had begun writing
        status = await stopped(process)

    assert status == SIGTERM_STATUS, said(log)
    line = said_once(log)
    done = "is left as it was" if before is not None else "was not written"
    assert f"the export was cut short: {output} {done} (its unfinished copy is removed)" in line, line
    if before is None:
        assert os.listdir(tmp_path / "out") == []
    else:
        assert os.listdir(tmp_path / "out") == ["train.jsonl"]
        assert output.read_text() == before


@asynccontextmanager
async def held_for_reads(engine: AsyncEngine, database_url: str) -> AsyncIterator[None]:
    if engine.dialect.name != "postgresql":
        async with held(engine, database_url):
            yield
        return
    async with engine.connect() as connection:
        await connection.execute(text("LOCK TABLE feedback IN ACCESS EXCLUSIVE MODE"))
        yield
        await connection.rollback()


async def test_sigterm_stops_a_key_being_issued_and_none_is(
    env: dict[str, str], engine: AsyncEngine, database_url: str, tmp_path: Path
):
    log = tmp_path / "keys.log"
    async with held(engine, database_url, "gateway_keys"):
        process = await feedgate(["keys", "create", "support"], env, log)
        await waiting(engine, database_url, process, log)
        status = await stopped(process)

    assert status == SIGTERM_STATUS, said(log)
    assert "no key was issued" in said_once(log)
    assert "sk-" not in said(log)
    assert (await count(engine, gateway_keys), await count(engine, audit_log)) == (0, 0)


async def test_sigterm_stops_a_key_being_revoked_and_it_stays_live(
    env: dict[str, str], engine: AsyncEngine, database_url: str, tmp_path: Path
):
    key = await GatewayKeyStore(engine).issue("support")
    log = tmp_path / "keys.log"
    async with held(engine, database_url, "gateway_keys"):
        process = await feedgate(["keys", "revoke", key.id], env, log)
        await waiting(engine, database_url, process, log)
        status = await stopped(process)

    assert status == SIGTERM_STATUS, said(log)
    assert f"{key.id} was not revoked" in said_once(log)
    assert await GatewayKeyStore(engine).live_key(key.raw_key) is not None


async def test_sigterm_stops_a_user_being_added_and_none_is(
    env: dict[str, str], engine: AsyncEngine, database_url: str, tmp_path: Path
):
    log = tmp_path / "user.log"
    async with held(engine, database_url, "admin_users"):
        with log.open("w") as output:
            process = await asyncio.create_subprocess_exec(
                *FEEDGATE,
                "user",
                "add",
                "ana",
                "--role",
                "admin",
                "--password-stdin",
                env=env,
                stdin=asyncio.subprocess.PIPE,
                stdout=output,
                stderr=output,
            )
        assert process.stdin is not None
        process.stdin.write(b"a long enough password for ana\n")
        await process.stdin.drain()
        process.stdin.close()
        await waiting(engine, database_url, process, log)
        status = await stopped(process)

    assert status == SIGTERM_STATUS, said(log)
    assert "nothing was changed" in said_once(log)
    assert await count(engine, admin_users) == 0
