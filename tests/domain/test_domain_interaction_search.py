"""Interaction text search through InteractionService, on both stores: words of the user's messages and the answer."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import orjson
import pytest
import uuid_utils
from interaction_rows import interaction_row
from sqlalchemy import delete, insert, update

from gateway.domain.errors import InvalidQuery
from gateway.domain.interactions import MAX_SEARCH_CHARS, InteractionService
from gateway.recording.exchange import Exchange
from gateway.recording.spool import Spool
from gateway.recording.writer import InteractionWriter
from gateway.store import interaction_search
from gateway.store.engine import create_engine
from gateway.store.feedback import FeedbackStore
from gateway.store.import_batches import ImportStore
from gateway.store.interactions import InteractionFilter, InteractionStore
from gateway.store.migrate import upgrade_database
from gateway.store.tables import interactions

from .rows import HoldingWriter, gateway_id


def chat(question: str, answer: str | None, **fields: Any) -> dict[str, Any]:
    """A chat interaction row: a system prompt, the user's question, and the answer."""
    request = {
        "model": "m",
        "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": question}],
    }
    return interaction_row(request=request, response_text=answer, **fields)


def filled(row: dict[str, Any]) -> dict[str, Any]:
    """The row's columns that hold a value."""
    return {column: value for column, value in row.items() if value is not None}


@pytest.fixture
def store(engine) -> InteractionStore:
    return InteractionStore(engine)


@pytest.fixture
def service(engine, store) -> InteractionService:
    return InteractionService(
        store=store, feedback_store=FeedbackStore(engine), writer=HoldingWriter(store), flush_interval=60.0
    )


async def found(service: InteractionService, text: str, limit: int = 50, **filters: Any) -> list[str]:
    page = await service.list(InteractionFilter(text=text, **filters), limit)
    return [item.id for item in page.data]


async def test_a_word_of_the_users_message_is_found(service, store):
    refund, other = chat("How do I get a refund?", "Ask support."), chat("What is the fee?", "Two euros.")
    await store.insert_many([refund, other])

    assert await found(service, "refund") == [refund["id"]]


async def test_a_word_of_the_answer_is_found(service, store):
    fee, other = chat("What is it?", "The fee is two euros."), chat("Hello", "Hi there.")
    await store.insert_many([fee, other])

    assert await found(service, "euros") == [fee["id"]]


async def test_case_is_ignored_both_ways(service, store):
    shouting = chat("WHERE IS MY PARCEL", "It is on its way.")
    await store.insert_many([shouting])

    assert await found(service, "parcel") == [shouting["id"]]
    assert await found(service, "ON ITS WAY") == [shouting["id"]]


async def test_every_word_must_be_there_in_some_english_form(service, store):
    refunds = chat("Tell me about refunds and delays", "Soon.")
    await store.insert_many([refunds])

    assert await found(service, "refund delayed") == [refunds["id"]]
    assert await found(service, "fund") == []
    assert await found(service, "refund parcel") == []


async def test_system_prompts_and_tool_turns_are_not_searched(service, store):
    request = {
        "model": "m",
        "messages": [
            {"role": "system", "content": "You are a secretive assistant."},
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "Show the invoice"},
                    {"type": "image_url", "image_url": {"url": "https://x/y.png"}},
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "confidential ledger"},
        ],
    }
    row = interaction_row(request=request, response_text="Here it is.")
    await store.insert_many([row])

    assert await found(service, "invoice") == [row["id"]]
    assert await found(service, "secretive") == []
    assert await found(service, "ledger") == []


async def test_responses_input_and_completion_prompts_are_searched(service, store):
    responses = interaction_row(request={"model": "m", "input": "translate this sentence"}, response_text=None)
    completion = interaction_row(request={"model": "m", "prompt": "Once upon a midnight"}, response_text=None)
    await store.insert_many([responses, completion])

    assert await found(service, "sentence") == [responses["id"]]
    assert await found(service, "midnight") == [completion["id"]]


async def test_a_search_that_matches_nothing_returns_nothing(service, store):
    await store.insert_many([chat("How do I get a refund?", "Ask support.")])

    page = await service.list(InteractionFilter(text="zeppelin"), 50)

    assert page.data == () and page.next_cursor is None


@pytest.fixture(params=["few matches", "common word"])
def probe_limit(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both ways a search runs: from its few matches, or (a word counted common after 2 matches) walking newest first."""
    if request.param == "common word":
        monkeypatch.setattr(interaction_search, "COMMON_AFTER", 2)
    return str(request.param)


async def test_a_search_combines_with_app_model_and_time_filters(service, store, probe_limit):
    now = datetime.now(UTC)
    hit = chat("refund please", "ok", app="shop", model="big", created_at=now - timedelta(hours=2))
    wrong_app = chat("refund please", "ok", app="bank", model="big", created_at=now - timedelta(hours=2))
    wrong_model = chat("refund please", "ok", app="shop", model="small", created_at=now - timedelta(hours=2))
    too_old = chat("refund please", "ok", app="shop", model="big", created_at=now - timedelta(days=3))
    await store.insert_many([hit, wrong_app, wrong_model, too_old])

    since = now - timedelta(days=1)
    assert await found(service, "refund", app="shop", model="big", since=since) == [hit["id"]]


async def test_search_results_page_newest_first_with_a_cursor(service, store, probe_limit):
    now = datetime.now(UTC)
    rows = [chat(f"refund number {n}", "ok", id=gateway_id(now - timedelta(minutes=10 - n))) for n in range(5)]
    await store.insert_many([*rows, chat("unrelated", "ok")])
    newest_first = [row["id"] for row in reversed(rows)]

    first = await service.list(InteractionFilter(text="refund"), 2)
    second = await service.list(InteractionFilter(text="refund"), 2, first.next_cursor)
    third = await service.list(InteractionFilter(text="refund"), 2, second.next_cursor)

    pages = [[item.id for item in page.data] for page in (first, second, third)]
    assert pages == [newest_first[:2], newest_first[2:4], newest_first[4:]]
    assert third.next_cursor is None


async def test_rows_the_writer_stores_are_searchable(engine, service, tmp_path: Path):
    writer = InteractionWriter(
        InteractionStore(engine), Spool(tmp_path / "spool.jsonl"), batch_size=10, flush_interval=0.02
    )
    writer.start()
    exchanges = [exchange(f"question {n} about kangaroos" if n == 7 else f"question {n}") for n in range(25)]
    try:
        for item in exchanges:
            writer.submit(item)
        await writer.flush()
    finally:
        await writer.close()

    assert await found(service, "kangaroos") == [exchanges[7].id]
    assert await found(service, "wombat") == [item.id for item in reversed(exchanges)]


async def test_a_replayed_batch_indexes_only_its_new_rows(service, store):
    stored = [chat(f"refund {n}", "ok") for n in range(3)]
    await store.insert_many(stored)
    later = chat("refund later", "ok")

    await store.insert_many([*stored, later])  # a spool replay: three rows are there already

    assert sorted(await found(service, "refund")) == sorted(row["id"] for row in [*stored, later])


async def test_rows_from_two_writers_at_once_are_each_indexed_once(database_url: str, service):
    # Two engines on one database, as two gateway processes have: their batches interleave.
    engines = [create_engine(database_url) for _ in range(2)]
    batches = [[chat(f"kangaroo {writer} {n}", "ok") for n in range(20)] for writer in range(2)]
    try:
        for round_number in range(5):
            await asyncio.gather(
                *(
                    InteractionStore(engine).insert_many(batch[round_number * 4 : round_number * 4 + 4])
                    for engine, batch in zip(engines, batches, strict=True)
                )
            )
    finally:
        for engine in engines:
            await engine.dispose()

    assert sorted(await found(service, "kangaroo")) == sorted(row["id"] for batch in batches for row in batch)


async def test_imported_rows_are_searchable(engine, service):
    imported = chat("an imported question about wombats", "an imported answer")

    await ImportStore(engine).insert_batch([imported], [])

    assert await found(service, "wombats") == [imported["id"]]


async def test_deleted_rows_vanish_from_results(engine, service, store):
    kept, erased = chat("refund one", "ok"), chat("refund two", "ok")
    await store.insert_many([kept, erased])

    async with engine.begin() as connection:
        await connection.execute(delete(interactions).where(interactions.c.id == erased["id"]))

    assert await found(service, "refund") == [kept["id"]]
    # The index forgot the deleted text, and still takes new rows.
    later = chat("refund three", "ok")
    await store.insert_many([later])
    assert await found(service, "refund") == [later["id"], kept["id"]]


async def test_a_rewritten_answer_is_found_by_its_new_words_only(engine, service, store):
    row = chat("my card number", "It is 4111 1111")
    await store.insert_many([row])

    async with engine.begin() as connection:
        await connection.execute(
            update(interactions).where(interactions.c.id == row["id"]).values(response_text="It is [redacted]")
        )

    assert await found(service, "4111") == []
    assert await found(service, "redacted") == [row["id"]]


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("x" * (MAX_SEARCH_CHARS + 1), "at most 200 characters"),
        ("%%% ?!", "at least one word"),
        (" ".join(["w"] * 13), "at most 12 words"),
    ],
)
async def test_a_search_the_index_cannot_answer_is_refused_naming_q(service, text, fragment):
    with pytest.raises(InvalidQuery) as refused:
        await service.list(InteractionFilter(text=text), 50)

    assert refused.value.field == "q" and fragment in refused.value.message


async def test_a_blank_search_lists_everything(service, store):
    rows = [chat("a", "b"), chat("c", "d")]
    await store.insert_many(rows)

    assert len(await found(service, "   ")) == 2


async def test_rows_stored_before_the_index_existed_are_searchable_after_the_migration(
    database_kind, tmp_path: Path, postgres_server: str
):
    url, dispose = await fresh_database(database_kind, tmp_path, postgres_server)
    try:
        await asyncio.to_thread(upgrade_database, url, "0019")
        engine = create_engine(url)
        try:
            older = chat("an old question about refunds", "an old answer")
            # Inserted as the stores of that time did (today's also fill the index, not there yet), with only
            # the columns these rows fill: some of today's empty ones came later.
            rows = [older, chat("something else", "no")]
            async with engine.begin() as connection:
                await connection.execute(insert(interactions), [filled(row) for row in rows])
            await asyncio.to_thread(upgrade_database, url)
            store = InteractionStore(engine)
            service = InteractionService(
                store=store, feedback_store=FeedbackStore(engine), writer=HoldingWriter(store), flush_interval=60.0
            )

            assert await found(service, "refunds") == [older["id"]]
        finally:
            await engine.dispose()
    finally:
        await dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def database_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def fresh_database(kind: str, tmp_path: Path, postgres_server: str):
    """An empty database (no migrations) of `kind`, and how to drop it."""
    if kind == "sqlite":

        async def nothing_to_drop() -> None:
            """The file goes with tmp_path."""

        return f"sqlite+aiosqlite:///{tmp_path / 'fresh.db'}", nothing_to_drop
    server = postgres_server.replace("postgresql+asyncpg://", "postgresql://")
    name = f"feedgate_search_{uuid.uuid4().hex[:10]}"
    connection = await asyncpg.connect(server)
    try:
        await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()

    async def drop() -> None:
        admin = await asyncpg.connect(server)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()

    return postgres_server.rsplit("/", 1)[0] + f"/{name}", drop


def exchange(question: str) -> Exchange:
    """One answered chat call as the proxy hands it to the writer."""
    completion = {
        "id": "c",
        "object": "chat.completion",
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": "I am not sure, wombat."}, "finish_reason": "stop"}
        ],
    }
    return Exchange(
        id=str(uuid_utils.uuid7()),
        created_at=datetime.now(UTC),
        app="support-bot",
        endpoint="chat.completions",
        upstream="default",
        request={"model": "m", "messages": [{"role": "user", "content": question}]},
        status_code=200,
        content_type="application/json",
        body_chunks=[orjson.dumps(completion)],
        latency_ms=80.0,
    )
