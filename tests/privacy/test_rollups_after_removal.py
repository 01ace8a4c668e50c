"""A day's rolled-up counts after a prune or an erasure count only what remains (docs/privacy.md: "recounted")."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from privacy_seed import APP, add_feedback, add_interaction

from clustering.documents import DEFAULT_RECIPE
from gateway.privacy.erasure import erase_end_user
from gateway.privacy.retention import prune_before
from gateway.store.daily_stats import DailyStatsStore, DayRange, utc_day
from gateway.store.stats import StatsStore

OLD = (datetime.now(UTC) - timedelta(days=40)).replace(hour=12)
DAY = utc_day(OLD)
AROUND = DayRange(utc_day(OLD - timedelta(days=1)), utc_day(OLD + timedelta(days=2)))


def rollups(engine) -> DailyStatsStore:
    return DailyStatsStore(engine, StatsStore(engine))


async def counts(engine) -> dict:
    tallies = await rollups(engine).tallies(AROUND)
    return {key[:2]: (t.interactions, t.counts["feedback"], t.counts["negative"]) for key, t in tallies.items()}


async def test_a_pruned_day_counts_nothing_once_pruned(engine):
    asked = await add_interaction(engine, "alice", "old question", OLD)
    await add_feedback(engine, asked, "alice", "wrong")
    assert await counts(engine) == {(DAY, APP): (1, 1, 1)}

    await prune_before(engine, OLD + timedelta(hours=1))

    assert await counts(engine) == {}


async def test_an_erased_users_feedback_leaves_the_day_of_the_answer_it_judged(engine):
    kept = await add_interaction(engine, "bob", "bob's question", OLD)
    await add_feedback(engine, kept, "alice", "alice says wrong")
    assert await counts(engine) == {(DAY, APP): (1, 1, 1)}

    await erase_end_user(engine, "alice", "test", (DEFAULT_RECIPE,), via="cli")

    assert await counts(engine) == {(DAY, APP): (1, 0, 0)}
