"""The similar-negative verdict and the vector index it reads (pure: no database, no model)."""

from __future__ import annotations

import numpy as np
import pytest

from gateway.review.neighbours import RecentVectors
from gateway.review.records import Priority, Source
from gateway.review.similar_negative import JudgedNeighbour, SimilarNegativeSettings, judge_similar_negative

RULE = SimilarNegativeSettings()


def neighbours(negative: int, total: int = 10) -> list[JudgedNeighbour]:
    return [JudgedNeighbour(f"n{i}", 0.9 - i / 100, i < negative) for i in range(total)]


@pytest.mark.parametrize(
    ("negative", "priority"),
    [(0, None), (3, None), (4, Priority.MEDIUM), (5, Priority.MEDIUM), (6, Priority.HIGH), (10, Priority.HIGH)],
)
def test_more_than_30_percent_opens_and_more_than_5_is_high(negative: int, priority: Priority | None) -> None:
    finding = judge_similar_negative("app", "me", neighbours(negative), RULE)
    if priority is None:
        assert finding is None
        return
    assert finding is not None
    assert finding.priority is priority
    assert finding.source is Source.SIMILAR_NEGATIVE
    assert finding.reason == f"{negative} of the 10 most similar recent answers got negative feedback"


def test_the_task_names_the_interaction_and_its_negative_neighbours_with_the_evidence() -> None:
    finding = judge_similar_negative("app", "me", neighbours(4), RULE)
    assert finding is not None
    assert finding.interaction_ids == ("me", "n0", "n1", "n2", "n3")
    evidence = finding.evidence
    assert evidence["negative"] == 4 and evidence["considered"] == 10 and evidence["negative_rate"] == 0.4
    assert [n["negative"] for n in evidence["neighbours"]] == [True] * 4 + [False] * 6
    assert evidence["neighbours"][0] == {"interaction_id": "n0", "similarity": 0.9, "negative": True}


def test_fewer_neighbours_than_asked_for_is_no_verdict() -> None:
    assert judge_similar_negative("app", "me", neighbours(9, total=9), RULE) is None


def test_neighbours_less_similar_than_the_floor_are_not_similar_so_too_few_is_no_verdict() -> None:
    # A small app's 10 nearest can be unrelated questions: 6 of these are below cosine 0.3.
    near = [JudgedNeighbour(f"n{i}", 0.8, True) for i in range(4)]
    far = [JudgedNeighbour(f"f{i}", 0.2, True) for i in range(6)]

    assert judge_similar_negative("app", "me", near + far, RULE) is None


def test_the_floor_is_a_setting() -> None:
    loose = SimilarNegativeSettings(min_similarity=0.1)
    near = [JudgedNeighbour(f"n{i}", 0.8, True) for i in range(4)]
    far = [JudgedNeighbour(f"f{i}", 0.2, False) for i in range(6)]

    finding = judge_similar_negative("app", "me", near + far, loose)

    assert finding is not None
    assert finding.evidence["considered"] == 10


def test_a_negative_neighbour_below_the_task_bar_counts_but_is_not_taken_into_the_task() -> None:
    near = [JudgedNeighbour(f"n{i}", 0.8, True) for i in range(3)]
    loose = [JudgedNeighbour("other-topic", 0.35, True)]
    rest = [JudgedNeighbour(f"r{i}", 0.7, False) for i in range(6)]

    finding = judge_similar_negative("app", "me", near + loose + rest, RULE)

    assert finding is not None and finding.evidence["negative"] == 4
    assert finding.interaction_ids == ("me", "n0", "n1", "n2")


def unit(rows: np.ndarray) -> np.ndarray:
    return (rows / np.linalg.norm(rows, axis=1, keepdims=True)).astype(np.float32)


def test_nearest_excludes_the_query_itself_and_rows_outside_the_window() -> None:
    rng = np.random.default_rng(1)
    vectors = unit(rng.normal(size=(50, 8)))
    index = RecentVectors(8, cap=1000)
    created = np.arange(50, dtype=np.float64)
    index.add([f"i{n}" for n in range(50)], created, vectors)

    found = index.nearest(vectors[7], 5, exclude="i7")
    assert "i7" not in [n.interaction_id for n in found]
    sims = vectors @ vectors[7]
    sims[7] = -np.inf
    assert [n.interaction_id for n in found] == [f"i{n}" for n in np.argsort(-sims)[:5]]

    # Rows created before the cutoff are never neighbours, expired or not.
    assert all(int(n.interaction_id[1:]) >= 40 for n in index.nearest(vectors[7], 5, cutoff=40.0))
    index.expire(45.0)
    assert len(index) == 5 and "i44" not in index and "i45" in index


def test_the_cap_keeps_the_newest_rows_and_growing_keeps_every_vector() -> None:
    rng = np.random.default_rng(2)
    vectors = unit(rng.normal(size=(300, 4)))
    index = RecentVectors(4, cap=100)
    for start in range(0, 300, 7):
        ids = [f"i{n}" for n in range(start, min(start + 7, 300))]
        index.add(ids, np.arange(start, start + len(ids), dtype=np.float64), vectors[start : start + len(ids)])
    assert len(index) == 100
    assert index.live_ids() == [f"i{n}" for n in range(200, 300)]
    assert np.allclose(index.vector_of("i250"), vectors[250])
    assert index.vector_of("i10") is None
    # Adding an id already live changes nothing.
    index.add(["i299"], np.array([999.0]), vectors[:1])
    assert len(index) == 100 and np.allclose(index.vector_of("i299"), vectors[299])


def test_a_forgotten_row_is_no_neighbour_even_after_the_matrix_grows() -> None:
    rng = np.random.default_rng(3)
    vectors = unit(rng.normal(size=(200, 4)))
    index = RecentVectors(4, cap=1000)
    index.add([f"i{n}" for n in range(10)], np.arange(10, dtype=np.float64), vectors[:10])

    index.forget(["i3"])
    # Growing rebuilds the rows' lookup from the ids still in the matrix: the forgotten one must stay out.
    index.add([f"i{n}" for n in range(10, 200)], np.arange(10, 200, dtype=np.float64), vectors[10:])

    assert "i3" not in index and index.vector_of("i3") is None
    assert "i3" not in [n.interaction_id for n in index.nearest(vectors[3], 199)]
    assert "i3" not in [n.interaction_id for n in index.nearest(vectors[3], 199, cutoff=-1.0)]
