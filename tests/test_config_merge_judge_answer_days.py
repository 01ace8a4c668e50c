"""How long the merge judge's answers are kept is a setting (it was a constant 30 days), read and checked as others.

`merge_judge_answer_days`: FEEDGATE_MERGE_JUDGE_ANSWER_DAYS or the config file; above 0, at most a century.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from config_helpers import without_feedgate_variables, write_config

from gateway.config import load_settings
from gateway.config_checks import ConfigError


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    without_feedgate_variables(monkeypatch)


def test_the_answers_are_kept_30_days_by_default():
    assert load_settings().merge_judge_answer_days == 30


def test_the_environment_sets_the_days(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("FEEDGATE_MERGE_JUDGE_ANSWER_DAYS", "7.5")

    assert load_settings().merge_judge_answer_days == 7.5


def test_the_config_file_sets_the_days(tmp_path: Path):
    settings = load_settings(write_config(tmp_path, "merge_judge_answer_days = 90\n"))

    assert settings.merge_judge_answer_days == 90


@pytest.mark.parametrize("value", ["0", "-1", "thirty", "30d", "nan", "inf", "1e6"])
def test_days_that_are_no_positive_number_within_a_century_are_refused(monkeypatch: pytest.MonkeyPatch, value: str):
    monkeypatch.setenv("FEEDGATE_MERGE_JUDGE_ANSWER_DAYS", value)

    with pytest.raises(ConfigError) as raised:
        load_settings()

    message = str(raised.value)
    assert "merge_judge_answer_days (FEEDGATE_MERGE_JUDGE_ANSWER_DAYS)" in message
    assert value in message


def test_days_of_another_toml_type_are_refused_naming_the_key(tmp_path: Path):
    with pytest.raises(ConfigError) as raised:
        load_settings(write_config(tmp_path, 'merge_judge_answer_days = "30"\n'))

    assert "merge_judge_answer_days must be a TOML number" in str(raised.value)
