"""The proxy benchmark's checks: a sanity call through each target, and stored rows counted per tag."""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import time
import urllib.request

from proxy_runs import PATH


class Store:
    """Counts stored interactions per `end_user` tag (sqlite3 for SQLite, SQLAlchemy otherwise)."""

    def __init__(self, database_url: str) -> None:
        self.url = database_url
        self.sqlite_path: str | None = None
        if database_url.startswith("sqlite"):
            self.sqlite_path = database_url.split(":///", 1)[1]
        else:
            from sqlalchemy import create_engine

            sync_url = database_url.replace("+asyncpg", "").replace("postgres://", "postgresql://")
            if sync_url.startswith("postgresql://"):
                # A sync driver may not be installed; use whichever is.
                for module, scheme in (("psycopg", "postgresql+psycopg://"), ("psycopg2", "postgresql+psycopg2://")):
                    with contextlib.suppress(ImportError):
                        __import__(module)
                        sync_url = scheme + sync_url.split("://", 1)[1]
                        break
            self.engine = create_engine(sync_url) if "+psycopg" in sync_url else None
            self.async_url = "postgresql+asyncpg://" + database_url.split("://", 1)[1]

    def counts(self, prefix: str) -> dict[str, int]:
        query = "SELECT end_user, COUNT(*) FROM interactions WHERE end_user LIKE :p GROUP BY end_user"
        if self.sqlite_path is not None:
            with contextlib.closing(sqlite3.connect(self.sqlite_path, timeout=30)) as db:
                rows = db.execute(query.replace(":p", "?"), (prefix + "%",)).fetchall()
            return dict(rows)
        from sqlalchemy import text

        if self.engine is not None:
            with self.engine.connect() as connection:
                return dict(connection.execute(text(query), {"p": prefix + "%"}).all())
        import asyncio

        from sqlalchemy.ext.asyncio import create_async_engine

        async def count() -> dict[str, int]:
            engine = create_async_engine(self.async_url)
            try:
                async with engine.connect() as connection:
                    return dict((await connection.execute(text(query), {"p": prefix + "%"})).all())
            finally:
                await engine.dispose()

        return asyncio.run(count())

    def count(self, tag: str) -> int:
        return self.counts(tag).get(tag, 0)

    def wait_for(self, tag: str, expected: int, timeout: float = 60.0) -> tuple[int, float]:
        """Poll until `expected` rows carry `tag` (or the count stops moving); (count, seconds waited)."""
        started = time.monotonic()
        last, last_change = -1, started
        while True:
            stored = self.count(tag)
            now = time.monotonic()
            if stored >= expected:
                return stored, now - started
            if stored != last:
                last, last_change = stored, now
            if now - last_change > 5.0 or now - started > timeout:
                return stored, now - started
            time.sleep(0.05)


def sanity_check(url: str, tag: str, bodies: list[bytes]) -> int:
    """One call per body (a JSON and a streaming one) through `url`; returns the number of requests made."""
    for body in bodies:
        request = urllib.request.Request(
            url + PATH,
            data=body,
            headers={
                "Content-Type": "application/json",
                "Authorization": "Bearer sk-feedgate-bench",
                "x-feedgate-user": tag,
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            payload = response.read()
            if response.status != 200 or b"Echo:" not in payload:
                sys.exit(f"unexpected answer from {url}: {response.status} {payload[:300]!r}")
    return len(bodies)
