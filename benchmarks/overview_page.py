"""Server time of the admin overview (/admin) on a seeded database: 100,000 interactions, 20,000 feedback, 1,000 issues.

Seeds a fresh SQLite file (or the PostgreSQL database given with --database-url), starts the
gateway in process, signs in, and times GET /admin and each panel it fetches after rendering
(median and worst of --repeat requests, after one warm-up). --database-url with an already
seeded database and --no-seed times it again.

    .venv/bin/python -m benchmarks.overview_page [--database-url URL] [--repeat 7]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import numpy as np
import uuid_utils
from asgi_lifespan import LifespanManager
from sqlalchemy import insert

from clustering.issue_status import IssueStatus
from gateway.accounts.records import Role
from gateway.app import create_app
from gateway.config import Settings
from gateway.store.engine import create_engine
from gateway.store.issues import IssueStore, IssueWrite, RunRecord
from gateway.store.migrate import upgrade_database
from gateway.store.tables import feedback, interactions

INTERACTIONS = 100_000
FEEDBACK = 20_000
ISSUES = 1_000
DAYS = 90
APPS = ("support-bot", "search", "checkout-helper", "docs-qa", "sales")
MODELS = ("gpt-4o-mini", "gpt-4o", "claude-3-5")
PASSWORD = "a long enough benchmark password"
BATCH = 5_000
# The page itself, then the panels it fetches after rendering, for each range and with an app picked.
PATHS = (
    "/admin",
    "/admin?app=support-bot",
    "/admin/overview/goals",
    "/admin/overview/drift",
    "/admin/overview/traffic?days=1",
    "/admin/overview/traffic?days=7",
    "/admin/overview/traffic?days=30",
    "/admin/overview/traffic?days=90",
    "/admin/overview/traffic?days=30&app=support-bot",
)


async def seed(url: str) -> None:
    """Write the interactions, feedback and issues in bulk."""
    rng = random.Random(7)
    now = datetime.now(UTC)
    engine = create_engine(url)
    rows = []
    for n in range(INTERACTIONS):
        rows.append(
            {
                "id": str(uuid_utils.uuid7()),
                "created_at": now - timedelta(seconds=rng.uniform(0, DAYS * 86400)),
                "app": rng.choice(APPS),
                "endpoint": "chat.completions",
                "upstream": "default",
                "model": rng.choice(MODELS),
                "stream": False,
                "partial": False,
                "request": {"model": "m", "messages": [{"role": "user", "content": f"question {n}"}]},
                "response_text": "an answer",
            }
        )
    rated = rng.sample(rows, FEEDBACK)
    async with engine.begin() as connection:
        for start in range(0, INTERACTIONS, BATCH):
            await connection.execute(insert(interactions), rows[start : start + BATCH])
        events = []
        for row in rated:
            negative = rng.random() < 0.25
            events.append(
                {
                    "id": str(uuid_utils.uuid7()),
                    "interaction_id": row["id"],
                    "created_at": row["created_at"] + timedelta(seconds=30),
                    "app": row["app"],
                    "user_id": "u",
                    "thumbs": "down" if negative else "up",
                    "negative": negative,
                    "submitted_via": "app",
                    "seconds_after_answer": 30.0,
                }
            )
        for start in range(0, FEEDBACK, BATCH):
            await connection.execute(insert(feedback), events[start : start + BATCH])
    store = IssueStore(engine)
    members = [row["id"] for row in rated]
    for app_index, app in enumerate(APPS):
        per_app = ISSUES // len(APPS)
        for run in range(2):
            writes = []
            for number in range(per_app):
                size = 2 + (number * 7 + run * number) % 40
                issue_members = members[(app_index * per_app + number) * 4 : (app_index * per_app + number) * 4 + size]
                writes.append(
                    IssueWrite(
                        id=f"{app_index:02d}000000-0000-7000-8000-{number:012d}", is_new=run == 0,
                        title=f"{app} issue {number}", summary=None, keywords=["kw"], status=IssueStatus.NEW,
                        regressed=False, size=len(issue_members), negative_count=len(issue_members),
                        centroid=np.zeros(4, dtype=np.float32), examples=[], first_seen=now, last_seen=now,
                        member_ids=issue_members,
                    )
                )
            at = now - timedelta(hours=2 - run)
            await store.save_run(RunRecord(str(uuid_utils.uuid7()), app, at, at, len(writes), 0, writes))
    await engine.dispose()


async def time_pages(url: str, repeat: int) -> None:
    """Sign in and time each overview URL."""
    settings = Settings(database_url=url, admin_token="benchmark", spool_path=Path(tempfile.mkdtemp()) / "spool.jsonl")
    app = create_app(settings, environ={})
    async with LifespanManager(app):
        if not await app.services.goals.goals():
            await app.services.accounts.create("bench", Role.ADMIN, PASSWORD, actor="benchmark")
            await app.services.goals.set_rate_goal("support-bot", 0.3, 3, actor="benchmark")
            await app.services.goals.set_review_goal("support-bot", 0.95, 48, actor="benchmark")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
            form = await http.get("/admin/sign-in")
            token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            signed = await http.post(
                "/admin/sign-in", data={"csrf_token": token, "name": "bench", "password": PASSWORD, "next": "/admin"}
            )
            assert signed.status_code == 303, signed.text
            for path in PATHS:
                await http.get(path)
                times = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    response = await http.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.text[:500]
                print(f"{path:36s} median {statistics.median(times):7.1f} ms   worst {max(times):7.1f} ms")


def main() -> None:
    """Seed, then time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--no-seed", action="store_true", help="time a database seeded by an earlier run")
    args = parser.parse_args()
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/overview.db"
    upgrade_database(url)
    started = time.perf_counter()
    if not args.no_seed:
        asyncio.run(seed(url))
    print(f"seeded {INTERACTIONS:,} interactions, {FEEDBACK:,} feedback, {ISSUES:,} issues in {time.perf_counter() - started:.1f} s")
    asyncio.run(time_pages(url, args.repeat))


if __name__ == "__main__":
    main()
