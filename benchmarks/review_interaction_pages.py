"""Server time of the review queue, task, interactions and interaction pages on a seeded SQLite database.

Seeds 100,000 interactions (3 apps, 3 models, 30 days; 2 % errors, 1 % partial streams, a tenth
with tool calls and policy notes), 20,000 feedback events (40 % negative) and 500 review tasks,
all through the stores' and services' own insert verbs, then times each page in process (ASGI,
routing, guards, queries and rendering; no network) as a signed-in admin: the median of 7 runs
after one warm-up. Run: `.venv/bin/python benchmarks/review_interaction_pages.py [--database PATH]`
(an existing seeded file is reused).
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import uuid_utils
from asgi_lifespan import LifespanManager
from sqlalchemy import select

from gateway.accounts.records import Role
from gateway.app import FeedgateApp, create_app
from gateway.config import Settings
from gateway.review.records import Priority, Source
from gateway.store.interactions import InteractionFilter
from gateway.store.reviews import ReviewFilter
from gateway.store.tables import interactions

INTERACTIONS = 100_000
FEEDBACK = 20_000
TASKS = 500
RUNS = 7
PASSWORD = "a long enough benchmark password"
APPS = ("support-bot", "sales-bot", "docs-bot")
MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1")
TOPICS = ("refund", "fee", "password reset", "delivery", "invoice", "account", "card", "transfer", "limit", "login")
WORDS = "please could you tell me how when why my the a about again still not working help urgent".split()


def _question(rng: random.Random) -> str:
    return f"{' '.join(rng.choices(WORDS, k=8))} {rng.choice(TOPICS)} {' '.join(rng.choices(WORDS, k=12))}?"


def _row(rng: random.Random, at: datetime) -> dict[str, Any]:
    roll = rng.random()
    tools = rng.random() < 0.1
    return {
        "id": str(uuid_utils.uuid7()),
        "created_at": at,
        "app": rng.choice(APPS),
        "endpoint": "chat.completions",
        "upstream": "default",
        "model": rng.choice(MODELS),
        "stream": roll < 0.3,
        "partial": roll < 0.01,
        "status_code": 502 if 0.01 <= roll < 0.03 else 200,
        "error": "upstream unreachable" if 0.01 <= roll < 0.03 else None,
        "request": {"model": "m", "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": _question(rng)}]},
        "response_text": " ".join(rng.choices(WORDS, k=40)) + f" about your {rng.choice(TOPICS)}.",
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}] if tools else None,
        "policies": [{"policy": "knowledge", "action": "replace_body", "entries": [{"id": "kb", "version": 1}]}] if tools else None,
        "prompt_tokens": 40, "completion_tokens": 60, "total_tokens": 100,
        "latency_ms": rng.uniform(200, 3000), "ttfb_ms": rng.uniform(50, 400),
    }


async def seed(app: FeedgateApp, rng: random.Random) -> None:
    """Interactions, feedback and review tasks, through the stores' and the review service's insert verbs."""
    services = app.services
    start = datetime.now(UTC) - timedelta(days=30)
    step = timedelta(days=30) / INTERACTIONS
    ids: list[str] = []
    for batch in range(0, INTERACTIONS, 2_000):
        rows = [_row(rng, start + step * n) for n in range(batch, batch + 2_000)]
        await services.interactions.insert_many(rows)
        ids.extend(row["id"] for row in rows)
    apps = {}
    for chunk in range(0, INTERACTIONS, 5_000):
        async with services.engine.connect() as connection:
            query = select(interactions.c.id, interactions.c.app).where(interactions.c.id.in_(ids[chunk : chunk + 5_000]))
            apps.update({row.id: row.app for row in await connection.execute(query)})
    negatives: list[str] = []
    for number in range(FEEDBACK):
        interaction_id = rng.choice(ids)
        negative = rng.random() < 0.4
        if negative:
            negatives.append(interaction_id)
        await services.feedback_store.append(
            {
                "id": str(uuid_utils.uuid7()), "interaction_id": interaction_id, "created_at": datetime.now(UTC),
                "app": apps[interaction_id], "user_id": f"user-{number % 3000}", "thumbs": "down" if negative else "up",
                "comment": "wrong " + rng.choice(TOPICS) if negative else None, "negative": negative,
                "submitted_via": "app",
            }
        )
    used: set[str] = set()
    for number in range(TASKS):
        interaction_id = next(i for i in (rng.choice(negatives) for _ in range(100)) if i not in used)
        used.add(interaction_id)
        await services.reviews.open_or_update(
            app=apps[interaction_id], source=Source.SIMILAR_NEGATIVE, reason=f"Negative feedback #{number}",
            priority=rng.choice(list(Priority)), interaction_ids=[interaction_id], tags=[rng.choice(TOPICS)],
        )


async def timed(http: httpx.AsyncClient, path: str) -> float:
    """The median milliseconds of RUNS GETs of `path` after one warm-up."""
    first = await http.get(path)
    assert first.status_code == 200, (path, first.status_code, first.text[:300])
    times = []
    for _ in range(RUNS):
        began = time.perf_counter()
        response = await http.get(path)
        times.append((time.perf_counter() - began) * 1000)
        assert response.status_code == 200
    return statistics.median(times)


async def main(database: Path) -> None:
    fresh = not database.exists()
    url = f"sqlite+aiosqlite:///{database}"
    settings = Settings(database_url=url, upstream_url="http://127.0.0.1:9/v1", spool_path=database.with_suffix(".spool"))
    app = create_app(settings, environ={})
    async with LifespanManager(app):
        if fresh:
            began = time.perf_counter()
            await seed(app, random.Random(7))
            await app.services.accounts.create("bench", Role.ADMIN, PASSWORD, actor="benchmark")
            print(f"seeded in {time.perf_counter() - began:.0f} s", file=sys.stderr)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bench") as http:
            form = await http.get("/admin/sign-in")
            token = form.text.split('name="csrf_token" value="')[1].split('"')[0]
            signed = await http.post("/admin/sign-in", data={"csrf_token": token, "name": "bench", "password": PASSWORD})
            assert signed.status_code == 303, signed.text
            queue = await app.services.reviews.list(ReviewFilter(), "queue", 1)
            task_id = queue.data[0].id
            page = await app.services.interaction_service.list(InteractionFilter(), 50)
            cursor, one = page.next_cursor, page.data[3].id
            since = (datetime.now(UTC) - timedelta(days=10)).strftime("%Y-%m-%dT%H:%M")
            until = (datetime.now(UTC) - timedelta(days=9)).strftime("%Y-%m-%dT%H:%M")
            paths = [
                "/admin/reviews",
                "/admin/reviews?status=open&priority=high",
                "/admin/reviews?tag=refund&sort=newest",
                "/admin/reviews?overdue=false&offset=200",
                f"/admin/reviews/{task_id}",
                "/admin/interactions",
                f"/admin/interactions?cursor={cursor}",
                "/admin/interactions?app=sales-bot&model=gpt-4o",
                f"/admin/interactions?since={since}&until={until}",
                "/admin/interactions?feedback=negative",
                "/admin/interactions?feedback=any",
                "/admin/interactions?feedback=none",
                "/admin/interactions?status=error",
                "/admin/interactions?status=partial",
                "/admin/interactions?q=refund",
                "/admin/interactions?q=password+reset&app=docs-bot",
                "/admin/interactions?q=no-such-words-anywhere",
                f"/admin/interactions/{one}",
            ]
            print("| Page | Median server time (ms) |\n|---|---:|")
            for path in paths:
                print(f"| `{path.replace(task_id, '{task}').replace(one, '{id}').replace(str(cursor), '{cursor}')}` | {await timed(http, path):.1f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", type=Path, default=Path(tempfile.mkdtemp()) / "pages.db")
    asyncio.run(main(parser.parse_args().database))
