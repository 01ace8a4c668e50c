"""Every refusal of the settings comes at once: those of single settings, the checks across settings, the retrain
webhook's secret; and a value passed in code is named as such, not as a variable nobody set.

pydantic runs a model's own validators only once every field passed, so a refused port hid a review webhook without
its secret: the operator fixed the port, restarted, and only then heard of the webhook. The retrain webhook was
checked after the settings were built, so it came later still.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from gateway.config import Settings, load_settings
from gateway.config_checks import ConfigError
from gateway.serve_workers import ServeArguments
from tests.config_helpers import without_feedgate_variables, write_config

PORT_REFUSED = "  port (FEEDGATE_PORT): Input should be less than or equal to 65535; got '70000'"
REVIEW_WEBHOOK_REFUSED = (
    "  review_webhook_url (FEEDGATE_REVIEW_WEBHOOK_URL): its notices are signed with "
    "review_webhook_secret (FEEDGATE_REVIEW_WEBHOOK_SECRET), which is not set: set it, or unset this"
)
RETRAIN_WEBHOOK_REFUSED = (
    "  retrain_webhook_url (FEEDGATE_RETRAIN_WEBHOOK_URL): its notices are signed with the secret in the "
    "environment variable FEEDGATE_RETRAIN_WEBHOOK_SECRET (named by retrain_webhook_secret_env), which is not set: "
    "set it, or unset this"
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    without_feedgate_variables(monkeypatch)


def refused_lines(*args: object, **overrides: object) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_settings(*args, **overrides)  # type: ignore[arg-type]
    return str(raised.value).splitlines()


def test_a_check_across_settings_is_reported_beside_a_refused_setting(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_PORT", "70000")
    monkeypatch.setenv("FEEDGATE_REVIEW_WEBHOOK_URL", "http://x/y")

    assert refused_lines() == ["invalid configuration:", PORT_REFUSED, REVIEW_WEBHOOK_REFUSED]


def test_the_retrain_webhook_is_reported_beside_a_refused_setting(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_PORT", "70000")
    monkeypatch.setenv("FEEDGATE_RETRAIN_WEBHOOK_URL", "http://x/y")

    assert refused_lines() == ["invalid configuration:", PORT_REFUSED, RETRAIN_WEBHOOK_REFUSED]


def test_the_retrain_webhook_is_reported_beside_a_check_across_settings(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_REVIEW_WEBHOOK_URL", "http://x/y")
    monkeypatch.setenv("FEEDGATE_RETRAIN_WEBHOOK_URL", "http://x/z")

    assert refused_lines() == ["invalid configuration:", REVIEW_WEBHOOK_REFUSED, RETRAIN_WEBHOOK_REFUSED]


def test_a_check_reading_a_refused_setting_is_not_judged_on_its_default(monkeypatch: pytest.MonkeyPatch):
    # trusted_proxies is refused: judged on its default (none), the header would be refused for a list the
    # operator did write.
    monkeypatch.setenv("FEEDGATE_TRUSTED_PROXIES", "not-an-address")
    monkeypatch.setenv("FEEDGATE_ADMIN_CLIENT_ADDRESS_HEADER", "x-real-ip")

    lines = refused_lines()

    assert [line.split(" (")[0].strip() for line in lines[1:]] == ["trusted_proxies"]


def test_the_settings_object_itself_reports_both_kinds_at_once():
    with pytest.raises(ValidationError) as raised:
        Settings(port=70000, review_webhook_url="http://x/y")

    assert [error["loc"] for error in raised.value.errors()] == [("port",), ("review_webhook_url",)]


# -- where a value passed in code came from --------------------------------------------------------


def test_a_value_passed_to_load_settings_in_code_is_named_so():
    lines = refused_lines(port=70000)

    assert lines[1] == "  port (port passed in code): Input should be less than or equal to 65535; got 70000"


def test_a_check_across_settings_names_a_value_passed_in_code_so():
    lines = refused_lines(review_webhook_url="http://x/y", review_webhook_secret="")

    assert lines[1] == (
        "  review_webhook_url (review_webhook_url passed in code): its notices are signed with "
        "review_webhook_secret (review_webhook_secret passed in code), which is not set: set it, or unset this"
    )


def test_a_check_across_settings_names_the_other_setting_where_it_would_be_set(tmp_path: Path):
    config = write_config(tmp_path, 'review_webhook_url = "http://x/y"\n')

    lines = refused_lines(config)

    assert lines[1] == (
        f"  review_webhook_url (review_webhook_url in {config}): its notices are signed with review_webhook_secret "
        f"(FEEDGATE_REVIEW_WEBHOOK_SECRET, or review_webhook_secret in {config}), which is not set: set it, or unset this"
    )


def test_settings_built_in_code_name_their_values_so():
    settings = Settings(database_url="sqlite+aiosqlite:///in-code.db")

    assert settings.origin_of("database_url") == "database_url passed in code"
    assert settings.origin_of("port") == "FEEDGATE_PORT"


def test_a_worker_names_the_parents_flags_as_flags_and_the_databases_secrets_as_such():
    handed = ServeArguments.from_json(
        ServeArguments(None, {"workers": 0, "key_salt": "s"}, flags=("workers",)).to_json()
    )

    with pytest.raises(ConfigError) as raised:
        handed.settings()

    assert str(raised.value).splitlines()[1].startswith("  workers (--workers): ")
    settings = ServeArguments(None, {"workers": 2, "key_salt": "s"}, flags=("workers",)).settings()
    assert settings.origin_of("key_salt") == "key_salt read from the database by feedgate serve"
