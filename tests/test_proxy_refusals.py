"""What the gateway's own refusals promise: an interaction id only when it can be looked up."""

from __future__ import annotations

import gzip

import httpx
import orjson
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Where is my card?"}]}
AUTH = {"authorization": "Bearer sk-app-one"}


async def looked_up(gateway, client, admin_headers, interaction_id: str) -> dict:
    await gateway.services.writer.flush()
    response = await client.get(f"/api/interactions/{interaction_id}", headers=admin_headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_bad_metadata_header_is_recorded_with_its_400(gateway, client, admin_headers, fake_upstream):
    response = await client.post("/v1/chat/completions", json=CHAT, headers={**AUTH, "x-feedgate-metadata": "not json"})

    assert response.status_code == 400
    record = await looked_up(gateway, client, admin_headers, response.headers["x-feedgate-interaction-id"])
    assert record["status_code"] == 400
    assert "x-feedgate-metadata" in record["error"]
    assert record["request"] == CHAT
    assert fake_upstream.app.requests == []


async def test_the_gateways_own_400_names_its_interaction_as_the_request_id(client, fake_upstream):
    # The SDKs read x-request-id as the error's request_id, what a developer quotes in a bug report.
    response = await client.post("/v1/chat/completions", json=CHAT, headers={**AUTH, "x-feedgate-metadata": "[]"})

    assert response.status_code == 400
    assert response.headers["x-request-id"] == response.headers["x-feedgate-interaction-id"]


async def test_a_body_with_whitespace_before_its_object_is_read_like_any_other(
    gateway, client, admin_headers, fake_upstream
):
    # JSON allows it; read as "not JSON", the call lost its model (so its routing), its fixes and its record.
    body = b" \n\t" + orjson.dumps(CHAT)
    response = await client.post(
        "/v1/chat/completions", content=body, headers={**AUTH, "content-type": "application/json"}
    )

    assert response.status_code == 200
    record = await looked_up(gateway, client, admin_headers, response.headers["x-feedgate-interaction-id"])
    assert (record["request"], record["model"]) == (CHAT, "gpt-4o-mini")


async def test_a_compressed_body_is_refused_with_415_and_recorded(gateway, client, admin_headers, fake_upstream):
    headers = {**AUTH, "content-type": "application/json", "content-encoding": "gzip"}
    response = await client.post("/v1/chat/completions", content=gzip.compress(orjson.dumps(CHAT)), headers=headers)

    assert response.status_code == 415
    assert response.json()["error"]["code"] == "unsupported_content_encoding"
    # The client's to fix, as OpenAI types every request it refuses.
    assert response.json()["error"]["type"] == "invalid_request_error"
    assert "uncompressed" in response.json()["error"]["message"]
    record = await looked_up(gateway, client, admin_headers, response.headers["x-feedgate-interaction-id"])
    assert record["status_code"] == 415
    assert fake_upstream.app.requests == []
    assert response.headers["x-request-id"] == response.headers["x-feedgate-interaction-id"]


async def test_a_compressed_body_is_refused_in_the_words_feedback_posts_get(client, fake_upstream):
    headers = {**AUTH, "content-type": "application/json", "content-encoding": "gzip"}
    response = await client.post("/v1/chat/completions", content=gzip.compress(orjson.dumps(CHAT)), headers=headers)

    assert response.json()["error"]["message"] == (
        "Send the request body uncompressed, without Content-Encoding (got 'gzip'): "
        "Feedgate reads it to route and record the call."
    )


@pytest.mark.parametrize("coding", ["Identity", "", " identity , identity"])
async def test_a_body_whose_content_encoding_names_no_coding_is_forwarded(client, fake_upstream, coding):
    # An empty header lists no coding (RFC 9110 §8.4): it was refused as a compressed body.
    headers = {**AUTH, "content-type": "application/json", "content-encoding": coding}
    response = await client.post("/v1/chat/completions", content=orjson.dumps(CHAT), headers=headers)

    assert response.status_code == 200, response.text


async def test_a_body_over_the_limit_is_recorded_with_its_413(settings, admin_headers, fake_upstream):
    app = create_app(settings.model_copy(update={"max_request_bytes": 1000}), environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        big = {**CHAT, "messages": [{"role": "user", "content": "x" * 2000}]}
        response = await http.post("/v1/chat/completions", json=big, headers=AUTH)
        record = await looked_up(app, http, admin_headers, response.headers["x-feedgate-interaction-id"])

    assert response.status_code == 413
    assert response.headers["x-request-id"] == record["id"]
    assert record["status_code"] == 413
    assert "1000 bytes" in record["error"]
    assert record["request"] is None  # too large to keep; never read whole
    assert record["upstream"] == "default"


async def test_a_body_over_the_limit_is_told_what_to_change(settings, fake_upstream):
    app = create_app(settings.model_copy(update={"max_request_bytes": 1000}), environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        big = {**CHAT, "messages": [{"role": "user", "content": "x" * 2000}]}
        response = await http.post("/v1/chat/completions", json=big, headers=AUTH)

    # It named a number of bytes only: neither the setting behind it nor what the app could do.
    assert response.json()["error"]["message"] == (
        "Request body is larger than this gateway's limit of 1000 bytes (FEEDGATE_MAX_REQUEST_BYTES): "
        "send a smaller request, or raise that setting."
    )


async def test_an_unknown_gateway_key_gets_401_naming_no_interaction(settings, fake_upstream):
    keyed = settings.model_copy(update={"key_mode": "gateway"})
    app = create_app(keyed, environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        response = await http.post("/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer sk-forged"})

    assert response.status_code == 401
    assert "x-feedgate-interaction-id" not in response.headers
    assert "x-feedgate-feedback-token" not in response.headers


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/v1/embeddings"])
async def test_recorded_calls_carry_a_feedback_token(client, fake_upstream, path):
    body = CHAT if "chat" in path else {"model": "text-embedding-3-small", "input": "hi"}

    response = await client.post(path, json=body, headers=AUTH)

    assert response.headers["x-feedgate-feedback-token"].startswith(
        "v1." + response.headers["x-feedgate-interaction-id"]
    )


async def test_calls_that_are_not_recorded_carry_no_feedback_token(client, fake_upstream):
    response = await client.get("/v1/models", headers=AUTH)

    assert response.status_code == 200
    assert "x-feedgate-feedback-token" not in response.headers


async def test_an_interaction_no_policy_claimed_shows_no_policies(gateway, client, admin_headers, fake_upstream):
    response = await client.post("/v1/chat/completions", json=CHAT, headers=AUTH)

    record = await looked_up(gateway, client, admin_headers, response.headers["x-feedgate-interaction-id"])
    assert record["policies"] is None


@pytest.mark.parametrize("path", ["/v1/%2e%2e/admin", "/v1/models/..%2f..%2fadmin", "/v1/%2E/models"])
async def test_a_path_climbing_out_of_v1_is_refused_before_the_upstream(client, fake_upstream, path):
    response = await client.get(path, headers=AUTH)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_path"
    assert "x-feedgate-interaction-id" not in response.headers
    assert fake_upstream.app.requests == []


async def test_a_segment_that_only_starts_with_a_dot_is_an_ordinary_path(client, fake_upstream):
    response = await client.get("/v1/models/.well-known", headers=AUTH)

    assert response.status_code != 400
    assert [request.path for request in fake_upstream.app.requests] == ["/v1/models/.well-known"]


@pytest.mark.parametrize("method", ["GET", "POST"])
async def test_the_base_url_called_as_an_endpoint_gets_the_openai_style_404_saying_so(client, method):
    response = await client.request(method, "/v1", json={"model": "gpt-4o-mini"})

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "base_url_without_v1"
    assert error["message"].startswith(f"Invalid URL ({method} /v1): /v1 is the base URL, not an endpoint.")


@pytest.mark.parametrize(
    "path", ["/chat/completions", "/openai/v1/chat/completions", "/v1", "/openai/deployments/gpt-4o/chat/completions"]
)
async def test_the_404_for_a_base_url_without_v1_names_no_internal_address(client, path):
    # Behind a reverse proxy the Host and scheme the gateway sees are not the address the developer used.
    response = await client.post(path, json=CHAT, headers={"host": "feedgate-internal:8080"})

    assert response.status_code == 404
    message = response.json()["error"]["message"]
    assert "feedgate-internal" not in message
    assert "http://" not in message
    assert "the address you reach Feedgate at, followed by /v1" in message


async def test_a_body_nested_too_deep_for_the_apps_fixes_is_refused_with_400_and_recorded(
    gateway, client, admin_headers, fake_upstream
):
    # A prompt version in force rewrites the body, which then goes out re-encoded: orjson reads 1,024 levels
    # but writes 254, and the call was a 500 (an unhandled TypeError) with nothing said of why.
    app = gateway.services.resolver.fingerprint("sk-app-one")
    await gateway.services.prompts.service.publish(app, "Answer briefly.", "brief", "test", activate=True)
    await gateway.services.prompts.snapshots.refresh()
    nested = "[" * 300 + "]" * 300
    body = orjson.dumps(CHAT)[:-1] + b', "extra": ' + nested.encode() + b"}"

    response = await client.post(
        "/v1/chat/completions", content=body, headers={**AUTH, "content-type": "application/json"}
    )

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "request_too_deeply_nested"
    assert "nested deeper than 254 levels" in error["message"]
    assert fake_upstream.app.requests == []
    record = await looked_up(gateway, client, admin_headers, response.headers["x-feedgate-interaction-id"])
    assert record["status_code"] == 400


@pytest.mark.parametrize("prefix", ["/feedgate", "/tools/feedgate"])
async def test_a_call_under_a_prefix_a_proxy_kept_says_to_set_the_root_path(client, prefix):
    # A proxy that keeps /feedgate in front of a gateway without FEEDGATE_ROOT_PATH: the SDK's base URL,
    # https://tools.example.com/feedgate/v1, is the right one; "set your base URL to ... /v1" sent the developer in circles.
    response = await client.post(f"{prefix}/v1/chat/completions", json=CHAT)

    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "base_url_without_v1"
    assert f"set FEEDGATE_ROOT_PATH={prefix} on the gateway" in error["message"]
    assert f"or have the proxy strip {prefix}" in error["message"]


@pytest.mark.parametrize("path", ["/api/v1/chat/completions", "/chat/completions", "/v1"])
async def test_a_base_url_that_is_no_prefix_is_not_told_of_the_root_path(client, path):
    # /api cannot be a public prefix (the admin API is there), and the others name none.
    response = await client.post(path, json=CHAT)

    assert response.status_code == 404
    assert "FEEDGATE_ROOT_PATH" not in response.json()["error"]["message"]
