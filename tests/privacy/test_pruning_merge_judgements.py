"""Retention drops the merge judge's answers past their lifetime or the prune's cutoff, in short batches.

Without it `merge_judgements` grew by up to a pass's bound of questions every pass, for ever.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, select

from gateway.privacy.retention import DEFAULT_JUDGEMENT_LIFETIME, prune_before, prune_expired, prune_periodically
from gateway.store.merge_judgements import MergeJudgementStore
from gateway.store.tables import merge_judgements

NOW = datetime.now(UTC)


async def add_answers(engine, ages: dict[str, timedelta]) -> None:
    rows = [{"question_key": key, "model": "judge", "same": True, "asked_at": NOW - age} for key, age in ages.items()]
    async with engine.begin() as connection:
        await connection.execute(insert(merge_judgements), rows)


async def answers_left(engine) -> list[str]:
    async with engine.connect() as connection:
        return sorted((await connection.execute(select(merge_judgements.c.question_key))).scalars())


async def test_a_prune_drops_the_answers_past_their_lifetime_in_batches(engine):
    old = {f"old-{n}": DEFAULT_JUDGEMENT_LIFETIME + timedelta(hours=n + 1) for n in range(5)}
    await add_answers(engine, {**old, "young": DEFAULT_JUDGEMENT_LIFETIME - timedelta(hours=1)})

    # A retention age longer than the answers' lifetime: the lifetime decides, two answers per transaction.
    report = await prune_before(engine, NOW - DEFAULT_JUDGEMENT_LIFETIME * 3, batch_size=2)

    assert report.merge_judgements == 5
    assert await answers_left(engine) == ["young"]


async def test_a_prune_with_a_shorter_retention_drops_the_answers_given_before_its_cutoff(engine):
    # Given before the cutoff, an answer was about complaints that are all past retention now.
    await add_answers(engine, {"before": timedelta(days=3), "after": timedelta(days=1)})

    report = await prune_before(engine, NOW - timedelta(days=2), batch_size=10)

    assert report.merge_judgements == 1
    assert await answers_left(engine) == ["after"]


async def test_the_kept_answers_are_still_found_after_a_prune(engine):
    await add_answers(engine, {"kept": timedelta(days=1), "gone": DEFAULT_JUDGEMENT_LIFETIME + timedelta(days=1)})

    await prune_before(engine, NOW - DEFAULT_JUDGEMENT_LIFETIME * 3, batch_size=10)

    assert await MergeJudgementStore(engine, DEFAULT_JUDGEMENT_LIFETIME).answers(["kept", "gone"]) == {"kept": True}


async def test_without_a_retention_age_the_schedule_drops_old_answers(engine, settings, caplog):
    await add_answers(engine, {"old": DEFAULT_JUDGEMENT_LIFETIME + timedelta(days=1), "young": timedelta(days=1)})
    scheduled = settings.model_copy(update={"retention_days": None, "retention_interval_minutes": 0.001})
    caplog.set_level(logging.INFO, logger="feedgate.retention")

    await schedule_until_young_alone_left(engine, scheduled)

    assert await answers_left(engine) == ["young"]
    [said] = [record for record in caplog.records if "merge judge answers" in record.getMessage()]
    assert said.dropped_merge_judgements == 1


async def test_a_prune_keeps_the_answers_as_long_as_merge_judge_answer_days_says(engine, settings):
    await add_answers(engine, {"eight days": timedelta(days=8), "six days": timedelta(days=6)})
    week = settings.model_copy(update={"merge_judge_answer_days": 7})

    # A retention age far longer than the answers' lifetime: the setting decides.
    report = await prune_expired(engine, week, days=365)

    assert report.merge_judgements == 1
    assert await answers_left(engine) == ["six days"]


async def test_the_schedule_drops_the_answers_past_merge_judge_answer_days_and_says_how_old(engine, settings, caplog):
    await add_answers(engine, {"old": timedelta(days=3), "young": timedelta(days=1)})
    scheduled = settings.model_copy(
        update={"retention_days": None, "retention_interval_minutes": 0.001, "merge_judge_answer_days": 2}
    )
    caplog.set_level(logging.INFO, logger="feedgate.retention")

    await schedule_until_young_alone_left(engine, scheduled)

    assert await answers_left(engine) == ["young"]
    [said] = [record for record in caplog.records if "merge judge answers" in record.getMessage()]
    assert "older than 2 days" in said.getMessage()


async def schedule_until_young_alone_left(engine, scheduled) -> None:
    """Run the retention schedule until only the answer named "young" is left (10 s at most), then stop it."""
    task = asyncio.create_task(prune_periodically(engine, scheduled))
    for _ in range(200):
        if await answers_left(engine) == ["young"]:
            break
        await asyncio.sleep(0.05)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
