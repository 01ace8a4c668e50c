"""Looking among stored neighbours ends, even when a look keeps returning a row the index already forgot."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from gateway.review.neighbours import RecentVectors
from gateway.review.stored_neighbours import look_among_stored


async def test_a_look_naming_a_forgotten_row_again_ends_without_asking_about_it_again() -> None:
    vectors = RecentVectors(2, cap=10)
    vectors.add(["kept", "pruned"], np.array([1.0, 2.0]), np.array([[1.0, 0.0], [0.0, 1.0]]))
    asked: list[list[str]] = []

    async def stored_among(ids: Sequence[str]) -> set[str]:
        asked.append(list(ids))
        return {"kept"} & set(ids)

    # A look over rows it does not mask (as nearest_others' can, for a row whose every other is forgotten).
    found = await look_among_stored(vectors, stored_among, lambda: ["kept", "pruned"], lambda ids: ids)

    assert found == ["kept", "pruned"]
    # The second look names "pruned" again: it is not asked about (nor counted as newly removed), so the loop ends.
    assert asked == [["kept", "pruned"], ["kept"]]
    assert "pruned" not in vectors and "kept" in vectors
