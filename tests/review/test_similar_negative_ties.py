"""The similar-negative verdict does not depend on the order the index took its rows in (pure: no database, no model).

The same end-user message asked many times makes neighbours exactly as similar; which of them were the 10 nearest
followed their rows' order in the index, and a first load adds the newest first while a refresh adds the oldest
first: the same traffic read "9 of the 10" in one process and "10 of the 10" in another. Ties are broken by the
newest first, then by id, whatever the order.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from gateway.review.neighbours import RecentVectors
from gateway.review.similar_negative import JudgedNeighbour, SimilarNegativeSettings, judge_similar_negative

RULE = SimilarNegativeSettings()
QUERY = "q"
# Eleven others asking the very same thing (one row each), created one second apart; the oldest got no complaint.
SAME = [f"s{n:02d}" for n in range(11)]
NEGATIVE = set(SAME[1:])
# Other topics: never among the nearest.
OTHERS = [f"o{n:02d}" for n in range(20)]


def vectors() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(7)
    same = np.zeros(8, dtype=np.float32)
    same[0] = 1.0
    found = dict.fromkeys([QUERY, *SAME], same)
    for interaction_id in OTHERS:
        row = rng.normal(size=8).astype(np.float32)
        row[0] = -abs(row[0])
        found[interaction_id] = (row / np.linalg.norm(row)).astype(np.float32)
    return found


def created(interaction_id: str) -> float:
    return 1000.0 + (int(interaction_id[1:]) if interaction_id != QUERY else 50)


def index_in(order: list[str]) -> RecentVectors:
    by_id = vectors()
    index = RecentVectors(8, cap=1000)
    for interaction_id in order:
        index.add([interaction_id], np.array([created(interaction_id)]), by_id[interaction_id][None, :])
    return index


def reason(index: RecentVectors) -> str:
    found = index.nearest(vectors()[QUERY], RULE.neighbours, exclude=QUERY)
    judged = [JudgedNeighbour(n.interaction_id, n.similarity, n.interaction_id in NEGATIVE) for n in found]
    finding = judge_similar_negative("app", QUERY, judged, RULE)
    assert finding is not None
    return finding.reason


ORDERS = {
    "oldest-first": [*SAME, *OTHERS, QUERY],
    "newest-first": [QUERY, *reversed(OTHERS), *reversed(SAME)],
    "interleaved": [x for pair in itertools.zip_longest(OTHERS, SAME, [QUERY]) for x in pair if x is not None],
}


@pytest.mark.parametrize("order", list(ORDERS))
def test_tied_neighbours_give_one_verdict_whatever_the_index_order(order: str) -> None:
    # The newest ten of the eleven ties are the ten nearest: all complained about.
    assert reason(index_in(ORDERS[order])) == "10 of the 10 most similar recent answers got negative feedback"


def test_tied_neighbours_are_ranked_newest_first_then_by_id_in_every_order() -> None:
    rankings = {
        name: [n.interaction_id for n in index_in(order).nearest(vectors()[QUERY], 10, exclude=QUERY)]
        for name, order in ORDERS.items()
    }

    assert all(ranking == list(reversed(SAME[1:])) for ranking in rankings.values()), rankings


def test_a_tie_in_time_is_broken_by_id() -> None:
    index = RecentVectors(2, cap=10)
    row = np.array([[1.0, 0.0]], dtype=np.float32)
    for interaction_id in ["b", "c", "a"]:
        index.add([interaction_id], np.array([5.0]), row)

    assert [n.interaction_id for n in index.nearest(row[0], 2)] == ["a", "b"]


class FakeIndex:
    """A traffic index over `index` (what SimilarNegativeRule reads of one): no window, the query's vector given."""

    def __init__(self, index: RecentVectors) -> None:
        self.index = index

    def vectors(self, app: str) -> RecentVectors:
        return self.index

    async def vector_for(self, app: str, interaction_id: str) -> np.ndarray:
        return vectors()[QUERY]

    def cutoff(self) -> float:
        return 0.0


@pytest.mark.parametrize("indexed", [True, False], ids=["query-indexed", "query-not-indexed-yet"])
async def test_ten_others_are_judged_whether_the_answer_itself_is_indexed_yet_or_not(indexed: bool) -> None:
    from gateway.review.similar_negative import SimilarNegativeRule

    async def negative_among(ids) -> set[str]:
        return NEGATIVE & set(ids)

    async def stored_among(ids) -> set[str]:
        return set(ids)

    # Exactly ten others: enough to judge, with or without the answer's own row.
    index = FakeIndex(index_in([*SAME[1:], *([QUERY] if indexed else [])]))
    rule = SimilarNegativeRule(index, negative_among, RULE, stored_among)  # type: ignore[arg-type]

    finding = await rule.evaluate("app", QUERY)

    assert finding is not None and finding.evidence["considered"] == 10
