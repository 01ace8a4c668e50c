"""The suite's check for database connections outliving their event loop (tests/open_connections.py)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
from open_connections import SuiteConnections, watching_connections
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.engine import create_engine


@pytest.fixture
def connections() -> Iterator[SuiteConnections]:
    watcher = SuiteConnections()
    watcher.current_test = "the test that used it"
    watcher.start()
    yield watcher
    watcher.stop()


def used_in_a_loop_of_its_own(engine: AsyncEngine, *, dispose: bool) -> None:
    async def use() -> None:
        async with engine.connect():
            pass
        if dispose:
            await engine.dispose()

    asyncio.run(use())


def test_a_connection_left_open_when_its_loop_closed_is_named_once(connections: SuiteConnections, tmp_path: Path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'left-open.db'}")
    with watching_connections() as opened:
        used_in_a_loop_of_its_own(engine, dispose=False)

    assert connections.outliving_their_loops() == [
        "aiosqlite.core connection opened in the test that used it, still open"
    ]
    assert connections.outliving_their_loops() == []

    # Closed here, with no loop to answer to, so that the suite's own check finds nothing left behind.
    [connection] = opened.opened
    driver = connection.driver_connection
    driver.stop()
    driver._thread.join(5)


def test_a_connection_closed_before_its_loop_is_not_named(connections: SuiteConnections, tmp_path: Path):
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'closed.db'}")
    used_in_a_loop_of_its_own(engine, dispose=True)

    assert connections.outliving_their_loops() == []
