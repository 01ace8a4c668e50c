"""A call whose JSON is nested deeper than can be written (orjson writes at most 254 levels) never stops the writer.

One such call (an app's `x-feedgate-metadata`, or its request body) was kept in memory and retried
forever, and every call after it waited behind it: nothing more was recorded until a restart, which
lost them all.
"""

from __future__ import annotations

import asyncio
from typing import Any

from gateway.recording.spool import Spool

from .writing import chat_exchange, spooled_ids, stored_ids

# Nesting orjson reads (up to 1,024 levels) but cannot write back (past 254).
DEPTH = 300


def nested(depth: int) -> list[Any]:
    """Lists inside lists, `depth` levels in all."""
    value: list[Any] = []
    for _ in range(depth - 1):
        value = [value]
    return value


def deep_request() -> dict[str, Any]:
    return {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "extra": nested(DEPTH)}


async def test_a_request_nested_too_deep_is_stored_by_its_identity_and_later_calls_still_are(
    make_writer, store, engine
):
    writer = make_writer(store)
    deep, later = chat_exchange(request=deep_request()), chat_exchange("And after it?")
    writer.submit(deep)
    writer.submit(later)

    await asyncio.wait_for(writer.flush(), 30)

    assert await stored_ids(engine) == sorted([deep.id, later.id])
    row = await store.get(deep.id)
    assert row is not None
    assert (row["app"], row["model"], row["request"], row["response"]) == ("support-bot", "gpt-4o-mini", None, None)
    assert row["error"] == (
        "request and response dropped: they could not be written as JSON (nested deeper than 254 levels of objects and arrays)"
    )


async def test_metadata_nested_too_deep_does_not_hold_up_the_writer(make_writer, store, engine):
    writer = make_writer(store)
    deep, later = chat_exchange(metadata={"a": nested(DEPTH)}), chat_exchange("And after it?")
    writer.submit(deep)
    writer.submit(later)

    await asyncio.wait_for(writer.flush(), 30)

    assert await stored_ids(engine) == sorted([deep.id, later.id])


async def test_while_the_database_is_away_a_request_nested_too_deep_is_spooled_by_its_identity(
    make_writer, sink, spool: Spool
):
    writer = make_writer(sink)
    sink.down = True
    deep, later = chat_exchange(request=deep_request()), chat_exchange("And after it?")
    writer.submit(deep)
    writer.submit(later)

    await asyncio.wait_for(writer.flush(), 30)

    assert spooled_ids(spool) == [deep.id, later.id]
    [spooled_deep, spooled_later] = [row for batch in spool.read_batches(10) for row in batch]
    assert spooled_deep.get("request") is None and spooled_later["request"] is not None
    assert spooled_deep["error"].startswith("request and response dropped: they could not be written as JSON")


async def test_through_the_gateway_a_call_with_metadata_nested_a_thousand_deep_leaves_later_calls_recorded(
    client, gateway, admin_headers
):
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    deep_metadata = '{"a": ' + "[" * 1000 + "]" * 1000 + "}"
    deep = await client.post(
        "/v1/chat/completions",
        json=chat,
        headers={"authorization": "Bearer sk-a", "x-feedgate-metadata": deep_metadata},
    )
    later = await client.post("/v1/chat/completions", json=chat, headers={"authorization": "Bearer sk-a"})
    assert (deep.status_code, later.status_code) == (200, 200)

    await asyncio.wait_for(gateway.services.writer.flush(), 30)

    for answer in (deep, later):
        interaction_id = answer.headers["x-feedgate-interaction-id"]
        stored = await client.get(f"/api/interactions/{interaction_id}", headers=admin_headers)
        assert stored.status_code == 200, stored.text
