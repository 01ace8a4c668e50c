"""The anomalous rule: pure verdicts, then real banking questions in a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine
from traffic_helpers import banking_questions, shared_embedder, store_questions, traffic_index

from gateway.config import Settings
from gateway.embedder import LazyEmbedder
from gateway.review.anomalous import AnomalousRule, AnomalousSettings, DistanceProfile, judge_anomalous, ordinal
from gateway.review.records import Priority, Source
from gateway.review.rules_setup import review_rule_runner
from gateway.review.service import review_service
from gateway.store.recent_traffic import RecentTrafficStore
from gateway.store.reviews import ReviewFilter

APP = "bank-bot"
OFF_TOPIC = "What is a good recipe for a chocolate lava cake?"
# A banking question that is not in the seeded traffic, asked in the app's usual way.
ON_TOPIC = "My new card still has not arrived, when will it come?"
PROFILE = DistanceProfile(
    99, threshold=0.41, farthest=0.55, sample_size=1000, index_size=5000, computed_at=datetime.now(UTC)
)


def test_beyond_the_percentile_is_low_and_beyond_everything_sampled_is_medium() -> None:
    assert judge_anomalous("app", "i", 0.41, "n", PROFILE) is None
    low = judge_anomalous("app", "i", 0.5, "n", PROFILE)
    assert low is not None and low.priority is Priority.LOW and low.source is Source.ANOMALOUS
    medium = judge_anomalous("app", "i", 0.62, "n", PROFILE)
    assert medium is not None and medium.priority is Priority.MEDIUM
    assert medium.reason == (
        "Unlike the app's usual questions: nearest-neighbour distance 0.62, above the app's 99th percentile 0.41"
    )
    assert medium.evidence["nearest_interaction_id"] == "n" and medium.interaction_ids == ("i",)


def test_a_distance_close_to_the_percentile_reads_above_it() -> None:
    close = DistanceProfile(
        99, threshold=0.0108, farthest=0.5, sample_size=1000, index_size=5000, computed_at=datetime.now(UTC)
    )

    finding = judge_anomalous("app", "i", 0.0113, "n", close)

    assert finding is not None
    assert finding.reason.endswith("distance 0.0113, above the app's 99th percentile 0.0108")


@pytest.mark.parametrize(("value", "text"), [(99, "99th"), (92, "92nd"), (91, "91st"), (93, "93rd"), (99.5, "99.5th")])
def test_percentiles_read_as_ordinals(value: float, text: str) -> None:
    assert ordinal(value) == text


async def test_an_off_topic_question_is_flagged_and_an_on_topic_one_is_not(engine: AsyncEngine) -> None:
    await store_questions(engine, list(banking_questions(250)), APP)
    index = traffic_index(engine)
    rule = AnomalousRule(index, AnomalousSettings(), RecentTrafficStore(engine).stored_among)
    # The first load is the baseline: nothing in it is judged.
    assert await rule.check(await index.refresh(APP)) == []

    off, on = await store_questions(engine, [OFF_TOPIC, ON_TOPIC], APP)
    new = await index.refresh(APP)
    assert set(new.ids) == {off, on}
    findings = await rule.check(new)
    assert [f.interaction_ids for f in findings] == [(off,)]
    profile = await rule.profile(APP, index.vectors(APP))
    assert findings[0].evidence["distance"] > profile.threshold
    assert findings[0].reason.startswith("Unlike the app's usual questions: nearest-neighbour distance ")
    assert "above the app's 99th percentile" in findings[0].reason


async def test_a_small_index_is_not_judged(engine: AsyncEngine) -> None:
    await store_questions(engine, list(banking_questions(150)), APP)
    index = traffic_index(engine)
    rule = AnomalousRule(index, AnomalousSettings(min_index=200), RecentTrafficStore(engine).stored_among)
    await index.refresh(APP)
    await store_questions(engine, [OFF_TOPIC], APP)
    assert await rule.check(await index.refresh(APP)) == []


async def test_the_background_runner_opens_an_anomalous_task_for_new_traffic(
    engine: AsyncEngine, database_url: str
) -> None:
    settings = Settings(database_url=database_url)
    await store_questions(engine, list(banking_questions(250)), APP)
    runner = review_rule_runner(
        settings, engine, review_service(engine, settings), LazyEmbedder.holding(shared_embedder())
    )
    assert runner is not None
    # What the runner's schedule does: discover busy apps and refresh them, then again as traffic arrives.
    await runner.refresh_all(discover=True)
    assert runner.index.loaded_apps() == [APP]
    (off,) = await store_questions(engine, [OFF_TOPIC], APP)
    await runner.refresh_all()

    reviews = review_service(engine, settings)
    page = await reviews.list(ReviewFilter(app=APP, source="anomalous"), "queue", 10)
    assert len(page.data) == 1
    task = await reviews.get(page.data[0].id)
    assert task.interaction_ids == (off,)
    assert task.task.priority in (Priority.LOW, Priority.MEDIUM)
    assert task.task.evidence["interaction_id"] == off
    await runner.close()


async def test_of_two_gateway_processes_only_the_leaseholder_judges_new_traffic(
    engine: AsyncEngine, database_url: str
) -> None:
    settings = Settings(database_url=database_url)
    await store_questions(engine, list(banking_questions(250)), APP)
    embedder = LazyEmbedder.holding(shared_embedder())
    first, second = (review_rule_runner(settings, engine, review_service(engine, settings), embedder) for _ in "ab")
    assert first is not None and second is not None

    await first.refresh_all(discover=True)
    await second.refresh_all(discover=True)
    assert (first.judges_traffic, second.judges_traffic) == (True, False)
    assert (first.index.loaded_apps(), second.index.loaded_apps()) == ([APP], [])

    await first.close()  # the holder stops: the other takes over at its next round
    await second.refresh_all(discover=True)
    assert second.judges_traffic
    assert second.index.loaded_apps() == [APP]
    await second.close()


async def test_old_traffic_is_not_the_baseline(engine: AsyncEngine) -> None:
    await store_questions(engine, list(banking_questions(250)), APP, age=timedelta(days=8))
    index = traffic_index(engine, window=timedelta(days=7))
    await index.refresh(APP)
    assert index.vectors(APP) is None
