"""Retention: interactions older than the configured age, and everything that refers to them, are removed.

Deletes go in bounded batches, each its own short transaction (ids found by the created_at
index, then their dependants and themselves by primary or indexed keys), so no lock is held
for long and concurrent inserts only ever wait for one batch. Run by `feedgate prune` and, with
`retention_days` set, every `retention_interval_minutes` by `serve` and `worker`.

Removal is the same as an erasure's (gateway.privacy.erasure lists what goes and what stays):
after the last batch, issues are recounted, and the copies of the pruned texts in issue
examples, fix previews, the issues' own words and review tasks that never held them are scrubbed.
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
from gateway.privacy.cache_keys import cache_keys
from gateway.privacy.issue_texts import IssueTextCopies
from gateway.store.availability import log_failed_round
from gateway.store.erasure import tasks_holding
from gateway.store.interaction_removal import (
    RemovalCounts,
    drop_dangling_copies,
    recount_issues,
    remove_interactions,
    texts_of,
)
from gateway.store.locks import CLUSTERING_LOCK, hold_lock, try_lock
from gateway.store.pruning import oldest_before
from gateway.store.review_copies import drop_task_copies, drop_unheld_copies

logger = logging.getLogger("feedgate.retention")
LOCK_NAME = "retention"
# Told after each batch: interactions removed so far.
Progress = Callable[[int], None]


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


def recipes_of(settings: Settings) -> tuple[DocumentRecipe, ...]:
    """The clustering document recipes whose cache keys a removed interaction may have left."""
    from gateway.discovery.job import discovery_params

    return (discovery_params(settings).recipe, DEFAULT_RECIPE)


async def remove_batch(
    engine: AsyncEngine,
    ids: Sequence[str],
    recipes: Sequence[DocumentRecipe],
    issue_texts: IssueTextCopies | None = None,
) -> tuple[RemovalCounts, set[str]]:
    """Remove the interactions `ids` with their dependants and cache rows, in one transaction; and the issues hit.

    With `issue_texts`, first notes what the issues made from them got from their texts (for its `finish`).
    """
    async with engine.connect() as connection:
        texts = await texts_of(connection, ids)
        if issue_texts is not None:
            await issue_texts.note(connection, texts)
    # Hashing thousands of documents is CPU work: off the event loop.
    keys = await asyncio.to_thread(cache_keys, texts, recipes)
    async with engine.begin() as connection:
        tasks = await tasks_holding(connection, ids)
        removed = await remove_interactions(connection, ids, keys)
        # The review tasks that outlive these interactions lose their copies of them, as on erasure.
        await drop_task_copies(connection, tasks)
        return removed


async def finish_removal(
    engine: AsyncEngine, affected: set[str], issue_texts: IssueTextCopies | None = None
) -> RemovalCounts:
    """After the last batch: recount the issues that lost members, drop copies of removed texts.

    The copies: issue examples and fix-preview items, the issues' words only removed texts had
    (with `issue_texts`, which followed the batches), and review tasks quoting a removed
    interaction they did not hold.
    """
    counts = RemovalCounts()
    async with engine.begin() as connection:
        counts.issues_recounted = await recount_issues(connection, affected)
    counts.add(await drop_dangling_copies(engine))
    if issue_texts is not None:
        counts.issue_texts = await issue_texts.finish(engine)
    counts.tasks_scrubbed = await drop_unheld_copies(engine)
    return counts


async def prune_before(
    engine: AsyncEngine,
    cutoff: datetime,
    *,
    batch_size: int = 5_000,
    recipes: Sequence[DocumentRecipe] = (DEFAULT_RECIPE,),
    progress: Progress | None = None,
) -> PruneReport:
    """Remove every interaction created before `cutoff`, `batch_size` per transaction, oldest first."""
    report = PruneReport(cutoff=cutoff)
    started = time.perf_counter()
    async with try_lock(engine, LOCK_NAME) as acquired:
        if not acquired:
            report.already_running = True
            return report
        async with engine.connect() as connection:
            due = await oldest_before(connection, cutoff, 1)
        if due:
            # As an erasure does: no clustering pass holds pruned complaints to write back after the scrub.
            async with hold_lock(engine, CLUSTERING_LOCK):
                await _prune_batches(engine, cutoff, batch_size, recipes, progress, report)
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
    issue_texts = IssueTextCopies()
    while True:
        async with engine.connect() as connection:
            ids = await oldest_before(connection, cutoff, batch_size)
        if not ids:
            break
        batch_started = time.perf_counter()
        counts, hit = await remove_batch(engine, ids, recipes, issue_texts)
        report.counts.add(counts)
        affected |= hit
        report.slowest_batch_seconds = max(report.slowest_batch_seconds, time.perf_counter() - batch_started)
        report.batches += 1
        if progress is not None:
            progress(report.counts.interactions)
    if report.batches:
        report.counts.add(await finish_removal(engine, affected, issue_texts))


def retention_cutoff(days: float, now: datetime | None = None) -> datetime:
    """The instant before which interactions are past a retention of `days` (above 0, at most MAX_DAYS)."""
    if not 0 < days <= MAX_DAYS:  # nan, inf or an age whose cutoff is no date; settings and `prune` refuse these
        raise ValueError(f"a retention age must be above 0 and at most {MAX_DAYS} days, got {days:g}")
    return (now or datetime.now(UTC)) - timedelta(days=days)


async def prune_expired(engine: AsyncEngine, settings: Settings, days: float | None = None) -> PruneReport:
    """Prune what is older than `days` (default: the configured `retention_days`)."""
    age = days if days is not None else settings.retention_days
    if age is None:
        raise ValueError("no retention age: set retention_days or pass an age")
    return await prune_before(
        engine, retention_cutoff(age), batch_size=settings.retention_batch_size, recipes=recipes_of(settings)
    )


async def prune_periodically(engine: AsyncEngine, settings: Settings) -> None:
    """With `retention_days` set, prune every `retention_interval_minutes` until cancelled; failures are logged."""
    if settings.retention_days is None:
        return
    while True:
        try:
            report = await prune_expired(engine, settings)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - logged, with its traceback unless the database is away
            # A failed prune (database hiccup) must not stop the next one.
            log_failed_round(
                logger, exc, "retention prune", f"trying again in {settings.retention_interval_minutes:g} min"
            )
        else:
            if report.already_running:
                logger.info("retention prune skipped: another prune is running")
            elif report.counts.interactions:
                logger.info(
                    "pruned %d interactions older than %s in %d batch%s (%.1f s, slowest batch %.2f s)",
                    report.counts.interactions,
                    report.cutoff.isoformat(),
                    report.batches,
                    "" if report.batches == 1 else "es",
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
        await asyncio.sleep(settings.retention_interval_minutes * 60)
