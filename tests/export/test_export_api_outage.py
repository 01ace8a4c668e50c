"""GET /api/export while PostgreSQL is away: the API's 503, not a 200 whose body breaks off."""

from __future__ import annotations

import httpx
import pytest
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import make_url

from gateway.app import create_app
from gateway.config import Settings

# A SQLite file cannot stop answering: the outage is staged on PostgreSQL, through a relay that cuts it off.
pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


@pytest.fixture
def database_url(postgres_database: str) -> str:
    return postgres_database


async def test_an_export_starting_while_the_database_is_away_is_a_503(settings: Settings, relay, admin_headers):
    through_relay = make_url(settings.database_url).set(host=relay.host, port=relay.port)
    app = create_app(settings.model_copy(update={"database_url": through_relay.render_as_string(False)}), environ={})
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw.test") as client,
    ):
        await relay.stop()
        response = await client.get("/api/export?format=chat", headers=admin_headers)
        await relay.start()

    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["detail"].startswith("the database is unreachable for the moment")
