"""Daily roll-ups, on both stores: writes mark changed days stale, a refresh rebuilds them from the raw rows."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta, timezone

from interaction_rows import interaction_row
from sqlalchemy import delete, func, select

from gateway.store.daily_stats import DailyStatsStore, DayRange
from gateway.store.feedback import FeedbackStore
from gateway.store.import_batches import ImportStore
from gateway.store.interactions import InteractionStore
from gateway.store.stats import StatsScope, StatsStore
from gateway.store.tables import daily_stats_stale, interactions

from .rows import feedback_row

MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TUESDAY = MONDAY + timedelta(days=1)
WEEK = DayRange("2026-03-01", "2026-03-08")


def rollups(engine) -> DailyStatsStore:
    return DailyStatsStore(engine, StatsStore(engine))


def simple(tallies) -> dict:
    return {
        key: (t.interactions, t.counts["feedback"], t.counts["negative"], t.delays.median())
        for key, t in tallies.items()
    }


async def test_new_interactions_mark_their_day_and_app_stale(engine):
    await InteractionStore(engine).insert_many(
        [
            interaction_row("a", created_at=MONDAY),
            interaction_row("a", created_at=MONDAY),
            interaction_row("b", created_at=TUESDAY),
        ]
    )

    assert await rollups(engine).stale_pairs() == 2


async def stale_pairs(engine) -> set[tuple[str, str]]:
    async with engine.connect() as connection:
        return {(row.day, row.app) for row in await connection.execute(select(daily_stats_stale))}


async def days_the_database_gives(engine) -> set[tuple[str, str]]:
    """Each stored interaction's (day, app), as migration 0016's triggers spelled the day in SQL."""
    c = interactions.c
    if engine.dialect.name == "postgresql":
        day = func.to_char(func.timezone("UTC", c.created_at), "YYYY-MM-DD")
    else:
        day = func.strftime("%Y-%m-%d", c.created_at)
    async with engine.connect() as connection:
        return {(row[0], row[1]) for row in await connection.execute(select(day, c.app).distinct())}


async def test_a_batch_over_two_days_and_two_apps_marks_exactly_those_pairs(engine):
    await InteractionStore(engine).insert_many(
        [
            interaction_row("a", created_at=MONDAY),
            interaction_row("b", created_at=MONDAY + timedelta(hours=3)),
            interaction_row("a", created_at=TUESDAY),
            interaction_row("a", created_at=TUESDAY + timedelta(hours=1)),
        ]
    )

    assert await stale_pairs(engine) == {("2026-03-02", "a"), ("2026-03-02", "b"), ("2026-03-03", "a")}


async def test_an_interaction_is_marked_on_its_utc_day_as_the_database_counts_it(engine):
    just_before_midnight = datetime(2026, 3, 2, 23, 59, 59, 999999, tzinfo=UTC)
    tuesday_morning_in_berlin = datetime(2026, 3, 3, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    await InteractionStore(engine).insert_many(
        [
            interaction_row("a", created_at=just_before_midnight),
            interaction_row("b", created_at=tuesday_morning_in_berlin),
            interaction_row("c", created_at=datetime(999, 1, 1, tzinfo=UTC)),
        ]
    )

    marked = await stale_pairs(engine)

    assert marked == {("2026-03-02", "a"), ("2026-03-02", "b"), ("0999-01-01", "c")}
    assert marked == await days_the_database_gives(engine)


async def test_an_imported_batch_marks_its_pairs(engine):
    # No feedback in the batch: feedback marks its interaction's day by trigger, which would hide a missing mark.
    await ImportStore(engine).insert_batch(
        [interaction_row("a", created_at=MONDAY, id="imported-1"), interaction_row("b", created_at=TUESDAY)], []
    )

    assert await stale_pairs(engine) == {("2026-03-02", "a"), ("2026-03-03", "b")}


async def test_an_imported_batch_shows_in_the_next_read(engine):
    store = rollups(engine)
    await store.refresh()

    await ImportStore(engine).insert_batch([interaction_row("a", created_at=MONDAY)], [])

    assert simple(await store.tallies(WEEK)) == {("2026-03-02", "a", "gpt-test"): (1, 0, 0, None)}


async def test_a_replayed_batch_is_counted_once(engine):
    rows = [interaction_row("a", created_at=MONDAY), interaction_row("a", created_at=TUESDAY)]
    await InteractionStore(engine).insert_many(rows)
    store = rollups(engine)
    await store.refresh()

    await InteractionStore(engine).insert_many(rows)

    assert simple(await store.tallies(WEEK)) == {
        ("2026-03-02", "a", "gpt-test"): (1, 0, 0, None),
        ("2026-03-03", "a", "gpt-test"): (1, 0, 0, None),
    }


async def test_a_refresh_counts_each_day_app_and_model_and_clears_the_stale_marks(engine):
    rows = [
        interaction_row("a", created_at=MONDAY, model="m1"),
        interaction_row("a", created_at=MONDAY, model="m2"),
        interaction_row("a", created_at=TUESDAY, model="m1"),
    ]
    await InteractionStore(engine).insert_many(rows)
    await FeedbackStore(engine).append(
        {**feedback_row(rows[0]["id"], "ann", thumbs="down"), "seconds_after_answer": 40.0}
    )
    store = rollups(engine)

    rebuilt = await store.refresh()

    assert rebuilt == 2
    assert await store.stale_pairs() == 0
    assert simple(await store.tallies(WEEK)) == {
        ("2026-03-02", "a", "m1"): (1, 1, 1, 40.0),
        ("2026-03-02", "a", "m2"): (1, 0, 0, None),
        ("2026-03-03", "a", "m1"): (1, 0, 0, None),
    }


async def test_late_feedback_on_an_old_day_shows_in_the_next_read(engine):
    row = interaction_row("a", created_at=MONDAY)
    await InteractionStore(engine).insert_many([row])
    store = rollups(engine)
    await store.refresh()

    await FeedbackStore(engine).append(feedback_row(row["id"], "ann", thumbs="down"))

    assert simple(await store.tallies(WEEK)) == {("2026-03-02", "a", "gpt-test"): (1, 1, 1, None)}


async def test_a_deleted_interaction_leaves_the_next_read(engine):
    kept, pruned = interaction_row("a", created_at=MONDAY), interaction_row("a", created_at=MONDAY)
    await InteractionStore(engine).insert_many([kept, pruned])
    store = rollups(engine)
    await store.refresh()

    async with engine.begin() as connection:
        await connection.execute(delete(interactions).where(interactions.c.id == pruned["id"]))

    assert simple(await store.tallies(WEEK)) == {("2026-03-02", "a", "gpt-test"): (1, 0, 0, None)}


async def test_roll_ups_add_up_to_the_raw_counts(engine):
    rows = [
        interaction_row(app, created_at=MONDAY + timedelta(hours=hour), model=model)
        for hour in range(0, 48, 5)
        for app, model in (("a", "m1"), ("a", "m2"), ("b", "m1"))
    ]
    await InteractionStore(engine).insert_many(rows)
    feedback = FeedbackStore(engine)
    for number, row in enumerate(rows[::2]):
        signal = {"thumbs": "down"} if number % 3 == 0 else {"rating": 1 + number % 5}
        await feedback.append(
            {**feedback_row(row["id"], f"user-{number % 4}", **signal), "seconds_after_answer": float(number)}
        )

    from_rollups = await rollups(engine).tallies(WEEK)
    raw = await StatsStore(engine).tallies(
        StatsScope(datetime(2026, 3, 1, tzinfo=UTC), datetime(2026, 3, 8, tzinfo=UTC))
    )

    assert simple(from_rollups) == simple(raw)
    assert {key: dict(t.counts) for key, t in from_rollups.items()} == {key: dict(t.counts) for key, t in raw.items()}


async def test_a_refresh_for_one_range_leaves_other_days_stale(engine):
    await InteractionStore(engine).insert_many(
        [interaction_row("a", created_at=MONDAY), interaction_row("a", created_at=MONDAY - timedelta(days=30))]
    )
    store = rollups(engine)

    await store.tallies(WEEK)

    assert await store.stale_pairs() == 1


async def test_two_refreshes_at_once_rebuild_each_day_once(engine):
    await InteractionStore(engine).insert_many(
        [interaction_row(app, created_at=MONDAY + timedelta(days=day)) for day in range(5) for app in ("a", "b")]
    )
    store = rollups(engine)

    first, second = await asyncio.gather(store.refresh(), rollups(engine).refresh())

    assert first + second == 10
    assert sum(t.interactions for t in (await store.tallies(WEEK)).values()) == 10


async def test_answers_count_successful_conversational_calls_only(engine):
    await InteractionStore(engine).insert_many(
        [
            interaction_row("a", created_at=MONDAY, status_code=200),
            interaction_row("a", created_at=MONDAY, status_code=500),
            interaction_row("a", created_at=MONDAY, status_code=200, endpoint="embeddings"),
        ]
    )

    [tally] = (await rollups(engine).tallies(WEEK)).values()

    assert (tally.interactions, tally.count("answers")) == (3, 1)


async def test_a_range_ending_mid_day_counts_that_day_from_the_raw_rows(engine):
    await InteractionStore(engine).insert_many(
        [interaction_row("a", created_at=MONDAY), interaction_row("a", created_at=MONDAY + timedelta(hours=10))]
    )

    tallies = await rollups(engine).tallies_between(MONDAY - timedelta(days=2), MONDAY + timedelta(hours=1))

    assert sum(tally.interactions for _, tally in tallies) == 1
