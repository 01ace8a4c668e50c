"""What counting the feedback rate limits in the database costs a feedback post, beside counting them in memory.

Two gateways run in this process on one fresh database, one with FEEDGATE_RATE_LIMIT_SCOPE=process
and one with =database, limits high enough never to refuse. Each round posts --posts feedback events
through each (httpx over ASGI, one after another, the order reversed every other round so a slow spell of
the shared host falls on both): token posts (the widget's: the address's and the token's limits, two
checks) and app-key posts (one check). Then the limiter's check alone, timed the same way, beside a
transaction of SELECT 1 (what any statement of its own costs on this host at this moment). On SQLite
(a temporary file) and on a private PostgreSQL (initdb on --pg-port; never the shared server).

    .venv/bin/python benchmarks/feedback_rate_limit_scope.py [--rounds 6] [--posts 200] [--databases sqlite,postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
sys.path.insert(0, str(PROJECT_ROOT / "benchmarks"))

from pg_instance import database_url  # noqa: E402

from gateway.app import create_app  # noqa: E402
from gateway.config import Settings  # noqa: E402
from gateway.demo.fake_upstream import run_fake_upstream  # noqa: E402
from gateway.feedback.shared_rate_limit import SharedRateLimiter  # noqa: E402
from gateway.rate_limit_scope import InProcess  # noqa: E402
from gateway.store.engine import create_engine  # noqa: E402
from gateway.store.migrate import upgrade_database  # noqa: E402
from gateway.store.rate_limits import RateLimitRows  # noqa: E402

SCOPES = ("process", "database")
APP_KEY = "sk-bench-app"
NEVER_REFUSED = {
    "feedback_token_posts_per_minute": 10**9,
    "feedback_address_posts_per_minute": 10**9,
    "feedback_app_posts_per_minute": 10**9,
    "feedback_token_max_submissions": 10**9,
}


async def answer(http: httpx.AsyncClient) -> tuple[str, str]:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    answered = await http.post("/v1/chat/completions", json=body, headers={"authorization": f"Bearer {APP_KEY}"})
    assert answered.status_code == 200, answered.text
    return answered.headers["x-feedgate-interaction-id"], answered.headers["x-feedgate-feedback-token"]


async def post_round(http: httpx.AsyncClient, posts: int, interaction_id: str, token: str | None) -> float:
    """Mean microseconds per post of `posts` sequential posts (by token, or by app key when None)."""
    headers = {"x-feedgate-feedback-token": token} if token else {"authorization": f"Bearer {APP_KEY}"}
    started = time.perf_counter()
    for n in range(posts):
        body = {"interaction_id": interaction_id, "thumbs": "up" if n % 2 else "down"}
        response = await http.post("/v1/feedback", json=body, headers=headers)
        assert response.status_code == 201, response.text
    return (time.perf_counter() - started) / posts * 1e6


async def check_round(limiter: Any, checks: int) -> float:
    """Mean microseconds per limiter check over `checks` keys seen before."""
    started = time.perf_counter()
    for n in range(checks):
        await limiter.acquire(f"key-{n % 50}")
    return (time.perf_counter() - started) / checks * 1e6


async def round_trip_round(engine: AsyncEngine, checks: int) -> float:
    """Mean microseconds of a transaction holding only SELECT 1: what any statement of its own costs here."""
    started = time.perf_counter()
    for _ in range(checks):
        async with engine.begin() as connection:
            await connection.execute(text("SELECT 1"))
    return (time.perf_counter() - started) / checks * 1e6


async def measure(url: str, upstream_url: str, rounds: int, posts: int, folder: Path) -> dict[str, Any]:
    results: dict[str, dict[str, list[float]]] = {
        kind: {scope: [] for scope in SCOPES} for kind in ("token post", "app-key post", "limiter check")
    }
    # The reference: a transaction of SELECT 1, beside the limiter's upsert.
    results["SELECT 1"] = {"database": []}
    base = Settings(database_url=url, upstream_url=upstream_url, writer_flush_interval=0.02, **NEVER_REFUSED)
    apps = {
        scope: create_app(
            base.model_copy(update={"rate_limit_scope": scope, "spool_path": folder / f"{scope}.jsonl"}),
            environ={},
        )
        for scope in SCOPES
    }
    engine = create_engine(url)
    limiters = {"process": InProcess(10**9), "database": SharedRateLimiter(RateLimitRows(engine), "app", 10**9)}
    try:
        async with LifespanManager(apps["process"]), LifespanManager(apps["database"]):
            clients = {
                scope: httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw")
                for scope, app in apps.items()
            }
            answers = {scope: await answer(clients[scope]) for scope in SCOPES}
            await asyncio.sleep(0.3)  # the writer stores the answers
            for scope in SCOPES:  # warm-up: connections, caches, statement preparation
                await post_round(clients[scope], 20, answers[scope][0], answers[scope][1])
                await post_round(clients[scope], 20, answers[scope][0], None)
                await check_round(limiters[scope], 50)
            for number in range(rounds):
                order = SCOPES if number % 2 == 0 else SCOPES[::-1]
                for scope in order:
                    interaction_id, token = answers[scope]
                    results["token post"][scope].append(await post_round(clients[scope], posts, interaction_id, token))
                    results["app-key post"][scope].append(await post_round(clients[scope], posts, interaction_id, None))
                    results["limiter check"][scope].append(await check_round(limiters[scope], posts))
                    if scope == "database":
                        results["SELECT 1"][scope].append(await round_trip_round(engine, posts))
            for client in clients.values():
                await client.aclose()
    finally:
        await engine.dispose()
    return results


def report(database: str, results: dict[str, Any]) -> None:
    print(f"\n{database}: mean µs per call, each round (median of rounds)")
    for kind, by_scope in results.items():
        for scope, values in by_scope.items():
            rounds = ", ".join(f"{v:,.0f}" if v >= 100 else f"{v:.1f}" for v in values)
            print(f"  {kind:14} {scope:9} median {statistics.median(values):9,.1f}   [{rounds}]")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=6)
    parser.add_argument("--posts", type=int, default=200)
    parser.add_argument("--databases", default="sqlite,postgres")
    parser.add_argument("--pg-port", type=int, default=56431)
    parser.add_argument("--json", type=Path, help="write every round's numbers here")
    arguments = parser.parse_args()
    everything: dict[str, Any] = {}
    with run_fake_upstream() as upstream, tempfile.TemporaryDirectory(prefix="feedgate-bench-") as folder_name:
        folder = Path(folder_name)
        for database in arguments.databases.split(","):
            with database_url(database, folder, arguments.pg_port) as url:
                upgrade_database(url)
                results = asyncio.run(measure(url, upstream.url, arguments.rounds, arguments.posts, folder))
            everything[database] = results
            report(database, results)
    if arguments.json:
        arguments.json.write_text(json.dumps(everything, indent=2))


if __name__ == "__main__":
    main()
