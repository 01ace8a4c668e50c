"""Decisions stored at once each take their own place in the stored order (review_decisions.stored_seq).

The number is taken from the table's head row under its lock in the deciding transaction
(gateway.store.stored_order): decisions on different tasks, stored concurrently over separate
connections, get distinct numbers with none lost, both when the head row is made by the first of
them (an empty database) and when it already stands; and a reader following the stored order reads
each once, in that order.
"""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select
from test_review_decisions import open_task

from gateway.review.records import Outcome
from gateway.store.stored_order import stored_after
from gateway.store.tables import review_decisions

# More than the pool's 5 connections: some decisions wait for one while others hold the head.
AT_ONCE = 8

pytestmark = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


async def numbers(engine) -> list[int | None]:
    async with engine.connect() as connection:
        query = select(review_decisions.c.stored_seq).order_by(review_decisions.c.stored_seq)
        return list((await connection.execute(query)).scalars())


async def decide_at_once(engine, reviews) -> None:
    tasks = [await open_task(engine, reviews) for _ in range(AT_ONCE)]
    await asyncio.gather(*(reviews.decide(task, f"reviewer-{n}", Outcome.APPROVE) for n, task in enumerate(tasks)))


async def test_decisions_stored_at_once_get_distinct_numbers_with_no_gap(engine, reviews):
    await decide_at_once(engine, reviews)  # the first of them makes the head row
    assert await numbers(engine) == list(range(1, AT_ONCE + 1))

    await decide_at_once(engine, reviews)  # the head row stands

    assert await numbers(engine) == list(range(1, 2 * AT_ONCE + 1))
    rows, token = await stored_after(engine, review_decisions, 0, 100)
    assert ([row["stored_seq"] for row in rows], token) == (list(range(1, 2 * AT_ONCE + 1)), 2 * AT_ONCE)
