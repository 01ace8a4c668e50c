"""Gateway keys: issued per app, stored only as a hash."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

import uuid_utils
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.tables import gateway_keys

KEY_PREFIX = "fgk-"


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
class ListedKey:
    """A key as `keys list` shows it: never its value, which is not stored."""

    id: str
    app: str
    created_at: datetime
    revoked_at: datetime | None


class GatewayKeyStore:
    """Issues, looks up and revokes gateway keys."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def issue(self, app: str) -> IssuedKey:
        """Create a key for `app`."""
        raw_key = KEY_PREFIX + secrets.token_urlsafe(32)
        key_id = str(uuid_utils.uuid7())
        async with self._engine.begin() as connection:
            await connection.execute(
                gateway_keys.insert().values(
                    id=key_id, app=app, key_hash=hash_key(raw_key), created_at=datetime.now(UTC)
                )
            )
        return IssuedKey(id=key_id, app=app, raw_key=raw_key)

    async def app_for(self, raw_key: str) -> str | None:
        """The app a live key belongs to, or None for unknown and revoked keys."""
        query = select(gateway_keys.c.app).where(
            gateway_keys.c.key_hash == hash_key(raw_key), gateway_keys.c.revoked_at.is_(None)
        )
        async with self._engine.connect() as connection:
            return await connection.scalar(query)

    async def list(self, app: str | None = None, *, include_revoked: bool = False) -> list[ListedKey]:
        """The keys (of `app`, if given; live ones unless `include_revoked`), by app, oldest first."""
        k = gateway_keys.c
        query = select(k.id, k.app, k.created_at, k.revoked_at).order_by(k.app, k.created_at, k.id)
        if app is not None:
            query = query.where(k.app == app)
        if not include_revoked:
            query = query.where(k.revoked_at.is_(None))
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).all()
        return [ListedKey(row.id, row.app, row.created_at, row.revoked_at) for row in rows]

    async def revoke(self, key_id: str) -> bool:
        """Revoke a key by id; False when there is no such live key."""
        statement = (
            update(gateway_keys)
            .where(gateway_keys.c.id == key_id, gateway_keys.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        async with self._engine.begin() as connection:
            result = await connection.execute(statement)
        return result.rowcount == 1
