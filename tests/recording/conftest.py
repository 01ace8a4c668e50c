"""Fixtures for the writer tests: a real store behind a switch, a spool file, writers closed afterwards."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.recording.spool import Spool
from gateway.recording.writer import InteractionWriter
from gateway.store.interactions import InteractionStore

from .writing import SwitchableSink


@pytest.fixture
def store(engine: AsyncEngine) -> InteractionStore:
    return InteractionStore(engine)


@pytest.fixture
def sink(store: InteractionStore) -> SwitchableSink:
    return SwitchableSink(store)


@pytest.fixture
def spool(tmp_path: Path) -> Spool:
    return Spool(tmp_path / "feedgate.spool.jsonl")


@pytest.fixture
def engine_before_writers(request: pytest.FixtureRequest) -> None:
    """The test's engine, when it has one, made before its writers: so it is disposed only after they are closed.

    Made after them, it was disposed first, and a writer then closed stored its backlog through a new pool
    nobody disposed; aiosqlite's thread later closed that connection on a closed event loop ("Event loop is
    closed" in another test) and asyncpg's was never closed.
    """
    if "engine" in request.fixturenames:
        request.getfixturevalue("engine")


@pytest.fixture
async def make_writer(spool: Spool, engine_before_writers: None) -> AsyncIterator[Callable[..., InteractionWriter]]:
    """Start writers (on the test's spool unless told otherwise); any left open are closed afterwards."""
    started: list[tuple[InteractionWriter, Any]] = []

    def make(sink: Any, *, spool: Spool = spool, **options: Any) -> InteractionWriter:
        settings = {"batch_size": 50, "flush_interval": 0.02, "retry_interval": 0.05, **options}
        writer = InteractionWriter(sink, spool, **settings)
        writer.start()
        started.append((writer, sink))
        return writer

    yield make
    for writer, sink in started:
        if isinstance(sink, SwitchableSink):
            sink.down = False
        await asyncio.wait_for(writer.close(), 10)
