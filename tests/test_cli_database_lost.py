"""A command whose database goes away partway stops with one line naming it, not a traceback (PostgreSQL).

A SQLite file cannot stop answering: the outage is staged on PostgreSQL, through a relay that cuts it off.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.cli_database import on_database
from gateway.config import Settings
from gateway.config_checks import ConfigError
from gateway.observability.logs import logging_restored

pytestmark = [pytest.mark.postgres, pytest.mark.timeout(60)]


async def test_a_database_lost_partway_is_one_line_naming_it_and_saying_what_to_do(postgres_database, relay):
    through_relay = make_url(postgres_database).set(host=relay.host, port=relay.port).render_as_string(False)
    settings = Settings(database_url=through_relay, log_format="text")

    async def work(engine: AsyncEngine) -> None:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        await relay.stop()  # the database goes away between two reads
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))

    # on_database sets up the command's logging (a handler on this test's stderr): undone after, as `main` does.
    with logging_restored(), pytest.raises(ConfigError) as lost:
        await on_database(settings, work, creates=False)

    message = str(lost.value)
    where = make_url(through_relay).render_as_string(hide_password=True)
    assert message.startswith(f"lost the database {where} partway (")
    assert message.endswith("): the command stopped before it finished; run it again once the database answers")
