"""The audit log repository: hash-chained appends, filtered listing, and the chain read back in order."""

from __future__ import annotations

import builtins
from collections.abc import AsyncIterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

import uuid_utils
from sqlalchemy import Select, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.audit.names import AuditAction, AuditSubjectType
from gateway.audit.records import GENESIS_HASH, AuditEntry, AuditRecord, ChainHead, seal
from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.tables import audit_chain_head, audit_log

# The head row's name: one chain per database.
CHAIN = "audit"
CHUNK = 1000


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which records a listing returns; every field is optional."""

    actor: str | None = None
    action: AuditAction | None = None
    subject_type: AuditSubjectType | None = None
    subject_id: str | None = None
    app: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    # Keyset paging: only records older than this seq.
    before_seq: int | None = None


async def append(connection: AsyncConnection, entry: AuditEntry) -> AuditRecord:
    """Append `entry` within the caller's open transaction, so it commits or rolls back with the change it records.

    Other appends wait for this transaction to end: make it the transaction's last statement,
    which keeps the wait short and rules out deadlocks with rows the caller locks.
    """
    head = await _lock_head(connection)
    record = seal(
        entry,
        seq=head.seq + 1,
        id=str(uuid_utils.uuid7()),
        created_at=datetime.now(UTC),
        prev_hash=head.hash,
    )
    await connection.execute(insert(audit_log).values(asdict(record)))
    h = audit_chain_head.c
    await connection.execute(update(audit_chain_head).where(h.name == CHAIN).values(seq=record.seq, hash=record.hash))
    return record


async def _lock_head(connection: AsyncConnection) -> ChainHead:
    """The chain head, locked until the transaction ends.

    A no-op UPDATE takes the lock on both databases: the row lock on PostgreSQL, the database
    write lock on SQLite (a SELECT first would give SQLite a read snapshot that fails to upgrade).
    """
    h = audit_chain_head.c
    touch = update(audit_chain_head).where(h.name == CHAIN).values(seq=h.seq).returning(h.seq, h.hash)
    row = (await connection.execute(touch)).first()
    if row is None:
        await _create_head(connection)
        row = (await connection.execute(touch)).one()
    return ChainHead(seq=row.seq, hash=row.hash)


async def _create_head(connection: AsyncConnection) -> None:
    """Make the head row at the newest record (the genesis when there is none); a concurrent maker wins harmlessly."""
    c = audit_log.c
    newest = (await connection.execute(select(c.seq, c.hash).order_by(c.seq.desc()).limit(1))).first()
    seq, hash_ = (newest.seq, newest.hash) if newest is not None else (0, GENESIS_HASH)
    create = insert_skipping_duplicates(connection.dialect, audit_chain_head, ["name"])
    await connection.execute(create.values(name=CHAIN, seq=seq, hash=hash_))


def _listing(where: AuditFilter, limit: int) -> Select[Any]:
    c = audit_log.c
    query = select(audit_log).order_by(c.seq.desc()).limit(limit)
    exact = {
        c.actor: where.actor,
        c.action: where.action,
        c.subject_type: where.subject_type,
        c.subject_id: where.subject_id,
        c.app: where.app,
    }
    for column, value in exact.items():
        if value is not None:
            query = query.where(column == value)
    if where.since is not None:
        query = query.where(c.created_at >= where.since)
    if where.until is not None:
        query = query.where(c.created_at < where.until)
    if where.before_seq is not None:
        query = query.where(c.seq < where.before_seq)
    return query


class AuditStore:
    """Appends audit records and reads them back."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def append(self, entry: AuditEntry) -> AuditRecord:
        """Append `entry` in a transaction of its own."""
        async with self._engine.begin() as connection:
            return await append(connection, entry)

    async def list(self, where: AuditFilter, limit: int) -> list[AuditRecord]:
        """The newest records matching `where`, newest first."""
        async with self._engine.connect() as connection:
            rows = (await connection.execute(_listing(where, limit))).mappings()
            return [AuditRecord(**row) for row in rows]

    async def head(self) -> ChainHead | None:
        """The chain head: the newest record's seq and hash as appends left them (None before the first)."""
        h = audit_chain_head.c
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(h.seq, h.hash).where(h.name == CHAIN))).first()
        return None if row is None else ChainHead(seq=row.seq, hash=row.hash)

    async def chain(self, chunk_size: int = CHUNK) -> AsyncIterator[builtins.list[AuditRecord]]:
        """Every record in ascending seq order, `chunk_size` at a time (one short read each)."""
        c = audit_log.c
        after = None
        while True:
            query = select(audit_log).order_by(c.seq).limit(chunk_size)
            if after is not None:
                query = query.where(c.seq > after)
            async with self._engine.connect() as connection:
                chunk = [AuditRecord(**row) for row in (await connection.execute(query)).mappings()]
            if not chunk:
                return
            yield chunk
            after = chunk[-1].seq
