"""Gateway-key mode: apps present keys the gateway issued; upstreams get their own keys."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from gateway.config import Settings
from gateway.config_entries import Upstream
from gateway.demo.fake_upstream import run_fake_upstream

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
async def keyed(settings, fake_upstream):
    """A gateway in gateway-key mode whose default upstream key comes from UPSTREAM_KEY."""
    keyed_settings = settings.model_copy(update={"key_mode": "gateway", "upstream_api_key_env": "UPSTREAM_KEY"})
    app = create_app(keyed_settings, environ={"UPSTREAM_KEY": "sk-real-upstream"})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        yield app, http


async def test_issued_key_is_swapped_for_the_upstream_key(keyed, fake_upstream):
    app, http = keyed
    issued = await app.services.keys.issue("support-bot")

    response = await http.post("/v1/chat/completions", json=CHAT, headers={"authorization": f"Bearer {issued.raw_key}"})

    assert response.status_code == 200
    assert fake_upstream.app.requests[-1].headers["authorization"] == "Bearer sk-real-upstream"


async def test_interactions_are_recorded_under_the_keys_app(keyed, fake_upstream):
    app, http = keyed
    issued = await app.services.keys.issue("support-bot")

    response = await http.post("/v1/chat/completions", json=CHAT, headers={"authorization": f"Bearer {issued.raw_key}"})

    await app.services.writer.flush()
    row = await app.services.interactions.get(response.headers["x-feedgate-interaction-id"])
    assert row["app"] == "support-bot"


@pytest.mark.parametrize("authorization", [None, "Bearer fgk-never-issued", "Bearer sk-raw-openai-key"])
async def test_unknown_keys_get_401_in_openais_format(keyed, fake_upstream, authorization):
    _, http = keyed
    headers = {"authorization": authorization} if authorization else {}

    response = await http.post("/v1/chat/completions", json=CHAT, headers=headers)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "invalid_api_key"
    assert fake_upstream.app.requests == []


@pytest.mark.parametrize(
    "header", [("api-key", "fgk-issued"), ("authorization", "fgk-issued"), ("authorization", "Basic x")]
)
async def test_a_key_sent_other_than_as_a_bearer_token_is_told_how_to_send_it(keyed, fake_upstream, header):
    _, http = keyed

    response = await http.post("/v1/chat/completions", json=CHAT, headers=dict([header]))

    assert response.status_code == 401
    assert "'Authorization: Bearer <key>'" in response.json()["error"]["message"]


async def test_revoked_key_stops_working(keyed, fake_upstream):
    app, http = keyed
    issued = await app.services.keys.issue("support-bot")
    assert await app.services.keys.revoke(issued.id)

    response = await http.post("/v1/chat/completions", json=CHAT, headers={"authorization": f"Bearer {issued.raw_key}"})

    assert response.status_code == 401


async def test_raw_keys_are_never_stored(keyed):
    app, _ = keyed
    issued = await app.services.keys.issue("support-bot")

    async with app.services.engine.connect() as connection:
        from sqlalchemy import select

        from gateway.store.tables import gateway_keys

        stored = (await connection.execute(select(gateway_keys))).mappings().all()
    assert issued.raw_key not in repr(stored)


async def test_models_route_to_their_upstream_by_prefix(settings, fake_upstream):
    with run_fake_upstream() as local:
        second = Upstream(name="local", url=local.url, model_prefixes=["llama"])
        app = create_app(settings.model_copy(update={"upstreams": [second]}), environ={})
        async with (
            LifespanManager(app),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
        ):
            await http.post("/v1/chat/completions", json={**CHAT, "model": "llama-3.1-8b"})
            await http.post("/v1/chat/completions", json=CHAT)

        assert [r.json()["model"] for r in local.app.requests] == ["llama-3.1-8b"]
    assert [r.json()["model"] for r in fake_upstream.app.requests] == ["gpt-4o-mini"]


async def test_a_revoked_key_is_refused_once_its_lookup_is_older_than_key_cache_seconds(settings, fake_upstream):
    # Revoked through another process (the `keys revoke` command): only the cache's age stands in the way.
    quick = settings.model_copy(update={"key_mode": "gateway", "key_cache_seconds": 0.2})
    app = create_app(quick, environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as http,
    ):
        issued = await app.services.keys.issue("support-bot")
        headers = {"authorization": f"Bearer {issued.raw_key}"}
        assert (await http.post("/v1/chat/completions", json=CHAT, headers=headers)).status_code == 200
        assert await app.services.keys.revoke(issued.id)

        await asyncio.sleep(0.3)
        response = await http.post("/v1/chat/completions", json=CHAT, headers=headers)

    assert response.status_code == 401


def test_running_gateways_refuse_a_revoked_key_within_seconds_by_default():
    assert Settings().key_cache_seconds == 5


async def test_the_key_a_call_came_with_is_listed_as_last_used_then(keyed, fake_upstream):
    app, http = keyed
    used = await app.services.keys.issue("support-bot")
    idle = await app.services.keys.issue("support-bot")

    response = await http.post("/v1/chat/completions", json=CHAT, headers={"authorization": f"Bearer {used.raw_key}"})

    await app.services.writer.flush()
    row = await app.services.interactions.get(response.headers["x-feedgate-interaction-id"])
    assert row["gateway_key_id"] == used.id
    listed = {key.id: key.last_used_at for key in await app.services.keys.list()}
    assert listed == {used.id: row["created_at"], idle.id: None}


async def test_a_browsers_preflight_reaches_the_upstream_without_a_key(keyed, fake_upstream):
    # The whole gateway: the preflight takes the proxy's path, as a call does (tests/test_proxy_cors_preflight.py).
    _, http = keyed
    preflight = {"origin": "https://app.example", "access-control-request-method": "POST"}

    response = await http.options("/v1/chat/completions", headers=preflight)

    assert response.status_code != 401
    sent = fake_upstream.app.requests[-1]
    assert (sent.method, "authorization" in sent.headers) == ("OPTIONS", False)


async def test_a_browser_page_can_read_why_its_key_was_refused(keyed, fake_upstream):
    # The whole gateway: the proxy's own 401 lets the page's Origin read it, or the page saw only "Failed to fetch".
    _, http = keyed
    headers = {"origin": "https://app.example", "authorization": "Bearer fgk-never-issued"}

    response = await http.post("/v1/chat/completions", json=CHAT, headers=headers)

    assert (response.status_code, response.headers.get("access-control-allow-origin")) == (401, "https://app.example")
    assert "x-request-id" in response.headers["access-control-expose-headers"]
