"""/admin/export's Download while PostgreSQL is away: the outage page every admin page answers (503, Retry-After),
not the generic error page."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from admin_helpers import PASSWORD, sign_in
from asgi_lifespan import LifespanManager
from sqlalchemy.engine import make_url
from tcp_relay import TcpRelay

import admin_ui.export
from gateway.accounts.records import Role
from gateway.app import create_app
from gateway.config import Settings

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


@pytest.fixture
def database_url(postgres_database: str) -> str:
    """PostgreSQL only: a SQLite file cannot stop answering."""
    return postgres_database


@pytest.fixture
async def viewer_of_relayed_gateway(
    settings: Settings, postgres_database: str, relay: TcpRelay
) -> AsyncIterator[httpx.AsyncClient]:
    """A viewer signed in to a gateway whose database is reached through `relay` (started again afterwards)."""
    url = make_url(postgres_database).set(host=relay.host, port=relay.port).render_as_string(hide_password=False)
    app = create_app(settings.model_copy(update={"database_url": url}), environ={})
    async with (
        LifespanManager(app, startup_timeout=30, shutdown_timeout=30),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://feedgate.test") as client,
    ):
        # The PostgreSQL database is not emptied between these tests: a name of the test's own.
        name = f"vic-{uuid.uuid4().hex[:8]}"
        await app.services.accounts.create(name, Role.VIEWER, PASSWORD, actor="test")
        assert (await sign_in(client, name)).status_code == 303
        yield client
        await relay.start()


async def test_a_download_whose_database_goes_away_as_it_starts_is_the_outage_page(
    viewer_of_relayed_gateway, relay, monkeypatch
):
    # The session is read first (with the database there); the database goes away as the export starts to read.
    download = admin_ui.export.export_download

    async def cut_then_download(*args, **kwargs):
        await relay.stop()
        return await download(*args, **kwargs)

    monkeypatch.setattr(admin_ui.export, "export_download", cut_then_download)

    response = await viewer_of_relayed_gateway.get("/admin/export/download", params={"format": "chat"})

    assert response.status_code == 503
    assert "Database unreachable" in response.text
    assert "try again" in response.text
    assert response.headers["retry-after"] == "5"


async def test_a_download_while_the_database_is_away_is_the_outage_page(viewer_of_relayed_gateway, relay):
    await relay.stop()

    response = await viewer_of_relayed_gateway.get("/admin/export/download", params={"format": "chat"})

    assert response.status_code == 503
    assert "Database unreachable" in response.text
    assert response.headers["retry-after"] == "5"
