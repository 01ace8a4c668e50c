"""A refused setting quotes a long value as the API does (gateway/domain/quoting.py): its start and its length.

Quoted whole, a pasted key or a 3,000-character list filled the terminal, twice over (once in the check's own
words, once after "got").
"""

from __future__ import annotations

from pathlib import Path

import pytest
from config_helpers import without_feedgate_variables, write_config

from gateway.config import load_settings
from gateway.config_checks import ConfigError

LONG = "x" * 3000
# How a refusal quotes LONG: its first 60 characters, then its length.
LONG_QUOTED = f"'{'x' * 60}…' (3,000 characters)"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FEEDGATE_* variable from the machine running the tests leaks into them."""
    without_feedgate_variables(monkeypatch)


def refusal_from_environment(monkeypatch: pytest.MonkeyPatch, variable: str, value: str) -> str:
    monkeypatch.setenv(variable, value)
    with pytest.raises(ConfigError) as raised:
        load_settings()
    return str(raised.value)


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FEEDGATE_PORT", LONG),  # pydantic's own refusal, the value after "got"
        ("FEEDGATE_ROOT_PATH", LONG),  # a check of Feedgate's, quoting the value in its own words
        ("FEEDGATE_TRUSTED_PROXIES", LONG),
        ("FEEDGATE_CORS_ORIGINS", LONG),
        ("FEEDGATE_ADMIN_CLIENT_ADDRESS_HEADER", LONG + " x"),
    ],
)
def test_a_long_refused_value_is_quoted_by_its_start_and_its_length(
    monkeypatch: pytest.MonkeyPatch, variable: str, value: str
):
    if variable == "FEEDGATE_ADMIN_CLIENT_ADDRESS_HEADER":
        monkeypatch.setenv("FEEDGATE_TRUSTED_PROXIES", "10.0.0.5")

    message = refusal_from_environment(monkeypatch, variable, value)

    assert "x" * 61 not in message
    assert "…" in message
    assert len(message) < 500


def test_a_long_value_a_check_quotes_is_quoted_as_the_api_quotes_it(monkeypatch: pytest.MonkeyPatch):
    message = refusal_from_environment(monkeypatch, "FEEDGATE_ROOT_PATH", LONG)

    assert f"root_path (FEEDGATE_ROOT_PATH): {LONG_QUOTED} is not a URL path" in message


def test_a_value_the_check_quotes_already_is_not_quoted_again_after_got(monkeypatch: pytest.MonkeyPatch):
    message = refusal_from_environment(monkeypatch, "FEEDGATE_ROOT_PATH", LONG)

    assert message.count(LONG_QUOTED) == 1


def test_a_short_refused_value_is_still_quoted_whole(monkeypatch: pytest.MonkeyPatch):
    message = refusal_from_environment(monkeypatch, "FEEDGATE_ROOT_PATH", "feedgate")

    assert "'feedgate' is not a URL path" in message


def test_a_long_refused_url_is_cut_after_its_password_is_hidden(monkeypatch: pytest.MonkeyPatch):
    message = refusal_from_environment(monkeypatch, "FEEDGATE_CORS_ORIGINS", f"https://me:s3cr3t@{LONG}.example/x")

    assert "s3cr3t" not in message
    assert "x" * 61 not in message


def test_a_long_unknown_key_in_the_config_file_is_quoted_by_its_start_and_its_length(tmp_path: Path):
    with pytest.raises(ConfigError) as raised:
        load_settings(write_config(tmp_path, f"{LONG} = 1\n"))

    assert f"{LONG_QUOTED} is not a Feedgate setting" in str(raised.value)


def test_a_long_repeated_upstream_name_is_quoted_by_its_start_and_its_length(tmp_path: Path):
    entry = f'[[upstreams]]\nname = "{LONG}"\nurl = "http://127.0.0.1:9000/v1"\nmodels = ["m"]\n'
    with pytest.raises(ConfigError) as raised:
        load_settings(write_config(tmp_path, entry + entry))

    assert f"upstream {LONG_QUOTED} is already upstreams.0" in str(raised.value)
    assert "x" * 61 not in str(raised.value)
