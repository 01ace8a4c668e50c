"""Review and retrain settings that cannot work are refused at load, like every other bad setting.

A webhook URL without the secret its notices are signed with, and a second `[[review_gates]]` entry
for an app (gates are per app, so one entry would silently win), are one line naming the setting,
exit code 2, before anything starts: not a traceback out of service start-up.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

from gateway.config import Settings, load_settings
from gateway.config_checks import ConfigError

FEEDGATE = [sys.executable, "-m", "gateway.cli"]

REVIEW_WEBHOOK_REFUSED = (
    "  review_webhook_url (FEEDGATE_REVIEW_WEBHOOK_URL): its notices are signed with "
    "review_webhook_secret (FEEDGATE_REVIEW_WEBHOOK_SECRET), which is not set: set it, or unset this"
)
RETRAIN_WEBHOOK_REFUSED = (
    "  retrain_webhook_url (FEEDGATE_RETRAIN_WEBHOOK_URL): its notices are signed with the secret in the "
    "environment variable FEEDGATE_RETRAIN_WEBHOOK_SECRET (named by retrain_webhook_secret_env), which is not set: "
    "set it, or unset this"
)
REPEATED_GATE_REFUSED = "  review_gates.1.app (FEEDGATE_REVIEW_GATES): app 'support-bot' already has a gate (review_gates.0); one entry per app"
TWO_GATES_FOR_ONE_APP = (
    '[[review_gates]]\napp = "support-bot"\n\n[[review_gates]]\napp = "support-bot"\nmode = "hold"\n'
)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No FEEDGATE_* variable from the machine running the tests leaks into them."""
    for name in list(os.environ):
        if name.upper().startswith("FEEDGATE_"):
            monkeypatch.delenv(name)


def write_config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "feedgate.toml"
    path.write_text(text)
    return path


def in_file(refused: str, config: Path) -> str:
    """The refusal `refused` (as of a variable) of the same value given in the config file `config`: named as its key."""
    return re.sub(r"\(FEEDGATE_([A-Z_]+)\)", lambda found: f"({found[1].lower()} in {config})", refused, count=1)


def review_webhook_refused_in_file(config: Path) -> str:
    """The review webhook's refusal, its URL given in `config`: the secret is named where it may be set too."""
    return in_file(REVIEW_WEBHOOK_REFUSED, config).replace(
        "(FEEDGATE_REVIEW_WEBHOOK_SECRET)", f"(FEEDGATE_REVIEW_WEBHOOK_SECRET, or review_webhook_secret in {config})"
    )


def refusal(**overrides: object) -> str:
    with pytest.raises(ConfigError) as raised:
        load_settings(**overrides)
    return str(raised.value)


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The command as a user runs it, with only the FEEDGATE_* variables given here."""
    clean = {name: value for name, value in os.environ.items() if not name.upper().startswith("FEEDGATE_")}
    return subprocess.run([*FEEDGATE, *args], env={**clean, **env}, capture_output=True, text=True, timeout=30)


def refused_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """What a command refused at load printed on stderr: nothing started, so no traceback and no log lines."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    return result.stderr.splitlines()


# -- the review webhook: a URL needs review_webhook_secret --------------------------------------


def test_a_review_webhook_url_without_its_secret_is_refused_in_one_line(tmp_path: Path):
    with pytest.raises(ConfigError) as raised:
        load_settings(config := write_config(tmp_path, 'review_webhook_url = "http://x/y"\n'))

    assert str(raised.value).splitlines() == ["invalid configuration:", review_webhook_refused_in_file(config)]


def test_a_review_webhook_url_from_the_environment_without_its_secret_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_REVIEW_WEBHOOK_URL", "http://x/y")

    assert REVIEW_WEBHOOK_REFUSED in refusal()


def test_an_empty_review_webhook_secret_is_refused_like_a_missing_one():
    refused = refusal(review_webhook_url="http://x/y", review_webhook_secret="")

    assert "review_webhook_secret (review_webhook_secret passed in code), which is not set" in refused


def test_a_review_webhook_url_with_its_secret_from_the_environment_loads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("FEEDGATE_REVIEW_WEBHOOK_SECRET", "hook-secret")

    settings = load_settings(write_config(tmp_path, 'review_webhook_url = "http://x/y"\n'))

    assert (settings.review_webhook_url, settings.review_webhook_secret) == ("http://x/y", "hook-secret")


def test_the_settings_object_itself_refuses_a_review_webhook_it_cannot_sign():
    with pytest.raises(ValidationError, match="review_webhook_secret"):
        Settings(review_webhook_url="http://x/y")


# -- the retrain webhook: a URL needs the variable retrain_webhook_secret_env names -------------


def test_a_retrain_webhook_url_without_its_secret_is_refused_in_one_line(tmp_path: Path):
    with pytest.raises(ConfigError) as raised:
        load_settings(config := write_config(tmp_path, 'retrain_webhook_url = "http://x/y"\n'))

    assert str(raised.value).splitlines() == ["invalid configuration:", in_file(RETRAIN_WEBHOOK_REFUSED, config)]


def test_a_retrain_webhook_url_from_the_environment_without_its_secret_is_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_RETRAIN_WEBHOOK_URL", "http://x/y")

    assert RETRAIN_WEBHOOK_REFUSED in refusal()


def test_an_empty_retrain_webhook_secret_is_refused_like_a_missing_one(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_RETRAIN_WEBHOOK_SECRET", "")
    monkeypatch.setenv("FEEDGATE_RETRAIN_WEBHOOK_URL", "http://x/y")

    assert RETRAIN_WEBHOOK_REFUSED in refusal()


def test_the_refusal_names_the_variable_retrain_webhook_secret_env_names():
    refused = refusal(retrain_webhook_url="http://x/y", retrain_webhook_secret_env="HOOK_SECRET")

    assert "the environment variable HOOK_SECRET (named by retrain_webhook_secret_env), which is not set" in refused


def test_a_retrain_webhook_url_loads_once_the_named_variable_holds_the_secret(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("HOOK_SECRET", "s")

    settings = load_settings(retrain_webhook_url="http://x/y", retrain_webhook_secret_env="HOOK_SECRET")

    assert settings.retrain_webhook_url == "http://x/y"


# -- review gates: one entry per app ----------------------------------------------------------


def test_two_review_gates_for_one_app_are_refused_naming_the_app(tmp_path: Path):
    with pytest.raises(ConfigError) as raised:
        load_settings(config := write_config(tmp_path, TWO_GATES_FOR_ONE_APP))

    assert str(raised.value).splitlines() == ["invalid configuration:", in_file(REPEATED_GATE_REFUSED, config)]


def test_two_review_gates_for_one_app_from_the_environment_are_refused(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_REVIEW_GATES", '[{"app": "support-bot"}, {"app": "support-bot", "mode": "hold"}]')

    assert REPEATED_GATE_REFUSED in refusal()


def test_each_repeated_gate_of_an_app_is_a_line_of_its_own():
    gates = [{"app": "a"}, {"app": "b"}, {"app": "a"}, {"app": "a"}]

    refused = refusal(review_gates=gates).splitlines()

    assert refused[1:] == [
        "  review_gates.2.app (review_gates passed in code): app 'a' already has a gate (review_gates.0); one entry per app",
        "  review_gates.3.app (review_gates passed in code): app 'a' already has a gate (review_gates.0); one entry per app",
    ]


def test_gates_for_different_apps_load():
    settings = load_settings(review_gates=[{"app": "support-bot"}, {"app": "billing-bot", "mode": "hold"}])

    assert [gate.app for gate in settings.review_gates] == ["support-bot", "billing-bot"]


# -- the commands: one line, exit 2, nothing started ------------------------------------------


def test_serve_refuses_a_review_webhook_url_without_its_secret_before_starting(tmp_path: Path):
    config = write_config(tmp_path, 'review_webhook_url = "http://x/y"\n')

    result = run(["serve", "--config", str(config)], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"})

    assert refused_lines(result) == ["feedgate: invalid configuration:", review_webhook_refused_in_file(config)]
    assert not (tmp_path / "s.db").exists()


def test_serve_refuses_a_retrain_webhook_url_without_its_secret_before_starting(tmp_path: Path):
    config = write_config(tmp_path, 'retrain_webhook_url = "http://x/y"\n')

    result = run(["serve", "--config", str(config)], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"})

    assert refused_lines(result) == ["feedgate: invalid configuration:", in_file(RETRAIN_WEBHOOK_REFUSED, config)]
    assert not (tmp_path / "s.db").exists()


def test_serve_refuses_two_review_gates_for_one_app_before_starting(tmp_path: Path):
    config = write_config(tmp_path, TWO_GATES_FOR_ONE_APP)

    result = run(["serve", "--config", str(config)], {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/s.db"})

    assert refused_lines(result) == ["feedgate: invalid configuration:", in_file(REPEATED_GATE_REFUSED, config)]
    assert not (tmp_path / "s.db").exists()


@pytest.mark.parametrize(
    ("variable", "refused"),
    [
        ("FEEDGATE_REVIEW_WEBHOOK_URL", REVIEW_WEBHOOK_REFUSED),
        ("FEEDGATE_RETRAIN_WEBHOOK_URL", RETRAIN_WEBHOOK_REFUSED),
    ],
)
def test_worker_refuses_a_webhook_url_from_the_environment_without_its_secret(
    tmp_path: Path, variable: str, refused: str
):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/w.db", variable: "http://x/y"}

    result = run(["worker", "--interval", "60"], env)

    assert refused_lines(result) == ["feedgate: invalid configuration:", refused]


@pytest.mark.parametrize("command", [["db", "upgrade"], ["keys", "create", "support-bot"], ["cluster"]])
def test_every_command_that_loads_settings_refuses_them_alike(tmp_path: Path, command: list[str]):
    env = {"FEEDGATE_DATABASE_URL": f"sqlite:///{tmp_path}/c.db", "FEEDGATE_REVIEW_WEBHOOK_URL": "http://x/y"}

    result = run(command, env)

    assert refused_lines(result) == ["feedgate: invalid configuration:", REVIEW_WEBHOOK_REFUSED]
