"""Values the gateway generates once and keeps in the database (signing secrets, salts)."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.inserts import insert_skipping_duplicates
from gateway.store.tables import gateway_secrets


async def get_or_create_secret(
    engine: AsyncEngine, name: str, generate: Callable[[], str] = lambda: secrets.token_urlsafe(32)
) -> str:
    """The stored secret called `name`, generated and stored first if there is none.

    Safe when several gateway processes start at once: the first insert wins and
    every process reads back the same value.
    """
    insert = insert_skipping_duplicates(engine.dialect, gateway_secrets, ["name"]).values(name=name, value=generate())
    async with engine.begin() as connection:
        await connection.execute(insert)
        value: str | None = await connection.scalar(
            select(gateway_secrets.c.value).where(gateway_secrets.c.name == name)
        )
    assert value is not None
    return value
