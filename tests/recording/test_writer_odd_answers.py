"""Answers whose usage or text is not of the shape OpenAI documents are stored whole on both databases.

PostgreSQL refuses a string or a number past 32 bits in an integer column, and a number in a text
column, where SQLite stores them: the writer fell back to the row's identity, and the call's request
and answer were lost on PostgreSQL alone.
"""

from __future__ import annotations

import orjson

from gateway.store.interactions import InteractionFilter

from .sse_bodies import streamed_chat
from .writing import chat_exchange


def answer(choice: dict, usage: dict) -> list[bytes]:
    return [orjson.dumps({"id": "cmpl-1", "object": "chat.completion", "choices": [choice], "usage": usage})]


async def test_token_counts_that_are_not_counts_name_no_count_and_the_call_is_stored_whole(make_writer, store):
    writer = make_writer(store)
    usage = {"prompt_tokens": "12", "completion_tokens": 2**40, "total_tokens": 12.5}
    choice = {"index": 0, "message": {"role": "assistant", "content": "Paris."}, "finish_reason": "stop"}
    exchange = chat_exchange(body_chunks=answer(choice, usage))
    writer.submit(exchange)

    await writer.flush()

    row = await store.get(exchange.id)
    assert row is not None
    assert (row["response_text"], row["response"]["usage"], row["error"]) == ("Paris.", usage, None)
    assert (row["prompt_tokens"], row["completion_tokens"], row["total_tokens"]) == (None, None, None)


async def test_token_counts_sent_as_whole_floats_are_kept_as_counts(make_writer, store):
    writer = make_writer(store)
    choice = {"index": 0, "message": {"role": "assistant", "content": "Paris."}, "finish_reason": "stop"}
    exchange = chat_exchange(body_chunks=answer(choice, {"prompt_tokens": 12.0, "completion_tokens": 3}))
    writer.submit(exchange)

    await writer.flush()

    row = await store.get(exchange.id)
    assert row is not None
    assert (row["prompt_tokens"], row["completion_tokens"]) == (12, 3)


async def test_a_completion_whose_text_is_not_text_is_stored_whole_without_a_text(make_writer, store):
    writer = make_writer(store)
    choice = {"index": 0, "text": 42, "finish_reason": "stop"}
    exchange = chat_exchange(endpoint="completions", body_chunks=answer(choice, {"total_tokens": 5}))
    writer.submit(exchange)

    await writer.flush()

    row = await store.get(exchange.id)
    assert row is not None
    assert (row["response_text"], row["response"]["choices"], row["total_tokens"]) == (None, [choice], 5)
    assert row["error"] is None


async def test_a_200_whose_body_is_not_json_is_listed_among_the_errors(make_writer, store):
    writer = make_writer(store)
    page = b"<html><body><h1>Service temporarily unavailable</h1></body></html>"
    exchange = chat_exchange(body_chunks=[page], content_type="text/html; charset=utf-8")
    writer.submit(exchange)

    await writer.flush()

    errors = await store.list(InteractionFilter(outcome="error"), 10)
    assert [(row["id"], row["status_code"]) for row in errors] == [(exchange.id, 200)]
    assert (
        errors[0]["error"] == "upstream answered 200 with an answer that is not JSON: Service temporarily unavailable"
    )
    assert await store.list(InteractionFilter(outcome="ok"), 10) == []


async def test_a_stream_sent_as_plain_text_is_stored_as_the_answer_it_is(make_writer, store):
    # Some servers name their event stream text/plain: it was stored as "an answer that is not JSON".
    writer = make_writer(store)
    request = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Capital?"}], "stream": True}
    exchange = chat_exchange(request=request, body_chunks=[streamed_chat()], content_type="text/plain; charset=utf-8")
    writer.submit(exchange)

    await writer.flush()

    row = await store.get(exchange.id)
    assert row is not None
    assert (row["error"], row["response_text"], row["stream"]) == (None, "The capital of France is Paris.", True)
    assert [row["id"] for row in await store.list(InteractionFilter(outcome="ok"), 10)] == [exchange.id]
