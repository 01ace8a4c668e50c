"""Numbers with their nouns, as the commands print them."""

from __future__ import annotations

import pytest

from gateway.counted import counted


@pytest.mark.parametrize(("number", "text"), [(0, "0 lines"), (1, "1 line"), (2, "2 lines")])
def test_a_noun_is_plural_unless_there_is_one(number: int, text: str):
    assert counted(number, "line") == text


def test_an_irregular_plural_is_given():
    assert (counted(1, "batch", "batches"), counted(3, "batch", "batches")) == ("1 batch", "3 batches")
