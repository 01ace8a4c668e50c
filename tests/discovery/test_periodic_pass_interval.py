"""`run_periodically` refuses an interval that would run clustering passes back to back."""

from __future__ import annotations

import math

import pytest

from clustering.embed_local import LocalEmbedder
from gateway.config import Settings
from gateway.discovery.schedule import run_periodically


@pytest.mark.parametrize("interval", [0, -1, math.nan])
async def test_an_interval_that_is_not_positive_is_refused_before_any_pass(engine, tmp_path, interval: float):
    settings = Settings(database_url=engine.url.render_as_string(hide_password=False))

    with pytest.raises(ValueError, match="positive number of seconds"):
        await run_periodically(engine, settings, LocalEmbedder(tmp_path), interval)
