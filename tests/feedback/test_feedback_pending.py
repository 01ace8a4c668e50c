"""A miss waits for the batched writer only when the interaction may still be buffered, and hurries it rarely.

In pass-through mode any bearer string is an app, so a 404 must not cost a flush per request.
"""

from __future__ import annotations

import asyncio
import uuid

import httpx
import uuid_utils
from feedback_helpers import APP_KEY

from gateway.app import FeedgateApp

# The writer would store buffered interactions only in an hour: only a flush stores them sooner.
NEVER = 3600.0
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def count_flushes(app: FeedgateApp) -> list[None]:
    """Record every flush of the app's writer from now on."""
    writer = app.services.writer
    flushes: list[None] = []
    flush = writer.flush

    async def counted() -> None:
        flushes.append(None)
        await flush()

    writer.flush = counted  # type: ignore[method-assign]
    return flushes


async def buffered_answer(app: FeedgateApp, http: httpx.AsyncClient) -> str:
    """The id of a fresh answer that the writer still holds."""
    answered = await http.post("/v1/chat/completions", json=CHAT, headers={"authorization": f"Bearer {APP_KEY}"})
    interaction_id = answered.headers["x-feedgate-interaction-id"]
    assert await app.services.interactions.get(interaction_id) is None
    return interaction_id


async def feedback_on(http: httpx.AsyncClient, interaction_id: str, key: str = "any string at all") -> httpx.Response:
    return await http.post(
        "/v1/feedback",
        json={"interaction_id": interaction_id, "thumbs": "up"},
        headers={"authorization": f"Bearer {key}"},
    )


async def test_feedback_on_a_random_id_is_a_404_without_a_flush(gateway_with, admin_headers):
    async with gateway_with(writer_flush_interval=NEVER) as (app, http):
        flushes = count_flushes(app)
        pending = await buffered_answer(app, http)

        by_feedback = await feedback_on(http, str(uuid.uuid4()))
        by_admin = await http.get(f"/api/interactions/{uuid.uuid4()}", headers=admin_headers)
        still_buffered = await app.services.interactions.get(pending) is None

    assert (by_feedback.status_code, by_admin.status_code) == (404, 404)
    assert flushes == []
    assert still_buffered


async def test_an_unknown_recent_gateway_id_flushes_the_writer(gateway_with):
    async with gateway_with(writer_flush_interval=NEVER) as (app, http):
        flushes = count_flushes(app)
        pending = await buffered_answer(app, http)

        response = await feedback_on(http, str(uuid_utils.uuid7()))
        stored = await app.services.interactions.get(pending) is not None

    assert response.status_code == 404
    assert len(flushes) == 1
    assert stored


async def test_many_rapid_misses_flush_once(gateway_with, admin_headers):
    async with gateway_with(writer_flush_interval=NEVER) as (app, http):
        flushes = count_flushes(app)
        await buffered_answer(app, http)

        responses = await asyncio.gather(
            *(feedback_on(http, str(uuid_utils.uuid7())) for _ in range(15)),
            *(feedback_on(http, f"chatcmpl-{n}") for n in range(15)),
            *(http.get(f"/api/interactions/{uuid_utils.uuid7()}", headers=admin_headers) for _ in range(10)),
        )

    assert {response.status_code for response in responses} == {404}
    assert len(flushes) == 1


async def test_feedback_by_the_upstream_id_right_after_the_answer_is_stored(gateway_with):
    async with gateway_with(writer_flush_interval=NEVER) as (_, http):
        answered = await http.post("/v1/chat/completions", json=CHAT, headers={"authorization": f"Bearer {APP_KEY}"})
        response = await feedback_on(http, answered.json()["id"], key=APP_KEY)

    assert response.status_code == 201
    assert response.json()["interaction_id"] == answered.headers["x-feedgate-interaction-id"]
