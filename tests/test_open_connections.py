"""The suite's check for database connections outliving their event loop (tests/open_connections.py)."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from open_connections import SuiteConnections, watching_connections
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

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


def test_a_connect_cut_short_whose_thread_outlives_its_loop_is_named(connections: SuiteConnections, tmp_path: Path):
    # Cancelled while aiosqlite's thread opens the file (held open here), the connect never reaches a pool.
    release = threading.Event()

    class HeldOpening(sqlite3.Connection):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            release.wait(10)
            super().__init__(*args, **kwargs)

    engine = create_async_engine(
        f"sqlite+aiosqlite:///{tmp_path / 'cut-short.db'}", connect_args={"factory": HeldOpening}
    )

    async def connect_cut_short() -> None:
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(0.2), engine.connect():
                pass

    threads_before = set(threading.enumerate())
    asyncio.run(connect_cut_short())
    named = connections.outliving_their_loops()

    # Let its thread finish: it answers the closed loop, and says what the check is there to name first.
    said: list[str] = []
    excepthook = threading.excepthook
    threading.excepthook = lambda args: said.append(str(args.exc_value))
    try:
        release.set()
        for thread in set(threading.enumerate()) - threads_before:
            thread.join(5)
    finally:
        threading.excepthook = excepthook
    assert named == [
        "aiosqlite.core connection opened in the test that used it,"
        " closed but its thread still at work (it will answer on the closed loop)"
    ]
    assert said == ["Event loop is closed"]
