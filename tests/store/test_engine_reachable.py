"""A database that takes the connection but never answers (a hung server, a dropped route) is named at start, in time."""

from __future__ import annotations

import asyncio
import socket
import sqlite3
import time
from collections.abc import Iterator

import pytest

from gateway.store.engine import DatabaseUnreachable, check_reachable, create_engine


@pytest.fixture
def silent_server() -> Iterator[int]:
    """A port that accepts connections (the kernel's backlog) and never sends a byte."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        yield listener.getsockname()[1]


async def test_a_database_that_never_answers_is_named_with_how_long_it_was_given(silent_server: int):
    engine = create_engine(f"postgresql+asyncpg://feedgate:secret@127.0.0.1:{silent_server}/feedgate")
    started = time.monotonic()
    try:
        with pytest.raises(DatabaseUnreachable) as refused:
            await asyncio.wait_for(check_reachable(engine, timeout=0.5), 10)
    finally:
        await engine.dispose()

    # It waited asyncpg's 60 s, then said "cannot reach the database …: . Is the server running …".
    assert time.monotonic() - started < 5
    assert f"127.0.0.1:{silent_server}/feedgate: no answer within 0.5 s. Is the server running" in str(refused.value)
    assert "secret" not in str(refused.value)


async def test_a_sqlite_file_another_process_is_migrating_is_waited_for(tmp_path):
    # `feedgate db upgrade` run twice at once: one migrates (Alembic's connection, no WAL yet, holding the write
    # lock) while the other checks it can reach the file; switching the file to WAL must wait, not fail at once.
    path = tmp_path / "migrating.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("CREATE TABLE t (x)")
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("INSERT INTO t VALUES (1)")
    release = asyncio.get_running_loop().call_later(0.5, holder.execute, "COMMIT")
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        await check_reachable(engine, timeout=10)
    finally:
        release.cancel()
        holder.close()
        await engine.dispose()


async def test_a_sqlite_file_that_is_no_database_says_to_check_the_url_not_the_folder(tmp_path):
    # A mistyped path landing on some other file: it said "Does its folder exist, and may this process write
    # there?", of a folder that exists and is writable.
    path = tmp_path / "notes.txt"
    path.write_text("not a database\n")
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        with pytest.raises(DatabaseUnreachable) as refused:
            await check_reachable(engine, timeout=10, source="--database-url")
    finally:
        await engine.dispose()

    said = str(refused.value)
    assert f"{path} is not a SQLite database" in said
    assert "check --database-url" in said
    assert "Does its folder exist" not in said


async def test_a_sqlite_url_naming_a_folder_says_to_name_a_file_in_it(tmp_path):
    # It said "unable to open database file. Does its folder exist, …?"
    folder = tmp_path / "data"
    folder.mkdir()
    engine = create_engine(f"sqlite+aiosqlite:///{folder}")
    try:
        with pytest.raises(DatabaseUnreachable) as refused:
            await check_reachable(engine, timeout=10)
    finally:
        await engine.dispose()

    said = str(refused.value)
    assert f"{folder} is a folder: name a file in it" in said
    assert "check FEEDGATE_DATABASE_URL" in said
