"""The one rule of a text that says nothing (gateway.domain.blank_text)."""

from __future__ import annotations

import sys

from gateway.domain.blank_text import BLANK_CHARACTERS, says_nothing


def test_every_whitespace_character_is_blank():
    whitespace = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}

    assert whitespace <= set(BLANK_CHARACTERS)


def test_a_text_of_zero_width_characters_says_nothing():
    assert says_nothing("\u200b\u200c\u200d\u2060\ufeff\u180e")


def test_a_text_with_a_letter_among_blanks_says_something():
    assert not says_nothing("\u3000\u200bA\u00a0")


def test_no_text_and_an_empty_one_say_nothing():
    assert says_nothing(None) and says_nothing("")
