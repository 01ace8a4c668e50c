"""The store's filters on the end of the label-time range and on the source (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from export_seed import exported, give_feedback, review, review_service, store_chat

from gateway.export.examples import ExampleSource
from gateway.export.formats import ExportFormat
from gateway.review.records import Outcome
from gateway.store.training_examples import ExampleFilter, TrainingExampleStore


def ids(lines: list[dict]) -> set[str]:
    return {line["interaction_id"] for line in lines}


async def seed(engine) -> tuple[str, str, str, datetime]:
    """An end user's correction three days ago, one now, and a reviewer's approval now; and the earlier time."""
    earlier = datetime.now(UTC) - timedelta(days=3)
    old = await store_chat(engine, "Old question?")
    await give_feedback(engine, old, correction="Old answer.", at=earlier)
    new = await store_chat(engine, "New question?")
    await give_feedback(engine, new, correction="New answer.")
    reviewed = await store_chat(engine, "Reviewed question?", "Yes.")
    await review(review_service(engine), [reviewed], Outcome.APPROVE)
    return old, new, reviewed, earlier


async def test_until_keeps_only_labels_given_before_it_from_both_sources(engine):
    old, _new, _reviewed, earlier = await seed(engine)

    where = ExampleFilter(until=earlier + timedelta(days=1))

    assert ids(await exported(engine, ExportFormat.JSONL, where)) == {old}
    assert await TrainingExampleStore(engine).count(where) == 1


async def test_until_is_exclusive_and_since_inclusive(engine):
    at = datetime(2026, 6, 1, 9, tzinfo=UTC)
    corrected = await store_chat(engine)
    await give_feedback(engine, corrected, correction="The fee is 1%.", at=at)

    assert ids(await exported(engine, ExportFormat.JSONL, ExampleFilter(until=at))) == set()
    assert ids(await exported(engine, ExportFormat.JSONL, ExampleFilter(since=at))) == {corrected}


async def test_since_and_until_together_keep_the_range_between(engine):
    _old, new, reviewed, earlier = await seed(engine)

    where = ExampleFilter(since=earlier + timedelta(days=1), until=datetime.now(UTC) + timedelta(minutes=1))

    assert ids(await exported(engine, ExportFormat.JSONL, where)) == {new, reviewed}


async def test_source_human_review_keeps_only_reviewers_decisions(engine):
    _old, _new, reviewed, _earlier = await seed(engine)

    where = ExampleFilter(source=ExampleSource.HUMAN_REVIEW)

    assert ids(await exported(engine, ExportFormat.JSONL, where)) == {reviewed}
    assert await TrainingExampleStore(engine).count(where) == 1


async def test_source_end_user_correction_keeps_only_end_users_corrections(engine):
    old, new, _reviewed, _earlier = await seed(engine)

    where = ExampleFilter(source=ExampleSource.END_USER_CORRECTION)

    assert ids(await exported(engine, ExportFormat.JSONL, where)) == {old, new}
    assert await TrainingExampleStore(engine).count(where) == 2


async def test_a_source_filter_still_gives_one_label_per_answer(engine):
    # The reviewer's decision outranks the end user's correction even when only corrections are read.
    answered = await store_chat(engine, "What is the fee?", "The fee is 2%.")
    await give_feedback(engine, answered, correction="The fee is 1%.")
    await review(review_service(engine), [answered], Outcome.APPROVE)

    where = ExampleFilter(source=ExampleSource.END_USER_CORRECTION)

    assert await exported(engine, ExportFormat.JSONL, where) == []
