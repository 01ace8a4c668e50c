"""Helpers of the configuration tests: a clean environment and a config file."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def without_feedgate_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """Remove every FEEDGATE_* variable of the machine running the tests, so none leaks into them."""
    for name in list(os.environ):
        if name.upper().startswith("FEEDGATE_"):
            monkeypatch.delenv(name)


def write_config(tmp_path: Path, text: str) -> Path:
    """`text` as the config file feedgate.toml in `tmp_path`; its path."""
    path = tmp_path / "feedgate.toml"
    path.write_text(text)
    return path
