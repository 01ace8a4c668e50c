"""`feedgate prune`, `erase` and `import` stop in the middle of a long statement, on SQLite too, as `db upgrade` does.

On SQLite a statement runs on aiosqlite's thread, which a cancel does not reach: a stopped command's statement ran
on to its end (a prune's delete of a big batch, minutes) and its rollback after it, so SIGTERM or Ctrl-C took as
long as the statement. Now the statement under way is interrupted (gateway.store.cancellable), its transaction
rolled back; on PostgreSQL asyncpg has the server cancel it. Each test makes one of the command's statements long
on purpose (a trigger), stops the command in it, and finds nothing half-done.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import orjson
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from test_cli_sigterm import (  # noqa: F401 - environment and seeded are fixtures
    count,
    environment,
    feedgate,
    said,
    said_once,
    seeded,
    until,
)
from test_cli_sigterm_upgrade import in_the_slow_statement, none_still_working, slow_down

from gateway.store.tables import audit_log, feedback, interactions

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def commands(request: pytest.FixtureRequest) -> dict[str, str]:
    """The commands' environment, with two old complaints of u-1 imported (test_cli_sigterm's `seeded`)."""
    env: dict[str, str] = request.getfixturevalue("seeded")
    return env


# How long a stopped command may take to end: its statement would run for minutes.
STOP_WITHIN_SECONDS = 10


@asynccontextmanager
async def slow_on(engine: AsyncEngine, table: str, event: str) -> AsyncIterator[None]:
    """Every `event` on `table` made long (test_cli_sigterm_upgrade's `slow_down`), dropped on exit: the PostgreSQL
    database serves the session's other tests."""
    on_table = f" ON {table}" if engine.dialect.name == "postgresql" else ""
    await slow_down(engine, table, event)
    try:
        yield
    finally:
        async with engine.begin() as connection:
            await connection.execute(text(f"DROP TRIGGER IF EXISTS slow_down{on_table}"))
            if engine.dialect.name == "postgresql":
                await connection.execute(text("DROP FUNCTION IF EXISTS slow_down()"))


async def stop_in_the_slow_statement(
    process: asyncio.subprocess.Process, engine: AsyncEngine, database_url: str, log: Path, stop: signal.Signals
) -> float:
    """`stop` sent once the command is in the slow statement; how long it took to end (s), within STOP_WITHIN_SECONDS."""
    await until(lambda: in_the_slow_statement(engine, database_url), process, log)
    sent = time.monotonic()
    process.send_signal(stop)
    try:
        async with asyncio.timeout(STOP_WITHIN_SECONDS):
            status = await process.wait()
    except TimeoutError:
        process.kill()
        await process.wait()
        raise AssertionError(f"still running {STOP_WITHIN_SECONDS} s after {stop.name}: {said(log)}") from None
    assert status == 128 + stop, said(log)
    # On PostgreSQL the statement is cancelled in the server, not left to sleep out its minute holding its locks.
    await none_still_working(engine)
    took = time.monotonic() - sent
    print(f"stopped {took:.2f} s after {stop.name}")  # shown with -rP: the stop time, before and after a change
    return took


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
async def test_a_prune_stopped_in_a_long_delete_ends_at_once_and_removes_nothing(
    commands: dict[str, str], engine: AsyncEngine, database_url: str, tmp_path: Path, stop: signal.Signals
):
    log = tmp_path / "prune.log"
    async with slow_on(engine, "interactions", "DELETE"):
        process = await feedgate(["prune", "--older-than", "30"], commands, log)
        await stop_in_the_slow_statement(process, engine, database_url, log, stop)

    assert "run `feedgate prune` again" in said_once(log, stop)
    assert (await count(engine, interactions), await count(engine, feedback)) == (2, 2)


async def test_an_erasure_stopped_in_a_long_delete_ends_at_once_and_erases_nothing_yet(
    commands: dict[str, str], engine: AsyncEngine, database_url: str, tmp_path: Path
):
    log = tmp_path / "erase.log"
    async with slow_on(engine, "interactions", "DELETE"):
        process = await feedgate(["erase", "--user", "u-1"], commands, log)
        await stop_in_the_slow_statement(process, engine, database_url, log, signal.SIGTERM)

    assert "run `feedgate erase` again" in said_once(log)
    assert (await count(engine, interactions), await count(engine, audit_log)) == (2, 0)


async def test_an_import_stopped_in_a_long_insert_ends_at_once_and_stores_nothing_of_its_batch(
    commands: dict[str, str], engine: AsyncEngine, database_url: str, tmp_path: Path
):
    history = tmp_path / "more.jsonl"
    request = {"model": "gpt-test", "messages": [{"role": "user", "content": "And my invoice?"}]}
    line = {"id": "imp-3", "app": "support", "created_at": "2020-01-02T00:00:00Z", "request": request}
    history.write_bytes(orjson.dumps(line) + b"\n")
    log = tmp_path / "import.log"
    async with slow_on(engine, "interactions", "INSERT"):
        process = await feedgate(["import", str(history)], commands, log)
        await stop_in_the_slow_statement(process, engine, database_url, log, signal.SIGTERM)

    said_once(log)
    assert await count(engine, interactions) == 2
