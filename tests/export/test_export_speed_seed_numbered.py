"""benchmarks/export_speed.py seeds what the stores store: every label and call numbered in stored order.

The seed writes rows straight into the tables (the stores' one-row paths would take longer than the
export), but numbers them as the stores do, from each table's head (gateway.store.stored_order): an
export following the stored order then reads every seeded label, and a decision stored afterwards by
the review service takes the next number (a seed that left the head behind would collide with it).
"""

from __future__ import annotations

from export_seed import review, review_service, store_chat
from sqlalchemy import func, select

from benchmarks.export_speed import seed
from gateway.review.records import Outcome
from gateway.store.stored_order import stored_after
from gateway.store.tables import feedback, interactions, review_decisions

EXAMPLES = 60


async def numbers(engine, table) -> list[int | None]:
    async with engine.connect() as connection:
        query = select(table.c.stored_seq).order_by(table.c.stored_seq, table.c.id)
        return list((await connection.execute(query)).scalars())


async def count(engine, table) -> int:
    async with engine.connect() as connection:
        return int((await connection.execute(select(func.count()).select_from(table))).scalar_one())


async def test_the_seed_numbers_every_call_feedback_event_and_decision_as_the_stores_do(engine):
    await seed(engine, EXAMPLES)

    for table in (interactions, feedback, review_decisions):
        stored = await count(engine, table)
        assert stored > 0, table.name
        assert await numbers(engine, table) == list(range(1, stored + 1)), table.name
    rows, token = await stored_after(engine, review_decisions, 0, 10_000)
    assert (len(rows), token) == (await count(engine, review_decisions), len(rows))


async def test_a_decision_stored_after_the_seed_takes_the_next_number(engine):
    await seed(engine, EXAMPLES)
    seeded = await count(engine, review_decisions)

    await review(review_service(engine), [await store_chat(engine, "After the seed?", "Yes.")], Outcome.APPROVE)

    assert (await numbers(engine, review_decisions))[-1] == seeded + 1
