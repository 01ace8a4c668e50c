"""`POST /api/kb` with an Idempotency-Key on both databases: a retry or a double send makes one entry."""

from __future__ import annotations

import asyncio

import pytest

NEW = {"app": "bank", "title": "Foreign transfer fees", "content": "Transfers abroad cost 1%.", "tags": ["fees"]}


async def titles(client, admin_headers) -> list[str]:
    response = await client.get("/api/kb", headers=admin_headers)
    return [entry["title"] for entry in response.json()["data"]]


@pytest.fixture
def keyed(admin_headers) -> dict[str, str]:
    return {**admin_headers, "idempotency-key": "3f1c2a9e-create-fees"}


async def test_a_retry_under_the_same_key_answers_the_first_entry(client, admin_headers, keyed, gateway_embedder):
    first = await client.post("/api/kb", json=NEW, headers=keyed)
    again = await client.post("/api/kb", json=NEW, headers=keyed)

    assert first.status_code == 201, first.text
    assert again.status_code == 200, again.text
    assert again.json()["id"] == first.json()["id"]
    assert await titles(client, admin_headers) == ["Foreign transfer fees"]


async def test_sends_at_once_under_one_key_make_one_entry(client, admin_headers, keyed, gateway_embedder):
    answers = await asyncio.gather(*(client.post("/api/kb", json=NEW, headers=keyed) for _ in range(4)))

    assert sorted(answer.status_code for answer in answers) == [200, 200, 200, 201]
    assert len({answer.json()["id"] for answer in answers}) == 1
    assert await titles(client, admin_headers) == ["Foreign transfer fees"]


async def test_the_key_with_another_body_is_a_422_naming_what_differs(client, admin_headers, keyed, gateway_embedder):
    assert (await client.post("/api/kb", json=NEW, headers=keyed)).status_code == 201

    other = await client.post("/api/kb", json={**NEW, "content": "Transfers abroad cost 2%."}, headers=keyed)

    assert other.status_code == 422, other.text
    assert "Idempotency-Key" in other.json()["detail"] and "content" in other.json()["detail"]
    assert await titles(client, admin_headers) == ["Foreign transfer fees"]


async def test_without_a_key_each_post_makes_an_entry(client, admin_headers, gateway_embedder):
    for _ in range(2):
        assert (await client.post("/api/kb", json=NEW, headers=admin_headers)).status_code == 201

    assert await titles(client, admin_headers) == ["Foreign transfer fees", "Foreign transfer fees"]


async def test_a_key_that_is_not_visible_ascii_is_a_400_naming_the_header(client, admin_headers):
    response = await client.post("/api/kb", json=NEW, headers={**admin_headers, "idempotency-key": "x" * 256})

    assert response.status_code == 400, response.text
    assert "Idempotency-Key" in response.json()["detail"]
