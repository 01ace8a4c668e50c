"""The gateway's own answers on calls it does not record carry an `x-request-id` of their own.

The SDKs read that header as the error's `request_id`. A recorded call's refusals name the interaction
(tests/test_proxy_refusals.py); these answers, refused before any interaction exists, carried none.
"""

from __future__ import annotations

import httpx
from asgi_lifespan import LifespanManager

from gateway.app import create_app

AUTH = {"authorization": "Bearer sk-app-one"}


async def test_a_path_leaving_the_upstreams_base_is_refused_with_a_request_id(client, fake_upstream):
    response = await client.get("/v1/%2e%2e/admin", headers=AUTH)

    assert response.status_code == 400
    assert response.headers["x-request-id"].startswith("req_")


async def test_an_upload_past_the_limit_with_bad_metadata_is_refused_with_a_request_id(settings, fake_upstream):
    app = create_app(settings.model_copy(update={"max_request_bytes": 1000}), environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        headers = {**AUTH, "x-feedgate-metadata": "[]", "content-type": "application/octet-stream"}
        response = await http.post("/v1/files", content=b"x" * 2000, headers=headers)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_metadata"
    assert "x-feedgate-interaction-id" not in response.headers  # nothing recorded: no interaction to name
    assert response.headers["x-request-id"].startswith("req_")


async def test_an_api_answer_carries_a_request_id(client, admin_headers):
    response = await client.get("/api/interactions", headers=admin_headers)

    assert response.status_code == 200
    assert response.headers["x-request-id"].startswith("req_")
