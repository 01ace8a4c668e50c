"""benchmarks/small_app_new_choices.py: the long-tail prior's measure, the words rule, and how its joins are counted."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

BENCHMARKS = Path(__file__).resolve().parents[2] / "benchmarks"


@pytest.fixture
def choices(monkeypatch: pytest.MonkeyPatch):
    """The benchmark module, imported as its script imports its siblings."""
    monkeypatch.syspath_prepend(str(BENCHMARKS))
    import small_app_new_choices

    yield small_app_new_choices
    sys.modules.pop("small_app_new_choices", None)


def test_gini_is_zero_for_equal_sizes_and_higher_for_a_long_tail(choices):
    even = np.repeat(np.arange(4), 10)
    long_tailed = np.repeat(np.arange(4), [31, 3, 3, 3])

    assert choices.gini(even) == pytest.approx(0.0)
    assert choices.gini(long_tailed) > 0.5


def test_words_rule_joins_two_clusters_that_ask_about_the_same_thing_in_other_words(choices):
    topics = ["mortgage", "pension", "insurance", "loan", "cheque", "salary", "overdraft", "savings"]
    fillers = ["today", "please", "urgent", "again", "help"]
    texts = ["refund delayed week", "refund delayed month", "refund missing week", "refund missing month"]
    texts += [f"{topic} {filler}" for topic in topics for filler in fillers]
    labels = np.array([0, 0, 1, 1] + [2 + t for t in range(len(topics)) for _ in fillers])

    joined = choices.word_merges(texts, labels)

    assert joined[0] == joined[2]
    assert len(set(joined.tolist())) == len(topics) + 1


def test_words_rule_never_joins_clusters_with_no_word_in_common(choices):
    # Every word here is in more than 10 % of the complaints, so none is left to compare.
    texts = ["refund late"] * 5 + ["card swallowed"] * 5 + ["exchange rate"] * 5
    labels = np.repeat(np.arange(3), 5)

    assert np.array_equal(choices.word_merges(texts, labels), labels)


def test_joins_are_counted_by_the_joined_clusters_most_common_intent(choices):
    truth = ["a"] * 4 + ["a"] * 4 + ["b"] * 4
    before = np.repeat(np.arange(3), 4)
    after = np.array([0] * 8 + [0] * 4)

    assert choices.joins_of_one_intent(truth, before, after) == (1, 2)
