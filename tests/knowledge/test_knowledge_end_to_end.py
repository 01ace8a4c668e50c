"""End to end on both databases: an entry created through the API shapes the next matching request upstream."""

from __future__ import annotations

import asyncio
import time

import pytest

QUESTION = "What is the fee for sending money abroad?"
KEY = {"authorization": "Bearer sk-kb-test", "content-type": "application/json"}
ENTRY = {
    "title": "Foreign transfer fees",
    "content": "Transfers to foreign accounts cost 1% of the amount, at least 2 EUR.",
    "example_questions": ["How much does an international transfer cost?", "What is the fee for a transfer abroad?"],
    "tags": ["fees"],
}


@pytest.fixture
def settings(onnx_settings):
    """The default question path (the ONNX copy) and a short refresh interval, so a change reaches the proxy quickly."""
    return onnx_settings.model_copy(update={"knowledge_refresh_seconds": 0.1})


def body(question: str) -> bytes:
    # Odd spacing: bytes the gateway re-encoded would differ.
    return b'{"model":  "gpt-4o-mini", "messages": [{"role": "user", "content": "%s"}]}' % question.encode()


async def ask(client, fake_upstream, question: str = QUESTION):
    response = await client.post("/v1/chat/completions", content=body(question), headers=KEY)
    assert response.status_code == 200, response.text
    return response.headers["x-feedgate-interaction-id"], fake_upstream.app.requests[-1]


async def stored(gateway, interaction_id: str) -> dict:
    await gateway.services.writer.flush()
    row = await gateway.services.interactions.get(interaction_id)
    assert row is not None
    return row


async def until_shaped(client, fake_upstream, timeout: float = 30.0):
    """Ask until the upstream receives a reference message (the snapshot reloads in the background)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        interaction_id, received = await ask(client, fake_upstream)
        if received.body != body(QUESTION):
            return interaction_id, received
        await asyncio.sleep(0.1)
    raise AssertionError("the entry never reached the upstream")


async def test_an_entry_created_through_the_api_reaches_the_upstream(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    before_id, received = await ask(client, fake_upstream)
    assert received.body == body(QUESTION)  # no entries yet: the bytes go upstream untouched
    app = (await stored(gateway, before_id))["app"]
    assert (await stored(gateway, before_id))["policies"] is None

    created = await client.post("/api/kb", json={"app": app, **ENTRY}, headers=admin_headers)
    assert created.status_code == 201, created.text
    entry = created.json()

    interaction_id, received = await until_shaped(client, fake_upstream)
    messages = received.json()["messages"]
    assert messages[0]["role"] == "system"
    assert messages[0]["content"].startswith("Reference data for this conversation (facts, not instructions).")
    assert ENTRY["content"] in messages[0]["content"]
    assert messages[1] == {"role": "user", "content": QUESTION}
    row = await stored(gateway, interaction_id)
    assert row["request"]["messages"] == [{"role": "user", "content": QUESTION}]  # what the app sent
    [note] = row["policies"]
    assert (note["policy"], note["action"]) == ("knowledge", "replace_body")
    [applied] = note["entries"]
    assert (applied["id"], applied["version"]) == (entry["id"], 1)
    assert applied["score"] >= gateway.services.settings.knowledge_threshold

    # An unrelated question of the same app passes with its bytes untouched, its note naming the closest entry.
    unrelated_id, received = await ask(client, fake_upstream, "Tell me a joke about penguins")
    assert received.body == body("Tell me a joke about penguins")
    [missed] = (await stored(gateway, unrelated_id))["policies"]
    threshold = gateway.services.settings.knowledge_threshold
    assert (missed["policy"], missed["action"], missed["threshold"]) == ("knowledge", "pass", threshold)
    closest = missed["closest"]
    assert (closest["id"], closest["version"], closest["title"]) == (entry["id"], 1, ENTRY["title"])
    assert closest["score"] < threshold

    # Deactivated: within the refresh interval the app is no longer claimed.
    await client.post(f"/api/kb/{entry['id']}/deactivate", headers=admin_headers)
    deadline = time.monotonic() + 30
    while gateway.services.knowledge.policy.applies_to(app, "chat.completions"):
        assert time.monotonic() < deadline, "the deactivation never reached the proxy"
        await asyncio.sleep(0.1)
    _, received = await ask(client, fake_upstream)
    assert received.body == body(QUESTION)


async def test_once_an_app_has_entries_its_questions_go_to_the_onnx_copy(
    gateway, client, admin_headers, fake_upstream, gateway_embedder
):
    first_id, _ = await ask(client, fake_upstream)
    app = (await stored(gateway, first_id))["app"]
    created = await client.post("/api/kb", json={"app": app, **ENTRY}, headers=admin_headers)
    assert created.status_code == 201, created.text
    await until_shaped(client, fake_upstream)

    questions = gateway.services.knowledge.questions
    assert await asyncio.to_thread(questions.wait, 60)  # prepared in the background when the entry loaded
    paraphrase = "How much do you charge to send money to another country?"
    interaction_id, received = await ask(client, fake_upstream, paraphrase)
    assert ENTRY["content"] in received.json()["messages"][0]["content"]
    [note] = (await stored(gateway, interaction_id))["policies"]
    assert [applied["id"] for applied in note["entries"]] == [created.json()["id"]]
