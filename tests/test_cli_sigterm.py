"""The one-off `feedgate cluster`, `prune` and `erase` stop on SIGTERM (a container stop, systemd) as on Ctrl-C.

Killed by SIGTERM's default action, a command in the middle of its work left its lock's row on SQLite (no pass,
prune or erasure ran until it expired, 2 hours) and said nothing. Now each lets go of its locks, rolls back what it
had not committed, says in one line what was left and what to do, and exits 128 + the signal (143; 130 for Ctrl-C,
which printed a traceback).
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import orjson
import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.privacy.retention import LOCK_NAME as PRUNE_LOCK
from gateway.store.locks import CLUSTERING_LOCK, advisory_key, try_lock
from gateway.store.tables import audit_log, clustering_locks, erased_end_users, feedback, interactions

FEEDGATE = [sys.executable, "-m", "gateway.cli"]
SIGTERM_STATUS = 128 + signal.SIGTERM

pytestmark = pytest.mark.timeout(240)


@pytest.fixture
def environment(database_url: str, silent_embeddings: socket.socket) -> dict[str, str]:
    """The commands' environment: this test's database, the silent embeddings endpoint, plain-text logs."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("FEEDGATE_")}
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)
    return {
        **env,
        "FEEDGATE_DATABASE_URL": database_url,
        "FEEDGATE_EMBEDDING_URL": f"http://127.0.0.1:{silent_embeddings.getsockname()[1]}/v1",
        # A local endpoint wanting no key: a variable that is not set, so OPENAI_API_KEY is not sent to it (an empty
        # value is refused).
        "FEEDGATE_EMBEDDING_API_KEY_ENV": "NO_EMBEDDING_KEY",
        "FEEDGATE_LOG_FORMAT": "text",
    }


@pytest.fixture
async def seeded(environment: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """Two old complaints of end user u-1, imported by `feedgate import`; the environment to run commands in."""
    history = tmp_path / "history.jsonl"
    request = {"model": "gpt-test", "messages": [{"role": "user", "content": "Where is my refund?"}]}
    lines = [
        {
            "id": f"imp-{n}",
            "app": "support",
            "created_at": "2020-01-01T00:00:00Z",
            "end_user": "u-1",
            "request": request,
            "feedback": [{"thumbs": "down", "comment": "wrong"}],
        }
        for n in (1, 2)
    ]
    history.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))
    imported = await feedgate(["import", str(history)], environment, tmp_path / "import.log")
    assert await imported.wait() == 0, (tmp_path / "import.log").read_text()
    return environment


async def feedgate(args: list[str], env: dict[str, str], log: Path) -> asyncio.subprocess.Process:
    """`feedgate ARGS` started as a process, its stdout and stderr going to `log`."""
    with log.open("w") as output:
        return await asyncio.create_subprocess_exec(*FEEDGATE, *args, env=env, stdout=output, stderr=output)


async def held_locks(engine: AsyncEngine) -> set[str]:
    """The names of the locks (clustering, prune) some session holds now."""
    names = (CLUSTERING_LOCK, PRUNE_LOCK)
    async with engine.connect() as connection:
        if engine.dialect.name != "postgresql":
            return set((await connection.execute(select(clustering_locks.c.name))).scalars())
        keys = (
            await connection.execute(
                text(
                    "SELECT (classid::bigint << 32) | objid::bigint FROM pg_locks WHERE locktype = 'advisory' "
                    "AND objsubid = 1 AND granted AND database = "
                    "(SELECT oid FROM pg_database WHERE datname = current_database())"
                )
            )
        ).scalars()
        held = {key - 2**64 if key >= 2**63 else key for key in keys}
        return {name for name in names if advisory_key(name) in held}


async def count(engine: AsyncEngine, table: object) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())  # type: ignore[arg-type]


async def until(condition: Callable[[], Awaitable[bool]], process: asyncio.subprocess.Process, log: Path) -> None:
    """Wait until `condition` holds, while `process` keeps running (60 s at most)."""
    async with asyncio.timeout(60):
        while not await condition():
            assert process.returncode is None, said(log)
            await asyncio.sleep(0.2)


def said(log: Path) -> str:
    """What the command wrote on stdout and stderr."""
    return log.read_text()


def said_once(log: Path, stop: signal.Signals = signal.SIGTERM) -> str:
    """The one line the stopped command said about the signal `stop`, with no traceback around it."""
    said = log.read_text()
    assert "Traceback" not in said, said
    [line] = [line for line in said.splitlines() if f"stopped by {stop.name}" in line]
    return line


@pytest.fixture
async def clustering_lock_held(engine: AsyncEngine) -> AsyncIterator[None]:
    """The clustering lock, held by this test as a pass under way would hold it: prunes and erasures wait."""
    async with try_lock(engine, CLUSTERING_LOCK) as acquired:
        assert acquired
        yield


async def test_sigterm_stops_a_clustering_pass_and_releases_its_lock(
    seeded: dict[str, str], engine: AsyncEngine, silent_embeddings: socket.socket, tmp_path: Path
):
    log = tmp_path / "cluster.log"
    process = await feedgate(["cluster"], seeded, log)
    # The pass has taken its lock and waits for its embeddings.
    await until(lambda: _holds(engine, CLUSTERING_LOCK), process, log)

    process.send_signal(signal.SIGTERM)
    # The lock goes at once, while the embedding call in flight, on a thread, still waits for its answer.
    await until(lambda: _free(engine, CLUSTERING_LOCK), process, log)
    silent_embeddings.close()  # the process ends once that call does
    async with asyncio.timeout(90):
        status = await process.wait()

    assert status == SIGTERM_STATUS, log.read_text()
    assert "run `feedgate cluster` again" in said_once(log)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["sigterm", "ctrl-c"])
async def test_sigterm_or_ctrl_c_stops_a_prune_and_releases_its_lock(
    seeded: dict[str, str], engine: AsyncEngine, clustering_lock_held: None, tmp_path: Path, stop: signal.Signals
):
    log = tmp_path / "prune.log"
    process = await feedgate(["prune", "--older-than", "30"], seeded, log)
    # The prune holds its own lock and waits for the clustering pass's.
    await until(lambda: _holds(engine, PRUNE_LOCK), process, log)

    process.send_signal(stop)
    async with asyncio.timeout(60):
        status = await process.wait()

    assert status == 128 + stop, log.read_text()
    assert PRUNE_LOCK not in await held_locks(engine)
    assert await count(engine, interactions) == 2  # nothing half-removed
    assert "run `feedgate prune` again" in said_once(log, stop)


async def test_sigterm_stops_an_erasure_which_runs_again_to_the_end(
    seeded: dict[str, str], engine: AsyncEngine, tmp_path: Path
):
    log = tmp_path / "erase.log"
    async with try_lock(engine, CLUSTERING_LOCK) as acquired:
        assert acquired
        process = await feedgate(["erase", "--user", "u-1"], seeded, log)
        # The erasure is recorded and waits for the clustering pass's lock.
        await until(lambda: _counted(engine, erased_end_users), process, log)

        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            status = await process.wait()

    assert status == SIGTERM_STATUS, log.read_text()
    assert "run `feedgate erase` again" in said_once(log)
    assert (await count(engine, interactions), await count(engine, audit_log)) == (2, 0)
    again = await feedgate(["erase", "--user", "u-1"], seeded, tmp_path / "again.log")
    assert await again.wait() == 0, (tmp_path / "again.log").read_text()
    assert (await count(engine, interactions), await count(engine, audit_log)) == (0, 1)


async def _holds(engine: AsyncEngine, name: str) -> bool:
    return name in await held_locks(engine)


async def _free(engine: AsyncEngine, name: str) -> bool:
    return name not in await held_locks(engine)


async def _counted(engine: AsyncEngine, table: object) -> bool:
    return await count(engine, table) > 0


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_sigterm_inside_a_prunes_transaction_leaves_the_batch_whole(
    seeded: dict[str, str], engine: AsyncEngine, tmp_path: Path
):
    # PostgreSQL alone: a statement there waits on the server, where the stop must cancel it; SQLite's statement
    # runs on a thread to its end (or its busy timeout) and the cancel is seen after it, before the commit.
    log = tmp_path / "prune.log"
    async with engine.connect() as blocker:
        # Reads go on; the batch's deletes wait, inside its transaction, after its first statements ran.
        await blocker.execute(text("LOCK TABLE feedback IN EXCLUSIVE MODE"))
        process = await feedgate(["prune", "--older-than", "30"], seeded, log)
        await until(lambda: _waiting_on_a_lock(engine), process, log)

        process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            status = await process.wait()
        await blocker.rollback()

    assert status == SIGTERM_STATUS, said(log)
    assert "run `feedgate prune` again" in said_once(log)
    assert (await count(engine, interactions), await count(engine, feedback)) == (2, 2)
    assert await held_locks(engine) == set()


async def _waiting_on_a_lock(engine: AsyncEngine) -> bool:
    async with engine.connect() as connection:
        statement = text(
            "SELECT count(*) FROM pg_locks WHERE NOT granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        return bool((await connection.execute(statement)).scalar())
