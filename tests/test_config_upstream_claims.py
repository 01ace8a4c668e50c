"""Settings: a model name or prefix claimed by two `[[upstreams]]` entries, or a blank prefix, is refused at load.

The router takes the first entry's claim (`gateway/proxy/routing.py`), so the second entry's was silently never used:
its calls went to the first upstream, with that upstream's key. A blank prefix starts every model name, so it took every
call the other entries do not name away from the default upstream (`upstream_url`).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from config_helpers import without_feedgate_variables, write_config

from gateway.config import load_settings
from gateway.config_checks import ConfigError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FEEDGATE_* variable from the machine running the tests leaks into them."""
    without_feedgate_variables(monkeypatch)


def _upstream(name: str, **claims: list[str]) -> dict[str, object]:
    return {"name": name, "url": f"http://{name}.example/v1", **claims}


def test_a_model_two_upstreams_list_is_refused_naming_the_first_one():
    with pytest.raises(ConfigError) as raised:
        load_settings(upstreams=[_upstream("azure", models=["gpt-4o"]), _upstream("vllm", models=["llama", "gpt-4o"])])

    assert (
        "upstreams.1.models.1 (upstreams passed in code): model 'gpt-4o' is already routed to upstream 'azure'"
        " (upstreams.0): list each model under one upstream" in str(raised.value)
    )


def test_a_prefix_two_upstreams_list_is_refused_naming_the_first_one(tmp_path: Path):
    config = write_config(
        tmp_path,
        '[[upstreams]]\nname = "ollama"\nurl = "http://o/v1"\nmodel_prefixes = ["llama"]\n'
        '[[upstreams]]\nname = "vllm"\nurl = "http://v/v1"\nmodel_prefixes = ["llama"]\n',
    )

    with pytest.raises(ConfigError) as raised:
        load_settings(config)

    assert f"upstreams.1.model_prefixes.0 (upstreams in {config}): prefix 'llama' is already routed to upstream" in str(
        raised.value
    )


def test_a_blank_prefix_is_refused_as_taking_every_model():
    with pytest.raises(ConfigError) as raised:
        load_settings(upstreams=[_upstream("local", model_prefixes=["llama", " "])])

    assert (
        "upstreams.0.model_prefixes.1 (upstreams passed in code): a blank prefix starts every model name, so it"
        in str(raised.value)
    )


def test_the_same_name_as_a_model_of_one_upstream_and_a_prefix_of_another_is_kept():
    # An exact name wins over any prefix, by design: "llama" exactly to one upstream, "llama-3…" to another.
    settings = load_settings(
        upstreams=[_upstream("exact", models=["llama"]), _upstream("family", model_prefixes=["llama"])]
    )

    assert [upstream.name for upstream in settings.upstreams] == ["exact", "family"]


def test_a_model_listed_twice_by_one_upstream_is_kept():
    settings = load_settings(upstreams=[_upstream("azure", models=["gpt-4o", "gpt-4o"])])

    assert settings.upstreams[0].models == ["gpt-4o", "gpt-4o"]
