"""`POST /api/prompts` with an Idempotency-Key on both databases: a retry or a double send publishes one version."""

from __future__ import annotations

import asyncio

import pytest

NEW = {"app": "bot", "text": "Be brief.", "message": "first", "active": True}


async def numbers(client, admin_headers) -> list[int]:
    response = await client.get("/api/prompts", params={"app": "bot"}, headers=admin_headers)
    return [version["number"] for version in response.json()["versions"]]


@pytest.fixture
def keyed(admin_headers) -> dict[str, str]:
    return {**admin_headers, "idempotency-key": "publish-brief-1"}


async def test_a_retry_under_the_same_key_answers_the_first_version(client, admin_headers, keyed):
    first = await client.post("/api/prompts", json=NEW, headers=keyed)
    again = await client.post("/api/prompts", json=NEW, headers=keyed)

    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"] and again.json()["state"] == "active"
    assert await numbers(client, admin_headers) == [1]


async def test_sends_at_once_under_one_key_publish_one_version(client, admin_headers, keyed):
    answers = await asyncio.gather(*(client.post("/api/prompts", json=NEW, headers=keyed) for _ in range(4)))

    assert sorted(answer.status_code for answer in answers) == [200, 200, 200, 201]
    assert await numbers(client, admin_headers) == [1]


async def test_the_key_with_another_body_is_a_422_naming_what_differs(client, admin_headers, keyed):
    assert (await client.post("/api/prompts", json=NEW, headers=keyed)).status_code == 201

    other = await client.post("/api/prompts", json={**NEW, "text": "Be briefer."}, headers=keyed)

    assert other.status_code == 422, other.text
    assert "Idempotency-Key" in other.json()["detail"] and "text" in other.json()["detail"]
    assert await numbers(client, admin_headers) == [1]


async def test_one_key_serves_a_knowledge_entry_and_a_version_apart(client, admin_headers, keyed):
    entry = {"app": "bot", "title": "Fees", "content": "1%."}
    assert (await client.post("/api/kb", json=entry, headers=keyed)).status_code == 201
    assert (await client.post("/api/prompts", json=NEW, headers=keyed)).status_code == 201

    assert await numbers(client, admin_headers) == [1]
