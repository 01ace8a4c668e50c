"""The settings Feedgate takes but warns of at start-up: misspelt variables, short secrets, upstreams no call
reaches or reaches at the wrong path, redaction rules that redact nothing, and several
processes on one SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest
from config_helpers import without_feedgate_variables, write_config

from gateway.config import Settings, load_settings
from gateway.config_checks import (
    idle_redaction_rules,
    pathless_upstreams,
    shared_sqlite_file,
    short_secrets,
    unrouted_upstreams,
)
from gateway.config_entries import RedactionPattern, Upstream
from gateway.serve_workers import ARGUMENTS_ENV, SERVE_PID_ENV


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FEEDGATE_* variable from the machine running the tests leaks into them."""
    without_feedgate_variables(monkeypatch)


def test_a_misspelt_variable_is_named_in_a_warning_with_the_setting_it_resembles(monkeypatch, caplog):
    monkeypatch.setenv("FEEDGATE_RETENTION_DAY", "30")

    with caplog.at_level("WARNING", logger="feedgate"):
        settings = load_settings()

    assert settings.retention_days is None
    assert (
        "FEEDGATE_RETENTION_DAY is not a Feedgate setting (did you mean FEEDGATE_RETENTION_DAYS?); it is ignored"
        in caplog.messages
    )


def test_the_variable_naming_the_retrain_secret_is_no_typo(monkeypatch, caplog):
    monkeypatch.setenv("FEEDGATE_RETRAIN_WEBHOOK_SECRET", "s3cret")

    with caplog.at_level("WARNING", logger="feedgate"):
        load_settings()

    assert caplog.messages == []


@pytest.mark.parametrize("variable", [ARGUMENTS_ENV, SERVE_PID_ENV])
def test_the_variables_serve_hands_its_workers_are_no_typos(monkeypatch, caplog, variable: str):
    # Each `serve --workers N` worker warned "FEEDGATE_INTERNAL_SERVE_PID is not a Feedgate setting".
    monkeypatch.setenv(variable, "12345")

    with caplog.at_level("WARNING", logger="feedgate"):
        load_settings()

    assert caplog.messages == []


def test_variables_other_settings_name_for_their_keys_are_no_typos(monkeypatch, caplog, tmp_path: Path):
    monkeypatch.setenv("FEEDGATE_UPSTREAM_API_KEY_ENV", "FEEDGATE_OPENAI_KEY")
    monkeypatch.setenv("FEEDGATE_OPENAI_KEY", "sk-one")
    monkeypatch.setenv("FEEDGATE_LOCAL_KEY", "sk-two")
    config = write_config(
        tmp_path, '[[upstreams]]\nname = "local"\nurl = "http://l/v1"\napi_key_env = "FEEDGATE_LOCAL_KEY"\n'
    )

    with caplog.at_level("WARNING", logger="feedgate"):
        load_settings(config)

    assert caplog.messages == []


def test_a_short_secret_is_warned_of_naming_its_variable_and_length():
    settings = Settings(admin_token="letmein", feedback_secret="f" * 48, metrics_token="m" * 31)

    assert short_secrets(settings) == [
        "FEEDGATE_ADMIN_TOKEN is 7 characters: a short secret can be guessed; use at least 32 random ones, "
        "e.g. $(openssl rand -hex 24)",
        "FEEDGATE_METRICS_TOKEN is 31 characters: a short secret can be guessed; use at least 32 random ones, "
        "e.g. $(openssl rand -hex 24)",
    ]


def test_unset_or_long_secrets_are_not_warned_of():
    assert short_secrets(Settings(admin_token="a" * 32, feedback_secret=None, metrics_token=None)) == []


def test_an_upstream_url_without_a_path_is_warned_of_naming_the_v1_it_likely_lacks():
    settings = Settings(upstream_url="http://llm.internal:8000/")

    assert pathless_upstreams(settings) == [
        "upstream 'default' (http://llm.internal:8000) has no path, so calls go to "
        "http://llm.internal:8000/chat/completions; OpenAI-compatible APIs usually live under /v1 "
        "(e.g. http://llm.internal:8000/v1)"
    ]


def test_upstream_urls_with_a_path_are_not_warned_of():
    settings = Settings(
        upstream_url="https://api.openai.com/v1",
        upstreams=[Upstream(name="az", url="https://x/openai/v1?api-version=1")],
    )

    assert pathless_upstreams(settings) == []


def test_an_upstream_that_names_no_model_and_no_prefix_is_warned_of():
    settings = Settings(
        upstream_url="https://api.openai.com/v1",
        upstreams=[
            Upstream(name="local", url="http://127.0.0.1:11434/v1"),
            Upstream(name="vllm", url="http://vllm:8000/v1", model_prefixes=["llama"]),
        ],
    )

    assert unrouted_upstreams(settings) == [
        "upstream 'local' (http://127.0.0.1:11434/v1) lists no models and no model_prefixes, so no call goes to it"
        " (they all go to https://api.openai.com/v1): add models = [...] or model_prefixes = [...] to its entry"
    ]


def test_redaction_rules_with_redaction_off_are_warned_of():
    rules = [RedactionPattern(name="ticket", pattern=r"TCK-\d+")]

    assert idle_redaction_rules(Settings(redaction_rules=rules)) == [
        "redaction is off (FEEDGATE_REDACTION), so the configured redaction_rules (ticket) redact nothing: "
        "set redaction = true to apply them, and the built-in rules, before anything is stored"
    ]
    assert idle_redaction_rules(Settings(redaction=True, redaction_rules=rules)) == []
    assert idle_redaction_rules(Settings()) == []


def test_several_processes_on_one_sqlite_file_are_warned_of_naming_postgresql(tmp_path: Path):
    sqlite = f"sqlite+aiosqlite:///{tmp_path}/f.db"

    [warning] = shared_sqlite_file(Settings(workers=3, database_url=sqlite))

    assert warning.startswith("3 processes (FEEDGATE_WORKERS, --workers) share one SQLite file")
    assert "one at a time" in warning and "postgresql+asyncpg://" in warning
    assert shared_sqlite_file(Settings(workers=1, database_url=sqlite)) == []
    assert shared_sqlite_file(Settings(workers=3, database_url="postgresql+asyncpg://u@db/feedgate")) == []


def test_a_key_set_as_a_setting_is_told_that_the_setting_it_resembles_takes_a_variables_name(monkeypatch, caplog):
    # Its hint alone, "did you mean FEEDGATE_UPSTREAM_API_KEY_ENV?", sent the key there.
    monkeypatch.setenv("FEEDGATE_UPSTREAM_API_KEY", "sk-proj-Abc123SECRETvalue")

    with caplog.at_level("WARNING", logger="feedgate"):
        load_settings()

    assert caplog.messages == [
        "FEEDGATE_UPSTREAM_API_KEY is not a Feedgate setting (did you mean FEEDGATE_UPSTREAM_API_KEY_ENV? it takes "
        "the name of the variable holding the key, OPENAI_API_KEY by default, not the key); it is ignored"
    ]
