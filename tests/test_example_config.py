"""The example configuration shipped in the repository stays valid."""

import os
from pathlib import Path

from gateway.config import load_settings
from gateway.discovery.schedule import titler_for
from gateway.proxy.routing import UpstreamRouter

EXAMPLE = Path(__file__).parent.parent / "feedgate.example.toml"


def test_example_config_loads_and_routes_by_prefix(monkeypatch):
    for name in list(os.environ):
        if name.startswith("FEEDGATE_"):
            monkeypatch.delenv(name)

    settings = load_settings(EXAMPLE)
    router = UpstreamRouter(settings.all_upstreams())

    assert router.route("llama-3.1-8b").name == "local"
    assert router.route("claude-sonnet-4-5").name == "anthropic-compat"
    assert router.route("gpt-4o").name == "default"


def test_example_config_sets_up_issue_discovery_with_llm_titles(monkeypatch):
    for name in list(os.environ):
        if name.startswith("FEEDGATE_"):
            monkeypatch.delenv(name)

    settings = load_settings(EXAMPLE)
    titler = titler_for(settings, {"OPENAI_API_KEY": "sk-test"})

    assert settings.cluster_interval == 3600
    assert titler is not None and titler.model == "gpt-4o-mini"


def test_example_config_gates_an_app(monkeypatch):
    for name in list(os.environ):
        if name.startswith("FEEDGATE_"):
            monkeypatch.delenv(name)

    settings = load_settings(EXAMPLE)

    assert [(gate.app, gate.mode, gate.threshold) for gate in settings.review_gates] == [("support-bot", "hold", 0.6)]
    assert settings.review_gate_threshold == 0.7 and settings.review_hold_fallback == "refuse"
