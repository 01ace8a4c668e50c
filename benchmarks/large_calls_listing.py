"""The interactions list page with a few very large calls among its rows: server time and the memory it takes.

Seeds a SQLite database (or an empty PostgreSQL one, --database-url) with 46 ordinary chat calls and
--large calls whose user message is --megabytes of text, all on the list's first page; signs in and
GETs /admin/interactions: one warm-up, --runs timed requests (median and worst), then one more under
tracemalloc for the peak of Python memory that request allocated. Run it from a checkout of another
revision (a git worktree) to put that revision's row beside this one's.

    .venv/bin/python -m benchmarks.large_calls_listing                  # 4 calls of 23 MB
    .venv/bin/python -m benchmarks.large_calls_listing --large 0        # the reference: none
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import uuid_utils
from asgi_lifespan import LifespanManager

from benchmarks.admin_pages import _signed_in
from benchmarks.admin_pages_seed import ADMIN, PASSWORD
from gateway.accounts.records import Role
from gateway.app import create_app
from gateway.config import Settings
from gateway.store.migrate import upgrade_database

ORDINARY = 46


def _row(question: str, answer: str, age_seconds: int) -> dict[str, object]:
    return {
        "id": str(uuid_utils.uuid7()),
        "created_at": datetime.now(UTC) - timedelta(seconds=age_seconds),
        "app": "support-bot",
        "endpoint": "chat.completions",
        "upstream": "default",
        "model": "gpt-test",
        "stream": False,
        "partial": False,
        "status_code": 200,
        "request": {"model": "gpt-test", "messages": [{"role": "user", "content": question}]},
        "response_text": answer,
        "latency_ms": 420.0,
        "total_tokens": 42,
    }


async def measure(url: str, large: int, megabytes: float, runs: int) -> tuple[list[float], float]:
    """The page's times (ms) and the peak of Python memory one request of it allocated (MB)."""
    settings = Settings(
        database_url=url,
        upstream_url="http://127.0.0.1:9/v1",
        spool_path=Path(tempfile.mkdtemp()) / "spool.jsonl",
        stats_refresh_interval=0,
        knowledge_refresh_seconds=86_400,
    )
    app = create_app(settings, environ={})
    pasted = "a line of a pasted statement\n" * int(megabytes * 1_000_000 / 30)
    async with LifespanManager(app):
        await app.services.accounts.create(ADMIN, Role.ADMIN, PASSWORD, actor="benchmark")
        rows = [_row(f"Is there a fee for transfer {n}?", "There is no fee.", n) for n in range(ORDINARY)]
        for n in range(large):
            await app.services.interactions.insert_many([_row(pasted, "Here is a summary.", n * 10 + 5)])
        await app.services.interactions.insert_many(rows)
        del pasted
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench", timeout=120
        ) as http:
            await _signed_in(http)
            assert (await http.get("/admin/interactions")).status_code == 200
            times = []
            for _ in range(runs):
                began = time.perf_counter()
                response = await http.get("/admin/interactions")
                times.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200
            tracemalloc.start()
            await http.get("/admin/interactions")
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
    return times, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="an empty PostgreSQL database (default: a temp SQLite file)")
    parser.add_argument("--large", type=int, default=4, help="how many large calls (default 4)")
    parser.add_argument("--megabytes", type=float, default=23.0, help="each large call's user message (default 23)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = args.database_url or f"sqlite+aiosqlite:///{Path(tempfile.mkdtemp()) / 'feedgate.db'}"
    upgrade_database(url)
    times, peak = asyncio.run(measure(url, args.large, args.megabytes, args.runs))
    print(
        f"{args.large} calls of {args.megabytes:g} MB among {ORDINARY}: "
        f"median {statistics.median(times):.0f} ms, worst {max(times):.0f} ms, "
        f"peak Python memory of one request {peak:.1f} MB",
        file=sys.stdout,
    )


if __name__ == "__main__":
    main()
