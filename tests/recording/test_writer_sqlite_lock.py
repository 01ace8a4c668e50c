"""SQLite cannot hang like a server: a write lock held a while is waited for (up to the writer's limit), not spooled."""

from __future__ import annotations

import asyncio
import shutil
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.recording.spool import Spool
from gateway.recording.writer import InteractionWriter
from gateway.services_setup import open_services
from gateway.store.engine import create_engine
from gateway.store.interactions import InteractionStore

from .writing import chat_exchange, eventually, stored_ids


@pytest.fixture
async def sqlite_file(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[tuple[Path, AsyncEngine]]:
    path = tmp_path / "feedgate.db"
    shutil.copy(sqlite_template, path)
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    yield path, engine
    await engine.dispose()


@pytest.mark.timeout(30)
async def test_a_write_lock_held_past_sqlites_busy_timeout_is_waited_for_within_the_limit(
    sqlite_file: tuple[Path, AsyncEngine], tmp_path: Path
):
    path, engine = sqlite_file
    spool = Spool(tmp_path / "feedgate.spool.jsonl")
    writer = InteractionWriter(
        InteractionStore(engine, sqlite_lock_wait=15.0), spool, flush_interval=0.02, retry_interval=0.1
    )
    # Another process (a prune, a backup, an operator's sqlite3 shell) holds the write lock for 6 s:
    # longer than the 5 s every connection waits, well within the writer's limit.
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    writer.start()
    try:
        exchange = chat_exchange()
        writer.submit(exchange)
        await asyncio.sleep(6.0)
        holder.execute("ROLLBACK")
        await asyncio.wait_for(writer.flush(), 10.0)
    finally:
        holder.close()
        await writer.close()

    assert writer.spooled == 0 and spool.is_empty()
    assert await stored_ids(engine) == [exchange.id]


@pytest.mark.timeout(30)
async def test_a_write_lock_held_past_the_limit_sends_the_batch_to_the_spool(
    sqlite_file: tuple[Path, AsyncEngine], tmp_path: Path
):
    path, engine = sqlite_file
    spool = Spool(tmp_path / "feedgate.spool.jsonl")
    writer = InteractionWriter(
        InteractionStore(engine, sqlite_lock_wait=0.5), spool, flush_interval=0.02, retry_interval=0.1
    )
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    writer.start()
    try:
        writer.submit(chat_exchange())
        await asyncio.wait_for(writer.flush(), 4.0)  # spooled after the limit, not after 5 s
        assert writer.spooled == 1
        holder.execute("ROLLBACK")
        await eventually(lambda: not writer.spooling)
    finally:
        holder.close()
        await writer.close()

    assert writer.stored == 1 and spool.is_empty()


async def test_the_limit_is_a_deadline_on_postgresql_and_a_lock_wait_on_sqlite(settings: Settings, database_url: str):
    services = await open_services(settings.model_copy(update={"writer_database_timeout": 12.0}), {})
    try:
        timeout = services.writer.database_timeout
    finally:
        await services.close()

    assert timeout == (None if database_url.startswith("sqlite") else 12.0)
