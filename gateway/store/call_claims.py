"""Claims of calls under way by their idempotency key: one process at a time answers a key.

A keyed creation whose work comes before its transaction (a held chat call goes upstream first)
claims its key in a row of its own before that work: the key under a claims scope, naming the call
that claimed it. The row is written only when absent (ON CONFLICT DO NOTHING, atomic on PostgreSQL
and SQLite alike), so of calls sent at once to several processes one claims it and the others wait
for what it made. The claimant renews the row while it works and deletes it when done; a row not
renewed for a lease (its process died) is taken over by the next call.

The claims live in the creations' key table (gateway.store.idempotency), beside the uses they
precede: a claim is a KeyClaim whose `subject_id` is the claiming call, `created_at` = when last renewed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.idempotency import KeyClaim, KeyUse, key_use
from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.tables import idempotency_keys


@dataclass(frozen=True, slots=True)
class ClaimOutcome:
    """What claiming a key found: `claimed` (the call goes on), else the creation the key made (`earlier`) or
    neither (another call holds the key: wait for it)."""

    claimed: bool
    earlier: KeyUse | None = None


async def claim_call(
    engine: AsyncEngine, claim: KeyClaim, made_scope: str, now: datetime, stale_before: datetime
) -> ClaimOutcome:
    """Claim `claim.key` unless another call holds it (renewed since `stale_before`) or a creation of
    `made_scope` already used it (then nothing is written, and that use is returned).

    The creation is read after the claim is written: its maker writes it before deleting its claim,
    so a claim won here is never won over a creation already made.
    """
    k = idempotency_keys.c
    async with engine.connect() as connection, connection.begin() as transaction:
        values = {"subject_id": claim.subject_id, "field_hashes": claim.field_hashes, "created_at": now}
        insert = insert_skipping_duplicates(connection.dialect, idempotency_keys, ["scope", "key"])
        written = await connection.execute(insert.values(scope=claim.scope, key=claim.key, **values))
        claimed = written.rowcount == 1
        if not claimed:
            stale = (k.scope == claim.scope) & (k.key == claim.key) & (k.created_at < stale_before)
            claimed = (await connection.execute(update(idempotency_keys).where(stale).values(**values))).rowcount == 1
        earlier = await key_use(connection, made_scope, claim.key)
        if earlier is not None or not claimed:
            await transaction.rollback()
            return ClaimOutcome(False, earlier)
    return ClaimOutcome(True)


async def renew_call(engine: AsyncEngine, scope: str, key: str, claimant: str, now: datetime) -> bool:
    """Mark `claimant`'s claim on `key` as alive at `now`; False when it holds it no longer (taken over)."""
    k = idempotency_keys.c
    mine = (k.scope == scope) & (k.key == key) & (k.subject_id == claimant)
    async with engine.begin() as connection:
        return (await connection.execute(update(idempotency_keys).where(mine).values(created_at=now))).rowcount == 1


async def release_call(engine: AsyncEngine, scope: str, key: str, claimant: str) -> None:
    """Drop `claimant`'s claim on `key` (none left: nothing happens)."""
    k = idempotency_keys.c
    async with engine.begin() as connection:
        await connection.execute(
            delete(idempotency_keys).where(k.scope == scope, k.key == key, k.subject_id == claimant)
        )
