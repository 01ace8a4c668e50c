"""Feedback, the admin API and the pages while PostgreSQL is away: 503 with Retry-After in each caller's shape."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from tcp_relay import TcpRelay

from gateway.app import create_app
from gateway.config import Settings
from tests.admin_ui.html_page import csrf_token_of
from tests.conftest import ADMIN_TOKEN

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


@pytest.fixture
def database_url(postgres_database: str) -> str:
    """The outage tests run on PostgreSQL only: a SQLite file cannot stop answering."""
    return postgres_database


ORIGIN = "https://shop.example"


@pytest.fixture
async def client_during_outage(relayed_settings: Settings, relay: TcpRelay) -> AsyncIterator[httpx.AsyncClient]:
    """A client of a gateway that started with its database, which has just gone away."""
    app = create_app(relayed_settings.model_copy(update={"cors_origins": [ORIGIN]}), environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test") as client,
    ):
        await relay.stop()
        yield client
        await relay.start()


async def test_feedback_is_a_503_in_openais_shape_that_the_widget_can_read(client_during_outage):
    response = await client_during_outage.post(
        "/v1/feedback",
        json={"interaction_id": "i-1", "thumbs": "down"},
        headers={"authorization": "Bearer sk-app", "origin": ORIGIN},
    )

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "database_unavailable"
    assert response.headers["retry-after"] == "5"
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert "retry-after" in response.headers["access-control-expose-headers"]


async def test_the_admin_api_is_a_503_with_retry_after(client_during_outage):
    response = await client_during_outage.get("/api/interactions", headers={"authorization": f"Bearer {ADMIN_TOKEN}"})

    assert response.status_code == 503
    assert response.json()["detail"].startswith("the database is unreachable for the moment")
    assert response.headers["retry-after"] == "5"


async def test_a_page_is_a_503_in_the_admin_layout(client_during_outage):
    token = csrf_token_of((await client_during_outage.get("/admin/sign-in")).text)

    response = await client_during_outage.post(
        "/admin/sign-in", data={"csrf_token": token, "name": "ann", "password": "correct horse battery"}
    )

    assert response.status_code == 503
    assert "Database unreachable" in response.text
    assert response.headers["retry-after"] == "5"


async def test_an_outage_is_logged_in_one_line_without_a_traceback(client_during_outage, caplog):
    with caplog.at_level(logging.WARNING, logger="feedgate.http"):
        await client_during_outage.get("/api/interactions", headers={"authorization": f"Bearer {ADMIN_TOKEN}"})

    [record] = [r for r in caplog.records if r.name == "feedgate.http"]
    assert record.levelno == logging.WARNING and record.exc_info is None
    assert record.getMessage().startswith("database unreachable answering GET /api/interactions: 503")
