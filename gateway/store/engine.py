"""Creating the async database engine for SQLite or PostgreSQL."""

from __future__ import annotations

import orjson
from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry


def _json_dumps(value: object) -> str:
    return orjson.dumps(value).decode()


def create_engine(database_url: str) -> AsyncEngine:
    """An async engine for `database_url`, tuned for the gateway's write pattern."""
    if database_url.startswith("sqlite"):
        engine = create_async_engine(database_url, json_serializer=_json_dumps, json_deserializer=orjson.loads)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            # WAL lets the API read while the writer writes; the busy timeout makes
            # concurrent writers wait instead of failing with "database is locked".
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_async_engine(
        database_url,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
    )


def is_sqlite(engine: AsyncEngine) -> bool:
    """Whether the engine talks to SQLite (some statements differ by dialect)."""
    return engine.dialect.name == "sqlite"
