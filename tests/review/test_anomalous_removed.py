"""The anomalous rule after a prune or an erasure: the traffic index still holds the removed interactions' vectors (it
is in memory, in each process), but the rule neither measures new questions against them, nor counts them in the
app's distance profile, nor names them in a task's evidence (real banking questions, SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from interaction_rows import interaction_row
from sqlalchemy.ext.asyncio import AsyncEngine
from traffic_helpers import banking_questions, store_questions, traffic_index

from clustering.documents import DEFAULT_RECIPE
from gateway.privacy.erasure import erase_end_user
from gateway.privacy.retention import prune_before
from gateway.review.anomalous import AnomalousRule, AnomalousSettings
from gateway.review.traffic_index import TrafficIndex
from gateway.store.interactions import InteractionStore
from gateway.store.recent_traffic import RecentTrafficStore

APP = "bank-bot"
OFF_TOPIC = "What is a good recipe for a chocolate lava cake?"
# Nearer the cake question than any banking question is (cosine distance 0.76 against 0.79), yet farther than the
# banking traffic's 99th percentile: while the index counted it, the cake question's finding named it as nearest.
WINE = "What wine goes with fish?"
# Wide enough for the 40-day-old interactions to be indexed until they are pruned.
WINDOW = timedelta(days=60)
OLD = timedelta(days=40)


def rule_over(index: TrafficIndex, engine: AsyncEngine, settings: AnomalousSettings) -> AnomalousRule:
    return AnomalousRule(index, settings, RecentTrafficStore(engine).stored_among)


async def store_asked_by(engine: AsyncEngine, question: str, user: str, age: timedelta) -> str:
    """One interaction of `user`'s, created `age` ago; its id."""
    row = interaction_row(APP, question=question, answer="Here is some help.", end_user=user)
    row["created_at"] = datetime.now(UTC) - age
    await InteractionStore(engine).insert_many([row])
    return str(row["id"])


async def remove(engine: AsyncEngine, how: str) -> None:
    if how == "pruned":
        await prune_before(engine, datetime.now(UTC) - timedelta(days=30))
    else:
        await erase_end_user(engine, "alice", "dpo", (DEFAULT_RECIPE,), via="test")


@pytest.mark.parametrize("how", ["pruned", "erased"])
async def test_a_removed_interaction_is_not_the_nearest_neighbour_a_finding_names(
    engine: AsyncEngine, how: str
) -> None:
    await store_questions(engine, list(banking_questions(250)), APP)
    wine = await store_asked_by(engine, WINE, "alice", OLD)
    index = traffic_index(engine, window=WINDOW)
    rule = rule_over(index, engine, AnomalousSettings())
    await rule.check(await index.refresh(APP))
    assert wine in index.vectors(APP)

    await remove(engine, how)
    (off,) = await store_questions(engine, [OFF_TOPIC], APP)
    findings = await rule.check(await index.refresh(APP))

    assert [f.interaction_ids for f in findings] == [(off,)]
    nearest = findings[0].evidence["nearest_interaction_id"]
    assert nearest != wine
    assert await RecentTrafficStore(engine).stored_among([nearest]) == {nearest}


async def test_the_distance_profile_counts_no_pruned_interaction(engine: AsyncEngine) -> None:
    await store_questions(engine, list(banking_questions(250)), APP)
    await store_questions(engine, list(banking_questions(40, offset=10)), APP, age=OLD)
    index = traffic_index(engine, window=WINDOW)
    await index.refresh(APP)

    await prune_before(engine, datetime.now(UTC) - timedelta(days=30))
    profile = await rule_over(index, engine, AnomalousSettings()).profile(APP, index.vectors(APP))

    # The same as a process that loaded the app after the prune: every remaining interaction is sampled (250 < 1,000).
    fresh = traffic_index(engine, window=WINDOW)
    await fresh.refresh(APP)
    expected = await rule_over(fresh, engine, AnomalousSettings()).profile(APP, fresh.vectors(APP))
    assert (profile.index_size, profile.sample_size) == (expected.index_size, expected.sample_size) == (250, 250)
    assert profile.threshold == pytest.approx(expected.threshold)
    assert profile.farthest == pytest.approx(expected.farthest)


async def test_an_index_left_below_the_minimum_by_a_prune_is_not_judged(engine: AsyncEngine) -> None:
    await store_questions(engine, list(banking_questions(150)), APP)
    await store_questions(engine, list(banking_questions(100, offset=10)), APP, age=OLD)
    index = traffic_index(engine, window=WINDOW)
    rule = rule_over(index, engine, AnomalousSettings(min_index=200))
    await rule.check(await index.refresh(APP))

    await prune_before(engine, datetime.now(UTC) - timedelta(days=30))
    await store_questions(engine, [OFF_TOPIC], APP)

    assert await rule.check(await index.refresh(APP)) == []
