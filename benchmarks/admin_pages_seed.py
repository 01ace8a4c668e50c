"""The database benchmarks/admin_pages.py times every admin page on, written through the gateway's own stores and services.

100,000 interactions over 90 days (5 apps, 4 models, varied questions and answers; 2 % errors, 1 %
partial streams, a tenth with tool calls and a knowledge note), 20,000 feedback events (40 %
negative, with comments and corrections), 1,000 issues over 14 clustering runs with members,
examples and each app's kept map points, 500 review tasks, 1,000 knowledge-base entries, three
prompt versions per app, goals and an admin user.
"""

from __future__ import annotations

import asyncio
import random
import sys
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import uuid_utils
from sqlalchemy import insert

from clustering.issue_status import IssueStatus
from clustering.reduce import ReductionFit
from gateway.accounts.records import Role
from gateway.app import FeedgateApp
from gateway.review.records import Priority, Source
from gateway.store.feedback_map_points import FeedbackMapStore
from gateway.store.issue_records import IssueWrite, RunRecord
from gateway.store.reduction_fits import ReductionFitStore
from gateway.store.stored_order import STORED_SEQ, take_numbers
from gateway.store.tables import feedback

INTERACTIONS = 100_000
FEEDBACK = 20_000
ISSUES = 1_000
RUNS = 14
EXAMPLES = 5
TASKS = 500
KNOWLEDGE_ENTRIES = 1_000
PROMPT_VERSIONS = 3
DAYS = 90
BATCH = 2_000
ADMIN = "bench"
PASSWORD = "a long enough benchmark password"
APPS = ("support-bot", "sales-bot", "docs-bot", "checkout-helper", "search")
MODELS = ("gpt-4o-mini", "gpt-4o", "gpt-4.1", "claude-3-5")
TOPICS = ("refund", "fee", "password reset", "delivery", "invoice", "account", "card", "transfer", "limit", "login")
COMMON = [
    "please",
    "could",
    "you",
    "tell",
    "me",
    "how",
    "when",
    "why",
    "my",
    "the",
    "a",
    "about",
    "again",
    "still",
    "not",
    "working",
    "help",
    "urgent",
]
# Less frequent words, so searches meet a spread of term frequencies as in real traffic.
NOUNS = [
    "parcel",
    "courier",
    "warehouse",
    "receipt",
    "subscription",
    "discount",
    "voucher",
    "coupon",
    "statement",
    "balance",
    "overdraft",
    "mortgage",
    "loan",
    "interest",
    "deposit",
    "withdrawal",
    "branch",
    "address",
    "phone",
    "email",
    "newsletter",
    "upgrade",
    "downgrade",
    "cancellation",
    "renewal",
    "trial",
    "license",
    "seat",
    "team",
    "admin",
    "permission",
    "export",
    "import",
    "report",
    "dashboard",
    "chart",
    "integration",
    "webhook",
    "token",
    "certificate",
    "browser",
    "android",
    "iphone",
    "tablet",
    "laptop",
    "printer",
    "scanner",
    "battery",
    "charger",
    "screen",
    "keyboard",
    "warranty",
    "repair",
    "replacement",
    "return",
    "exchange",
    "size",
    "colour",
    "stock",
    "preorder",
]
# A word no interaction holds: the search that matches nothing.
ABSENT_WORD = "zeppelin"


@dataclass(frozen=True, slots=True)
class Seeded:
    """Ids the timed URLs need: an issue, a task, a knowledge entry, two prompt versions, an order number."""

    issue_id: str
    task_id: str
    entry_id: str
    prompt_from: str
    prompt_to: str
    order_number: str


def minted_at(at: datetime) -> str:
    """A UUIDv7 with `at` as its timestamp, as the gateway mints one when the call starts."""
    fresh = uuid.UUID(str(uuid_utils.uuid7()))
    return str(uuid.UUID(int=(int(at.timestamp() * 1000) << 80) | (fresh.int & ((1 << 80) - 1))))


def _question(rng: random.Random, order: int) -> str:
    words = [*rng.choices(COMMON, k=8), rng.choice(TOPICS), *rng.choices(NOUNS, k=3), *rng.choices(COMMON, k=9)]
    rng.shuffle(words)
    return f"{' '.join(words)} order {order}?"


def _interaction(rng: random.Random, n: int, at: datetime, entry_ids: dict[str, list[str]]) -> dict[str, Any]:
    roll = rng.random()
    tools = rng.random() < 0.1
    app = APPS[n % len(APPS)]
    failed = 0.01 <= roll < 0.03
    return {
        "id": minted_at(at),
        "created_at": at,
        "app": app,
        "endpoint": "chat.completions",
        "upstream": "default",
        "model": rng.choice(MODELS),
        "stream": roll < 0.3,
        "partial": roll < 0.01,
        "status_code": 502 if failed else 200,
        "error": "upstream unreachable" if failed else None,
        "request": {
            "model": "m",
            "messages": [
                {"role": "system", "content": "Be brief and cite the policy."},
                {"role": "user", "content": _question(rng, 10_000 + n)},
            ],
        },
        "response_text": None
        if failed
        else " ".join(rng.choices(COMMON + list(NOUNS), k=40)) + f" about your {rng.choice(TOPICS)}.",
        "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}]
        if tools
        else None,
        "policies": [
            {
                "policy": "knowledge",
                "action": "replace_body",
                "entries": [{"id": rng.choice(entry_ids[app]), "version": 1}],
            }
        ]
        if tools
        else None,
        "prompt_tokens": 40,
        "completion_tokens": 60,
        "total_tokens": 100,
        "latency_ms": rng.uniform(200, 3000),
        "ttfb_ms": rng.uniform(50, 400),
        "end_user": f"user-{n % 3000}",
    }


async def _knowledge(app: FeedgateApp, rng: random.Random) -> dict[str, list[str]]:
    """KNOWLEDGE_ENTRIES entries spread over the apps, through KnowledgeService.create; their ids per app."""
    ids: dict[str, list[str]] = {name: [] for name in APPS}
    for number in range(KNOWLEDGE_ENTRIES):
        name, topic = APPS[number % len(APPS)], rng.choice(TOPICS)
        entry = await app.services.knowledge.service.create(
            name,
            f"{topic.title()} policy {number}",
            f"How {topic} works: " + " ".join(rng.choices(NOUNS, k=60)),
            [f"how do I {topic} {rng.choice(NOUNS)}?", f"{topic} {rng.choice(NOUNS)} question"],
            [topic.split()[0]],
            active=number % 10 != 0,
            author=ADMIN,
        )
        ids[name].append(entry.id)
    return ids


async def _interactions(app: FeedgateApp, rng: random.Random, entry_ids: dict[str, list[str]]) -> list[dict[str, Any]]:
    """INTERACTIONS rows over DAYS days, oldest first, through InteractionStore.insert_many (the writer's verb)."""
    now = datetime.now(UTC)
    step = timedelta(days=DAYS) / INTERACTIONS
    rows: list[dict[str, Any]] = []
    for start in range(0, INTERACTIONS, BATCH):
        batch = [
            _interaction(rng, n, now - timedelta(days=DAYS) + step * n, entry_ids) for n in range(start, start + BATCH)
        ]
        await app.services.interactions.insert_many(batch)
        rows.extend(batch)
    return rows


async def _feedback(app: FeedgateApp, rng: random.Random, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """FEEDBACK events on distinct interactions, in bulk and numbered in stored order; the negative ones' interactions."""
    events, negatives = [], []
    for row in rng.sample(rows, FEEDBACK):
        negative = rng.random() < 0.4
        topic = rng.choice(TOPICS)
        events.append(
            {
                "id": minted_at(row["created_at"] + timedelta(seconds=30)),
                "interaction_id": row["id"],
                "created_at": row["created_at"] + timedelta(seconds=30),
                "app": row["app"],
                "user_id": row["end_user"],
                "thumbs": "down" if negative else "up",
                "negative": negative,
                "submitted_via": "app",
                "comment": f"wrong about the {topic}" if negative else None,
                "correction": f"The {topic} takes three days." if negative and rng.random() < 0.5 else None,
                "seconds_after_answer": 30.0,
            }
        )
        if negative:
            negatives.append(row)
    async with app.services.engine.begin() as connection:
        for start in range(0, len(events), 5_000):
            batch = events[start : start + 5_000]
            # Numbered from the table's head as FeedbackStore numbers an event: pages following the
            # stored order read them as stored ones, and the next event stored takes the next number.
            first = await connection.run_sync(take_numbers, feedback, len(batch)) + 1
            for number, event in enumerate(batch, start=first):
                event[STORED_SEQ] = number
            await connection.execute(insert(feedback), batch)
    return negatives


async def _issues(app: FeedgateApp, rng: random.Random, negatives: list[dict[str, Any]]) -> str:
    """ISSUES issues over RUNS runs per app through IssueStore.save_run, and each app's kept points; the biggest issue's id."""
    now = datetime.now(UTC)
    per_app = ISSUES // len(APPS)
    biggest = ""
    for app_index, name in enumerate(APPS):
        members_of_app = [row["id"] for row in negatives if row["app"] == name]
        for run in range(RUNS):
            writes = []
            for number in range(per_app):
                size = 2 + (number * 7 + run * (number % 5)) % 40
                first = (number * 4) % max(len(members_of_app) - 50, 1)
                members = members_of_app[first : first + size]
                writes.append(
                    IssueWrite(
                        id=f"{app_index:08d}-0000-7000-8000-{number:012d}",
                        is_new=run == 0,
                        title=f"{name}: {rng.choice(TOPICS)} complaints {number}",
                        summary="What users complain about.",
                        keywords=[rng.choice(TOPICS), rng.choice(NOUNS)],
                        status=IssueStatus.NEW,
                        regressed=False,
                        size=len(members),
                        negative_count=len(members),
                        centroid=np.zeros(4, dtype=np.float32),
                        examples=[{"interaction_id": member, "text": "complaint"} for member in members[:EXAMPLES]],
                        first_seen=now - timedelta(days=RUNS),
                        last_seen=now,
                        member_ids=members,
                    )
                )
            at = now - timedelta(days=RUNS - run)
            await app.services.issues.save_run(RunRecord(str(uuid_utils.uuid7()), name, at, at, len(writes), 0, writes))
        coordinates = {member: rng_point(rng, 5) for member in members_of_app}
        await ReductionFitStore(app.services.engine).replace(name, ReductionFit(coordinates, "bench"))
        await FeedbackMapStore(app.services.engine).replace(
            name, {member: (rng.random(), rng.random()) for member in members_of_app}
        )
        biggest = biggest or f"{app_index:08d}-0000-7000-8000-{5:012d}"
    return biggest


def rng_point(rng: random.Random, dimensions: int) -> np.ndarray:
    """A random point, as a kept UMAP coordinate."""
    return np.array([rng.gauss(0, 1) for _ in range(dimensions)], dtype=np.float32)


async def _tasks(app: FeedgateApp, rng: random.Random, negatives: list[dict[str, Any]]) -> str:
    """TASKS review tasks through ReviewService.open_or_update; the first one's id.

    A few at once on PostgreSQL (each opening is several round trips); one at a time on SQLite, which has one writer.
    """
    at_once = asyncio.Semaphore(1 if app.services.engine.dialect.name == "sqlite" else 4)

    async def open_one(number: int, row: dict[str, Any], priority: Priority, tag: str) -> str | None:
        async with at_once:
            opened = await app.services.reviews.open_or_update(
                app=row["app"],
                source=Source.SIMILAR_NEGATIVE,
                reason=f"Negative feedback #{number}",
                priority=priority,
                interaction_ids=[row["id"]],
                tags=[tag],
            )
        return opened.task.task.id if opened is not None else None

    openings = [
        open_one(number, row, rng.choice(list(Priority)), rng.choice(TOPICS).split()[0])
        for number, row in enumerate(rng.sample(negatives, TASKS))
    ]
    return next(task_id for task_id in await asyncio.gather(*openings) if task_id is not None)


async def _prompts(app: FeedgateApp) -> tuple[str, str]:
    """PROMPT_VERSIONS versions per app (the last a canary) through PromptService.publish; support-bot's first two ids."""
    pair: list[str] = []
    for name in APPS:
        for number in range(PROMPT_VERSIONS):
            canary = number == PROMPT_VERSIONS - 1
            version = await app.services.prompts.service.publish(
                name,
                "Be brief.\n" + "\n".join(f"Rule {n}: cite the {TOPICS[n]} policy." for n in range(number + 3)),
                f"version {number + 1}",
                ADMIN,
                activate=not canary,
                canary_share=0.2 if canary else None,
            )
            if name == APPS[0] and len(pair) < 2:
                pair.append(version.version.id)
    return pair[0], pair[1]


class _Phases:
    """Prints how long each seeding step took (stderr), so a slow step shows."""

    def __init__(self) -> None:
        self._last = time.perf_counter()

    def done(self, what: str) -> None:
        now = time.perf_counter()
        print(f"  seeded {what} in {now - self._last:.0f} s", file=sys.stderr)
        self._last = now


async def seed(app: FeedgateApp, rng: random.Random) -> Seeded:
    """Everything the admin pages show, in a fresh database."""
    phases = _Phases()
    await app.services.accounts.create(ADMIN, Role.ADMIN, PASSWORD, actor="benchmark")
    entry_ids = await _knowledge(app, rng)
    phases.done(f"{KNOWLEDGE_ENTRIES:,} knowledge entries")
    rows = await _interactions(app, rng, entry_ids)
    phases.done(f"{INTERACTIONS:,} interactions")
    negatives = await _feedback(app, rng, rows)
    phases.done(f"{FEEDBACK:,} feedback events")
    issue_id = await _issues(app, rng, negatives)
    phases.done(f"{ISSUES:,} issues x {RUNS} runs")
    task_id = await _tasks(app, rng, negatives)
    phases.done(f"{TASKS} review tasks")
    prompt_from, prompt_to = await _prompts(app)
    await app.services.goals.set_rate_goal(APPS[0], 0.3, 3, actor=ADMIN)
    await app.services.goals.set_review_goal(APPS[0], 0.95, 48, actor=ADMIN)
    await app.services.goals.set_rate_goal(APPS[1], 0.2, 6, actor=ADMIN)
    order = rows[len(rows) // 3]["request"]["messages"][1]["content"].rsplit(" ", 1)[1].rstrip("?")
    return Seeded(issue_id, task_id, entry_ids[APPS[0]][1], prompt_from, prompt_to, order)
