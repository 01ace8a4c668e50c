"""The proxy forwards every /v1 call untouched and records the ones that are interactions."""

from __future__ import annotations

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import FeedgateApp, create_app
from gateway.config import Settings

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Where is my card?"}]}
AUTH = {"authorization": "Bearer sk-app-one"}


@pytest.fixture(params=["aiohttp", "httpx"])
def settings(settings: Settings, request: pytest.FixtureRequest) -> Settings:
    """Every proxy behaviour holds with either upstream client."""
    return settings.model_copy(update={"upstream_http_client": request.param})


async def stored(gateway: FeedgateApp, interaction_id: str) -> dict:
    await gateway.services.writer.flush()
    row = await gateway.services.interactions.get(interaction_id)
    assert row is not None, f"interaction {interaction_id} was not stored"
    return row


async def test_answer_comes_back_unchanged_with_an_interaction_id(client, fake_upstream):
    response = await client.post("/v1/chat/completions", json=CHAT, headers=AUTH)

    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "Echo: Where is my card?"
    assert response.headers["x-request-id"].startswith("req_")
    assert len(response.headers["x-feedgate-interaction-id"]) == 36


async def test_request_reaches_the_upstream_byte_for_byte(client, fake_upstream):
    body = b'{"model": "gpt-4o-mini",   "messages": [{"role": "user", "content": "spaced"}]}'
    await client.post(
        "/v1/chat/completions?trace=1",
        content=body,
        headers={**AUTH, "content-type": "application/json", "openai-organization": "org-1"},
    )

    received = fake_upstream.app.requests[-1]
    assert received.body == body
    assert received.query_string == "trace=1"
    assert received.headers["authorization"] == "Bearer sk-app-one"
    assert received.headers["openai-organization"] == "org-1"


async def test_a_query_in_the_upstream_url_goes_with_every_call_after_its_path(settings, fake_upstream):
    settings = settings.model_copy(update={"upstream_url": f"{fake_upstream.url}?api-version=preview"})
    app = create_app(settings, environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        response = await http.post("/v1/chat/completions?trace=1", json=CHAT, headers=AUTH)

    assert response.status_code == 200
    received = fake_upstream.app.requests[-1]
    assert received.path == "/v1/chat/completions"
    assert received.query_string == "api-version=preview&trace=1"


async def test_gateway_headers_and_hop_by_hop_headers_are_not_forwarded(client, fake_upstream):
    headers = {**AUTH, "x-feedgate-user": "u-1", "x-feedgate-metadata": "{}", "te": "trailers"}
    await client.post("/v1/chat/completions", json=CHAT, headers=headers)

    received = fake_upstream.app.requests[-1].headers
    assert not any(name.startswith("x-feedgate-") for name in received)
    assert "te" not in received


async def test_chat_completion_is_recorded(gateway, client, fake_upstream):
    headers = {**AUTH, "x-feedgate-user": "user-7", "x-feedgate-metadata": '{"feature": "cards"}'}
    response = await client.post("/v1/chat/completions", json=CHAT, headers=headers)

    row = await stored(gateway, response.headers["x-feedgate-interaction-id"])
    assert row["endpoint"] == "chat.completions"
    assert row["model"] == "gpt-4o-mini"
    assert row["request"] == CHAT
    assert row["response_text"] == "Echo: Where is my card?"
    assert row["upstream_response_id"] == response.json()["id"]
    assert row["finish_reason"] == "stop"
    assert row["total_tokens"] == response.json()["usage"]["total_tokens"]
    assert row["end_user"] == "user-7"
    assert row["metadata"] == {"feature": "cards"}
    assert row["status_code"] == 200 and row["partial"] is False
    assert row["latency_ms"] > 0 and row["ttfb_ms"] > 0


async def test_app_is_a_salted_fingerprint_never_the_key(gateway, client, fake_upstream):
    first = await client.post("/v1/chat/completions", json=CHAT, headers=AUTH)
    other = await client.post("/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer sk-app-two"})

    one = await stored(gateway, first.headers["x-feedgate-interaction-id"])
    two = await stored(gateway, other.headers["x-feedgate-interaction-id"])
    assert one["app"].startswith("key-") and two["app"].startswith("key-")
    assert one["app"] != two["app"]
    assert "sk-app-one" not in repr(one)


async def test_end_user_falls_back_to_the_request_user_field(gateway, client, fake_upstream):
    response = await client.post("/v1/chat/completions", json={**CHAT, "user": "from-body"}, headers=AUTH)

    assert (await stored(gateway, response.headers["x-feedgate-interaction-id"]))["end_user"] == "from-body"


async def test_upstream_errors_pass_through_and_are_recorded(gateway, client, fake_upstream):
    response = await client.post("/v1/chat/completions", json={**CHAT, "model": "error-429"}, headers=AUTH)

    assert response.status_code == 429
    assert response.json()["error"]["code"] == "rate_limit_exceeded"
    row = await stored(gateway, response.headers["x-feedgate-interaction-id"])
    assert row["status_code"] == 429
    assert row["error"]


async def test_embeddings_are_recorded_without_their_vectors(gateway, client, fake_upstream):
    body = {"model": "text-embedding-3-small", "input": ["a", "b"]}
    response = await client.post("/v1/embeddings", json=body, headers=AUTH)

    assert len(response.json()["data"][0]["embedding"]) == 8
    row = await stored(gateway, response.headers["x-feedgate-interaction-id"])
    assert row["endpoint"] == "embeddings"
    assert row["response"]["data"][0]["embedding"] == "<8 floats>"


async def test_other_endpoints_are_forwarded_but_not_recorded(gateway, client, fake_upstream):
    response = await client.get("/v1/models", headers=AUTH)

    assert response.status_code == 200
    assert response.json()["object"] == "list"
    # Not recorded, so the answer promises no interaction to look up and no feedback to give.
    assert "x-feedgate-interaction-id" not in response.headers
    assert "x-feedgate-feedback-token" not in response.headers


async def test_multipart_upload_passes_through_untouched(client, fake_upstream):
    audio = bytes(range(256)) * 40
    response = await client.post(
        "/v1/audio/transcriptions",
        files={"file": ("clip.wav", audio, "audio/wav")},
        data={"model": "whisper-1"},
        headers=AUTH,
    )

    assert response.json() == {"text": f"{len(audio)} bytes received"}
    received = fake_upstream.app.requests[-1]
    assert audio in received.body
    assert received.headers["content-type"] == response.request.headers["content-type"]


async def test_body_over_the_limit_is_refused_with_413(settings, fake_upstream):
    app = create_app(settings.model_copy(update={"max_request_bytes": 1000}), environ={})
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as http:
            big = {**CHAT, "messages": [{"role": "user", "content": "x" * 2000}]}
            response = await http.post("/v1/chat/completions", json=big, headers=AUTH)

    assert response.status_code == 413
    assert "1000 bytes" in response.json()["error"]["message"]
    assert fake_upstream.app.requests == []


async def test_metadata_header_that_is_not_a_json_object_is_refused(client, fake_upstream):
    response = await client.post("/v1/chat/completions", json=CHAT, headers={**AUTH, "x-feedgate-metadata": "[1, 2]"})

    assert response.status_code == 400
    assert "x-feedgate-metadata" in response.json()["error"]["message"]
    assert fake_upstream.app.requests == []


@pytest.mark.parametrize("header", ["", "  ", "null"])
async def test_an_empty_or_null_metadata_header_is_no_metadata(gateway, client, fake_upstream, header):
    response = await client.post("/v1/chat/completions", json=CHAT, headers={**AUTH, "x-feedgate-metadata": header})

    assert response.status_code == 200
    row = await stored(gateway, response.headers["x-feedgate-interaction-id"])
    assert row["metadata"] is None


async def test_unparsable_json_is_forwarded_for_the_upstream_to_judge(gateway, client, fake_upstream):
    response = await client.post(
        "/v1/chat/completions", content=b"{not json", headers={**AUTH, "content-type": "application/json"}
    )

    assert response.status_code == 400  # the upstream's verdict, passed through
    row = await stored(gateway, response.headers["x-feedgate-interaction-id"])
    assert row["request"] is None and row["status_code"] == 400


@pytest.mark.parametrize("path", ["/v1/feedback-not-a-route", "/v1/files"])
async def test_unknown_paths_get_the_upstreams_own_404(client, fake_upstream, path):
    response = await client.post(path, json={}, headers=AUTH)

    assert response.status_code == 404
    assert "error" in response.json()


async def test_an_azure_style_api_key_header_names_its_app_as_the_same_bearer_key_would(gateway, client, fake_upstream):
    as_header = await client.post("/v1/chat/completions", json=CHAT, headers={"api-key": "sk-app-one"})
    other = await client.post("/v1/chat/completions", json=CHAT, headers={"api-key": "sk-app-two"})
    as_bearer = await client.post("/v1/chat/completions", json=CHAT, headers=AUTH)

    apps = [
        (await stored(gateway, response.headers["x-feedgate-interaction-id"]))["app"]
        for response in (as_header, other, as_bearer)
    ]
    assert apps[0].startswith("key-") and apps[0] != apps[1]
    assert apps[0] == apps[2]


async def test_headers_the_connection_header_names_are_not_forwarded(client, fake_upstream):
    # RFC 9110 7.6.1: a header the Connection header names is for the gateway's hop alone.
    headers = {**AUTH, "connection": "keep-alive, X-Hop-Note", "x-hop-note": "to the gateway", "x-end-to-end": "yes"}
    await client.post("/v1/chat/completions", json=CHAT, headers=headers)

    received = fake_upstream.app.requests[-1].headers
    assert "x-hop-note" not in received
    assert received["x-end-to-end"] == "yes"
