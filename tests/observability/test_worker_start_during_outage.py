"""A `serve --workers N` worker whose database goes away while it starts: it starts and spools, never failing its start.

A failed start makes uvicorn stop every worker. The database may be reachable at the start's first check
and gone at the next (the schema check), which reaches the worker as a lost connection, not as "unreachable".
"""

from __future__ import annotations

import pytest
from tcp_relay import TcpRelay

import gateway.services_setup
from gateway.config import Settings
from gateway.services_setup import open_services
from gateway.store.availability import database_unavailable

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


@pytest.fixture
def database_url(postgres_database: str) -> str:
    """PostgreSQL only: a SQLite file cannot stop answering."""
    return postgres_database


async def test_a_worker_that_loses_the_database_between_its_start_checks_starts_anyway(
    relayed_settings: Settings, relay: TcpRelay, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
):
    settings = relayed_settings.model_copy(update={"key_salt": "s" * 32, "feedback_secret": "f" * 32})
    schema_check = gateway.services_setup.pending_migrations

    async def database_gone_first(url: str) -> bool:
        await relay.stop()  # the outage begins after the reachability check
        return await schema_check(url)

    monkeypatch.setattr(gateway.services_setup, "pending_migrations", database_gone_first)

    services = await open_services(settings, {}, may_start_without_database=True)
    await services.close()

    assert "starting anyway: interactions are spooled until the database is back" in caplog.text


async def test_a_process_that_must_have_the_database_still_fails_its_start(
    relayed_settings: Settings, relay: TcpRelay, monkeypatch: pytest.MonkeyPatch
):
    schema_check = gateway.services_setup.pending_migrations

    async def database_gone_first(url: str) -> bool:
        await relay.stop()
        return await schema_check(url)

    monkeypatch.setattr(gateway.services_setup, "pending_migrations", database_gone_first)

    with pytest.raises(Exception) as failed:
        await open_services(relayed_settings, {}, may_start_without_database=False)

    assert database_unavailable(failed.value)
