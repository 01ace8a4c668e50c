"""The README documents every setting: by its environment variable or by its name in the config file."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway.config import Settings

README = (Path(__file__).resolve().parents[1] / "README.md").read_text()


@pytest.mark.parametrize("name", sorted(Settings.model_fields))
def test_every_setting_is_named_in_the_readme(name):
    # In the variables' table, in a sentence (`name`, `name = value`), or as a table of the file ([[name]]).
    spellings = (f"FEEDGATE_{name.upper()}", f"`{name}`", f"`{name} =", f"[[{name}]]")
    assert any(spelling in README for spelling in spellings), (
        f"document the setting {name} in the README (as FEEDGATE_{name.upper()} or `{name}`)"
    )
