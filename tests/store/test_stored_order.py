"""Numbers in stored order (gateway.store.stored_order): given in commit order, so a follower skips nothing."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import pytest
from interaction_rows import interaction_row

from gateway.store.daily_stats import mark_days_stale, utc_day
from gateway.store.feedback import FeedbackStore
from gateway.store.interaction_inserts import InteractionInserts
from gateway.store.interactions import InteractionFilter, InteractionStore
from gateway.store.stored_order import take_numbers
from gateway.store.tables import feedback as feedback_table

NOW = datetime.now(UTC).replace(microsecond=0)
EVERY = InteractionFilter()


def ids(rows: list[dict[str, Any]]) -> list[str]:
    return [row["id"] for row in rows]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_transaction_numbering_rows_after_another_commits_after_it_and_no_read_skips_either(engine):
    store = InteractionStore(engine)
    inserts = InteractionInserts(engine.dialect)
    # Different apps: they share no day marker, so only the numbers could order them.
    async with engine.connect() as first, engine.connect() as second:
        await first.begin()
        await inserts.insert(first, [interaction_row("app-a", id="first", created_at=NOW)])
        await second.begin()
        second_insert = asyncio.create_task(
            inserts.insert(second, [interaction_row("app-b", id="second", created_at=NOW)])
        )
        await asyncio.sleep(0.3)
        # The second waits for the first's numbers until the first commits, so it cannot commit before it.
        assert not second_insert.done()
        before, token = await store.list_stored_after(0, 10, EVERY)
        assert (before, token) == ([], 0)

        await first.commit()
        await asyncio.wait_for(second_insert, 5)
        # The second has its rows in and numbered, not committed: a read now sees the first only.
        seen, token = await store.list_stored_after(token, 10, EVERY)
        await second.commit()
        after, token = await store.list_stored_after(token, 10, EVERY)

    assert (ids(seen), ids(after)) == (["first"], ["second"])
    assert [row["stored_seq"] for row in seen + after] == [1, 2]


async def test_a_rolled_back_insert_gives_its_numbers_back(engine):
    store = InteractionStore(engine)
    inserts = InteractionInserts(engine.dialect)
    async with engine.connect() as connection:
        await connection.begin()
        await inserts.insert(connection, [interaction_row(id="gone", created_at=NOW)])
        await connection.rollback()
    await store.insert_many([interaction_row(id="kept", created_at=NOW)])

    rows, token = await store.list_stored_after(0, 10, EVERY)

    assert ([(row["id"], row["stored_seq"]) for row in rows], token) == ([("kept", 1)], 1)


async def test_numbers_keep_growing_after_the_newest_rows_are_deleted(engine):
    store = InteractionStore(engine)
    await store.insert_many([interaction_row(id="a", created_at=NOW), interaction_row(id="b", created_at=NOW)])
    _, token = await store.list_stored_after(0, 10, EVERY)
    async with engine.begin() as connection:
        await connection.exec_driver_sql("DELETE FROM interactions WHERE id = 'b'")
    await store.insert_many([interaction_row(id="c", created_at=NOW)])

    rows, _ = await store.list_stored_after(token, 10, EVERY)

    assert [(row["id"], row["stored_seq"]) for row in rows] == [("c", 3)]


async def test_a_row_inserted_by_hand_has_no_place_in_the_stored_order_and_following_passes_it_by(engine):
    # docs/admin-api.md says so: rows are numbered by the stores; SQL typed outside Feedgate numbers nothing until a
    # background round does (tests/store/test_late_numbers.py).
    store = InteractionStore(engine)
    await store.insert_many([interaction_row(id="before", created_at=NOW)])
    async with engine.begin() as connection:
        await connection.exec_driver_sql(
            "INSERT INTO interactions (id, created_at, app, endpoint, upstream, stream, partial)"
            " VALUES ('by-hand', '2026-01-01 00:00:00.000000', 'support-bot', 'chat.completions', 'default',"
            " false, false)"
        )
    await store.insert_many([interaction_row(id="after", created_at=NOW)])

    rows, token = await store.list_stored_after(0, 10, EVERY)

    assert ([(row["id"], row["stored_seq"]) for row in rows], token) == ([("before", 1), ("after", 2)], 2)


async def test_a_repeated_feedback_post_takes_no_place_in_the_stored_order(engine):
    await InteractionStore(engine).insert_many([interaction_row(id="call", created_at=NOW)])
    feedback = FeedbackStore(engine)
    event = {"interaction_id": "call", "created_at": NOW, "app": "support-bot", "negative": True}
    event |= {"submitted_via": "app", "idempotency_key": "k1"}
    await feedback.append({**event, "id": "first-post"})
    _, token = await feedback.list_stored_after(0, 10, None)
    await feedback.append({**event, "id": "same-post-again"})
    await feedback.append({**event, "id": "another", "idempotency_key": "k2"})

    rows, _ = await feedback.list_stored_after(token, 10, None)

    assert ids(rows) == ["another"]


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_a_feedback_post_waits_for_a_day_marker_without_holding_the_feedback_numbers(engine):
    await InteractionStore(engine).insert_many([interaction_row(id="call", created_at=NOW)])
    feedback = FeedbackStore(engine)
    event = {"id": "post", "interaction_id": "call", "created_at": NOW, "app": "support-bot", "negative": True}
    async with engine.connect() as importing:
        # An import's order: the day markers, then the feedback numbers.
        await importing.begin()
        await importing.run_sync(mark_days_stale, {(utc_day(NOW), "support-bot")})
        post = asyncio.create_task(feedback.append({**event, "submitted_via": "app"}))
        await asyncio.sleep(0.3)
        # The post waits for the marker (its insert's trigger), not holding the numbers: the import takes them.
        await asyncio.wait_for(importing.run_sync(take_numbers, feedback_table, 1), 5)
        await importing.commit()
    _, created = await asyncio.wait_for(post, 5)

    rows, _ = await feedback.list_stored_after(1, 10, None)
    assert created and ids(rows) == ["post"]
