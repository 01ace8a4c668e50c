"""Alembic environment: runs migrations through the gateway's async engine."""

from __future__ import annotations

import asyncio
from typing import Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import event, text
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import ConnectionPoolEntry

from gateway.store.engine import create_engine, is_sqlite
from gateway.store.locks import advisory_key
from gateway.store.migrate import MIGRATION_LOCK
from gateway.store.tables import metadata
from gateway.store.tables.search_index import include_in_schema_comparison
from gateway.store.types import UtcDateTime

config = context.config


def _render_item(type_: str, obj: object, autogen_context: AutogenContext) -> str | Literal[False]:
    """Render the gateway's own column types as the plain type they build, so migrations never import app code."""
    if type_ == "type" and isinstance(obj, UtcDateTime):
        autogen_context.imports.add("import sqlalchemy as sa")
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    if connection.dialect.name == "postgresql":
        # Upgrades side by side (a migrate step per replica) take turns: the second reads the revision the
        # first left, rather than failing on a table it made. Held until this transaction commits.
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(MIGRATION_LOCK)})
    # The search index (0020) is raw SQL, not declared tables: autogenerate must not propose dropping it.
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=True,
        render_item=_render_item,
        include_name=include_in_schema_comparison,
        # Every migration of one upgrade in one transaction on both databases (see _transactional_sqlite).
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def _transactional_sqlite(engine: AsyncEngine) -> None:
    """Make the engine's SQLite transactions hold DDL too, so a failed upgrade leaves the schema as it found it.

    Python's sqlite3 opens a transaction only before INSERT, UPDATE or DELETE: a migration's CREATE
    and ALTER statements were each committed as they ran, and one that failed partway left its tables
    behind with the revision unmoved (every later upgrade then failed on them). The driver is told to
    open none, and each transaction begins with BEGIN IMMEDIATE: it takes the write lock first (waiting
    for a writer's commit, as the busy timeout allows) rather than failing to upgrade a read lock.
    """

    @event.listens_for(engine.sync_engine, "connect")
    def _driver_opens_no_transaction(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine.sync_engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


async def _run_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    if url is None:  # gateway.store.migrate always sets it; a hand-made alembic config might not
        raise RuntimeError("the alembic config names no sqlalchemy.url")
    engine = create_engine(url)
    if is_sqlite(engine):
        _transactional_sqlite(engine)
    try:
        async with engine.connect() as connection:
            # Stopped (`feedgate db upgrade` on SIGTERM or Ctrl-C), the statement under way stops at once, on SQLite
            # too (gateway.store.cancellable), and the upgrade's one transaction is rolled back.
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=metadata,
        literal_binds=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
else:
    asyncio.run(_run_online())
