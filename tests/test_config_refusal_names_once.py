"""Each refusal names its setting once, at the start of its line, and says what to fix.

The checks across settings named the refused setting again in their reason, after the line had named it and where it
came from: `review_webhook_url (FEEDGATE_REVIEW_WEBHOOK_URL): review_webhook_url is set but …`, and a side call's
key setting three times (`title_api_key_env (FEEDGATE_TITLE_API_KEY_ENV): … set title_api_key_env to … an empty
FEEDGATE_TITLE_API_KEY_ENV is refused`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from gateway.config import load_settings
from gateway.config_checks import ConfigError
from tests.config_helpers import without_feedgate_variables, write_config

# Every check across settings refusing at once, beside refusals of single settings.
REFUSED = {
    "port": "70000",
    "workers": "0",
    "trusted_proxies": "not-an-address",  # and so no client-address header is believed
    "feedback_client_address_header": "x-real-ip",
    "embedding_url": "http://embeddings.example/v1",
    "title_model": "gpt-title",
    "title_url": "http://titles.example/v1",
    "merge_judge_model": "judge",
    "merge_judge_url": "http://judge.example/v1",
    "review_webhook_url": "http://hooks.example/review",
    "retrain_webhook_url": "http://hooks.example/retrain",
}
# The settings the checks across settings refuse: each must be among the lines.
ACROSS = {
    "merge_judge_api_key_env",
    "title_api_key_env",
    "embedding_api_key_env",
    "review_webhook_url",
    "retrain_webhook_url",
}


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    without_feedgate_variables(monkeypatch)


def refusal_lines(*args: object) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        load_settings(*args)  # type: ignore[arg-type]
    return str(raised.value).splitlines()[1:]


def assert_named_once(lines: list[str]) -> None:
    named = set()
    for line in lines:
        setting, _, reason = line.strip().partition(": ")
        name = setting.split(" (")[0].split(".")[0]
        named.add(name)
        variable = f"FEEDGATE_{name.upper()}"
        assert not re.search(rf"\b({name}|{variable})\b", reason), f"the reason names {name} again: {line}"
    assert named >= ACROSS, named


def test_refusals_from_the_environment_name_their_setting_once(monkeypatch: pytest.MonkeyPatch):
    for name, value in REFUSED.items():
        monkeypatch.setenv(f"FEEDGATE_{name.upper()}", value)

    assert_named_once(refusal_lines())


def test_refusals_from_a_config_file_name_their_setting_once(tmp_path: Path):
    # TOML's own types: a number written as a string is refused alone, before the settings are judged.
    written = {name: value if value.isdigit() else f'"{value}"' for name, value in REFUSED.items()}
    written["trusted_proxies"] = f"[{written['trusted_proxies']}]"
    config = write_config(tmp_path, "".join(f"{name} = {value}\n" for name, value in written.items()))

    assert_named_once(refusal_lines(config))
