"""A share of calls in words (gateway.domain.shares.share_text), as every page and message says one: a percentage a
person reads at a glance, never an exponent, never rounded to nothing or to all calls."""

from __future__ import annotations

import pytest

from gateway.domain.shares import share_text


@pytest.mark.parametrize(
    ("share", "words"),
    [(0.2, "20 %"), (0.1, "10 %"), (0.12345, "12.3 %"), (0.001, "0.1 %"), (0.0005, "0.05 %"), (1e-5, "0.001 %")],
)
def test_a_share_reads_as_a_percentage_to_three_figures(share, words):
    assert share_text(share) == words


@pytest.mark.parametrize("share", [1e-300, 5e-324, 1e-9, 9.9e-6])
def test_a_share_too_small_for_three_figures_of_a_percent_says_less_than_the_smallest(share):
    # 1e-300 read "1e-298 %": an exponent, and a share no person can picture.
    assert share_text(share) == "less than 0.001 %"


@pytest.mark.parametrize("share", [0.9995, 0.99999, 1 - 1e-12])
def test_a_share_short_of_all_calls_never_reads_as_all_of_them(share):
    # 0.9995 read "100 %", as though the active version got no calls.
    assert share_text(share) == "more than 99.9 %"


def test_all_calls_read_as_all_of_them():
    assert share_text(1.0) == "100 %"
