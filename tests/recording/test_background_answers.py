"""A background Responses call's answer, fetched later (GET /v1/responses/{id}, its cancel), fills its interaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson
import uuid_utils
from sqlalchemy import select

from gateway.privacy.redaction import BUILT_IN_RULES, Redactor
from gateway.recording.exchange import Exchange
from gateway.store.tables import daily_stats_stale, interactions

from .writing import eventually, stored_count

RESPONSE_ID = "resp_68af4030592c81938ec0a5fbab4a3e9f"


def _response(status: str, text: str | None = None, response_id: str = RESPONSE_ID) -> dict[str, Any]:
    output = []
    if text is not None:
        part = {"type": "output_text", "annotations": [], "text": text}
        output = [{"id": "msg_1", "type": "message", "status": "completed", "role": "assistant", "content": [part]}]
    usage = {"input_tokens": 9, "output_tokens": 4, "total_tokens": 13} if text is not None else None
    return {
        "id": response_id,
        "object": "response",
        "status": status,
        "background": True,
        "output": output,
        "usage": usage,
    }


def create_call(app: str = "support-bot", response: dict[str, Any] | None = None) -> Exchange:
    """A background create: answered at once with the response queued."""
    return Exchange(
        id=str(uuid_utils.uuid7()),
        created_at=datetime.now(UTC),
        app=app,
        endpoint="responses",
        upstream="default",
        request={"model": "gpt-4o-mini", "input": "Cancel my card", "background": True},
        status_code=200,
        content_type="application/json",
        body_chunks=[orjson.dumps(response or _response("queued"))],
    )


def later_answer(
    response: dict[str, Any] | bytes,
    app: str = "support-bot",
    content_type: str = "application/json",
    response_id: str = RESPONSE_ID,
) -> Exchange:
    """What a later GET of the response (or its cancel) got back, as the proxy hands it to the writer."""
    body = response if isinstance(response, bytes) else orjson.dumps(response)
    return Exchange(
        id=response_id,
        created_at=datetime.now(UTC),
        app=app,
        endpoint="responses",
        upstream="default",
        request=None,
        status_code=200,
        content_type=content_type,
        body_chunks=[body],
        answer_of=response_id,
    )


async def _stored(writer, store, *exchanges: Exchange) -> list[dict[str, Any]]:
    for exchange in exchanges:
        writer.submit(exchange)
    await writer.flush()
    rows = [await store.get(exchange.id) for exchange in exchanges if exchange.answer_of is None]
    return [row for row in rows if row is not None]


async def test_the_completed_answer_fetched_later_fills_the_queued_interaction(make_writer, store):
    writer = make_writer(store)
    create = create_call()
    [queued] = await _stored(writer, store, create)

    await _stored(writer, store, later_answer(_response("completed", "Your card is cancelled.")))

    row = await store.get(create.id)

    assert (queued["response_text"], queued["finish_reason"]) == (None, None)
    assert (row["id"], row["response_text"], row["finish_reason"]) == (
        create.id,
        "Your card is cancelled.",
        "completed",
    )
    assert (row["prompt_tokens"], row["completion_tokens"], row["total_tokens"]) == (9, 4, 13)
    assert row["response"]["status"] == "completed"
    assert row["request"] == create.request


async def test_the_create_and_its_answer_in_one_batch_are_stored_in_order(make_writer, store):
    writer = make_writer(store)
    create = create_call()

    [row] = await _stored(writer, store, create, later_answer(_response("completed", "Done.")))

    assert (row["response_text"], row["finish_reason"]) == ("Done.", "completed")


async def test_an_answer_still_under_way_changes_nothing(make_writer, store):
    writer = make_writer(store)
    create = create_call()
    [before] = await _stored(writer, store, create)

    await _stored(writer, store, later_answer(_response("in_progress")))

    assert await store.get(create.id) == before


async def test_an_answer_for_a_response_never_recorded_changes_nothing(make_writer, store, engine):
    writer = make_writer(store)
    [before] = await _stored(writer, store, create_call())
    other = _response("completed", "Someone else's answer.", response_id="resp_never_recorded")

    writer.submit(later_answer(other, response_id="resp_never_recorded"))
    await writer.flush()

    assert await stored_count(engine) == 1
    assert await store.get(before["id"]) == before


async def test_another_apps_look_at_the_response_changes_nothing(make_writer, store):
    writer = make_writer(store)
    [before] = await _stored(writer, store, create_call(app="support-bot"))

    [after] = await _stored(
        writer, store, create_call(app="other-bot", response=_response("queued", response_id="resp_x"))
    )
    writer.submit(later_answer(_response("completed", "Not yours."), app="other-bot"))
    await writer.flush()

    assert await store.get(before["id"]) == before
    assert after["response_text"] is None


async def test_an_interaction_whose_answer_had_ended_is_not_rewritten(make_writer, store):
    writer = make_writer(store)
    [before] = await _stored(writer, store, create_call(response=_response("completed", "First answer.")))

    await _stored(writer, store, later_answer(_response("completed", "Another answer.")))

    assert await store.get(before["id"]) == before


async def test_a_cancel_records_that_the_response_was_cancelled(make_writer, store):
    writer = make_writer(store)
    create = create_call()
    await _stored(writer, store, create)

    await _stored(writer, store, later_answer(_response("cancelled")))

    row = await store.get(create.id)
    assert (row["finish_reason"], row["response_text"], row["response"]["status"]) == ("cancelled", None, "cancelled")


async def test_a_failed_response_records_its_error(make_writer, store):
    writer = make_writer(store)
    create = create_call()
    await _stored(writer, store, create)
    failed = {**_response("failed"), "error": {"code": "server_error", "message": "The model crashed."}}

    await _stored(writer, store, later_answer(failed))

    row = await store.get(create.id)
    assert (row["finish_reason"], row["error"]) == ("failed", "The model crashed.")


async def test_a_streamed_look_at_the_response_fills_it_from_its_final_event(make_writer, store):
    writer = make_writer(store)
    create = create_call()
    await _stored(writer, store, create)
    final = _response("completed", "Streamed answer.")
    events = [
        {"type": "response.in_progress", "response": _response("in_progress")},
        {"type": "response.completed", "response": final},
    ]
    body = b"".join(b"event: " + e["type"].encode() + b"\ndata: " + orjson.dumps(e) + b"\n\n" for e in events)

    await _stored(writer, store, later_answer(body, content_type="text/event-stream"))

    row = await store.get(create.id)
    assert (row["response_text"], row["finish_reason"], row["partial"]) == ("Streamed answer.", "completed", False)


async def test_the_filled_interaction_is_listed_again_for_those_following_stored_order(make_writer, store, engine):
    writer = make_writer(store)
    create = create_call()
    await _stored(writer, store, create)
    before = await _stored_seq(engine, create.id)

    await _stored(writer, store, create_call(response=_response("queued", response_id="resp_later")))
    await _stored(writer, store, later_answer(_response("completed", "Done.")))

    assert await _stored_seq(engine, create.id) > before + 1


async def test_the_filled_interactions_day_is_counted_again(make_writer, store, engine):
    writer = make_writer(store)
    await _stored(writer, store, create_call())
    async with engine.begin() as connection:
        await connection.execute(daily_stats_stale.delete())

    await _stored(writer, store, later_answer(_response("completed", "Done.")))

    async with engine.connect() as connection:
        marked = (await connection.execute(select(daily_stats_stale.c.app))).scalars().all()
    assert marked == ["support-bot"]


async def test_the_later_answer_is_redacted_as_any_answer_is(make_writer, store):
    writer = make_writer(store, redactor=Redactor(list(BUILT_IN_RULES)))
    create = create_call()
    await _stored(writer, store, create)

    await _stored(writer, store, later_answer(_response("completed", "Write to jane.doe@example.com.")))

    row = await store.get(create.id)
    assert "jane.doe@example.com" not in row["response_text"]
    assert row["redactions"] == {"email": 1}


async def test_an_answer_fetched_while_the_database_is_away_fills_the_interaction_on_replay(make_writer, sink, store):
    writer = make_writer(sink)
    create = create_call()
    await _stored(writer, store, create)
    sink.down = True

    writer.submit(later_answer(_response("completed", "Done while away.")))
    await writer.flush()
    assert writer.spooled == 1
    sink.down = False
    await eventually(lambda: not writer.spooling)

    row = await store.get(create.id)
    assert (row["response_text"], row["finish_reason"]) == ("Done while away.", "completed")


async def _stored_seq(engine, interaction_id: str) -> int:
    async with engine.connect() as connection:
        query = select(interactions.c.stored_seq).where(interactions.c.id == interaction_id)
        return (await connection.execute(query)).scalar_one()
