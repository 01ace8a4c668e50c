"""The config file's values have TOML's own types: a bool setting takes a TOML boolean, an integer setting a
TOML integer, and so on, at every depth; a key at any depth that is no setting is named with the one it resembles.

`redaction = "yes"` and `workers = true` were taken (pydantic's lax coercions), so a file that meant something else
ran without a word. Environment variables are text, and are read as before.
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


def refusal(tmp_path: Path, text: str) -> str:
    """The message that refuses the config file `text`, with the file's path as FILE."""
    config = write_config(tmp_path, text)
    with pytest.raises(ConfigError) as raised:
        load_settings(config)
    return str(raised.value).replace(str(config), "FILE")


def test_a_string_for_a_boolean_setting_is_refused_naming_the_key_the_file_and_the_type(tmp_path: Path):
    assert refusal(tmp_path, 'redaction = "yes"\n') == (
        "config file FILE: redaction must be a TOML boolean (true or false), got a string"
    )


def test_a_boolean_for_an_integer_setting_is_refused(tmp_path: Path):
    assert refusal(tmp_path, "workers = true\n") == "config file FILE: workers must be a TOML integer, got a boolean"


def test_a_float_for_an_integer_setting_is_refused(tmp_path: Path):
    assert refusal(tmp_path, "workers = 2.0\n") == "config file FILE: workers must be a TOML integer, got a float"


def test_a_string_for_a_number_setting_is_refused(tmp_path: Path):
    assert refusal(tmp_path, 'shutdown_timeout = "25"\n') == (
        "config file FILE: shutdown_timeout must be a TOML number, got a string"
    )


def test_an_integer_for_a_number_setting_is_taken(tmp_path: Path):
    assert load_settings(write_config(tmp_path, "shutdown_timeout = 25\n")).shutdown_timeout == 25.0


def test_a_string_for_a_list_setting_is_refused(tmp_path: Path):
    assert refusal(tmp_path, 'trusted_proxies = "10.0.0.5"\n') == (
        "config file FILE: trusted_proxies must be a TOML array of strings, got a string"
    )


def test_a_wrong_type_inside_a_list_is_refused_naming_its_place(tmp_path: Path):
    assert refusal(tmp_path, 'cors_origins = ["https://a.example", 7]\n') == (
        "config file FILE: cors_origins[1] must be a TOML string, got an integer"
    )


def test_a_wrong_type_inside_a_nested_table_is_refused_naming_its_place(tmp_path: Path):
    text = '[[review_gates]]\napp = "support"\nthreshold = "0.5"\n'

    assert refusal(tmp_path, text) == "config file FILE: review_gates[0].threshold must be a TOML number, got a string"


def test_a_wrong_type_of_secret_is_refused_without_its_value(tmp_path: Path):
    message = refusal(tmp_path, "feedback_secret = 123456789\n")

    assert message == "config file FILE: feedback_secret must be a TOML string, got an integer"


def test_environment_variables_are_still_text_read_as_before(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_REDACTION", "true")
    monkeypatch.setenv("FEEDGATE_WORKERS", "3")

    settings = load_settings(write_config(tmp_path, "port = 9001\n"))

    assert (settings.redaction, settings.workers, settings.port) == (True, 3, 9001)


def test_a_misspelt_key_in_an_upstream_table_is_named_with_the_key_it_resembles(tmp_path: Path):
    text = '[[upstreams]]\nname = "local"\nurl = "http://l/v1"\nmodel_prefix = ["llama"]\n'

    assert refusal(tmp_path, text) == (
        "config file FILE: 'upstreams[0].model_prefix' is not a key of [[upstreams]] (did you mean model_prefixes?)"
    )


def test_a_misspelt_key_in_any_nested_table_is_named_with_the_key_it_resembles(tmp_path: Path):
    text = '[[redaction_rules]]\nname = "ticket"\npatern = "TCK-[0-9]+"\n'

    assert refusal(tmp_path, text) == (
        "config file FILE: 'redaction_rules[0].patern' is not a key of [[redaction_rules]] (did you mean pattern?)"
    )
