"""A merge judge's answer stands `merge_judge_answer_days` (the store's lifetime): older, it is asked again.

Reading and pruning draw the line at the same instant: an answer exactly the lifetime old still stands and is kept;
a microsecond older, it is no answer and a prune drops it. Both databases.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import insert

from gateway.store.merge_judgements import MergeJudgementStore
from gateway.store.tables import merge_judgements

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
WEEK = timedelta(days=7)
TICK = timedelta(microseconds=1)


def store_at(engine, now: datetime) -> MergeJudgementStore:
    return MergeJudgementStore(engine, WEEK, clock=lambda: now)


async def add_answers(engine, ages: dict[str, timedelta]) -> None:
    rows = [{"question_key": key, "model": "judge", "same": True, "asked_at": NOW - age} for key, age in ages.items()]
    async with engine.begin() as connection:
        await connection.execute(insert(merge_judgements), rows)


async def test_an_answer_older_than_its_lifetime_is_no_answer(engine):
    await add_answers(engine, {"old": WEEK + timedelta(days=1), "young": WEEK - timedelta(days=1)})

    assert await store_at(engine, NOW).answers(["old", "young"]) == {"young": True}


async def test_reading_and_pruning_agree_on_the_boundary(engine):
    await add_answers(engine, {"younger": WEEK - TICK, "exactly": WEEK, "older": WEEK + TICK})
    store = store_at(engine, NOW)
    read = await store.answers(["younger", "exactly", "older"])

    dropped = await store.drop_expired(batch_size=10)

    assert sorted(read) == ["exactly", "younger"]
    assert dropped == 1
    assert sorted(await store.answers(["younger", "exactly", "older"])) == sorted(read)


async def test_an_expired_answer_asked_again_is_kept_in_its_place(engine):
    await store_at(engine, NOW - WEEK - timedelta(days=1)).keep("judge", {"q": True})
    store = store_at(engine, NOW)

    await store.keep("judge", {"q": False})

    assert await store.answers(["q"]) == {"q": False}


async def test_an_answer_still_standing_is_not_replaced_by_a_new_one(engine):
    await store_at(engine, NOW - timedelta(days=1)).keep("judge", {"q": True})
    store = store_at(engine, NOW)

    await store.keep("judge", {"q": False})

    assert await store.answers(["q"]) == {"q": True}
