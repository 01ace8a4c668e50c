"""The batched interaction writer against a real store: batching, bad rows, spooling and replay."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import text

from gateway.recording.spool import Spool

from .writing import (
    as_utc,
    chat_exchange,
    eventually,
    first_occurrences,
    spooled_ids,
    stored_count,
    stored_ids,
    submit_many,
)

# PostgreSQL-specific refusals (SQLite stores these values as they are).
postgres_only = pytest.mark.parametrize("database_url", ["postgres"], indirect=True)


# -- storing ---------------------------------------------------------------------------------


async def test_submitted_exchanges_are_stored_once_flushed(make_writer, store, engine):
    writer = make_writer(store)
    exchanges = [chat_exchange("Where is the Eiffel tower?", "In Paris."), chat_exchange("2+2?", "4")]
    for exchange in exchanges:
        writer.submit(exchange)

    await writer.flush()

    assert await stored_ids(engine) == sorted(exchange.id for exchange in exchanges)
    row = await store.get(exchanges[0].id)
    assert row is not None
    assert (row["app"], row["model"], row["response_text"], row["total_tokens"]) == (
        "support-bot",
        "gpt-4o-mini",
        "In Paris.",
        15,
    )
    assert (writer.stored, writer.spooled, writer.backlog) == (2, 0, 0)


async def test_exchanges_are_stored_within_the_flush_interval_without_an_explicit_flush(make_writer, store, engine):
    writer = make_writer(store, flush_interval=0.02)

    [interaction_id] = submit_many(writer, 1)

    await eventually(lambda: writer.stored == 1, timeout=2.0)
    assert await stored_ids(engine) == [interaction_id]


async def test_a_backlog_is_inserted_in_batches_of_at_most_batch_size(make_writer, sink, engine):
    writer = make_writer(sink, batch_size=10)

    ids = submit_many(writer, 25)
    await writer.flush()

    assert sink.batch_sizes == [10, 10, 5]
    assert sink.delivered == ids
    assert await stored_count(engine) == 25


async def test_calls_that_arrive_while_a_batch_is_written_wait_for_the_next_cycle(make_writer, sink, engine):
    # A slow database: each insert takes 20 ms while calls keep coming every few milliseconds.
    insert = sink.insert_many

    async def slow_insert(rows):
        await asyncio.sleep(0.02)
        await insert(rows)

    sink.insert_many = slow_insert
    writer = make_writer(sink, batch_size=1000, flush_interval=0.2)

    submitted = []
    started = time.monotonic()
    for _ in range(100):
        submitted += submit_many(writer, 1)
        await asyncio.sleep(0.005)
    elapsed = time.monotonic() - started
    await writer.flush()

    # About one batch per flush interval (and one for the flush), not one per 20 ms insert with
    # whatever trickled in meanwhile: ten times as many.
    assert len(sink.batch_sizes) <= elapsed / 0.2 + 2
    assert sink.delivered == submitted
    assert await stored_count(engine) == 100


async def test_flush_with_nothing_submitted_returns_at_once(make_writer, store):
    writer = make_writer(store)

    await asyncio.wait_for(writer.flush(), 1.0)

    assert writer.stored == 0


async def test_close_stores_what_is_still_buffered(make_writer, store, engine):
    writer = make_writer(store, flush_interval=10.0, batch_size=1000)
    ids = submit_many(writer, 7)

    await writer.close()

    assert await stored_ids(engine) == sorted(ids)


# -- rows the database refuses ------------------------------------------------------------------


async def test_a_row_the_database_refuses_outright_does_not_lose_the_rest_of_its_batch(make_writer, store, engine):
    writer = make_writer(store)
    good_before = chat_exchange("first")
    refused = chat_exchange("no app", app=None)  # NOT NULL: no cleaning can save it
    good_after = chat_exchange("last")
    for exchange in (good_before, refused, good_after):
        writer.submit(exchange)

    await asyncio.wait_for(writer.flush(), 5.0)

    assert await stored_ids(engine) == sorted([good_before.id, good_after.id])
    assert not writer.spooling


async def test_a_batch_with_a_nul_character_in_a_message_loses_no_row(make_writer, store, engine):
    writer = make_writer(store)
    exchanges = [
        chat_exchange("plain question"),
        chat_exchange("pasted from a binary file: \u0000\u0000 end", "I see NUL bytes \u0000 there."),
        chat_exchange("another plain question"),
    ]
    for exchange in exchanges:
        writer.submit(exchange)

    await writer.flush()

    assert await stored_ids(engine) == sorted(exchange.id for exchange in exchanges)
    assert not writer.spooling


@postgres_only
async def test_postgres_stores_a_row_with_nul_characters_cleaned_and_noted(make_writer, store):
    writer = make_writer(store)
    exchange = chat_exchange("before\u0000after", "ans\u0000wer")
    writer.submit(exchange)

    await writer.flush()

    row = await store.get(exchange.id)
    assert row is not None
    assert row["request"]["messages"][0]["content"] == "beforeafter"
    assert row["response_text"] == "answer"
    assert row["error"] == "stored after removing NUL characters the database refused"


@postgres_only
async def test_postgres_stores_a_batch_with_a_nul_and_a_written_out_backslash_u0000(make_writer, store, engine):
    writer = make_writer(store)
    # A user asking about the escape itself: the six characters \u0000, no NUL in them.
    escape_text = chat_exchange("What does \\u0000 mean in a JSON string?", "It stands for the NUL character.")
    with_nul = chat_exchange("before\u0000after")
    for exchange in (escape_text, with_nul):
        writer.submit(exchange)

    # Bounded: cleaning the batch once failed on the written-out escape, and the batch was retried forever.
    await asyncio.wait_for(writer.flush(), 30)

    assert await stored_ids(engine) == sorted([escape_text.id, with_nul.id])
    row = await store.get(escape_text.id)
    assert row is not None
    assert row["request"]["messages"][0]["content"] == "What does \\u0000 mean in a JSON string?"
    assert row["error"] is None


@postgres_only
async def test_postgres_cleans_a_nul_beside_a_written_out_backslash_u0000_in_one_text(make_writer, store):
    writer = make_writer(store)
    exchange = chat_exchange("the escape \\u0000 and a real one: \u0000.")
    writer.submit(exchange)

    await asyncio.wait_for(writer.flush(), 30)

    row = await store.get(exchange.id)
    assert row is not None
    assert row["request"]["messages"][0]["content"] == "the escape \\u0000 and a real one: ."
    assert row["error"] == "stored after removing NUL characters the database refused"


@postgres_only
async def test_postgres_keeps_an_integer_beyond_64_bits_in_a_row_it_stores_cleaned(make_writer, store):
    writer = make_writer(store)
    seed = 123456789012345678901234567890
    exchange = chat_exchange(request={"model": "gpt-4o-mini", "seed": seed, "user": "\u0000"})
    writer.submit(exchange)

    # Bounded: cleaning a row orjson cannot write used to fail, leaving it unstored and retried forever.
    await asyncio.wait_for(writer.flush(), 30)

    row = await store.get(exchange.id)
    assert row is not None
    assert row["request"] == {"model": "gpt-4o-mini", "seed": seed, "user": ""}
    assert row["error"] == "stored after removing NUL characters the database refused"


@postgres_only
async def test_postgres_keeps_at_least_the_identity_of_a_row_it_refuses_even_cleaned(make_writer, store, engine):
    writer = make_writer(store)
    # A refusal no cleaning can help: this database takes no interaction with a request (an odd
    # upstream's token count past 32 bits was such a value, until the recorder named no count for it).
    refuse = "ALTER TABLE interactions ADD CONSTRAINT refuses_requests CHECK (request IS NULL)"
    async with engine.begin() as connection:
        await connection.execute(text(refuse))
    try:
        exchange = chat_exchange(error="upstream said so")
        writer.submit(exchange)

        await writer.flush()
    finally:
        async with engine.begin() as connection:
            await connection.execute(text("ALTER TABLE interactions DROP CONSTRAINT refuses_requests"))

    row = await store.get(exchange.id)
    assert row is not None
    assert (row["app"], row["model"], row["status_code"]) == ("support-bot", "gpt-4o-mini", 200)
    assert (row["request"], row["response"], row["prompt_tokens"]) == (None, None, None)
    assert row["error"] == "upstream said so; request and response dropped: the database refused them"


# -- the database away ------------------------------------------------------------------------------


async def test_rows_go_to_the_spool_while_the_database_is_unreachable(make_writer, sink, spool, engine):
    writer = make_writer(sink)
    sink.down = True

    ids = submit_many(writer, 10)
    await writer.flush()

    assert writer.spooling
    assert spooled_ids(spool) == ids
    assert writer.spooled == 10
    assert await stored_count(engine) == 0


async def test_after_an_outage_every_interaction_is_stored_exactly_once_and_in_order(make_writer, sink, spool, engine):
    writer = make_writer(sink, batch_size=4)
    before = submit_many(writer, 6)
    await writer.flush()

    sink.down = True
    during = submit_many(writer, 9)
    await writer.flush()
    during += submit_many(writer, 5)
    await writer.flush()
    assert spooled_ids(spool) == during

    sink.down = False
    await eventually(lambda: not writer.spooling)
    after = submit_many(writer, 7)
    await writer.flush()

    submitted = before + during + after
    assert await stored_ids(engine) == sorted(submitted)
    assert await stored_count(engine) == len(submitted)
    assert first_occurrences(sink.delivered) == submitted
    assert spool.is_empty()


async def test_rows_submitted_while_the_spool_holds_rows_queue_behind_them(make_writer, sink, spool, engine):
    # The database is back, but the spool has not been replayed yet: new rows must not jump the queue.
    writer = make_writer(sink, retry_interval=1.0)
    sink.down = True
    spooled = submit_many(writer, 5)
    await writer.flush()

    sink.down = False
    later = submit_many(writer, 5)
    await writer.flush()
    assert spooled_ids(spool) == spooled + later  # queued on disk, not inserted ahead

    await eventually(lambda: not writer.spooling)
    await writer.flush()
    assert first_occurrences(sink.delivered) == spooled + later
    assert await stored_count(engine) == 10


async def test_replayed_rows_keep_their_content_and_timestamps(make_writer, sink, store):
    writer = make_writer(sink)
    sink.down = True
    exchange = chat_exchange(
        "Quelle heure est-il à Paris ?", "Il est midi. ☀️", end_user="user-7", metadata={"page": "faq"}
    )
    writer.submit(exchange)
    await writer.flush()

    sink.down = False
    await eventually(lambda: not writer.spooling)

    row = await store.get(exchange.id)
    assert row is not None
    assert as_utc(row["created_at"]) == exchange.created_at
    assert row["request"] == exchange.request
    assert (row["response_text"], row["end_user"], row["metadata"]) == ("Il est midi. ☀️", "user-7", {"page": "faq"})
    assert (row["prompt_tokens"], row["completion_tokens"], row["total_tokens"]) == (12, 3, 15)


async def test_close_with_the_database_down_leaves_everything_in_the_spool(make_writer, sink, spool, engine):
    writer = make_writer(sink)
    sink.down = True
    ids = submit_many(writer, 8)

    await asyncio.wait_for(writer.close(), 5.0)

    assert spooled_ids(spool) == ids
    assert await stored_count(engine) == 0


async def test_a_new_writer_replays_a_spool_left_behind_when_it_starts(make_writer, sink, spool, store, engine):
    first = make_writer(sink)
    sink.down = True
    ids = submit_many(first, 8)
    await first.close()

    sink.down = False
    second = make_writer(store, spool=Spool(spool.path))
    assert second.spooling  # it knows about the leftovers before its first cycle

    await eventually(lambda: not second.spooling)
    assert spool.is_empty()
    assert await stored_ids(engine) == sorted(ids)


async def test_a_replay_interrupted_after_a_partial_insert_stores_no_duplicates(make_writer, sink, spool, engine):
    writer = make_writer(sink, batch_size=5)
    sink.down = True
    ids = submit_many(writer, 20)
    await writer.flush()
    assert spooled_ids(spool) == ids

    sink.calls_before_outage = 2  # the database comes back, takes two replay batches, then drops again
    sink.down = False
    await eventually(lambda: sink.down)
    assert not spool.is_empty()
    assert writer.spooling

    sink.down = False
    await eventually(lambda: not writer.spooling)

    assert len(sink.delivered) == 30  # the first two batches were sent twice...
    assert await stored_ids(engine) == sorted(ids)  # ...and stored once
    assert await stored_count(engine) == 20


async def test_a_spool_whose_rows_are_partly_stored_already_replays_without_duplicates(
    make_writer, sink, spool, store, engine
):
    # A crash between inserting a replayed batch and clearing the spool.
    writer = make_writer(sink, batch_size=5)
    sink.down = True
    ids = submit_many(writer, 12)
    await writer.close()
    await store.insert_many(next(spool.read_batches(5)))
    assert await stored_count(engine) == 5

    restarted = make_writer(store, spool=Spool(spool.path), batch_size=5)
    await eventually(lambda: not restarted.spooling)

    assert await stored_ids(engine) == sorted(ids)
    assert await stored_count(engine) == 12


# -- more than the database can take --------------------------------------------------------------


async def test_overflowing_max_buffered_switches_to_spooling_and_still_stores_everything(make_writer, sink, engine):
    writer = make_writer(sink, batch_size=5, max_buffered=10)

    ids = submit_many(writer, 40)  # all at once: the writer finds 40 > 10 buffered
    await writer.flush()
    assert writer.spooled == 40

    await eventually(lambda: not writer.spooling)
    await writer.flush()

    assert await stored_ids(engine) == sorted(ids)
    assert first_occurrences(sink.delivered) == ids
    assert writer.backlog == 0
