"""Inserting interaction rows in batches (several statements a batch on SQLite), on both stores."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
import uuid_utils
from sqlalchemy import select

from gateway.store.import_batches import ImportStore
from gateway.store.interaction_inserts import _page_sizes, _Pages
from gateway.store.interactions import InteractionFilter, InteractionStore
from gateway.store.tables import interactions


def row(question: str, **fields: object) -> dict[str, object]:
    request = {"model": "m", "messages": [{"role": "user", "content": question}]}
    return {
        "id": str(uuid_utils.uuid7()),
        "created_at": datetime.now(UTC),
        "app": "support-bot",
        "endpoint": "chat.completions",
        "upstream": "default",
        "model": "m",
        "stream": True,
        "partial": False,
        "request": request,
        "response": {"choices": [{"message": {"content": "ok"}}]},
        "response_text": "ok",
        "metadata": None,
        **fields,
    }


async def stored(engine, columns=(interactions.c.id,)):
    async with engine.connect() as connection:
        return list(await connection.execute(select(*columns).order_by(interactions.c.id)))


def test_a_batch_is_cut_into_full_pages_then_powers_of_two():
    assert _page_sizes(150) == [64, 64, 16, 4, 2]
    assert _page_sizes(64) == [64]
    assert _page_sizes(7) == [4, 2, 1]
    assert _page_sizes(0) == []


async def test_a_batch_of_several_pages_is_stored_whole_and_searchable(engine):
    store = InteractionStore(engine)
    rows = [row(f"question {n}" + (" about wombats" if n in (0, 149) else "")) for n in range(150)]

    await store.insert_many(rows)

    assert [r.id for r in await stored(engine)] == [r["id"] for r in rows]
    found = await store.list(InteractionFilter(text="wombats"), 10)
    assert sorted(r["id"] for r in found) == sorted([rows[0]["id"], rows[149]["id"]])


async def test_a_big_batch_is_converted_off_the_loop_a_page_per_trip(engine, monkeypatch: pytest.MonkeyPatch):
    threads: list[int] = []
    convert = _Pages._page

    def counted(self, names, rows):
        threads.append(threading.get_ident())
        return convert(self, names, rows)

    monkeypatch.setattr(_Pages, "_page", counted)

    await InteractionStore(engine).insert_many([row(f"q{n}") for n in range(150)])

    assert len(threads) == len(_page_sizes(150))
    assert threading.get_ident() not in threads


async def test_values_are_stored_as_their_column_types_read_them_back(engine):
    store = InteractionStore(engine)
    original = row("hello", metadata={"feature": "search", "tags": ["a", None]}, status_code=200, latency_ms=1.5)

    await store.insert_many([original])

    back = await store.get(str(original["id"]))
    assert back is not None
    assert back["created_at"] == original["created_at"]
    assert (back["stream"], back["partial"]) == (True, False)
    assert back["request"] == original["request"]
    assert back["metadata"] == {"feature": "search", "tags": ["a", None]}
    assert (back["status_code"], back["latency_ms"]) == (200, 1.5)


async def test_stored_rows_in_a_replayed_batch_are_skipped_across_pages(engine):
    store = InteractionStore(engine)
    first = [row(f"q{n}") for n in range(70)]
    await store.insert_many(first[::2])

    await store.insert_many(first)  # half of them stored already, spread over both pages

    assert [r.id for r in await stored(engine)] == [r["id"] for r in first]


async def test_a_column_no_row_names_takes_its_default(engine):
    store = InteractionStore(engine)
    bare = row("q")
    del bare["stream"], bare["partial"], bare["metadata"]

    await store.insert_many([bare])

    back = await store.get(str(bare["id"]))
    assert back is not None
    assert (back["stream"], back["partial"], back["metadata"]) == (False, False, None)


async def test_a_document_a_row_leaves_empty_is_sql_null_so_filters_on_it_skip_the_row(engine):
    store = InteractionStore(engine)
    empty, full = row("q1", policies=None, tool_calls=None), row("q2", policies=[{"policy": "prompt", "action": "x"}])

    await store.insert_many([empty, full])

    async with engine.connect() as connection:
        query = select(interactions.c.id).where(interactions.c.policies.is_not(None))
        with_policies = [r.id for r in await connection.execute(query)]
        query = select(interactions.c.id).where(interactions.c.tool_calls.is_(None))
        without_tool_calls = [r.id for r in await connection.execute(query)]
    assert with_policies == [full["id"]]
    assert sorted(without_tool_calls) == sorted([empty["id"], full["id"]])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_row_naming_no_column_of_interactions_is_refused(engine):
    with pytest.raises(ValueError, match="not columns of interactions"):
        await InteractionStore(engine).insert_many([row("q", colour="blue")])


async def test_rows_of_one_batch_that_name_different_columns_each_keep_their_values(engine):
    store = InteractionStore(engine)
    bare, full = row("q1"), row("q2", metadata={"feature": "search"}, end_user="u-7")
    del bare["metadata"]

    await store.insert_many([bare, full])

    back = await store.get(str(full["id"]))
    assert back is not None
    assert (back["metadata"], back["end_user"]) == ({"feature": "search"}, "u-7")


REVERSED = {"choices": [{"index": 1, "message": {"content": "B"}}, {"index": 0, "message": {"content": "A"}}]}


async def test_every_insert_records_where_an_answer_lists_its_choices_when_not_at_their_numbers(engine):
    recorded, in_order = row("Hi", response=REVERSED), row("Hi", response={"choices": [{"index": 0}, {"index": 1}]})
    imported = row("Hi", response=REVERSED)

    await InteractionStore(engine).insert_many([recorded, in_order])
    await ImportStore(engine).insert_batch([imported], [])

    positions = dict(await stored(engine, (interactions.c.id, interactions.c.choice_positions)))
    assert positions == {recorded["id"]: [1, 0], in_order["id"]: None, imported["id"]: [1, 0]}


async def test_a_row_naming_the_record_of_its_choices_is_refused(engine):
    with pytest.raises(ValueError, match="choice_positions"):
        await InteractionStore(engine).insert_many([row("Hi", choice_positions=[1, 0])])


async def test_a_row_naming_its_place_in_the_stored_order_is_refused(engine):
    # The same count of names as the columns the insert fills, one of them stored_seq: once read as a KeyError.
    named = row("Hi", stored_seq=7)
    del named["partial"]
    with pytest.raises(ValueError, match="stored_seq"):
        await InteractionStore(engine).insert_many([named])
