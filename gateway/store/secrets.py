"""Values the gateway generates once and keeps in the database (signing secrets, salts)."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.tables import gateway_secrets


async def get_or_create_secret(
    engine: AsyncEngine, name: str, generate: Callable[[], str] = lambda: secrets.token_urlsafe(32)
) -> str:
    """The stored secret called `name`, generated and stored first if there is none.

    Safe when several gateway processes start at once: the first insert wins and
    every process reads back the same value.
    """
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    insert = dialect.insert(gateway_secrets).values(name=name, value=generate()).on_conflict_do_nothing()
    async with engine.begin() as connection:
        await connection.execute(insert)
        value = await connection.scalar(select(gateway_secrets.c.value).where(gateway_secrets.c.name == name))
    assert value is not None
    return value
