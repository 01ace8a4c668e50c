"""Gateway keys: issued per app, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import uuid_utils
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.audit.records import AuditEntry
from gateway.store.audit import append
from gateway.store.tables import gateway_keys

KEY_PREFIX = "fgk-"
# Who the audit log names for keys issued and revoked on the command line (the only place that does).
CLI_ACTOR = "cli"


def hash_key(raw_key: str) -> str:
    """The stored form of a gateway key."""
    return hashlib.sha256(raw_key.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class IssuedKey:
    """A newly issued key: the raw value is shown once and never stored."""

    id: str
    app: str
    raw_key: str


@dataclass(frozen=True, slots=True)
class LiveKey:
    """A live key found by its value: which key it is, and the app it belongs to."""

    id: str
    app: str


@dataclass(frozen=True, slots=True)
class ListedKey:
    """A key as `keys list` shows it: never its value, which is not stored."""

    id: str
    app: str
    created_at: datetime
    revoked_at: datetime | None
    # Its newest stored call (gateway.store.key_use); None: no call made with it is recorded.
    last_used_at: datetime | None = None


class GatewayKeyStore:
    """Issues, looks up and revokes gateway keys."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def issue(self, app: str, actor: str = CLI_ACTOR) -> IssuedKey:
        """Create a key for `app`, recorded in the audit log (never the key)."""
        raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
        key_id = str(uuid_utils.uuid7())
        async with self._engine.begin() as connection:
            await connection.execute(
                gateway_keys.insert().values(
                    id=key_id, app=app, key_hash=hash_key(raw_key), created_at=datetime.now(UTC)
                )
            )
            await append(connection, AuditEntry(actor, "key.create", "gateway_key", key_id, app, after={"app": app}))
        return IssuedKey(id=key_id, app=app, raw_key=raw_key)

    async def live_key(self, raw_key: str) -> LiveKey | None:
        """The live key `raw_key` is (its id and app), or None for unknown and revoked keys."""
        query = select(gateway_keys.c.id, gateway_keys.c.app).where(
            gateway_keys.c.key_hash == hash_key(raw_key), gateway_keys.c.revoked_at.is_(None)
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).first()
        return None if row is None else LiveKey(row.id, row.app)

    async def list(self, app: str | None = None, *, include_revoked: bool = False) -> list[ListedKey]:
        """The keys (of `app`, if given; live ones unless `include_revoked`), by app, oldest first, with their last use."""
        k = gateway_keys.c
        query = select(k.id, k.app, k.created_at, k.revoked_at, k.last_used_at).order_by(k.app, k.created_at, k.id)
        if app is not None:
            query = query.where(k.app == app)
        if not include_revoked:
            query = query.where(k.revoked_at.is_(None))
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [ListedKey(row.id, row.app, row.created_at, row.revoked_at, row.last_used_at) for row in rows]

    async def revoke(self, key_id: str, actor: str = CLI_ACTOR) -> bool:
        """Revoke a key by id, recorded in the audit log; False when there is no such live key."""
        live = (gateway_keys.c.id == key_id) & gateway_keys.c.revoked_at.is_(None)
        async with self._engine.begin() as connection:
            app = await connection.scalar(select(gateway_keys.c.app).where(live))
            if app is None:
                return False
            result = await connection.execute(update(gateway_keys).where(live).values(revoked_at=datetime.now(UTC)))
            if result.rowcount != 1:  # revoked meanwhile by another command
                return False
            entry = AuditEntry(
                actor, "key.revoke", "gateway_key", key_id, app, before={"revoked": False}, after={"revoked": True}
            )
            await append(connection, entry)
        return True
