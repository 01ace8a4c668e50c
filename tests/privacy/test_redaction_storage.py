"""With redaction on, what is stored is redacted and says which rules fired; the upstream and the client see the original."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
import uuid_utils
from asgi_lifespan import LifespanManager

from gateway.app import FeedgateApp, create_app
from gateway.config import Settings
from gateway.config_entries import RedactionPattern
from gateway.privacy.redaction import redactor_for
from gateway.recording.exchange import Exchange
from gateway.recording.spool import Spool
from gateway.recording.writer import InteractionWriter
from gateway.store.feedback import FeedbackStore

AUTH = {"authorization": "Bearer sk-app-one"}
QUESTION = "I am alice@example.com, card 4111 1111 1111 1111, ticket TCK-20481"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": QUESTION}]}
CUSTOM = [RedactionPattern(name="ticket", pattern=r"TCK-\d{4,}")]


@pytest.fixture
async def redacting(settings: Settings) -> AsyncIterator[tuple[FeedgateApp, httpx.AsyncClient]]:
    """The gateway with redaction on and one custom rule."""
    app = create_app(settings.model_copy(update={"redaction": True, "redaction_rules": CUSTOM}), environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gateway.test") as http,
    ):
        yield app, http


async def call(
    app: FeedgateApp, http: httpx.AsyncClient, headers: dict[str, str] | None = None
) -> tuple[httpx.Response, dict[str, Any]]:
    response = await http.post("/v1/chat/completions", json=CHAT, headers={**AUTH, **(headers or {})})
    assert response.status_code == 200, response.text
    await app.services.writer.flush()
    row = await app.services.interactions.get(response.headers["x-feedgate-interaction-id"])
    assert row is not None
    return response, row


async def test_the_stored_request_is_redacted(redacting):
    _, row = await call(*redacting)

    assert row["request"]["messages"][0]["content"] == (
        "I am [redacted:email], card [redacted:card], ticket [redacted:ticket]"
    )


async def test_the_stored_answer_is_redacted(redacting):
    _, row = await call(*redacting)

    assert row["response_text"] == "Echo: I am [redacted:email], card [redacted:card], ticket [redacted:ticket]"
    assert row["response"]["choices"][0]["message"]["content"] == row["response_text"]


async def test_the_upstream_received_the_original_request(redacting, fake_upstream):
    await call(*redacting)

    assert fake_upstream.app.requests[-1].json()["messages"][0]["content"] == QUESTION


async def test_the_client_received_the_original_answer(redacting):
    response, _ = await call(*redacting)

    assert response.json()["choices"][0]["message"]["content"] == f"Echo: {QUESTION}"


async def test_the_stored_metadata_is_redacted(redacting):
    _, row = await call(*redacting, headers={"x-feedgate-metadata": '{"contact": "+44 20 7946 0958", "plan": "gold"}'})

    assert row["metadata"] == {"contact": "[redacted:phone]", "plan": "gold"}


async def test_the_interaction_lists_the_rules_that_fired(redacting):
    _, row = await call(*redacting)

    # Once each in the request and in the answer (its text, a copy of part of the answer, is not counted again).
    assert row["redactions"] == {"card": 2, "email": 2, "ticket": 2}


async def test_feedback_text_and_metadata_are_stored_redacted_with_the_rules_noted(redacting):
    app, http = redacting
    response, _ = await call(app, http)
    interaction_id = response.headers["x-feedgate-interaction-id"]

    posted = await http.post(
        "/v1/feedback",
        json={
            "interaction_id": interaction_id,
            "thumbs": "down",
            "comment": "call me on 415-555-2671",
            "correction": "use key sk-proj-Abc123def456GHI789jkl012mno",
            "metadata": {"reply_to": "bob@example.com"},
        },
        headers=AUTH,
    )

    assert posted.status_code in (200, 201), posted.text
    [stored] = await FeedbackStore(app.services.engine).for_interaction(interaction_id)
    assert (stored["comment"], stored["correction"], stored["metadata"]) == (
        "call me on [redacted:phone]",
        "use key [redacted:api_key]",
        {"reply_to": "[redacted:email]"},
    )
    assert stored["redactions"] == {"api_key": 1, "email": 1, "phone": 1}


async def test_a_retry_of_redacted_feedback_under_its_idempotency_key_is_the_same_post(redacting):
    app, http = redacting
    response, _ = await call(app, http)
    body = {
        "interaction_id": response.headers["x-feedgate-interaction-id"],
        "thumbs": "down",
        "comment": "call me on 415-555-2671",
        "metadata": {"reply_to": "bob@example.com"},
        "idempotency_key": "click-1",
    }
    first = await http.post("/v1/feedback", json=body, headers=AUTH)

    again = await http.post("/v1/feedback", json=body, headers=AUTH)

    # Compared as stored (redacted), so the retry is recognised, not refused as a different post.
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]


async def test_the_interactions_api_says_which_rules_fired_on_the_call_and_on_its_feedback(redacting, admin_headers):
    app, http = redacting
    response, _ = await call(app, http)
    interaction_id = response.headers["x-feedgate-interaction-id"]
    feedback = {"interaction_id": interaction_id, "thumbs": "down", "comment": "mail bob@example.com"}
    assert (await http.post("/v1/feedback", json=feedback, headers=AUTH)).status_code in (200, 201)

    found = await http.get(f"/api/interactions/{interaction_id}", headers=admin_headers)

    assert found.status_code == 200, found.text
    assert found.json()["redactions"] == {"card": 2, "email": 2, "ticket": 2}
    assert [event["redactions"] for event in found.json()["feedback"]["events"]] == [{"email": 1}]


async def test_with_redaction_off_the_request_and_answer_are_stored_untouched(client, gateway):
    response = await client.post("/v1/chat/completions", json=CHAT, headers=AUTH)
    await gateway.services.writer.flush()
    row = await gateway.services.interactions.get(response.headers["x-feedgate-interaction-id"])

    assert row is not None
    assert row["request"] == CHAT
    assert row["response_text"] == f"Echo: {QUESTION}"
    assert row["redactions"] is None


def echoed_exchange(question: str) -> Exchange:
    """A chat call whose answer repeats the question, as the proxy captures it."""
    answer = {
        "id": "chatcmpl-1",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": f"Echo: {question}"}}],
    }
    return Exchange(
        id=str(uuid_utils.uuid7()),
        created_at=datetime.now(UTC),
        app="support-bot",
        endpoint="chat.completions",
        upstream="default",
        request={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": question}]},
        status_code=200,
        content_type="application/json",
        body_chunks=[orjson.dumps(answer)],
    )


class Unreachable:
    """A database that is down: every insert fails as a lost connection does."""

    async def insert_many(self, rows: list[dict[str, Any]]) -> None:
        raise ConnectionRefusedError("database down")


async def test_rows_are_redacted_before_they_reach_the_spool(tmp_path):
    spool = Spool(tmp_path / "spool.jsonl")
    writer = InteractionWriter(
        Unreachable(), spool, flush_interval=0.01, redactor=redactor_for(Settings(redaction=True))
    )
    writer.start()
    writer.submit(echoed_exchange(QUESTION))
    await writer.close()

    spooled = spool.path.read_bytes()
    assert b"alice@example.com" not in spooled and b"4111 1111 1111 1111" not in spooled
    [row] = [row for batch in spool.read_batches(10) for row in batch]
    assert orjson.loads(orjson.dumps(row["redactions"])) == {"card": 2, "email": 2}
