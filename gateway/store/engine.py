"""Creating the async database engine for SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import sqlite3
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event, make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from gateway.config_checks import ConfigError
from gateway.exact_json import dumps_exact, loads_exact
from gateway.store.availability import database_silent
from gateway.store.cancellable import interrupt_when_cancelled

# How long a command's first connection may take: a server that takes it and never answers (hung, or
# a route that drops packets) was waited for 60 s, asyncpg's default, then named with no reason.
CONNECT_TIMEOUT_SECONDS = 10.0
# How long a SQLite connection waits for another's write lock before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 5000


class DatabaseUnreachable(ConfigError):
    """The database cannot be reached or opened; the message names it (without its password) and says why."""


def _json_dumps(value: object) -> str:
    # Exact, not plain orjson: JSON columns hold what clients sent, integers past 64 bits included
    # (both databases keep any number: SQLite as the text, PostgreSQL's JSONB as numeric).
    return dumps_exact(value).decode()


def create_engine(database_url: str, answer_timeout: float | None = None) -> AsyncEngine:
    """An async engine for `database_url`, tuned for the gateway's write pattern.

    Its errors never carry a statement's parameters (`hide_parameters`): a failed insert's message is
    logged, and its parameters are users' prompts, answers and end-user ids, which logs must not hold
    (redaction, retention and erasure never reach them).

    `answer_timeout` (seconds; None: the defaults below) bounds every wait on the database, with the
    database's own means: on PostgreSQL, asyncpg's `command_timeout` on each statement (it asks the server
    to cancel the statement and raises TimeoutError; a lock held elsewhere and a stopped server alike), its
    connect timeout, and the wait for a pooled connection; on SQLite, the busy timeout on another
    connection's write lock. For the web's engine (feedback, admin API and pages): long jobs get none.
    """
    busy_timeout_ms = SQLITE_BUSY_TIMEOUT_MS if answer_timeout is None else max(1, round(answer_timeout * 1000))
    if database_url.startswith("sqlite"):
        _create_private_file(make_url(database_url).database)
        engine = create_async_engine(
            database_url, json_serializer=_json_dumps, json_deserializer=loads_exact, hide_parameters=True
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry) -> None:
            # A cancelled task's statement is interrupted, not left to run to its end: a stopped command stops.
            if record.driver_connection is not None:
                interrupt_when_cancelled(record.driver_connection)
            # WAL lets the API read while the writer writes; the busy timeout makes
            # concurrent writers wait instead of failing with "database is locked".
            cursor = dbapi_connection.cursor()
            cursor.execute(f"PRAGMA busy_timeout={busy_timeout_ms}")
            _use_wal(cursor, busy_timeout_ms / 1000)
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    bounded: dict[str, Any] = {}
    if answer_timeout is not None:
        bounded = {
            "connect_args": {"command_timeout": answer_timeout, "timeout": answer_timeout},
            "pool_timeout": answer_timeout,
        }
    engine = create_async_engine(
        database_url,
        json_serializer=_json_dumps,
        json_deserializer=loads_exact,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        hide_parameters=True,
        **bounded,
    )

    @event.listens_for(engine.sync_engine, "invalidate")
    def _drop_silent_connection(
        _dbapi_connection: DBAPIConnection, record: ConnectionPoolEntry, exc: BaseException | None
    ) -> None:
        # SQLAlchemy closes an invalidated connection gracefully, waiting up to 2 s for the server to
        # see it off. One given up because the server did not answer in time is cut at once instead:
        # that silent server would not answer the goodbye either, and the caller's 503 came that much
        # after `answer_timeout`. (SQLAlchemy's close then finds the connection closed and returns.)
        if exc is not None and database_silent(exc) and record.driver_connection is not None:
            record.driver_connection.terminate()

    return engine


def _use_wal(cursor: Any, patience: float) -> None:
    """Put the file in WAL mode (kept by the file once set), waiting up to `patience` seconds for another writer.

    Switching needs the file to itself: while another connection writes to a file still in its first
    journal mode (two `feedgate db upgrade` at once, one migrating a new file), SQLite answers "database
    is locked" at once rather than calling the busy handler, which would deadlock. So retry until then.
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
            time.sleep(0.02)


def _create_private_file(database: str | None) -> None:
    """Create a new SQLite database file readable by its owner only (its WAL and journal files follow it).

    The file holds the feedback signing secret, the end-user key salt and every prompt and answer:
    made with the process umask (0644 usually), any local account could read them all.
    """
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    try:
        os.close(os.open(database, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass  # kept as its owner made it
    except OSError:
        pass  # a missing folder or no right to write there: check_reachable says so plainly


def _sqlite_path_problem(path: Path, source: str) -> str | None:
    """Why SQLite cannot open a file at `path`, when its folder says so already (None: try it)."""
    if not path.parent.is_dir():
        return f"its folder {path.parent} does not exist. Does its folder exist, and may this process write there?"
    if path.is_dir():
        # SQLite says "unable to open database file", which read as a folder missing or not writable.
        return f"{path} is a folder: name a file in it (check {source})"
    return None


def is_sqlite(engine: AsyncEngine) -> bool:
    """Whether the engine talks to SQLite (some statements differ by dialect)."""
    return engine.dialect.name == "sqlite"


async def check_reachable(
    engine: AsyncEngine, timeout: float = CONNECT_TIMEOUT_SECONDS, source: str = "FEEDGATE_DATABASE_URL"
) -> None:
    """Connect once, within `timeout`, so that a database that is down, missing, refusing us or silent is one clear error.

    `source` says where the URL came from (its variable, or its key in the config file), for the hint to check it.
    """
    database = engine.url.database
    if is_sqlite(engine) and database and database != ":memory:":
        # Said without trying: a failed aiosqlite connect can leave its thread to report on a closed
        # event loop, a traceback on stderr after the one-line error.
        problem = _sqlite_path_problem(Path(database), source)
        if problem is not None:
            raise DatabaseUnreachable(f"cannot reach the database {engine.url.render_as_string()}: {problem}")
    try:
        async with asyncio.timeout(timeout), engine.connect():
            pass
    except (OSError, DBAPIError) as exc:  # TimeoutError is an OSError
        if isinstance(exc, TimeoutError):
            reason = f"no answer within {timeout:g} s"
        else:
            reason = (str(exc.orig) if isinstance(exc, DBAPIError) else str(exc)) or type(exc).__name__
        where = engine.url.render_as_string(hide_password=True)
        if is_sqlite(engine) and "file is not a database" in reason:
            # Some other file (a mistyped path), or a damaged one: its folder was never the problem.
            hint = f"{database} is not a SQLite database (another program's file, or a damaged one): check {source}"
        elif is_sqlite(engine):
            hint = "Does its folder exist, and may this process write there?"
        else:
            hint = f"Is the server running, does the database exist, and is {source} right?"
        raise DatabaseUnreachable(f"cannot reach the database {where}: {reason}. {hint}") from exc
