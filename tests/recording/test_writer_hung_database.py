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

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


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
        await traffic.keep_going(0.3)
        assert writer.stored > 0 and not writer.spooling

        relay.freeze()
        frozen_at = time.monotonic()
        await eventually(lambda: writer.spooling, timeout=10.0)
        # The limit, and a little for the batch already under way when the relay froze.
        assert time.monotonic() - frozen_at < 2.5
        await eventually(lambda: writer.spooled > 0, timeout=2.0)
        await traffic.keep_going(1.5)  # retries meet the frozen database too: spooled, not lost
        assert writer.spooling

        relay.thaw()
        await eventually(lambda: not writer.spooling, timeout=15.0)
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
        await eventually(lambda: writer.spooled == 1, timeout=5.0)
        relay.thaw()
        await eventually(lambda: not writer.spooling, timeout=10.0)
    finally:
        await writer.close()

    assert await backend_pid(relayed_engine) != stuck_pid

    async def still_connected() -> bool:
        async with direct_engine.connect() as connection:
            query = text("SELECT count(*) FROM pg_stat_activity WHERE pid = :pid")
            return bool(await connection.scalar(query, {"pid": stuck_pid}))

    deadline = time.monotonic() + 5.0
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
        await traffic.keep_going(0.2)
        relay.freeze()
        with caplog.at_level(logging.WARNING, logger="feedgate.writer"):
            await traffic.keep_going(3.0)
            relay.thaw()
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
    assert re.match(r"the database took [23]\.\d s to answer the writer, within the 5 s limit", slow), slow


async def test_the_queue_depth_counts_the_calls_waiting_on_a_frozen_database(
    relay: TcpRelay, relayed_engine: AsyncEngine, tmp_path: Path
):
    writer = writer_for(relayed_engine, tmp_path / "spool.jsonl", database_timeout=10.0)
    writer.start()
    traffic = Traffic(writer)
    try:
        await traffic.keep_going(0.2)
        relay.freeze()
        await traffic.keep_going(2.5)
        depth = _gauge("feedgate_writer_queue_depth")
        backlog = writer.backlog
        relay.thaw()
        await traffic.stop()
        await asyncio.wait_for(writer.close(), 15.0)
    finally:
        await traffic.stop()

    assert backlog > 100
    # Refreshed every second while the writer waits: at most a second's calls behind.
    assert depth >= backlog - 400


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
            await eventually(lambda: writer.spooled == 1, timeout=5.0)
            await asyncio.sleep(1.5)  # several replays meet the frozen database
            writer.submit(chat_exchange())
            await eventually(lambda: writer.spooled == 2, timeout=5.0)
            relay.thaw()
            await eventually(lambda: not writer.spooling, timeout=10.0)
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
