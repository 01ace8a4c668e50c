"""A refused setting's line shows the value sent unless that value is a secret, and says a duration's unit."""

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


def refusal_from_environment(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> str:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    return str(raised.value)


def refusal_of_values(**values: object) -> str:
    """The refusal of settings given as values of their own types (as the file's, past its TOML type checks)."""
    with pytest.raises(ConfigError) as raised:
        load_settings(**values)
    return str(raised.value)


def refusal_from_file(tmp_path: Path, text: str) -> str:
    with pytest.raises(ConfigError) as raised:
        load_settings(write_config(tmp_path, text))
    return str(raised.value)


# -- secrets are never echoed -----------------------------------------------------------------


@pytest.mark.parametrize(
    "setting", ["admin_token", "metrics_token", "feedback_secret", "review_webhook_secret", "key_salt"]
)
def test_a_refused_secret_is_named_without_its_value(setting: str):
    message = refusal_of_values(**{setting: ["s3cr3t-value"]})

    assert f"{setting} ({setting} passed in code)" in message
    assert "s3cr3t-value" not in message


def test_a_refused_database_url_is_named_without_its_value():
    message = refusal_of_values(database_url=["postgresql://feedgate:s3cr3t@db/feedgate"])

    assert "database_url (database_url passed in code)" in message
    assert "s3cr3t" not in message


def test_a_refused_url_is_shown_with_its_password_hidden(monkeypatch: pytest.MonkeyPatch):
    message = refusal_from_environment(monkeypatch, "FEEDGATE_UPSTREAM_URL", "ftp://me:s3cr3t@llm.example/v1")

    assert "got 'ftp://***@llm.example/v1'" in message
    assert "s3cr3t" not in message


def test_a_refused_upstream_entry_url_is_shown_with_its_password_hidden(tmp_path: Path):
    text = '[[upstreams]]\nname = "local"\nurl = "ftp://me:s3cr3t@llm.example/v1"\nmodels = ["m"]\n'
    message = refusal_from_file(tmp_path, text)

    assert "upstreams.0.url" in message
    assert "ftp://***@llm.example/v1" in message
    assert "s3cr3t" not in message


# -- settings whose names merely contain "token" or "key" are echoed ---------------------------


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FEEDGATE_FEEDBACK_TOKEN_TTL", "7d"),
        ("FEEDGATE_FEEDBACK_TOKEN_MAX_SUBMISSIONS", "lots"),
        ("FEEDGATE_FEEDBACK_TOKEN_POSTS_PER_MINUTE", "-1"),
        ("FEEDGATE_ADMIN_TOKEN_FAILURES_PER_MINUTE", "ten"),
        ("FEEDGATE_KEY_CACHE_SECONDS", "5s"),
        ("FEEDGATE_KEY_MODE", "keys"),
    ],
)
def test_a_refused_setting_that_holds_no_secret_shows_the_value_sent(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
):
    message = refusal_from_environment(monkeypatch, variable, value)

    assert f"({variable})" in message
    assert f"got '{value}'" in message


def test_a_refused_api_key_variable_name_is_shown_as_it_is_no_key():
    message = refusal_of_values(upstream_api_key_env=["OPENAI_API_KEY"])

    assert "upstream_api_key_env (upstream_api_key_env passed in code)" in message
    assert "got ['OPENAI_API_KEY']" in message


# -- a duration's unit ------------------------------------------------------------------------


def test_a_refused_feedback_token_ttl_says_it_is_a_number_of_seconds(monkeypatch: pytest.MonkeyPatch):
    message = refusal_from_environment(monkeypatch, "FEEDGATE_FEEDBACK_TOKEN_TTL", "7d")

    assert message.splitlines()[1].endswith("got '7d'; a number of seconds")


@pytest.mark.parametrize(
    "variable",
    [
        "FEEDGATE_CLUSTER_LOCK_TTL",
        "FEEDGATE_UPSTREAM_READ_TIMEOUT",
        "FEEDGATE_WRITER_FLUSH_INTERVAL",
        "FEEDGATE_HEAP_TRIM_INTERVAL",
    ],
)
def test_a_refused_duration_named_without_its_unit_says_it_is_in_seconds(
    monkeypatch: pytest.MonkeyPatch, variable: str
):
    message = refusal_from_environment(monkeypatch, variable, "2h")

    assert message.splitlines()[1].endswith("got '2h'; a number of seconds")


def test_a_refused_setting_whose_name_says_its_unit_gets_no_unit_added(monkeypatch: pytest.MonkeyPatch):
    message = refusal_from_environment(monkeypatch, "FEEDGATE_ADMIN_SESSION_HOURS", "2d")

    assert message.splitlines()[1].endswith("got '2d'")
