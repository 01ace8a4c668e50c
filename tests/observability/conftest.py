"""Fixtures for the outage tests: PostgreSQL reached through a relay that can cut every connection at once."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import make_url
from tcp_relay import TcpRelay

from gateway.config import Settings


@pytest.fixture
def relayed_settings(settings: Settings, postgres_database: str, relay: TcpRelay) -> Settings:
    through_relay = make_url(postgres_database).set(host=relay.host, port=relay.port)
    url = through_relay.render_as_string(hide_password=False)
    return settings.model_copy(update={"database_url": url})
