"""Prompt fixtures: the gateway reloads prompt versions quickly and runs no background guard."""

from __future__ import annotations

import pytest

from gateway.config import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared test settings, with a short refresh interval (a change reaches the proxy within 50 ms)."""
    return settings.model_copy(update={"prompt_refresh_seconds": 0.05, "prompt_guard_interval_minutes": 0})
