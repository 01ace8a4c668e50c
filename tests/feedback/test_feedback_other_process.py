"""A token post for an answer another gateway process gave waits (bounded) for that process's writer."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import uuid_utils

from gateway.feedback.token import FeedbackTokens
from gateway.store.interactions import InteractionStore
from gateway.store.secrets import get_or_create_secret


async def test_feedback_on_an_answer_another_process_has_not_stored_yet_is_accepted(client, gateway, admin_headers):
    engine = gateway.services.engine
    # What another process sharing the database does: sign the token at once, store the row later.
    tokens = FeedbackTokens(await get_or_create_secret(engine, "feedback_secret"), ttl_seconds=3600)
    interaction_id = str(uuid_utils.uuid7())
    row = {
        "id": interaction_id, "created_at": datetime.now(UTC), "app": "support-bot", "endpoint": "chat.completions",
        "upstream": "default", "model": "gpt-test", "stream": False, "partial": False, "status_code": 200,
    }  # fmt: skip

    async def the_other_writer() -> None:
        await asyncio.sleep(0.4)
        await InteractionStore(engine).insert_many([row])

    stored_later = asyncio.create_task(the_other_writer())
    response = await client.post(
        "/v1/feedback",
        json={"interaction_id": interaction_id, "thumbs": "down"},
        headers={"x-feedgate-feedback-token": tokens.sign(interaction_id)},
    )
    await stored_later

    assert response.status_code in (200, 201), response.text
    stored = (await client.get(f"/api/interactions/{interaction_id}", headers=admin_headers)).json()
    [event] = stored["feedback"]["events"]
    assert event["thumbs"] == "down"
