"""Settings: defaults, FEEDGATE_* variables, the TOML file, and the order in which they win."""

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


UPSTREAMS_TOML = """
port = 9001
database_url = "sqlite+aiosqlite:///./from-file.db"

[[upstreams]]
name = "local"
url = "http://localhost:11434/v1/"
models = ["llama-3.1-8b"]
model_prefixes = ["llama", "qwen"]
api_key_env = "OLLAMA_API_KEY"

[[upstreams]]
name = "anthropic-compat"
url = "https://api.anthropic.com/v1"
model_prefixes = ["claude"]
"""


# -- defaults and the environment ---------------------------------------------------------


def test_defaults_listen_locally_store_in_sqlite_and_forward_to_openai():
    settings = load_settings()

    assert (settings.host, settings.port) == ("127.0.0.1", 8080)
    assert settings.database_url == "sqlite+aiosqlite:///./feedgate.db"
    assert settings.upstream_url == "https://api.openai.com/v1"
    assert settings.upstreams == []


def test_without_configured_upstreams_every_model_goes_to_the_default_upstream():
    upstreams = load_settings().all_upstreams()

    assert [(up.name, up.url, up.api_key_env) for up in upstreams] == [
        ("default", "https://api.openai.com/v1", "OPENAI_API_KEY")
    ]


def test_feedgate_environment_variables_override_the_defaults(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_HOST", "0.0.0.0")
    monkeypatch.setenv("FEEDGATE_PORT", "9000")
    monkeypatch.setenv("FEEDGATE_DATABASE_URL", "sqlite+aiosqlite:////var/lib/feedgate/db.sqlite")
    monkeypatch.setenv("FEEDGATE_UPSTREAM_URL", "http://127.0.0.1:8000/v1")

    settings = load_settings()

    assert (settings.host, settings.port) == ("0.0.0.0", 9000)
    assert settings.database_url == "sqlite+aiosqlite:////var/lib/feedgate/db.sqlite"
    assert settings.upstream_url == "http://127.0.0.1:8000/v1"


def test_a_non_numeric_port_in_the_environment_is_a_config_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_PORT", "eighty")

    with pytest.raises(ConfigError, match="port"):
        load_settings()


# -- the TOML file ---------------------------------------------------------------------


def test_a_toml_file_sets_values_and_declares_upstreams(tmp_path: Path):
    settings = load_settings(write_config(tmp_path, UPSTREAMS_TOML))

    assert settings.port == 9001
    assert settings.database_url == "sqlite+aiosqlite:///./from-file.db"
    local, anthropic = settings.upstreams
    assert local == Upstream(
        name="local",
        url="http://localhost:11434/v1",  # the trailing slash is dropped
        models=["llama-3.1-8b"],
        model_prefixes=["llama", "qwen"],
        api_key_env="OLLAMA_API_KEY",
    )
    assert (anthropic.name, anthropic.url, anthropic.models, anthropic.model_prefixes, anthropic.api_key_env) == (
        "anthropic-compat",
        "https://api.anthropic.com/v1",
        [],
        ["claude"],
        None,
    )


def test_configured_upstreams_come_before_the_default_catch_all(tmp_path: Path):
    settings = load_settings(write_config(tmp_path, UPSTREAMS_TOML))

    assert [up.name for up in settings.all_upstreams()] == ["local", "anthropic-compat", "default"]


def test_an_upstream_reads_its_api_key_from_the_named_environment_variable(tmp_path: Path):
    local, anthropic = load_settings(write_config(tmp_path, UPSTREAMS_TOML)).upstreams

    assert local.api_key({"OLLAMA_API_KEY": "sk-local"}) == "sk-local"
    assert local.api_key({}) is None
    assert anthropic.api_key({"OLLAMA_API_KEY": "sk-local"}) is None


def test_the_environment_beats_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_PORT", "9002")

    settings = load_settings(write_config(tmp_path, UPSTREAMS_TOML))

    assert settings.port == 9002
    # Keys the environment does not set still come from the file.
    assert settings.database_url == "sqlite+aiosqlite:///./from-file.db"
    assert [up.name for up in settings.upstreams] == ["local", "anthropic-compat"]


def test_explicit_overrides_beat_the_environment_and_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_PORT", "9002")

    settings = load_settings(write_config(tmp_path, UPSTREAMS_TOML), port=9003, host="0.0.0.0")

    assert (settings.host, settings.port) == ("0.0.0.0", 9003)


def test_overrides_left_unset_do_not_hide_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    # CLI flags the user did not pass arrive as None.
    monkeypatch.setenv("FEEDGATE_PORT", "9002")

    settings = load_settings(write_config(tmp_path, UPSTREAMS_TOML), port=None, host=None)

    assert (settings.host, settings.port) == ("127.0.0.1", 9002)


def test_an_empty_variable_is_unset_and_leaves_the_file_or_default_standing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # compose's `${FEEDGATE_RETENTION_DAYS:-}` passes "" for a variable the operator left out.
    monkeypatch.setenv("FEEDGATE_RETENTION_DAYS", "")
    monkeypatch.setenv("FEEDGATE_PORT", "")

    settings = load_settings(write_config(tmp_path, "port = 9001\n"))

    assert (settings.retention_days, settings.port) == (None, 9001)


KEY_VARIABLES = [
    "FEEDGATE_UPSTREAM_API_KEY_ENV",
    "FEEDGATE_EMBEDDING_API_KEY_ENV",
    "FEEDGATE_TITLE_API_KEY_ENV",
    "FEEDGATE_MERGE_JUDGE_API_KEY_ENV",
]


@pytest.mark.parametrize("variable", KEY_VARIABLES)
def test_an_empty_key_variable_name_is_refused_saying_what_to_set(monkeypatch: pytest.MonkeyPatch, variable: str):
    # Read as unset, "" sent the default's key (OPENAI_API_KEY) to an endpoint its writer meant to send none;
    # read as "no key", it would send none where compose's `${VAR:-}` only meant "not given". It is neither.
    monkeypatch.setenv(variable, "")

    with pytest.raises(ConfigError) as raised:
        load_settings()

    said = str(raised.value)
    assert said.startswith(f"{variable} is set but empty"), said
    setting = variable.removeprefix("FEEDGATE_").lower()
    assert f'{setting} = ""' in said and f"unset {variable}" in said, said


def test_an_empty_key_variable_name_is_refused_even_beside_the_files_value(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("FEEDGATE_EMBEDDING_API_KEY_ENV", "")

    with pytest.raises(ConfigError, match="FEEDGATE_EMBEDDING_API_KEY_ENV is set but empty"):
        load_settings(write_config(tmp_path, 'embedding_api_key_env = "EMBEDDING_KEY"\n'))


def test_an_empty_key_variable_name_in_the_file_is_no_key(tmp_path: Path):
    settings = load_settings(write_config(tmp_path, 'embedding_api_key_env = ""\n'))

    assert settings.embedding_api_key_env == ""


# -- errors ----------------------------------------------------------------------------


def test_a_missing_config_file_is_a_config_error_naming_the_file(tmp_path: Path):
    missing = tmp_path / "nowhere.toml"

    with pytest.raises(ConfigError, match="config file not found") as raised:
        load_settings(missing)

    assert str(missing) in str(raised.value)


def test_invalid_toml_is_a_config_error_saying_where_it_breaks(tmp_path: Path):
    broken = write_config(tmp_path, 'port = 9001\n[[upstreams]\nname = "local"\n')

    with pytest.raises(ConfigError, match="is not valid TOML") as raised:
        load_settings(broken)

    assert str(broken) in str(raised.value)
    assert "line 2" in str(raised.value)


def test_a_config_path_that_is_a_folder_is_a_config_error_naming_it(tmp_path: Path):
    with pytest.raises(ConfigError, match="cannot be read") as raised:
        load_settings(tmp_path)

    assert str(tmp_path) in str(raised.value)
    assert "Is a directory" in str(raised.value)


def test_a_config_file_not_in_utf8_is_a_config_error_saying_toml_is_utf8(tmp_path: Path):
    latin1 = tmp_path / "feedgate.toml"
    latin1.write_bytes("admin_session_hours = 12  # réglé\n".encode("latin-1"))

    with pytest.raises(ConfigError, match="is not UTF-8") as raised:
        load_settings(latin1)

    assert str(latin1) in str(raised.value)


def test_a_refused_setting_is_one_line_naming_its_config_file_key_and_the_value_sent(tmp_path: Path):
    with pytest.raises(ConfigError) as raised:
        load_settings(config := write_config(tmp_path, "port = 0\n"))

    assert f"  port (port in {config}): Input should be greater than or equal to 1; got 0" in str(raised.value)


def test_a_refused_secret_setting_is_named_without_its_value():
    with pytest.raises(ConfigError) as raised:
        load_settings(feedback_secret=["s3cr3t-value"])

    assert "feedback_secret (feedback_secret passed in code)" in str(raised.value)
    assert "s3cr3t-value" not in str(raised.value)


def test_an_unknown_setting_in_the_file_is_a_config_error_naming_the_file_and_the_setting_it_resembles(
    tmp_path: Path,
):
    config = write_config(tmp_path, "retention_dayz = 3\n")

    with pytest.raises(ConfigError) as raised:
        load_settings(config)

    assert (
        str(raised.value)
        == f"config file {config}: 'retention_dayz' is not a Feedgate setting (did you mean retention_days?)"
    )


def test_a_redaction_pattern_that_does_not_compile_is_quoted_once(tmp_path: Path):
    config = write_config(tmp_path, "[[redaction_rules]]\nname = \"t\"\npattern = '('\n")

    with pytest.raises(ConfigError) as raised:
        load_settings(config)

    assert str(raised.value).endswith(
        f"redaction_rules.0.pattern (redaction_rules in {config}): redaction pattern is not a valid regular expression:"
        " missing ), unterminated subpattern at position 0; got '('"
    )


# -- database URLs ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "used"),
    [
        ("postgresql://feedgate@db:5432/feedgate", "postgresql+asyncpg://feedgate@db:5432/feedgate"),
        ("postgres://feedgate@db:5432/feedgate", "postgresql+asyncpg://feedgate@db:5432/feedgate"),
        ("postgresql+asyncpg://feedgate@db/feedgate", "postgresql+asyncpg://feedgate@db/feedgate"),
        ("sqlite:///./feedgate.db", "sqlite+aiosqlite:///./feedgate.db"),
    ],
)
def test_database_urls_get_the_async_driver(given: str, used: str):
    assert load_settings(database_url=given).database_url == used


def test_a_postgresql_url_from_the_environment_gets_the_async_driver(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/test")

    assert load_settings().database_url == "postgresql+asyncpg://postgres@127.0.0.1:5432/test"


def test_an_unknown_document_part_is_refused_naming_the_setting():
    with pytest.raises(ConfigError, match="cluster_document_parts"):
        load_settings(cluster_document_parts=["question", "vibes"])


@pytest.mark.parametrize("second", ["email", "ticket"])
def test_a_redaction_rule_named_as_a_built_in_or_another_rule_is_refused(tmp_path: Path, second: str):
    rules = "[[redaction_rules]]\nname = \"ticket\"\npattern = 'TCK-\\d+'\n"
    rules += f"[[redaction_rules]]\nname = \"{second}\"\npattern = 'ORD-\\d+'\n"
    config = write_config(tmp_path, rules)

    with pytest.raises(ConfigError, match=f"redaction rule name '{second}' is taken"):
        load_settings(config)
