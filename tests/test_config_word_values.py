"""A setting that takes one of a few words takes it in any case, with spaces around it: `JSON` is `json`.

`FEEDGATE_LOG_FORMAT=JSON` was refused as invalid, while the refusal itself, read before the settings, was already
written as the JSON log line the operator asked for; `FEEDGATE_LOG_LEVEL=INFO`, as other tools spell it, was refused.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Literal, get_args, get_origin

import pytest

from gateway.config import Settings, load_settings
from gateway.config_checks import ConfigError
from tests.cli_run import run
from tests.config_helpers import without_feedgate_variables, write_config


def _word_settings() -> list[tuple[str, str]]:
    """Every setting whose value is one of a few words, with its default word."""
    return [
        (name, str(field.default))
        for name, field in Settings.model_fields.items()
        if get_origin(field.annotation) is Literal and all(isinstance(word, str) for word in get_args(field.annotation))
    ]


def test_the_word_settings_are_found():
    assert {"log_format", "log_level", "key_mode", "review_gate_mode"} <= {name for name, _ in _word_settings()}


@pytest.mark.parametrize(("name", "word"), _word_settings())
def test_a_word_setting_from_the_environment_is_read_in_any_case(monkeypatch: pytest.MonkeyPatch, name: str, word: str):
    without_feedgate_variables(monkeypatch)
    monkeypatch.setenv(f"FEEDGATE_{name.upper()}", f" {word.upper()} ")

    assert getattr(load_settings(), name) == word


def test_a_word_setting_from_the_config_file_is_read_in_any_case(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    without_feedgate_variables(monkeypatch)

    settings = load_settings(write_config(tmp_path, 'log_format = "Json"\nlog_level = "WARNING"\n'))

    assert (settings.log_format, settings.log_level) == ("json", "warning")


def test_the_words_of_a_review_gate_and_of_the_document_parts_are_read_in_any_case(monkeypatch: pytest.MonkeyPatch):
    without_feedgate_variables(monkeypatch)
    monkeypatch.setenv("FEEDGATE_REVIEW_GATES", '[{"app": "support-bot", "mode": "Hold", "streams": "AUDIT"}]')
    monkeypatch.setenv("FEEDGATE_CLUSTER_DOCUMENT_PARTS", "Comment, QUESTION")

    settings = load_settings()

    [gate] = settings.review_gates
    assert (gate.mode, gate.streams) == ("hold", "audit")
    assert settings.cluster_document_parts == ["comment", "question"]


def test_a_word_no_case_makes_right_is_refused_listing_the_words(monkeypatch: pytest.MonkeyPatch):
    without_feedgate_variables(monkeypatch)
    monkeypatch.setenv("FEEDGATE_LOG_FORMAT", "JSNO")

    with pytest.raises(
        ConfigError, match=r"log_format \(FEEDGATE_LOG_FORMAT\): Input should be 'auto', 'text' or 'json'; got 'JSNO'"
    ):
        load_settings()


def test_log_format_json_in_capitals_gives_json_lines_and_no_refusal(tmp_path: Path):
    missing = tmp_path / "missing.db"
    result = run(
        ["audit", "verify"],
        {"FEEDGATE_LOG_FORMAT": "JSON", "FEEDGATE_DATABASE_URL": f"sqlite+aiosqlite:///{missing}"},
    )

    assert result.returncode == 2, result.stderr
    [line] = result.stderr.splitlines()
    assert json.loads(line)["message"].startswith(f"there is no SQLite database at {missing}"), line
