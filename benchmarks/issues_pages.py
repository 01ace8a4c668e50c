"""Server time of the Issues pages (/admin/issues and /admin/issues/{id}) on a seeded database.

Seeds a fresh SQLite file (or the PostgreSQL database given with --database-url) through the
stores: 100,000 interactions, 20,000 feedback events, 1,000 issues over 14 clustering runs
(so every issue has a 14-point trend and daily series) with 5 stored examples each; starts the
gateway in process, signs in, and times each page (median and worst of --repeat, after a warm-up).

    .venv/bin/python -m benchmarks.issues_pages [--database-url URL] [--repeat 7]
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

from clustering.issue_status import IssueStatus
from gateway.accounts.records import Role
from gateway.app import create_app
from gateway.config import Settings
from gateway.store.engine import create_engine
from gateway.store.feedback import FeedbackStore
from gateway.store.interactions import InteractionStore
from gateway.store.issues import IssueStore, IssueWrite, RunRecord
from gateway.store.migrate import upgrade_database

INTERACTIONS = 100_000
FEEDBACK = 20_000
ISSUES = 1_000
RUNS = 14
EXAMPLES = 5
APPS = ("support-bot", "search", "checkout-helper", "docs-qa", "sales")
PASSWORD = "a long enough benchmark password"
BATCH = 5_000
# One of the biggest issues (the detail page is timed on it).
BIGGEST = "00000000-0000-7000-8000-000000000005"


def _interaction(n: int, at: datetime, app: str) -> dict[str, object]:
    return {
        "id": str(uuid_utils.uuid7()), "created_at": at, "app": app, "endpoint": "chat.completions",
        "upstream": "default", "model": "gpt-4o-mini", "stream": False, "partial": False,
        "request": {"model": "m", "messages": [{"role": "user", "content": f"question {n} <script>x</script>"}]},
        "response_text": f"answer {n}",
    }


async def seed(url: str) -> None:
    """Write interactions, feedback and issues through the stores."""
    rng = random.Random(11)
    now = datetime.now(UTC)
    engine = create_engine(url)
    rows = [_interaction(n, now - timedelta(seconds=rng.uniform(0, 90 * 86400)), APPS[n % len(APPS)]) for n in range(INTERACTIONS)]
    interaction_store = InteractionStore(engine)
    for start in range(0, INTERACTIONS, BATCH):
        await interaction_store.insert_many(rows[start : start + BATCH])
    rated = rng.sample(rows, FEEDBACK)
    feedback_store = FeedbackStore(engine)
    for row in rated:
        negative = rng.random() < 0.5
        await feedback_store.append(
            {
                "id": str(uuid_utils.uuid7()), "interaction_id": row["id"], "created_at": row["created_at"] + timedelta(seconds=30),
                "app": row["app"], "user_id": "u", "thumbs": "down" if negative else "up", "negative": negative,
                "submitted_via": "app", "comment": "wrong <b>answer</b>" if negative else None,
                "correction": "the right answer" if negative else None,
            }
        )
    store = IssueStore(engine)
    per_app = ISSUES // len(APPS)
    by_app = {app: [row["id"] for row in rated if row["app"] == app] for app in APPS}
    for app_index, app in enumerate(APPS):
        members_of_app = by_app[app]
        for run in range(RUNS):
            writes = []
            for number in range(per_app):
                size = 2 + (number * 7 + run * (number % 5)) % 40
                first = (number * 4) % max(len(members_of_app) - 50, 1)
                members = members_of_app[first : first + size]
                writes.append(
                    IssueWrite(
                        id=f"{app_index:02d}000000-0000-7000-8000-{number:012d}", is_new=run == 0,
                        title=f"{app} issue {number}", summary="What users complain about.", keywords=["refund", "delay"],
                        status=IssueStatus.NEW, regressed=False, size=len(members), negative_count=len(members),
                        centroid=np.zeros(4, dtype=np.float32),
                        examples=[{"interaction_id": m, "text": "complaint"} for m in members[:EXAMPLES]],
                        first_seen=now, last_seen=now, member_ids=members,
                    )
                )
            at = now - timedelta(days=RUNS - run)
            await store.save_run(RunRecord(str(uuid_utils.uuid7()), app, at, at, len(writes), 0, writes))
    await engine.dispose()


async def time_pages(url: str, issue_id: str, repeat: int) -> None:
    """Sign in and time each Issues URL."""
    settings = Settings(database_url=url, admin_token="benchmark", spool_path=Path(tempfile.mkdtemp()) / "spool.jsonl")
    app = create_app(settings, environ={})
    async with LifespanManager(app):
        if not any(account.name == "bench" for account in await app.services.accounts.list()):
            await app.services.accounts.create("bench", Role.ADMIN, PASSWORD, actor="benchmark")
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
            form = await http.get("/admin/sign-in")
            token = form.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
            signed = await http.post(
                "/admin/sign-in", data={"csrf_token": token, "name": "bench", "password": PASSWORD, "next": "/admin"}
            )
            assert signed.status_code == 303, signed.text
            paths = (
                "/admin/issues", "/admin/issues?sort=growth", "/admin/issues?app=search&status=new&sort=growth",
                "/admin/issues?page=10", f"/admin/issues/{issue_id}", f"/admin/issues/{issue_id}/map",
            )
            for path in paths:
                await http.get(path)
                times = []
                for _ in range(repeat):
                    started = time.perf_counter()
                    response = await http.get(path)
                    times.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200, response.text[:500]
                print(f"{path:60s} median {statistics.median(times):7.1f} ms   worst {max(times):7.1f} ms")


def main() -> None:
    """Seed, then time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seeded", action="store_true", help="time a database this script seeded before, without seeding")
    args = parser.parse_args()
    url = args.database_url or f"sqlite+aiosqlite:///{tempfile.mkdtemp()}/issues.db"
    upgrade_database(url)
    if not args.seeded:
        started = time.perf_counter()
        asyncio.run(seed(url))
        print(f"seeded {INTERACTIONS:,} interactions, {FEEDBACK:,} feedback, {ISSUES:,} issues x {RUNS} runs in {time.perf_counter() - started:.1f} s")
    print(f"database: {url}")
    asyncio.run(time_pages(url, BIGGEST, args.repeat))


if __name__ == "__main__":
    main()
