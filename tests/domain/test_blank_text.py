"""The one rule of a text that says nothing (gateway.domain.blank_text)."""

from __future__ import annotations

import sys

import pytest

from gateway.domain.blank_text import BLANK_CHARACTERS, said_name, says_nothing
from gateway.domain.errors import InvalidQuery


def test_every_whitespace_character_is_blank():
    whitespace = {chr(c) for c in range(sys.maxunicode + 1) if chr(c).isspace()}

    assert whitespace <= set(BLANK_CHARACTERS)


def test_a_text_of_zero_width_characters_says_nothing():
    assert says_nothing("\u200b\u200c\u200d\u2060\ufeff\u180e")


def test_a_text_with_a_letter_among_blanks_says_something():
    assert not says_nothing("\u3000\u200bA\u00a0")


def test_no_text_and_an_empty_one_say_nothing():
    assert says_nothing(None) and says_nothing("")


def test_a_name_of_zero_width_spaces_is_refused_naming_its_field_and_saying_it_is_blank():
    with pytest.raises(InvalidQuery) as refused:
        said_name("created_by", "\u200b\u3000", "name who makes the change")

    assert (refused.value.field, refused.value.message) == (
        "created_by",
        "'created_by' is blank: name who makes the change",
    )


def test_a_name_is_kept_without_its_blank_ends():
    assert said_name("reviewer", "\ufeff alice\u200b", "name the reviewer") == "alice"
