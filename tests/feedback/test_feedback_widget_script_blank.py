"""/static/feedgate.js carries the gateway's blank characters (gateway/domain/blank_text.py): one list, not two."""

from __future__ import annotations

import re

import pytest

from gateway.api import widget_script
from gateway.api.widget_script import WIDGET_SOURCE, blank_text_line
from gateway.domain.blank_text import BLANK_CODE_POINTS


# The script does not depend on the store: one is enough.
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_the_script_is_served_with_the_gateways_blank_characters_written_in(gateway_with, monkeypatch):
    # Another list than the file's copy: what is served comes from the Python module, not from the file.
    monkeypatch.setattr(widget_script, "BLANK_CODE_POINTS", (0x20, 0x200B))
    widget_script.widget_script.cache_clear()
    try:
        async with gateway_with() as (_, http):
            response = await http.get("/static/feedgate.js")
    finally:
        widget_script.widget_script.cache_clear()

    listed = re.findall(r"var BLANK_TEXT_CODE_POINTS = \[([^\]]*)\];", response.text)
    assert listed == ["0x20, 0x200b"]


def test_the_scripts_own_copy_of_the_blank_characters_is_the_gateways():
    # A copy of the file served from elsewhere keeps the rule: its line is what the gateway writes.
    assert blank_text_line() in WIDGET_SOURCE.read_text(encoding="utf-8")


def test_every_blank_character_fits_the_widgets_four_digit_escape():
    assert max(BLANK_CODE_POINTS) <= 0xFFFF
