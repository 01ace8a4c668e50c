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

    assert titler is not None and titler.model == "gpt-4o-mini"


def test_example_config_leaves_clustering_passes_to_a_separate_worker(monkeypatch):
    for name in list(os.environ):
        if name.startswith("FEEDGATE_"):
            monkeypatch.delenv(name)

    settings = load_settings(EXAMPLE)

    assert settings.cluster_interval == 0  # `serve` runs no passes; `feedgate worker` does


def test_example_configs_commented_cluster_interval_is_valid_once_uncommented(monkeypatch, tmp_path: Path):
    for name in list(os.environ):
        if name.startswith("FEEDGATE_"):
            monkeypatch.delenv(name)
    text = EXAMPLE.read_text()
    assert "\n# cluster_interval = 3600\n" in text
    uncommented = tmp_path / "feedgate.toml"
    uncommented.write_text(text.replace("\n# cluster_interval = 3600\n", "\ncluster_interval = 3600\n"))

    settings = load_settings(uncommented)

    assert settings.cluster_interval == 3600


def test_example_config_gates_an_app(monkeypatch):
    for name in list(os.environ):
        if name.startswith("FEEDGATE_"):
            monkeypatch.delenv(name)

    settings = load_settings(EXAMPLE)

    assert [(gate.app, gate.mode, gate.threshold) for gate in settings.review_gates] == [("support-bot", "hold", 0.6)]
    assert settings.review_gate_threshold == 0.7 and settings.review_hold_fallback == "refuse"
