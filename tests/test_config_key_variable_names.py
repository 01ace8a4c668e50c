"""A setting that names the variable holding a key or secret takes a variable's name: a key pasted there is refused
without being echoed (it was named, as a variable "not set", in a warning or a refusal)."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_helpers import without_feedgate_variables, write_config

from gateway.config import load_settings
from gateway.config_checks import ConfigError

PASTED_KEY = "sk-proj-Abc123SECRETvalue"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FEEDGATE_* variable from the machine running the tests leaks into them."""
    without_feedgate_variables(monkeypatch)


@pytest.mark.parametrize(
    "setting",
    [
        "upstream_api_key_env",
        "embedding_api_key_env",
        "title_api_key_env",
        "merge_judge_api_key_env",
        "retrain_webhook_secret_env",
    ],
)
def test_a_key_given_as_the_variables_name_is_refused_without_showing_it(monkeypatch, setting: str):
    monkeypatch.setenv(f"FEEDGATE_{setting.upper()}", PASTED_KEY)

    with pytest.raises(ConfigError) as raised:
        load_settings()

    message = str(raised.value)
    assert f"{setting} (FEEDGATE_{setting.upper()}): " in message
    assert "the name of the environment variable" in message
    assert "Abc123SECRET" not in message


def test_a_key_given_as_an_upstreams_api_key_env_is_refused_without_showing_it(tmp_path: Path):
    config = write_config(
        tmp_path, f'[[upstreams]]\nname = "local"\nurl = "http://l/v1"\napi_key_env = "{PASTED_KEY}"\nmodels = ["m"]\n'
    )

    with pytest.raises(ConfigError) as raised:
        load_settings(config)

    message = str(raised.value)
    assert "upstreams.0.api_key_env" in message
    assert "the name of the environment variable" in message
    assert "Abc123SECRET" not in message


@pytest.mark.parametrize("name", ["OPENAI_API_KEY", "_MY_KEY2", "lower_case_key"])
def test_a_variables_name_is_taken(monkeypatch, name: str):
    monkeypatch.setenv("FEEDGATE_UPSTREAM_API_KEY_ENV", name)

    assert load_settings().upstream_api_key_env == name


def test_no_key_is_still_said_with_an_empty_name_in_the_file(tmp_path: Path):
    config = write_config(tmp_path, 'embedding_api_key_env = ""\n')

    assert load_settings(config).embedding_api_key_env == ""
