"""A one-item-a-line box (example questions) drops lines the one blank rule calls blank, zero-width ones included, and
trims the rest by it: a line of U+200B only was kept and refused as an empty question."""

from __future__ import annotations

from admin_ui.form_text import non_blank_lines


def test_a_line_of_zero_width_characters_is_left_out():
    assert non_blank_lines("What is the fee?\n\u200b\n\u2060\u3000\nHow much?") == ["What is the fee?", "How much?"]


def test_a_lines_zero_width_ends_are_trimmed():
    assert non_blank_lines("\ufeffWhat is the fee?\u200b") == ["What is the fee?"]
