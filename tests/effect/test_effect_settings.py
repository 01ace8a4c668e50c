"""The effect settings in the shipped example configuration."""

from __future__ import annotations

import os
from pathlib import Path

from gateway.config import load_settings


def test_the_example_config_sets_the_effect_settings(monkeypatch):
    for name in list(os.environ):
        if name.startswith("FEEDGATE_"):
            monkeypatch.delenv(name)
    settings = load_settings(Path(__file__).parents[2] / "feedgate.example.toml")

    assert settings.effect_topic_threshold == 0.55 and settings.effect_window_days == 14
    assert (settings.effect_min_interactions, settings.effect_min_with_feedback, settings.effect_alpha) == (30, 5, 0.05)
