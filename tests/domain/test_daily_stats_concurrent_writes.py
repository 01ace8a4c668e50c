"""Daily roll-ups, on both stores: a write still in its transaction while a refresh rebuilds its day is counted.

The day is stale already (marked by an earlier write the refresher has not rebuilt yet), as it is
on a busy day: the write's own mark then finds the marker there. The refresh must not clear that
marker and count the day without the write that is about to commit.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from interaction_rows import interaction_row
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.store.daily_stats import DailyStatsStore, DayRange
from gateway.store.interaction_inserts import InteractionInserts
from gateway.store.interactions import InteractionStore
from gateway.store.stats import StatsStore
from gateway.store.tables import feedback

from .rows import feedback_row

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
WEEK = DayRange("2026-03-01", "2026-03-08")


def rollups(engine: AsyncEngine) -> DailyStatsStore:
    return DailyStatsStore(engine, StatsStore(engine))


async def refresh_while_writing(engine: AsyncEngine, write: Callable[[AsyncConnection], Awaitable[None]]) -> None:
    """Run a refresh while `write` is made but not committed, then commit it and let the refresh finish."""
    async with engine.connect() as writer:
        await writer.begin()
        await write(writer)
        refresh = asyncio.create_task(rollups(engine).refresh())
        await asyncio.sleep(0.5)  # the refresh runs (or waits for the writer) meanwhile
        await writer.commit()
    await refresh


async def monday_counts(engine: AsyncEngine) -> tuple[int, int]:
    tallies = await rollups(engine).tallies(WEEK)
    return (
        sum(tally.interactions for tally in tallies.values()),
        sum(tally.count("feedback") for tally in tallies.values()),
    )


async def test_feedback_committed_during_a_refresh_of_its_stale_day_is_counted(engine):
    rated = interaction_row("a", created_at=MONDAY)
    await InteractionStore(engine).insert_many([rated])  # Monday is stale: nothing rebuilt it yet

    async def vote(connection: AsyncConnection) -> None:
        await connection.execute(insert(feedback).values(**feedback_row(rated["id"], "ann", thumbs="down")))

    await refresh_while_writing(engine, vote)

    assert await monday_counts(engine) == (1, 1)


async def test_interactions_committed_during_a_refresh_of_their_stale_day_are_counted(engine):
    await InteractionStore(engine).insert_many([interaction_row("a", created_at=MONDAY)])

    async def store(connection: AsyncConnection) -> None:
        await InteractionInserts(engine.dialect).insert(connection, [interaction_row("a", created_at=MONDAY)])

    await refresh_while_writing(engine, store)

    assert await monday_counts(engine) == (2, 0)
