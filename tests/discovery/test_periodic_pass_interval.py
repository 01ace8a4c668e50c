"""`run_periodically` refuses an interval that would run clustering passes back to back, and rides out an outage."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math

import pytest

from clustering.embed_local import LocalEmbedder
from gateway.config import Settings
from gateway.discovery.schedule import run_periodically
from gateway.store.engine import create_engine


@pytest.mark.parametrize("interval", [0, -1, math.nan])
async def test_an_interval_that_is_not_positive_is_refused_before_any_pass(engine, tmp_path, interval: float):
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))

    with pytest.raises(ValueError, match="positive number of seconds"):
        await run_periodically(engine, settings, LocalEmbedder(tmp_path), interval)


async def test_a_pass_failing_for_an_outage_is_one_warning_line_and_the_next_pass_still_comes(tmp_path, caplog):
    # Nothing listens on port 1: every pass finds the database unreachable.
    url = "postgresql+asyncpg://feedgate@127.0.0.1:1/feedgate"
    engine = create_engine(url)
    try:
        with caplog.at_level(logging.INFO, logger="feedgate"):
            running = asyncio.create_task(
                run_periodically(engine, Settings(database_url=url), LocalEmbedder(tmp_path), 0.05)
            )
            await asyncio.sleep(0.5)
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
    finally:
        await engine.dispose()

    failed = [record for record in caplog.records if "clustering pass failed" in record.getMessage()]
    assert len(failed) >= 2
    assert {(record.levelno, record.exc_info is None) for record in failed} == {(logging.WARNING, True)}
    assert "database unavailable" in failed[0].getMessage()


async def test_a_pass_failing_for_an_outage_says_when_the_next_one_comes(tmp_path, caplog):
    # docs/configuration.md promises each round's line names when it runs again; the pass's said "next time".
    url = "postgresql+asyncpg://feedgate@127.0.0.1:1/feedgate"
    engine = create_engine(url)
    try:
        with caplog.at_level(logging.INFO, logger="feedgate"):
            running = asyncio.create_task(
                run_periodically(engine, Settings(database_url=url), LocalEmbedder(tmp_path), 0.25)
            )
            await asyncio.sleep(0.2)
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
    finally:
        await engine.dispose()

    [failed] = [record for record in caplog.records if "clustering pass failed" in record.getMessage()]
    assert failed.getMessage().endswith("; trying again in 0.25 s")
