"""Settings: upstreams as the file and the environment declare them, their URLs, and how a refused URL is quoted."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_helpers import without_feedgate_variables, write_config

from gateway.config import load_settings
from gateway.config_checks import ConfigError
from gateway.config_entries import Upstream


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FEEDGATE_* variable from the machine running the tests leaks into them."""
    without_feedgate_variables(monkeypatch)


def test_an_upstream_url_without_http_scheme_is_rejected(tmp_path: Path):
    config = write_config(tmp_path, '[[upstreams]]\nname = "local"\nurl = "localhost:11434/v1"\n')

    with pytest.raises(ConfigError, match="must start with http:// or https://"):
        load_settings(config)


def test_a_default_upstream_url_without_http_scheme_is_rejected_at_load(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_UPSTREAM_URL", "api.openai.com/v1")

    with pytest.raises(ConfigError, match="must start with http:// or https://"):
        load_settings()


def test_a_refused_upstream_url_is_quoted_once(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_UPSTREAM_URL", "api.openai.com/v1")

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert str(raised.value).endswith(
        "upstream_url (FEEDGATE_UPSTREAM_URL): upstream url must start with http:// or https://;"
        " got 'api.openai.com/v1'"
    )


def test_an_upstream_url_with_a_fragment_is_rejected_at_load(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_UPSTREAM_URL", "https://llm.example/v1#main")

    with pytest.raises(ConfigError, match="must not carry a fragment"):
        load_settings()


def test_an_upstream_urls_query_follows_the_path_of_every_call():
    azure = Upstream(name="azure", url="https://ai.example/openai/v1/?api-version=preview")

    assert azure.url == "https://ai.example/openai/v1"
    assert azure.address("/chat/completions") == "https://ai.example/openai/v1/chat/completions?api-version=preview"


def test_an_upstream_urls_query_comes_before_the_clients_own():
    azure = Upstream(name="azure", url="https://ai.example/openai/v1?api-version=preview")

    assert azure.address("/models", "limit=5") == "https://ai.example/openai/v1/models?api-version=preview&limit=5"


def test_an_upstream_url_without_a_query_adds_only_the_clients():
    plain = Upstream(name="plain", url="https://llm.example/v1/")

    assert plain.address("/models") == "https://llm.example/v1/models"
    assert plain.address("/models", "limit=5") == "https://llm.example/v1/models?limit=5"


def test_an_upstream_without_a_url_is_rejected(tmp_path: Path):
    with pytest.raises(ConfigError, match="url"):
        load_settings(write_config(tmp_path, '[[upstreams]]\nname = "local"\n'))


def test_two_upstreams_of_one_name_are_refused_naming_the_second():
    local = {"name": "local", "url": "http://127.0.0.1:11434/v1", "model_prefixes": ["llama"]}

    with pytest.raises(ConfigError) as raised:
        load_settings(upstreams=[local, {**local, "url": "http://127.0.0.1:8000/v1"}])

    assert "upstreams.1.name (upstreams passed in code): upstream 'local' is already upstreams.0; one per name" in str(
        raised.value
    )


def test_an_upstream_named_like_the_default_one_is_refused():
    with pytest.raises(ConfigError) as raised:
        load_settings(upstreams=[{"name": "default", "url": "http://127.0.0.1:8000/v1"}])

    assert "'default' names the default upstream (upstream_url)" in str(raised.value)


@pytest.mark.parametrize("name", ["Default", "DEFAULT", " default"])
def test_an_upstream_named_like_the_default_one_in_another_case_is_refused(name: str):
    # Routing tells the names apart, but metrics, logs and /v1/models' owned_by show both to people, who do not.
    with pytest.raises(ConfigError) as raised:
        load_settings(upstreams=[{"name": name, "url": "http://127.0.0.1:8000/v1"}])

    assert "upstreams.0.name" in str(raised.value)
    assert "the default upstream's name 'default'" in str(raised.value)


def test_two_upstreams_whose_names_differ_in_case_alone_are_refused_naming_the_first():
    with pytest.raises(ConfigError) as raised:
        load_settings(
            upstreams=[{"name": "Local", "url": "http://127.0.0.1:11434/v1"}, {"name": "local", "url": "http://x/v1"}]
        )

    assert "upstreams.1.name (upstreams passed in code): upstream 'local' is already upstreams.0 ('Local')" in str(
        raised.value
    )


def test_a_repeated_name_and_the_repeats_model_claim_are_refused_at_once():
    # The name check raised before the claims were looked at: the claim was heard of only at the next start.
    azure = {"name": "azure", "url": "http://azure.example/v1", "models": ["gpt-4o"]}

    with pytest.raises(ConfigError) as raised:
        load_settings(upstreams=[azure, {**azure, "url": "http://azure-2.example/v1"}])

    lines = str(raised.value).splitlines()
    assert [line.split(" (")[0].strip() for line in lines[1:]] == ["upstreams.1.name", "upstreams.1.models.0"]


def test_a_misspelt_key_of_an_upstream_is_refused_naming_it(tmp_path: Path):
    config = write_config(tmp_path, '[[upstreams]]\nname = "local"\nurl = "http://l/v1"\nmodel_prefix = ["llama"]\n')

    with pytest.raises(ConfigError, match=r"'upstreams\[0\]\.model_prefix' is not a key of \[\[upstreams\]\]"):
        load_settings(config)


def test_a_refused_upstream_url_is_quoted_without_its_password(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_UPSTREAM_URL", "ftp://ana:hunter2@llm.internal/v1")

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert "hunter2" not in str(raised.value)
    assert str(raised.value).endswith("; got 'ftp://***@llm.internal/v1'")


def test_a_refused_webhook_url_is_not_quoted(monkeypatch: pytest.MonkeyPatch):
    # Its path is often its secret; the variable it came from is named.
    monkeypatch.setenv("FEEDGATE_REVIEW_WEBHOOK_URL", "hooks.example.com/services/T0/B0/SECRETPATH")

    with pytest.raises(ConfigError) as raised:
        load_settings()

    assert "SECRETPATH" not in str(raised.value)
    assert "review_webhook_url (FEEDGATE_REVIEW_WEBHOOK_URL)" in str(raised.value)
