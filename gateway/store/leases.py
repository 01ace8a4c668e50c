"""A lease: one process among several holds a named role for as long as it lives and renews it.

`try_lock` (gateway.store.locks) guards one piece of work; a lease elects a process for a
standing job, such as judging new traffic for the anomalous review rule, so that N gateway
processes do it once, not N times. On PostgreSQL it is a session advisory lock kept on a
dedicated connection: the server drops it the moment the holder's connection dies. On SQLite
it is a row in the same table as the locks, with an expiry that each renewal pushes back; a
holder that dies without releasing is replaced once its row expires.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import uuid_utils
from sqlalchemy import delete, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.locks import advisory_key
from gateway.store.tables import clustering_locks


class Lease:
    """A named role held by at most one process at a time; `hold()` takes it or keeps it."""

    def __init__(self, engine: AsyncEngine, name: str, ttl: timedelta) -> None:
        self._engine = engine
        self._name = name
        self._ttl = ttl
        self._holder = str(uuid_utils.uuid7())
        self._connection: AsyncConnection | None = None
        self.held = False

    async def hold(self) -> bool:
        """Renew the lease if this process holds it, else try to take it; whether it is held now."""
        if self._engine.dialect.name == "postgresql":
            self.held = await self._hold_advisory()
        else:
            self.held = await self._hold_row()
        return self.held

    async def release(self) -> None:
        """Give the lease up (if held), so another process can take it at once."""
        if self._engine.dialect.name == "postgresql":
            await self._drop_connection(unlock=self.held)
        elif self.held:
            table = clustering_locks
            async with self._engine.begin() as connection:
                await connection.execute(
                    delete(table).where(table.c.name == self._name, table.c.holder == self._holder)
                )
        self.held = False

    async def _hold_advisory(self) -> bool:
        if self._connection is not None:
            try:
                # The lock lives as long as this session: a session that answers still holds it.
                await self._connection.execute(text("SELECT 1"))
                await self._connection.commit()
                return True
            except DBAPIError:
                await self._drop_connection(unlock=False)
        connection = await self._engine.connect()
        try:
            statement = text("SELECT pg_try_advisory_lock(:key)")
            acquired = bool((await connection.execute(statement, {"key": advisory_key(self._name)})).scalar())
            await connection.commit()
        except BaseException:
            await connection.close()
            raise
        if not acquired:
            await connection.close()
            return False
        self._connection = connection
        return True

    async def _drop_connection(self, *, unlock: bool) -> None:
        connection, self._connection = self._connection, None
        if connection is None:
            return
        try:
            if unlock:
                await connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": advisory_key(self._name)})
                await connection.commit()
        except DBAPIError:
            pass  # A dead session has released its locks already.
        finally:
            await connection.close()

    async def _hold_row(self) -> bool:
        table = clustering_locks
        now = datetime.now(UTC)
        expires = now + self._ttl
        async with self._engine.begin() as connection:
            renewed = await connection.execute(
                update(table)
                .where(table.c.name == self._name, table.c.holder == self._holder)
                .values(expires_at=expires)
            )
            if renewed.rowcount:
                return True
            # An expired row is a holder that died without releasing: take over from it.
            await connection.execute(delete(table).where(table.c.name == self._name, table.c.expires_at < now))
            insert = insert_skipping_duplicates(self._engine.dialect, table, ["name"])
            await connection.execute(insert.values(name=self._name, holder=self._holder, expires_at=expires))
            owner = (await connection.execute(select(table.c.holder).where(table.c.name == self._name))).scalar()
        return owner == self._holder
