"""Numeric settings have bounds, list settings read from the environment, and a bad value is one line, not a hang."""

from __future__ import annotations

import os

import pytest

from gateway.config import Settings, load_settings
from gateway.config_checks import ConfigError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FEEDGATE_* variable from the machine running the tests leaks into them."""
    for name in list(os.environ):
        if name.upper().startswith("FEEDGATE_"):
            monkeypatch.delenv(name)


def refusal(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> str:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    return str(raised.value)


# -- numeric bounds -----------------------------------------------------------------------


def test_every_default_is_within_its_bounds():
    settings = load_settings()

    assert Settings(**settings.model_dump()) == settings


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FEEDGATE_WRITER_BATCH_SIZE", "0"),
        ("FEEDGATE_WRITER_FLUSH_INTERVAL", "0"),
        ("FEEDGATE_WRITER_FLUSH_INTERVAL", "-1"),
        ("FEEDGATE_WRITER_FLUSH_INTERVAL", "0.0001"),
        ("FEEDGATE_WRITER_QUEUE_SIZE", "0"),
        ("FEEDGATE_WRITER_RETRY_INTERVAL", "0"),
        ("FEEDGATE_MAX_REQUEST_BYTES", "-5"),
        ("FEEDGATE_MAX_REQUEST_BYTES", "0"),
        ("FEEDGATE_UPSTREAM_CONNECT_TIMEOUT", "-1"),
        ("FEEDGATE_UPSTREAM_READ_TIMEOUT", "0"),
        ("FEEDGATE_UPSTREAM_MAX_READ_TIMEOUT", "0"),
        ("FEEDGATE_UPSTREAM_MAX_READ_TIMEOUT", "-1"),
        ("FEEDGATE_UPSTREAM_MAX_READ_TIMEOUT", "inf"),
        ("FEEDGATE_UPSTREAM_MAX_CONNECTIONS", "0"),
        ("FEEDGATE_PROMPT_REFRESH_SECONDS", "0.000001"),
        ("FEEDGATE_KNOWLEDGE_REFRESH_SECONDS", "0.000001"),
        ("FEEDGATE_REVIEW_RECENT_REFRESH_SECONDS", "0.000001"),
        ("FEEDGATE_RETENTION_INTERVAL_MINUTES", "0.000001"),
        ("FEEDGATE_GC_YOUNG_THRESHOLD", "3000000000"),
    ],
)
def test_a_setting_outside_its_bounds_is_refused_in_one_line_naming_its_variable(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
):
    message = refusal(monkeypatch, variable, value)

    assert message.splitlines() == ["invalid configuration:", message.splitlines()[1]]
    assert f"({variable})" in message
    assert f"got '{value}'" in message


@pytest.mark.parametrize(
    "variable",
    [
        "FEEDGATE_HEAP_TRIM_INTERVAL",
        "FEEDGATE_STATS_REFRESH_INTERVAL",
        "FEEDGATE_CLUSTER_INTERVAL",
        "FEEDGATE_PROMPT_GUARD_INTERVAL_MINUTES",
    ],
)
def test_an_interval_that_may_be_off_is_0_or_long_enough_not_to_spin(monkeypatch: pytest.MonkeyPatch, variable: str):
    message = refusal(monkeypatch, variable, "0.001")

    assert f"({variable})" in message
    assert "must be 0 (never) or at least" in message


@pytest.mark.parametrize(
    "variable", ["FEEDGATE_HEAP_TRIM_INTERVAL", "FEEDGATE_STATS_REFRESH_INTERVAL", "FEEDGATE_CLUSTER_INTERVAL"]
)
def test_an_interval_that_may_be_off_accepts_0(monkeypatch: pytest.MonkeyPatch, variable: str):
    monkeypatch.setenv(variable, "0")

    assert getattr(load_settings(), variable.removeprefix("FEEDGATE_").lower()) == 0


@pytest.mark.parametrize("value", ["inf", "nan", "-inf"])
def test_a_number_that_is_not_finite_is_refused(monkeypatch: pytest.MonkeyPatch, value: str):
    message = refusal(monkeypatch, "FEEDGATE_UPSTREAM_READ_TIMEOUT", value)

    assert "upstream_read_timeout (FEEDGATE_UPSTREAM_READ_TIMEOUT)" in message


@pytest.mark.parametrize("value", ["1e6", "inf", "nan", "0", "-1"])
def test_retention_days_beyond_what_a_date_can_hold_is_refused_at_load(monkeypatch: pytest.MonkeyPatch, value: str):
    message = refusal(monkeypatch, "FEEDGATE_RETENTION_DAYS", value)

    assert "retention_days (FEEDGATE_RETENTION_DAYS)" in message


def test_retention_of_a_century_is_accepted(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_RETENTION_DAYS", "36500")

    assert load_settings().retention_days == 36_500


@pytest.mark.parametrize(
    "variable",
    [
        "FEEDGATE_ADMIN_SESSION_HOURS",
        "FEEDGATE_REVIEW_LOW_DEADLINE_HOURS",
        "FEEDGATE_EFFECT_WINDOW_DAYS",
        "FEEDGATE_CLUSTER_LOCK_TTL",
        "FEEDGATE_FEEDBACK_TOKEN_TTL",
    ],
)
def test_a_duration_longer_than_a_century_is_refused(monkeypatch: pytest.MonkeyPatch, variable: str):
    message = refusal(monkeypatch, variable, "1000000000000")

    assert f"({variable})" in message


def test_a_small_flush_interval_of_a_few_milliseconds_is_accepted(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_WRITER_FLUSH_INTERVAL", "0.005")

    assert load_settings().writer_flush_interval == 0.005


# -- list settings from the environment ------------------------------------------------------


def test_cors_origins_may_be_a_json_list(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_CORS_ORIGINS", '["https://app.example", "https://b.example/"]')

    assert load_settings().cors_origins == ["https://app.example", "https://b.example"]


def test_cors_origins_may_be_comma_separated(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_CORS_ORIGINS", "https://app.example, https://b.example")

    assert load_settings().cors_origins == ["https://app.example", "https://b.example"]


def test_a_single_cors_origin_needs_no_brackets(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_CORS_ORIGINS", "https://app.example")

    assert load_settings().cors_origins == ["https://app.example"]


def test_cors_origins_are_kept_as_browsers_send_them(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv(
        "FEEDGATE_CORS_ORIGINS", "HTTPS://App.Example:443/,http://127.0.0.1:8000,capacitor://localhost,*"
    )

    assert load_settings().cors_origins == [
        "https://app.example",
        "http://127.0.0.1:8000",
        "capacitor://localhost",
        "*",
    ]


def test_a_cors_origin_with_an_international_host_name_is_kept_in_the_ascii_form_browsers_send(
    monkeypatch: pytest.MonkeyPatch,
):
    # A browser's Origin holds the punycode form: kept as written, the page's every post was "Failed to fetch".
    monkeypatch.setenv("FEEDGATE_CORS_ORIGINS", "https://Bücher.example,https://straße.de:8443")

    assert load_settings().cors_origins == ["https://xn--bcher-kva.example", "https://xn--strae-oqa.de:8443"]


@pytest.mark.parametrize(
    "origin", ["127.0.0.1:18123", "app.example", "https://app.example/app/", "https://*.example.com", "null"]
)
def test_a_cors_origin_no_browser_sends_is_refused_naming_the_variable(monkeypatch: pytest.MonkeyPatch, origin: str):
    message = refusal(monkeypatch, "FEEDGATE_CORS_ORIGINS", origin)

    assert "cors_origins (FEEDGATE_CORS_ORIGINS)" in message
    assert f"{origin!r} is not a browser origin: write scheme://host[:port]" in message


def test_document_parts_may_be_comma_separated(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_CLUSTER_DOCUMENT_PARTS", "comment,question")

    assert load_settings().cluster_document_parts == ["comment", "question"]


def test_a_broken_json_list_is_one_line_naming_the_variable(monkeypatch: pytest.MonkeyPatch):
    message = refusal(monkeypatch, "FEEDGATE_CORS_ORIGINS", '["https://app.example"')

    assert "cors_origins (FEEDGATE_CORS_ORIGINS)" in message
    assert "must be a JSON list" in message
    assert len(message.splitlines()) == 2


@pytest.mark.parametrize("variable", ["FEEDGATE_UPSTREAMS", "FEEDGATE_REVIEW_GATES", "FEEDGATE_REDACTION_RULES"])
def test_a_list_of_tables_from_the_environment_must_be_json(monkeypatch: pytest.MonkeyPatch, variable: str):
    message = refusal(monkeypatch, variable, "support-bot")

    assert f"({variable})" in message
    assert "must be a JSON list" in message
    assert len(message.splitlines()) == 2


def test_a_list_of_tables_from_the_environment_is_read_as_json(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_REVIEW_GATES", '[{"app": "support-bot", "mode": "hold"}]')

    assert [(gate.app, gate.mode) for gate in load_settings().review_gates] == [("support-bot", "hold")]


# -- values given as command-line flags ------------------------------------------------------


def test_a_flag_outside_its_bounds_is_named_as_the_flag_not_as_a_variable_nobody_set(monkeypatch: pytest.MonkeyPatch):
    with pytest.raises(ConfigError) as raised:
        load_settings(flags=("workers",), workers=0)

    [_, line] = str(raised.value).splitlines()
    assert line.startswith("  workers (--workers): ")
    assert "FEEDGATE_WORKERS" not in line
