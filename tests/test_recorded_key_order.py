"""What a stored request or metadata object keeps of how it was written: its values on both databases,
its key order on SQLite only (PostgreSQL's JSONB orders keys by length, then bytes), and no duplicate key.

JSON objects are unordered (RFC 8259), and every reader of the stored rows reads values. Keeping each
body's text as sent beside its JSONB as well would double what the largest table stores, so
docs/recording.md says what export gives back instead ("What is recorded"), and this checks that it holds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
import respx

from gateway.app import FeedgateApp
from gateway.config import Settings

UPSTREAM = "http://llm.test/v1"
AUTH = {"authorization": "Bearer sk-app-one", "content-type": "application/json"}
COMPLETION = {
    "id": "chatcmpl-1",
    "object": "chat.completion",
    "created": 1_741_569_952,
    "model": "gpt-4o-mini",
    "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Hello."}}],
}
# A schema whose properties are not in JSONB's order: a structured answer's keys follow the schema's.
SCHEMA = {"type": "object", "properties": {"reasoning": {"type": "string"}, "answer": {"type": "string"}}}
REQUEST = {
    "model": "gpt-4o-mini",
    "messages": [{"role": "user", "content": "hi"}],
    "response_format": {"type": "json_schema", "json_schema": {"name": "reply", "schema": SCHEMA}},
}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The gateway's default upstream is the respx one."""
    return settings.model_copy(update={"upstream_url": UPSTREAM, "upstream_http_client": "httpx"})


@pytest.fixture
def upstream() -> Iterator[respx.MockRouter]:
    with respx.mock(base_url=UPSTREAM, assert_all_called=False) as router:
        router.post("/chat/completions").mock(return_value=httpx.Response(200, json=COMPLETION))
        yield router


async def stored(gateway: FeedgateApp, response: httpx.Response) -> dict:
    assert response.status_code == 200, response.text
    await gateway.services.writer.flush()
    row = await gateway.services.interactions.get(response.headers["x-feedgate-interaction-id"])
    assert row is not None
    return row


def jsonb_order(keys: list[str]) -> list[str]:
    """How PostgreSQL's JSONB orders an object's keys: shorter first, then by their UTF-8 bytes."""
    return sorted(keys, key=lambda key: (len(key.encode()), key.encode()))


async def test_stored_values_are_as_sent_and_key_order_is_kept_on_sqlite_only(gateway, client, upstream, database_url):
    metadata = '{"zone": "eu", "customer_tier": "gold", "ab": 1}'
    headers = {**AUTH, "x-feedgate-metadata": metadata}

    row = await stored(gateway, await client.post("/v1/chat/completions", content=json.dumps(REQUEST), headers=headers))

    assert row["request"] == REQUEST
    assert row["metadata"] == json.loads(metadata)
    properties = list(row["request"]["response_format"]["json_schema"]["schema"]["properties"])
    sent = ["reasoning", "answer"]
    assert properties == (sent if database_url.startswith("sqlite") else jsonb_order(sent))
    metadata_keys = ["zone", "customer_tier", "ab"]
    assert list(row["metadata"]) == (metadata_keys if database_url.startswith("sqlite") else jsonb_order(metadata_keys))


async def test_a_duplicate_key_keeps_its_last_value_on_both_databases(gateway, client, upstream):
    body = '{"model": "gpt-4o-mini", "temperature": 0.1, "messages": [], "temperature": 0.7}'
    headers = {**AUTH, "x-feedgate-metadata": '{"run": 1, "run": 2}'}

    row = await stored(gateway, await client.post("/v1/chat/completions", content=body, headers=headers))

    # The proxy parses each body once (the last of a key's values wins), before either database sees it.
    assert row["request"]["temperature"] == 0.7
    assert row["metadata"] == {"run": 2}
