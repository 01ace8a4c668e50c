"""`feedgate demo`: the whole loop on this machine, against the fake upstream, printed step by step.

Traffic from an app (the openai SDK, through the gateway on a real socket) -> end users' thumbs
and corrections -> a clustering pass (the bundled embedder) -> the issue, its review task and
suggested action -> a preview of the fix -> the fix (a knowledge-base entry, resolving the task
and linked to the issue) -> the same questions again, now answered right -> the issue's negative
rate before and after (EffectService). A temporary SQLite database; nothing leaves the machine.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import openai
from rich.console import Console
from rich.table import Table
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering import SentenceTransformerEmbedder
from clustering.embed import Embedder
from gateway.app import create_app
from gateway.config import Settings
from gateway.demo.fake_rules import TRANSFER_FEE
from gateway.demo.fake_upstream import run_fake_upstream
from gateway.demo.loop_output import answers_table, feedback_summary, issues_title, preview_table
from gateway.demo.loop_traffic import FEE_QUESTIONS, ask_all, judge, questions, send_feedback
from gateway.demo.threaded_server import ThreadedServer
from gateway.discovery.job import run_clustering_pass
from gateway.domain.issues import IssueService
from gateway.effect.links import FixLinkService
from gateway.effect.service import EffectService, IssueEffect, effect_settings
from gateway.knowledge.service import KnowledgeService
from gateway.prompts.service import PromptService
from gateway.review.fix_resolution import TaskFixes
from gateway.review.service import review_service
from gateway.store.engine import create_engine
from gateway.store.fix_links import FixLinkStore
from gateway.store.interactions import InteractionStore
from gateway.store.issue_edits import IssueEditStore
from gateway.store.issues import IssueFilter, IssueStore
from gateway.store.knowledge import KnowledgeStore
from gateway.store.member_issues import MemberIssueStore
from gateway.store.prompts import PromptStore
from gateway.store.reviews import ReviewFilter
from gateway.store.task_fixes import TaskFixStore

ADMIN_TOKEN = "demo-admin"
APP_KEY = "sk-demo-app"  # pass-through mode: the fake upstream accepts any key
REVIEWER = "demo-reviewer"
ENTRY_TITLE = "Transfer fees"
ENTRY_CONTENT = "The transfer fee is 1% of the amount sent, charged on every transfer."
# The reviewer adds the ways users ask, so retrieval finds the entry for each of them.
ENTRY_QUESTIONS = ["What is the transfer fee?", "Is there a transfer fee?", "Do you charge a transfer fee?",
                   "How much is the transfer fee on a payment abroad?"]  # fmt: skip
REFRESH_SECONDS = 0.5


@dataclass
class DemoReport:
    """How long each step took, and what the loop measured."""

    steps: list[tuple[str, float]] = field(default_factory=list)
    wrong_before: int = 0
    wrong_after: int = 0
    effect: IssueEffect | None = None

    @property
    def seconds(self) -> float:
        """The whole run."""
        return sum(seconds for _, seconds in self.steps)


# How long the demo's answers get to collect their feedback before the effect counts them.
DEMO_FOLLOW_UP = timedelta(seconds=10)


# The demo's SQLite file, in its folder.
DEMO_DATABASE = "demo.db"
# Beside a kept database: the settings to browse it with.
DEMO_CONFIG = "feedgate.toml"


def demo_settings(directory: Path, upstream_url: str) -> Settings:
    """The gateway's settings for the demo: a temporary SQLite file, fast fix refresh, rules for a small app."""
    return Settings(
        database_url=f"sqlite+aiosqlite:///{directory / DEMO_DATABASE}",
        upstream_url=upstream_url,
        upstream_api_key_env=None,
        admin_token=ADMIN_TOKEN,
        spool_path=directory / "spool.jsonl",
        writer_flush_interval=0.05,
        knowledge_refresh_seconds=REFRESH_SECONDS,
        prompt_refresh_seconds=REFRESH_SECONDS,
        prompt_guard_interval_minutes=0,
        # A small app: a task from 5 complaints, an effect from 15 topic interactions per window.
        review_issue_min_size=5,
        # One reviewer resolves a task (no sampled second opinion).
        review_second_opinion_share=0,
        review_similar_negative_rule=False,
        review_anomalous_rule=False,
        effect_min_interactions=15,
        # The demo's end users rate within seconds of their answers: a follow-up of 10 s covers them.
        effect_follow_up_hours=DEMO_FOLLOW_UP.total_seconds() / 3600,
    )


class Steps:
    """Prints each step's heading and times it."""

    def __init__(self, console: Console, report: DemoReport) -> None:
        self._console = console
        self._report = report

    @contextmanager
    def step(self, title: str) -> Iterator[None]:
        """Time the block as one step, announced by `title`."""
        self._console.rule(f"[bold]{len(self._report.steps) + 1}. {title}")
        started = time.perf_counter()
        yield
        seconds = time.perf_counter() - started
        self._report.steps.append((title, seconds))
        self._console.print(f"[dim]({seconds:.1f} s)")


async def _wait_for(condition: Callable[[], bool], timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.1)
    return True


async def run_demo(
    console: Console,
    seed: int = 7,
    embedder: Embedder | None = None,
    keep: Path | None = None,
    program: str = "feedgate",
) -> DemoReport:
    """Run the loop once and print every step; the report holds the timings and the measured effect.

    `embedder` clusters and measures (default: the bundled model, loaded while the first traffic runs).
    `keep`: an absolute folder for the demo's database, kept afterwards for the admin pages (default: a temporary one).
    `program`: the command the closing lines tell the user to run, as they ran this one (".venv/bin/feedgate").
    """
    # The steps say what happens; per-request and per-migration log lines would drown them.
    disabled = logging.root.manager.disable
    logging.disable(logging.INFO)
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    try:
        return await _run(console, seed, embedder or SentenceTransformerEmbedder(), keep, program)
    finally:
        logging.disable(disabled)


async def _run(console: Console, seed: int, embedder: Embedder, keep: Path | None, program: str) -> DemoReport:
    report = DemoReport()
    steps = Steps(console, report)
    with _folder(keep) as directory, run_fake_upstream() as upstream:
        settings = demo_settings(Path(directory), upstream.url)
        where = "a temporary folder" if keep is None else "the folder to keep"
        with steps.step(f"Start: the fake upstream and the gateway on real sockets, SQLite in {where}"):
            gateway = ThreadedServer(create_app(settings, environ={}), lifespan="on", loop="asyncio").start(60)
            console.print(f"gateway {gateway.origin}/v1 -> fake upstream {upstream.url}")
            console.print(f"database {settings.database_url}")
        try:
            await _loop(console, steps, report, settings, gateway, random.Random(seed), embedder)
        finally:
            gateway.stop()
    table = Table(title="Timing")
    table.add_column("step")
    table.add_column("seconds", justify="right")
    for title, seconds in report.steps:
        table.add_row(title.split(":")[0], f"{seconds:.1f}")
    table.add_row("[bold]total", f"[bold]{report.seconds:.1f}")
    console.print(table)
    if keep is not None:
        config = keep / DEMO_CONFIG
        config.write_text(browse_config(settings), encoding="utf-8")
        console.print(
            f"The demo's database is kept: {settings.database_url}\nTo browse it in the admin pages with the "
            f"settings the demo ran with ({config}; the fake upstream is gone, the stored calls stay):\n"
            f"  {program} user add you --role admin --config {config}\n"
            f"  {program} serve --config {config}   # then open http://127.0.0.1:8080/admin",
            markup=False,
            highlight=False,
            soft_wrap=True,  # commands to copy, whole whatever the terminal's width
        )
    return report


# The demo's settings that change what the admin pages show of its data: a small app's rules and effect.
_SHOWN_SETTINGS = (
    "database_url",
    "spool_path",
    "review_issue_min_size",
    "review_second_opinion_share",
    "review_similar_negative_rule",
    "review_anomalous_rule",
    "effect_min_interactions",
    "effect_follow_up_hours",
)


def browse_config(settings: Settings) -> str:
    """A TOML config file for `feedgate serve` over the kept demo database, with the settings the demo ran with."""
    lines = ["# Written by `feedgate demo --keep`: the settings the demo ran with, to browse its database."]
    for name in _SHOWN_SETTINGS:
        value = getattr(settings, name)
        # JSON's strings, numbers and booleans are TOML's too.
        lines.append(f"{name} = {json.dumps(str(value) if isinstance(value, Path) else value)}")
    return "\n".join(lines) + "\n"


@contextmanager
def _folder(keep: Path | None) -> Iterator[str]:
    """`keep` (made if need be, left in place), or a temporary folder removed afterwards."""
    if keep is None:
        with tempfile.TemporaryDirectory(prefix="feedgate-demo-") as directory:
            yield directory
        return
    keep.mkdir(parents=True, exist_ok=True)
    yield str(keep)


async def _loop(
    console: Console,
    steps: Steps,
    report: DemoReport,
    settings: Settings,
    gateway: ThreadedServer,
    rng: random.Random,
    embedder: Embedder,
) -> None:
    asked_questions = questions(rng)
    users = [f"user-{rng.randrange(1000):03d}" for _ in asked_questions]
    admin = {"authorization": f"Bearer {ADMIN_TOKEN}"}
    sdk = openai.AsyncOpenAI(base_url=f"{gateway.origin}/v1", api_key=APP_KEY, max_retries=0)
    http = httpx.AsyncClient(base_url=gateway.origin, timeout=60)
    engine = create_engine(settings.database_url)
    # Loading the model takes seconds: it loads in the background while the traffic runs.
    warm_up = asyncio.create_task(asyncio.to_thread(embedder.embed, ["warm up"]))
    try:
        with steps.step("Traffic: 60 questions from 4 topics through the openai SDK"):
            before = await ask_all(sdk, asked_questions, users)
            report.wrong_before = sum(a.answer == TRANSFER_FEE.wrong for a in before)
            console.print(answers_table("What the model answered", before))

        with steps.step("End users: thumbs and corrections from the feedback widget's endpoint"):
            ratings = [judge(a, rng) for a in before]
            sent = await send_feedback(http, ratings)
            downs = [r for r in ratings if r.thumbs == "down"]
            corrected = [r for r in downs if r.correction]
            ups = sum(r.thumbs == "up" for r in ratings)
            console.print(feedback_summary(sent, len(downs), len(corrected), ups, len(ratings) - sent))
            for example in corrected[:2]:
                asked = example.asked
                console.print(f"  {asked.question!r} -> {asked.answer!r}: corrected {example.correction!r}")

        with steps.step("Clustering pass: embed the complaints (bundled MiniLM), cluster, track issues"):
            await warm_up
            summary = await run_clustering_pass(engine, settings, embedder)
            issues = IssueService(IssueStore(engine))
            listed = (await issues.list(IssueFilter(), sort="size", limit=10)).data
            table = Table(title=issues_title(sum(s.items for s in summary.apps)))
            for column in ("issue", "complaints", "keywords"):
                table.add_column(column)
            for issue in listed:
                table.add_row(issue.title, str(issue.size), ", ".join(issue.keywords[:5]))
            console.print(table)
            fee_ids = {a.interaction_id for a in before if a.question in FEE_QUESTIONS}
            details = [await issues.get(issue.id) for issue in listed]
            issue = max((d for d in details if d is not None), key=lambda d: len(fee_ids & set(d.member_ids))).issue

        with steps.step("Review: the issue rule's task and its suggested action"):
            reviews = review_service(engine, settings)
            [task] = (await reviews.list(ReviewFilter(issue_id=issue.id), "queue", 5)).data
            action = task.suggested_action
            console.print(f"task {task.id} ({task.priority} priority): {task.reason}")
            console.print(f"suggested action: [bold]{action.label if action else '-'}")
            for correction in (action.corrections if action else ())[:3]:
                console.print(f"  end user's correction: {correction.text!r}")

        with steps.step("Preview: replay 5 of the issue's interactions with the candidate entry (5 upstream calls)"):
            candidate = {"kind": "knowledge", "title": ENTRY_TITLE, "content": ENTRY_CONTENT, "limit": 5,
                         "example_questions": ENTRY_QUESTIONS}  # fmt: skip
            answer = await http.post(f"/api/issues/{issue.id}/previews", json=candidate, headers=admin)
            answer.raise_for_status()
            console.print(preview_table(answer.json()))

        with steps.step("Fix: the reviewer resolves the task with a knowledge-base entry (linked to the issue)"):
            fixes = TaskFixes(
                reviews, KnowledgeService(KnowledgeStore(engine)), PromptService(PromptStore(engine)),
                FixLinkService(FixLinkStore(engine), IssueEditStore(engine)), TaskFixStore(engine),
                MemberIssueStore(engine),
            )  # fmt: skip
            resolved = await fixes.resolve_with_entry(
                task.id, REVIEWER, title=ENTRY_TITLE, content=ENTRY_CONTENT, example_questions=ENTRY_QUESTIONS
            )
            linked = "linked to the issue" if resolved.link is not None else resolved.unlinked_reason
            console.print(f"{resolved.fix_label}; task {resolved.task.task.status}; {linked}")
            services = gateway.app.services
            loaded = await _wait_for(lambda: services.knowledge.snapshots.get(issue.app) is not None, 30)
            state = "loaded" if loaded else "has NOT loaded"
            console.print(f"the gateway {state} the entry (it checks for changed fixes every {REFRESH_SECONDS} s)")

        with steps.step("Traffic again: the same 60 questions, the same users"):
            after = await ask_all(sdk, asked_questions, users)
            report.wrong_after = sum(a.answer == TRANSFER_FEE.wrong for a in after)
            console.print(answers_table("What the model answered now", after))
            console.print(f"wrong transfer-fee answers: {report.wrong_before} before, {report.wrong_after} after")
            await send_feedback(http, [judge(a, rng) for a in after])

        with steps.step("Effect: the issue's negative rate before and after the fix went live"):
            live_at = resolved.link.live_at if resolved.link else datetime.now(UTC)
            first = await InteractionStore(engine).get(min(a.interaction_id for a in before))
            if first is None:
                raise RuntimeError("the demo's first question was not recorded")
            # Before and after are windows of equal length on either side of live_at. Measured as of the moment
            # the after window reaches back to the first question, so the before window holds all the traffic
            # before the fix; no traffic arrives until then, so this is what waiting for that moment would show.
            as_of = max(
                datetime.now(UTC), live_at + (live_at - first["created_at"]) + DEMO_FOLLOW_UP + timedelta(seconds=1)
            )
            console.print(
                f"measured as of {as_of:%H:%M:%S} (live at {live_at:%H:%M:%S}, first question at "
                f"{first['created_at']:%H:%M:%S}): equal windows, as waiting until then would give"
            )
            report.effect = await _measure(console, engine, embedder, settings, issue.id, as_of)
    finally:
        if not warm_up.done():
            warm_up.cancel()
        await sdk.close()
        await http.aclose()
        await engine.dispose()


async def _measure(
    console: Console, engine: AsyncEngine, embedder: Embedder, settings: Settings, issue_id: str, as_of: datetime
) -> IssueEffect:
    """The issue's effect as GET /api/issues/{id}/effect computes it, printed."""

    async def source() -> Embedder:
        return embedder

    effect = await EffectService(engine, source, effect_settings(settings), clock=lambda: as_of).effect(issue_id)
    comparison = effect.before_after
    if comparison is None:
        console.print(f"[yellow]no effect measured: {effect.reason}")
        return effect
    result = comparison.result
    table = Table(title="Negative rate on the issue's topic")
    for column in ("window", "interactions", "negative", "rated", "negative rate (95 % CI)"):
        table.add_column(column)
    for name, group in (("before the fix", result.first), ("after the fix", result.second)):
        ci = group.negative_rate_ci
        low_high = f" ({ci.low:.0%}-{ci.high:.0%})" if ci else ""
        rate = f"{group.negative_rate:.0%}{low_high}" if group.negative_rate is not None else "-"
        counts = group.counts
        table.add_row(name, str(counts.interactions), str(counts.negative), str(counts.with_feedback), rate)
    console.print(table)
    # The verdict carries its p-value (or why there is none yet) itself.
    console.print(f"[bold]{comparison.verdict}")
    console.print(f"[dim]{comparison.caveat}")
    return effect
