"""Statements a test runs on the PostgreSQL server itself: making and dropping a database of its own."""

from __future__ import annotations

import asyncpg


async def admin(server_url: str, statement: str) -> None:
    """Run one statement on the PostgreSQL server at `server_url` (a database's creation or drop), outside any transaction."""
    connection = await asyncpg.connect(server_url)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()
