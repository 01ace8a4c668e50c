"""Wrong admin tokens counted in the database while PostgreSQL is away: every try is a 503, never a 500."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from tcp_relay import TcpRelay

from gateway.app import create_app
from gateway.config import Settings

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


@pytest.fixture
def database_url(postgres_database: str) -> str:
    """PostgreSQL only: a SQLite file cannot stop answering."""
    return postgres_database


@pytest.fixture
async def gateway_and_relay(relayed_settings: Settings, relay: TcpRelay) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway counting wrong admin tokens in its database, which the test can take away."""
    shared = {"rate_limit_scope": "database", "admin_token_failures_per_minute": 2}
    app = create_app(relayed_settings.model_copy(update=shared), environ={})
    # The session's database keeps other tests' allowances: an address of this test's own.
    address = f"2001:db8::{secrets.token_hex(2)}:{secrets.token_hex(2)}"
    transport = httpx.ASGITransport(app=app, client=(address, 40000))
    async with LifespanManager(app), httpx.AsyncClient(transport=transport, base_url="http://gw.test") as client:
        yield client
        await relay.start()


@pytest.mark.parametrize("token", ["guess", "right"])
async def test_an_admin_request_is_a_503_when_its_try_cannot_be_counted(gateway_and_relay, relay, admin_headers, token):
    # Not counted, a guess is not compared either: the limit holds while the database is away.
    headers = admin_headers if token == "right" else {"authorization": "Bearer guess"}
    await relay.stop()

    response = await gateway_and_relay.get("/api/interactions", headers=headers)

    assert response.status_code == 503
    assert "database" in response.json()["detail"]
    assert response.headers["retry-after"] == "5"


async def test_once_the_database_is_back_the_tries_count_again(gateway_and_relay, relay, admin_headers):
    await relay.stop()
    await gateway_and_relay.get("/api/interactions", headers={"authorization": "Bearer guess"})
    await relay.start()

    guesses = [
        await gateway_and_relay.get("/api/interactions", headers={"authorization": "Bearer guess"}) for _ in range(3)
    ]

    assert [response.status_code for response in guesses] == [401, 401, 429]
