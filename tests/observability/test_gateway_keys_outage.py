"""Gateway-key mode while PostgreSQL is away: the proxy answers with the keys it last knew."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from tcp_relay import TcpRelay

from gateway.app import FeedgateApp, create_app
from gateway.config import Settings

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def database_url(postgres_database: str) -> str:
    """The outage tests run on PostgreSQL only: a SQLite file cannot stop answering."""
    return postgres_database


@pytest.fixture
async def keyed(relayed_settings: Settings, relay: TcpRelay) -> AsyncIterator[tuple[FeedgateApp, httpx.AsyncClient]]:
    """A gateway in gateway-key mode that looks every key up again on each call (no cached lookup to lean on)."""
    settings = relayed_settings.model_copy(update={"key_mode": "gateway", "key_cache_seconds": 0})
    app = create_app(settings, environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test") as client,
    ):
        yield app, client
        await relay.start()


async def test_a_key_looked_up_before_the_outage_is_still_served(keyed, relay):
    app, client = keyed
    issued = await app.services.keys.issue("support-bot")
    headers = {"authorization": f"Bearer {issued.raw_key}"}
    assert (await client.post("/v1/chat/completions", json=CHAT, headers=headers)).status_code == 200
    await relay.stop()

    response = await client.post("/v1/chat/completions", json=CHAT, headers=headers)

    assert response.status_code == 200
    assert response.json()["choices"][0]["message"]["content"] == "Echo: hi"


async def test_a_key_never_looked_up_is_a_503_in_openais_shape(keyed, relay):
    app, client = keyed
    issued = await app.services.keys.issue("support-bot")
    await relay.stop()

    response = await client.post(
        "/v1/chat/completions", json=CHAT, headers={"authorization": f"Bearer {issued.raw_key}"}
    )

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
    assert response.headers["retry-after"] == "5"


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/v1/feedback"), ("GET", "/v1/reviews/01a242b2-0000-7000-8000-000000000000")]
)
async def test_feedback_and_held_answer_polls_with_an_app_key_are_a_503_too(keyed, relay, method, path):
    app, client = keyed
    issued = await app.services.keys.issue("support-bot")
    await relay.stop()

    body = {"interaction_id": "i-1", "thumbs": "down"} if method == "POST" else None
    response = await client.request(method, path, json=body, headers={"authorization": f"Bearer {issued.raw_key}"})

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
