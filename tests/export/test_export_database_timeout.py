"""`feedgate export` is a long job: FEEDGATE_DATABASE_TIMEOUT, the web's bound on each wait, never stops it.

An export of a large table reads for longer than the 10 s a request may wait; here, with a small
timeout, its reads wait on a lock held for several times that, then finish.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

import asyncpg
import pytest
from export_seed import give_feedback, store_chat

from tests.conftest import _empty_written_tables

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]

TIMEOUT = 0.2


@pytest.fixture
def database_url(postgres_database: str) -> str:
    """PostgreSQL only, emptied: the database timeout bounds its statements (on SQLite it is a lock wait, and readers
    wait for no writer)."""
    asyncio.run(_empty_written_tables(postgres_database))
    return postgres_database


async def waiting_on_a_lock(connection: asyncpg.Connection) -> bool:
    # This database's only: the server is shared.
    waiting = "SELECT count(*) FROM pg_locks l JOIN pg_database d ON d.oid = l.database"
    return bool(await connection.fetchval(f"{waiting} WHERE NOT l.granted AND d.datname = current_database()"))


async def test_an_export_whose_reads_wait_longer_than_the_database_timeout_finishes(database_url, engine):
    for number in range(3):
        corrected = await store_chat(engine, f"What is fee {number}?", "2%.")
        await give_feedback(engine, corrected, correction=f"{number}%.")
    dsn = database_url.replace("postgresql+asyncpg://", "postgresql://")
    holder, watcher = await asyncpg.connect(dsn), await asyncpg.connect(dsn)
    try:
        transaction = holder.transaction()
        await transaction.start()
        await holder.execute("LOCK TABLE interactions IN ACCESS EXCLUSIVE MODE")
        export = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "gateway.cli",
            "export",
            "--format",
            "chat",
            env={
                **os.environ,
                "FEEDGATE_DATABASE_URL": database_url,
                "FEEDGATE_DATABASE_TIMEOUT": str(TIMEOUT),
                "FEEDGATE_LOG_FORMAT": "text",
            },
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        while not await waiting_on_a_lock(watcher):
            assert export.returncode is None, "the export ended before it read"
            await asyncio.sleep(0.05)
        # Ten times the timeout: a read bounded by it would have been cancelled long before.
        await asyncio.sleep(10 * TIMEOUT)
        await transaction.rollback()
        stdout, stderr = await export.communicate()
    finally:
        await holder.close()
        await watcher.close()

    assert export.returncode == 0, stderr.decode()
    assert len([json.loads(line) for line in stdout.decode().splitlines()]) == 3
    assert "wrote 3 lines from 3 labelled examples" in stderr.decode()
