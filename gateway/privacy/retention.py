"""Retention: interactions older than the configured age, and everything that refers to them, are removed.

Deletes go in bounded batches, each its own short transaction (ids found by the created_at
index, then their dependants and themselves by primary or indexed keys), so no lock is held
for long and concurrent inserts only ever wait for one batch. Run by `feedgate prune` and, with
`retention_days` set, every `retention_interval_minutes` by `serve` and `worker`; without it, their
schedule drops only the idempotency keys past their lifetime.

Removal is the same as an erasure's (gateway.privacy.erasure lists what goes and what stays):
with each batch, the issues' own words only its texts held go first, then in its transaction the
issues are recounted and the copies of its texts in issue examples, fix previews and the review
tasks holding them go; after the last batch, review tasks that quoted a pruned text without
holding it are scrubbed.

Each prune also drops the idempotency keys older than their lifetime (gateway.domain.idempotency) and
the merge judge's answers older than theirs (`merge_judge_answer_days`) or than the prune's cutoff,
whichever is later (an answer given before the cutoff was about complaints that are all past it), in
batches of the same size, whether or not any interaction was due; so does the schedule without a retention age.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.documents import DEFAULT_RECIPE, DocumentRecipe
from gateway.config import Settings
from gateway.config_checks import MAX_DAYS
from gateway.counted import counted
from gateway.domain.idempotency import KEY_LIFETIME
from gateway.privacy.cache_keys import cache_keys
from gateway.privacy.issue_texts import IssueTextCopies
from gateway.store.availability import log_failed_round
from gateway.store.erasure import tasks_holding
from gateway.store.idempotency import drop_keys_before
from gateway.store.interaction_removal import (
    RemovalCounts,
    drop_dangling_copies,
    recount_issues,
    remove_interactions,
    texts_of,
)
from gateway.store.locks import CLUSTERING_LOCK, hold_lock, try_lock
from gateway.store.merge_judgements import MergeJudgementStore
from gateway.store.pruning import oldest_before
from gateway.store.review_copies import drop_task_copies, drop_unheld_copies

logger = logging.getLogger("feedgate.retention")
LOCK_NAME = "retention"
# Told after each batch: interactions removed so far.
Progress = Callable[[int], None]
# How long the merge judge's answers are kept when no settings say (the default of `merge_judge_answer_days`).
DEFAULT_JUDGEMENT_LIFETIME = timedelta(days=Settings.model_fields["merge_judge_answer_days"].default)


@dataclass
class PruneReport:
    """What one prune removed, how long it took, and the slowest batch (the longest any lock was held)."""

    cutoff: datetime
    counts: RemovalCounts = field(default_factory=RemovalCounts)
    batches: int = 0
    seconds: float = 0.0
    slowest_batch_seconds: float = 0.0
    # Another prune held the lock: this one did nothing.
    already_running: bool = False
    # How long it waited for the clustering pass under way (or an erasure) to let go of the clustering lock.
    waited_seconds: float = 0.0
    # Idempotency keys dropped past their lifetime (gateway.domain.idempotency.KEY_LIFETIME).
    idempotency_keys: int = 0
    # The merge judge's answers dropped past their lifetime or the prune's cutoff (gateway.store.merge_judgements).
    merge_judgements: int = 0
    # That lifetime (`merge_judge_answer_days`).
    judgement_lifetime: timedelta = DEFAULT_JUDGEMENT_LIFETIME


def recipes_of(settings: Settings) -> tuple[DocumentRecipe, ...]:
    """The clustering document recipes whose cache keys a removed interaction may have left."""
    from gateway.discovery.job import discovery_params

    return (discovery_params(settings).recipe, DEFAULT_RECIPE)


async def remove_batch(
    engine: AsyncEngine, ids: Sequence[str], recipes: Sequence[DocumentRecipe]
) -> tuple[RemovalCounts, set[str]]:
    """Remove the interactions `ids` with their dependants, cache rows and copies; and the issues hit.

    First the words of theirs the issues keep go (gateway.privacy.issue_texts), then everything else in one
    transaction: the rows, the issues' recount, their copies in issue examples, fix previews and the review
    tasks that held them. A process dying at any point leaves either the batch whole, to be removed by the
    next run, or removed with no word of it kept.
    """
    issue_texts = IssueTextCopies()
    async with engine.connect() as connection:
        texts = await texts_of(connection, ids)
        await issue_texts.note(connection, texts)
    scrubbed = await issue_texts.finish(engine, leaving=set(ids))
    # Hashing thousands of documents is CPU work: off the event loop.
    keys = await asyncio.to_thread(cache_keys, texts, recipes)
    async with engine.begin() as connection:
        tasks = await tasks_holding(connection, ids)
        removed, hit = await remove_interactions(connection, ids, keys)
        # The review tasks that outlive these interactions lose their copies of them, as on erasure.
        await drop_task_copies(connection, tasks)
        # Counted once per removal by the caller (an issue may lose members in many batches).
        await recount_issues(connection, hit)
        removed.add(await drop_dangling_copies(connection))
    removed.issue_texts = scrubbed
    return removed, hit


async def finish_removal(engine: AsyncEngine) -> RemovalCounts:
    """After the last batch: scrub the review tasks quoting a removed interaction they did not hold."""
    return RemovalCounts(tasks_scrubbed=await drop_unheld_copies(engine))


async def prune_before(
    engine: AsyncEngine,
    cutoff: datetime,
    *,
    batch_size: int = 5_000,
    recipes: Sequence[DocumentRecipe] = (DEFAULT_RECIPE,),
    progress: Progress | None = None,
    on_wait: Callable[[str | None], None] | None = None,
    judgement_lifetime: timedelta = DEFAULT_JUDGEMENT_LIFETIME,
) -> PruneReport:
    """Remove every interaction created before `cutoff`, `batch_size` per transaction, oldest first.

    `on_wait` is called once if a clustering pass (or an erasure) holds the clustering lock and the prune waits,
    with what its holder holds it for (gateway.store.locks.held_for). The merge judge's answers older than
    `judgement_lifetime`, or given before `cutoff`, go too.
    """
    report = PruneReport(cutoff=cutoff, judgement_lifetime=judgement_lifetime)
    started = time.perf_counter()
    async with try_lock(engine, LOCK_NAME) as acquired:
        if not acquired:
            report.already_running = True
            return report
        async with engine.connect() as connection:
            due = await oldest_before(connection, cutoff, 1)
        if due:
            # As an erasure does: no clustering pass holds pruned complaints to write back after the scrub.
            async with hold_lock(engine, CLUSTERING_LOCK, on_wait=on_wait, held_for="a prune") as waited:
                report.waited_seconds = waited
                await _prune_batches(engine, cutoff, batch_size, recipes, progress, report)
        report.idempotency_keys = await drop_keys_before(engine, datetime.now(UTC) - KEY_LIFETIME, batch_size)
        report.merge_judgements = await drop_old_judgements(engine, batch_size, judgement_lifetime, cutoff)
    report.seconds = time.perf_counter() - started
    return report


async def _prune_batches(
    engine: AsyncEngine,
    cutoff: datetime,
    batch_size: int,
    recipes: Sequence[DocumentRecipe],
    progress: Progress | None,
    report: PruneReport,
) -> None:
    """Remove what is older than `cutoff` batch by batch, then the copies; counted into `report`."""
    affected: set[str] = set()
    while True:
        async with engine.connect() as connection:
            ids = await oldest_before(connection, cutoff, batch_size)
        if not ids:
            break
        batch_started = time.perf_counter()
        counts, hit = await remove_batch(engine, ids, recipes)
        report.counts.add(counts)
        affected |= hit
        report.slowest_batch_seconds = max(report.slowest_batch_seconds, time.perf_counter() - batch_started)
        report.batches += 1
        if progress is not None:
            progress(report.counts.interactions)
    if report.batches:
        report.counts.issues_recounted = len(affected)
        report.counts.add(await finish_removal(engine))


async def drop_expired_keys(
    engine: AsyncEngine, batch_size: int, judgement_lifetime: timedelta = DEFAULT_JUDGEMENT_LIFETIME
) -> PruneReport:
    """Drop the idempotency keys and merge judge answers past their lifetimes alone, `batch_size` per transaction.

    No retention age to prune at: no interaction goes.

    Under the prune's lock, as a prune drops them too: processes dropping the same rows at once could deadlock on
    PostgreSQL. The report's cutoff is the keys'; `already_running` when another prune held the lock.
    """
    cutoff = datetime.now(UTC) - KEY_LIFETIME
    report = PruneReport(cutoff=cutoff, judgement_lifetime=judgement_lifetime)
    started = time.perf_counter()
    async with try_lock(engine, LOCK_NAME) as acquired:
        if not acquired:
            report.already_running = True
            return report
        report.idempotency_keys = await drop_keys_before(engine, cutoff, batch_size)
        report.merge_judgements = await drop_old_judgements(engine, batch_size, judgement_lifetime)
    report.seconds = time.perf_counter() - started
    return report


async def drop_old_judgements(
    engine: AsyncEngine, batch_size: int, lifetime: timedelta, cutoff: datetime | None = None
) -> int:
    """Drop the merge judge's answers older than `lifetime`, or given before `cutoff` when that is later; how many."""
    return await MergeJudgementStore(engine, lifetime).drop_expired(batch_size, before=cutoff)


def judgement_lifetime_of(settings: Settings) -> timedelta:
    """How long the merge judge's answers are kept, as `merge_judge_answer_days` says."""
    return timedelta(days=settings.merge_judge_answer_days)


def retention_cutoff(days: float, now: datetime | None = None) -> datetime:
    """The instant before which interactions are past a retention of `days` (above 0, at most MAX_DAYS)."""
    if not 0 < days <= MAX_DAYS:  # nan, inf or an age whose cutoff is no date; settings and `prune` refuse these
        raise ValueError(f"a retention age must be above 0 and at most {MAX_DAYS} days, got {days:g}")
    return (now or datetime.now(UTC)) - timedelta(days=days)


async def prune_expired(
    engine: AsyncEngine,
    settings: Settings,
    days: float | None = None,
    on_wait: Callable[[str | None], None] | None = None,
) -> PruneReport:
    """Prune what is older than `days` (default: the configured `retention_days`); `on_wait` as prune_before's."""
    age = days if days is not None else settings.retention_days
    if age is None:
        raise ValueError("no retention age: set retention_days or pass an age")
    return await prune_before(
        engine,
        retention_cutoff(age),
        batch_size=settings.retention_batch_size,
        recipes=recipes_of(settings),
        on_wait=on_wait,
        judgement_lifetime=judgement_lifetime_of(settings),
    )


async def prune_periodically(engine: AsyncEngine, settings: Settings) -> None:
    """Every `retention_interval_minutes` until cancelled: prune past `retention_days` when set, else drop only the
    idempotency keys and merge judge answers past their lifetimes (which a prune drops too), so they are not kept for
    ever. Failures are logged.
    """
    interval = settings.retention_interval_minutes * 60
    keys_only = settings.retention_days is None
    if keys_only:
        # A key is days old before it is due: the first round waits an interval, so a process that lives a moment
        # (a test's app, a command) touches nothing.
        await asyncio.sleep(interval)
    while True:
        try:
            if keys_only:
                report = await drop_expired_keys(engine, settings.retention_batch_size, judgement_lifetime_of(settings))
            else:
                report = await prune_expired(engine, settings)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - logged, with its traceback unless the database is away
            # A failed round (database hiccup) must not stop the next one.
            what = "idempotency key drop" if keys_only else "retention prune"
            log_failed_round(logger, exc, what, f"trying again in {settings.retention_interval_minutes:g} min")
        else:
            _log_round(report)
        await asyncio.sleep(interval)


def _log_round(report: PruneReport) -> None:
    """What a scheduled round removed, in words and (with JSON logs) as fields."""
    if report.already_running:
        logger.info("retention prune skipped: another prune is running")
    elif report.counts.interactions:
        logger.info(
            "pruned %s older than %s in %s (%.1f s, slowest batch %.2f s)",
            counted(report.counts.interactions, "interaction"),
            report.cutoff.isoformat(),
            counted(report.batches, "batch", "batches"),
            report.seconds,
            report.slowest_batch_seconds,
            # With JSON logs, the figures as fields too, as a clustering pass's summary has them.
            extra={
                "pruned_interactions": report.counts.interactions,
                "cutoff": report.cutoff.isoformat(),
                "batches": report.batches,
                "seconds": round(report.seconds, 3),
            },
        )
    if report.idempotency_keys:
        logger.info(
            "dropped %s older than %s",
            counted(report.idempotency_keys, "idempotency key"),
            counted(KEY_LIFETIME.days, "day"),
            extra={"dropped_idempotency_keys": report.idempotency_keys},
        )
    if report.merge_judgements:
        logger.info(
            "dropped %d merge judge answers older than %s or the retention cutoff",
            report.merge_judgements,
            counted(report.judgement_lifetime / timedelta(days=1), "day"),
            extra={"dropped_merge_judgements": report.merge_judgements},
        )
