"""Feedback rate limits counted in the database while PostgreSQL is away: the post is a 503, never a 500."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from tcp_relay import TcpRelay

from gateway.app import create_app
from gateway.config import Settings

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
APP_KEY = "sk-app"


@pytest.fixture
def database_url(postgres_database: str) -> str:
    """PostgreSQL only: a SQLite file cannot stop answering."""
    return postgres_database


@pytest.fixture
async def gateway_and_relay(relayed_settings: Settings, relay: TcpRelay) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway counting feedback posts in its database, which the test can take away."""
    shared = {"rate_limit_scope": "database", "feedback_app_posts_per_minute": 5}
    app = create_app(relayed_settings.model_copy(update=shared), environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test") as client,
    ):
        yield client
        await relay.start()


async def test_a_token_post_is_a_503_when_its_address_cannot_be_counted(gateway_and_relay, relay):
    answered = await gateway_and_relay.post("/v1/chat/completions", json=CHAT, headers={"authorization": "Bearer k"})
    body = {"interaction_id": answered.headers["x-feedgate-interaction-id"], "thumbs": "up"}
    await relay.stop()

    response = await gateway_and_relay.post(
        "/v1/feedback", json=body, headers={"x-feedgate-feedback-token": answered.headers["x-feedgate-feedback-token"]}
    )

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
    assert response.headers["retry-after"] == "5"


async def test_an_app_key_post_is_a_503_when_its_app_cannot_be_counted(gateway_and_relay, relay):
    await relay.stop()

    response = await gateway_and_relay.post(
        "/v1/feedback", json={"interaction_id": "i-1", "thumbs": "up"}, headers={"authorization": f"Bearer {APP_KEY}"}
    )

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"


async def test_once_the_database_is_back_the_allowance_counts_again(gateway_and_relay, relay):
    await relay.stop()
    await gateway_and_relay.post(
        "/v1/feedback", json={"interaction_id": "i-1", "thumbs": "up"}, headers={"authorization": f"Bearer {APP_KEY}"}
    )
    await relay.start()

    answers = [
        await gateway_and_relay.post(
            "/v1/feedback",
            json={"interaction_id": "i-1", "thumbs": "up"},
            headers={"authorization": f"Bearer {APP_KEY}"},
        )
        for _ in range(6)
    ]

    # An unknown interaction: 404s, each given back, so the allowance of 5 never runs out.
    assert [response.status_code for response in answers] == [404] * 6
