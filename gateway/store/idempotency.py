"""Idempotency keys of creations: claimed in the creation's own transaction, so one key makes one thing."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select, tuple_
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.tables import idempotency_keys


@dataclass(frozen=True, slots=True)
class KeyClaim:
    """A creation's key: what it creates (`scope`), the key, the id it will make and each field's hash."""

    scope: str
    key: str
    subject_id: str
    field_hashes: dict[str, str]


@dataclass(frozen=True, slots=True)
class KeyUse:
    """An earlier creation under a key: what it made, and the hashes of the fields it was asked with."""

    subject_id: str
    field_hashes: dict[str, str]


async def claim_key(connection: AsyncConnection, claim: KeyClaim, now: datetime) -> KeyUse | None:
    """Note `claim` in the caller's transaction: None when the key is new (the caller goes on to create),
    else the earlier use (nothing written: the caller creates nothing).

    ON CONFLICT DO NOTHING waits for a concurrent claim of the same key to commit or roll back (the
    row lock on PostgreSQL, the write lock on SQLite), so of two requests sent at once one creates and
    the other reads what it made (a new statement sees the commit on both databases).
    """
    k = idempotency_keys.c
    insert = insert_skipping_duplicates(connection.dialect, idempotency_keys, ["scope", "key"]).values(
        scope=claim.scope,
        key=claim.key,
        subject_id=claim.subject_id,
        field_hashes=claim.field_hashes,
        created_at=now,
    )
    if (await connection.execute(insert)).rowcount == 1:
        return None
    query = select(k.subject_id, k.field_hashes).where(k.scope == claim.scope, k.key == claim.key)
    row = (await connection.execute(query)).one()
    return KeyUse(row.subject_id, dict(row.field_hashes))


async def key_use(connection: AsyncConnection, scope: str, key: str) -> KeyUse | None:
    """The earlier creation of `scope` under `key` (None: the key is unused), read without claiming it."""
    k = idempotency_keys.c
    query = select(k.subject_id, k.field_hashes).where(k.scope == scope, k.key == key)
    row = (await connection.execute(query)).one_or_none()
    return None if row is None else KeyUse(row.subject_id, dict(row.field_hashes))


async def drop_keys_before(engine: AsyncEngine, cutoff: datetime, batch_size: int) -> int:
    """Delete the keys claimed before `cutoff`, at most `batch_size` per transaction; how many went.

    Each batch is its own short transaction, so a creation claiming a key waits for one batch at most.
    The table holds one row per keyed creation (entries, prompt versions: few), so finding a batch
    scans it without an index on created_at.
    """
    k = idempotency_keys.c
    dropped = 0
    while True:
        due = select(k.scope, k.key).where(k.created_at < cutoff).limit(batch_size)
        async with engine.begin() as connection:
            batch = (await connection.execute(delete(idempotency_keys).where(tuple_(k.scope, k.key).in_(due)))).rowcount
        dropped += batch
        if batch < batch_size:
            return dropped
