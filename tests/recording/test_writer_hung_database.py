"""A PostgreSQL that hangs rather than fails: connections stay open, nothing answers (SIGSTOP, a dropped route).

The relay freezes every connection (no byte goes through, nothing is closed); the writer must give the
database up after its time limit, spool what waits, drop the stuck connection, and replay once it answers.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine
from tcp_relay import TcpRelay

from gateway.observability.multiprocess import exposition
from gateway.recording.spool import Spool
from gateway.recording.writer import InteractionWriter
from gateway.store.engine import create_engine
from gateway.store.interactions import InteractionStore

from .test_writer_postgres_outage import Traffic, stored_copies, through
from .writing import chat_exchange, eventually, spooled_ids

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(120)]
# How long a state the test needs may take to come on a loaded 2-core host (a bound on polling, not a wait).
LOADED = 30.0


@pytest.fixture
async def relayed_engine(relay: TcpRelay, postgres_database: str):
    engine = create_engine(through(relay.port, postgres_database))
    yield engine
    relay.thaw()
    await engine.dispose()


@pytest.fixture
async def direct_engine(postgres_database: str):
    engine = create_engine(postgres_database)
    yield engine
    await engine.dispose()


def writer_for(engine: AsyncEngine, spool_path: Path, database_timeout: float) -> InteractionWriter:
    return InteractionWriter(
        InteractionStore(engine),
        Spool(spool_path),
        batch_size=20,
        flush_interval=0.02,
        retry_interval=0.1,
        database_timeout=database_timeout,
    )


async def storing(writer: InteractionWriter) -> None:
    """Once the writer has stored a batch: its connection is open and the relay carries it.

    A fixed 0.3 s of traffic assumed so; on a loaded host the first connection and batch took longer.
    """
    await eventually(lambda: writer.stored > 0, timeout=LOADED)


async def backend_pid(engine: AsyncEngine) -> int:
    async with engine.connect() as connection:
        return int(await connection.scalar(text("SELECT pg_backend_pid()")))


async def test_a_frozen_database_is_spooled_within_the_limit_and_replayed_exactly_once_when_it_answers(
    relay: TcpRelay, relayed_engine: AsyncEngine, direct_engine: AsyncEngine, tmp_path: Path
):
    writer = writer_for(relayed_engine, tmp_path / "spool.jsonl", database_timeout=1.0)
    writer.start()
    traffic = Traffic(writer)
    try:
        await storing(writer)
        assert not writer.spooling

        relay.freeze()
        frozen_at = time.monotonic()
        await eventually(lambda: writer.spooling, timeout=10.0)
        # The limit, and a little for the batch already under way when the relay froze.
        assert time.monotonic() - frozen_at < 2.5
        await eventually(lambda: writer.spooled > 0, timeout=LOADED)
        await traffic.keep_going(1.5)  # retries meet the frozen database too: spooled, not lost
        assert writer.spooling

        relay.thaw()
        await eventually(lambda: not writer.spooling, timeout=LOADED)
        await traffic.keep_going(0.2)
        submitted = await traffic.stop()
        await asyncio.wait_for(writer.close(), 15.0)
    finally:
        await traffic.stop()

    copies = await stored_copies(direct_engine, submitted)
    assert [i for i in submitted if i not in copies] == []
    assert set(copies.values()) == {1}
    assert Spool(tmp_path / "spool.jsonl").is_empty()


async def test_the_stuck_connection_is_dropped_not_handed_out_again(
    relay: TcpRelay, relayed_engine: AsyncEngine, direct_engine: AsyncEngine, tmp_path: Path
):
    stuck_pid = await backend_pid(relayed_engine)  # the pool's one connection, which the writer will use
    writer = writer_for(relayed_engine, tmp_path / "spool.jsonl", database_timeout=0.5)
    writer.start()
    try:
        relay.freeze()
        writer.submit(chat_exchange())
        await eventually(lambda: writer.spooled == 1, timeout=LOADED)
        relay.thaw()
        await eventually(lambda: not writer.spooling, timeout=LOADED)
    finally:
        await writer.close()

    assert await backend_pid(relayed_engine) != stuck_pid

    async def still_connected() -> bool:
        async with direct_engine.connect() as connection:
            query = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            return bool(await connection.scalar(query, {"pid": stuck_pid}))

    deadline = time.monotonic() + LOADED
    while await still_connected():
        assert time.monotonic() < deadline, "the stuck connection was kept"
        await asyncio.sleep(0.05)


async def test_a_database_slower_than_the_limit_allows_is_waited_for_not_spooled(
    relay: TcpRelay,
    relayed_engine: AsyncEngine,
    direct_engine: AsyncEngine,
    tmp_path: Path,
    caplog: pytest.LogCaptureFixture,
):
    writer = writer_for(relayed_engine, tmp_path / "spool.jsonl", database_timeout=5.0)
    writer.start()
    traffic = Traffic(writer)
    try:
        await storing(writer)
        relay.freeze()
        frozen_at = time.monotonic()
        with caplog.at_level(logging.WARNING, logger="feedgate.writer"):
            await traffic.keep_going(3.0)
            relay.thaw()
            frozen_for = time.monotonic() - frozen_at
            await traffic.keep_going(0.3)
        submitted = await traffic.stop()
        await asyncio.wait_for(writer.close(), 15.0)
    finally:
        await traffic.stop()

    assert writer.spooled == 0 and Spool(tmp_path / "spool.jsonl").is_empty()
    copies = await stored_copies(direct_engine, submitted)
    assert len(copies) == len(submitted) and set(copies.values()) == {1}
    # Not an outage, but no silence either: the log says the database was slow and calls waited.
    [slow] = [record.getMessage() for record in caplog.records]
    took = re.match(r"the database took (\d+\.\d) s to answer the writer, within the 5 s limit", slow)
    assert took, slow
    # The freeze as it was, not the 3 s asked for: a loaded host's event loop wakes late from the sleep.
    assert frozen_for - 1.0 <= float(took[1]) <= frozen_for + 1.0, (slow, frozen_for)


async def test_the_queue_depth_counts_the_calls_waiting_on_a_frozen_database(
    relay: TcpRelay, relayed_engine: AsyncEngine, tmp_path: Path
):
    # A limit no loaded host reaches: the writer waits on the frozen database for the whole test.
    writer = writer_for(relayed_engine, tmp_path / "spool.jsonl", database_timeout=100.0)
    writer.start()
    traffic = Traffic(writer)
    try:
        await storing(writer)
        relay.freeze()
        await eventually(lambda: writer.backlog > 100, timeout=LOADED)
        await traffic.stop()
        backlog = writer.backlog  # nothing is submitted, stored or spooled now: the calls the writer holds
        # Refreshed every second while the writer waits (a gauge set only when it woke said 6 while 420 waited).
        await eventually(lambda: _gauge("feedgate_writer_queue_depth") == backlog, timeout=10.0)
        assert writer.backlog == backlog and not writer.spooling  # still waiting on the database all along
        relay.thaw()
        await asyncio.wait_for(writer.close(), LOADED)
    finally:
        await traffic.stop()

    assert backlog > 100


async def test_the_log_says_once_that_the_database_does_not_answer(
    relay: TcpRelay, relayed_engine: AsyncEngine, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    spool_path = tmp_path / "spool.jsonl"
    writer = writer_for(relayed_engine, spool_path, database_timeout=0.3)
    writer.start()
    try:
        with caplog.at_level(logging.INFO, logger="feedgate.writer"):
            relay.freeze()
            writer.submit(chat_exchange())
            await eventually(lambda: writer.spooled == 1, timeout=LOADED)
            await asyncio.sleep(1.5)  # several replays meet the frozen database
            writer.submit(chat_exchange())
            await eventually(lambda: writer.spooled == 2, timeout=LOADED)
            relay.thaw()
            await eventually(lambda: not writer.spooling, timeout=LOADED)
    finally:
        await writer.close()

    warnings = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1, warnings
    assert "did not answer within 0.3 s" in warnings[0]
    assert str(spool_path) in warnings[0] and "replayed" in warnings[0]
    assert spooled_ids(Spool(spool_path)) == []


def _gauge(name: str) -> float:
    for line in exposition(None)[0].decode().splitlines():
        if line.startswith(name + " "):
            return float(line.split()[1])
    raise AssertionError(f"{name} not exposed")
