"""A scheduled prune cancelled (serve or worker shutting down) while it lets go of a lock leaves that lock free.

The cancel cut the release short: on SQLite the delete of the lock's row was rolled back, so the row stayed and
no prune, erasure or clustering pass ran until it expired (2 hours); on PostgreSQL the unlock's connection went
back to the pool, or was dropped, as the cancel had it (SQLAlchemy drops a connection whose call a cancel cut
short: the session ends and its advisory locks with it). A take cut short after its commit on SQLite left a row
nobody would delete, likewise. Both now run to their end whatever the cancel, which is raised after.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from privacy_seed import seed_complaint
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.config import Settings
from gateway.privacy.retention import LOCK_NAME as PRUNE_LOCK
from gateway.privacy.retention import prune_periodically
from gateway.store.engine import create_engine
from gateway.store.locks import CLUSTERING_LOCK, advisory_key, held_for, run_to_its_end, take_lock, try_lock

pytestmark = pytest.mark.timeout(60)


def is_release_of(name: str, statement: str, parameters: Sequence[Any] | dict[str, Any]) -> bool:
    """Whether `statement` lets go of the lock `name`: its unlock on PostgreSQL, the delete of its row on SQLite."""
    values = list(parameters.values()) if isinstance(parameters, dict) else list(parameters)
    if "pg_advisory_unlock" in statement:
        return advisory_key(name) in values
    return statement.startswith("DELETE FROM clustering_locks") and "holder" in statement and name in values


@pytest.mark.parametrize("releasing", [PRUNE_LOCK, CLUSTERING_LOCK])
async def test_a_scheduled_prune_cancelled_while_letting_go_of_its_lock_leaves_the_lock_free(
    engine: AsyncEngine, settings: Settings, database_url: str, releasing: str
):
    # Something to prune: the prune takes the clustering lock too.
    await seed_complaint(engine, "alice", "where is my card", datetime.now(UTC) - timedelta(days=400))
    scheduled = settings.model_copy(update={"retention_days": 30, "retention_interval_minutes": 60})
    cut_short: list[str] = []

    def cancel_at_the_release(_connection: object, _cursor: object, statement: str, parameters: Any, *_: object):
        if not cut_short and is_release_of(releasing, statement, parameters):
            cut_short.append(statement)
            prune.cancel()  # seen at the statement's own wait

    event.listen(engine.sync_engine, "before_cursor_execute", cancel_at_the_release)
    try:
        prune = asyncio.create_task(prune_periodically(engine, scheduled))
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(prune, 30)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", cancel_at_the_release)

    assert cut_short, "the prune never let go of the lock"
    # Another process (an engine of its own: a PostgreSQL session may take again an advisory lock it holds) finds
    # the lock free, while this one's connections are still pooled.
    other = create_engine(database_url)
    try:
        async with try_lock(other, releasing) as acquired:
            assert acquired, f"{releasing} is still held after the cancelled prune"
    finally:
        await other.dispose()


def is_take_of(name: str, statement: str, parameters: Sequence[Any] | dict[str, Any]) -> bool:
    """Whether `statement` takes the lock `name`: its try on PostgreSQL, the insert of its row on SQLite."""
    values = list(parameters.values()) if isinstance(parameters, dict) else list(parameters)
    if "pg_try_advisory_lock" in statement:
        return advisory_key(name) in values
    return statement.startswith("INSERT") and "clustering_locks" in statement and name in values


@pytest.mark.parametrize("moment", ["take's commit", "release", "release's commit"])
async def test_a_lock_holder_cancelled_while_taking_or_letting_go_leaves_the_lock_free(
    engine: AsyncEngine, database_url: str, moment: str
):
    # take_lock as a clustering pass holds it (saying what for: on PostgreSQL the session's application_name).
    seen: list[str] = []

    def before_statement(_connection: object, _cursor: object, statement: str, parameters: Any, *_: object):
        if is_take_of(CLUSTERING_LOCK, statement, parameters):
            seen.append("take")
        elif is_release_of(CLUSTERING_LOCK, statement, parameters):
            seen.append("release")
            if moment == "release":
                holder.cancel()

    def before_commit(_connection: object):
        if (moment, seen[-1:]) in (("take's commit", ["take"]), ("release's commit", ["release"])):
            seen.append("cancelled")
            holder.cancel()

    async def hold() -> None:
        async with take_lock(engine, CLUSTERING_LOCK, held_for="the clustering pass") as lock:
            assert lock.acquired
            await asyncio.sleep(0)

    event.listen(engine.sync_engine, "before_cursor_execute", before_statement)
    event.listen(engine.sync_engine, "commit", before_commit)
    try:
        holder = asyncio.create_task(hold())
        with pytest.raises(asyncio.CancelledError):
            await asyncio.wait_for(holder, 30)
    finally:
        event.remove(engine.sync_engine, "before_cursor_execute", before_statement)
        event.remove(engine.sync_engine, "commit", before_commit)

    other = create_engine(database_url)
    try:
        async with try_lock(other, CLUSTERING_LOCK) as acquired:
            assert acquired, f"the lock is still held after a cancel at its {moment}"
        assert await held_for(other, CLUSTERING_LOCK) is None
    finally:
        await other.dispose()


async def test_a_release_that_does_not_end_is_cut_short_after_its_patience():
    # A database that does not answer: a shutdown cancelling the holder does not wait on it for ever.
    let_go_cancelled = asyncio.Event()

    async def never_ends() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            let_go_cancelled.set()

    holder = asyncio.create_task(run_to_its_end(never_ends(), patience=0.2))
    await asyncio.sleep(0.05)
    holder.cancel()
    async with asyncio.timeout(5):
        with pytest.raises(asyncio.CancelledError):
            await holder
    assert let_go_cancelled.is_set()
