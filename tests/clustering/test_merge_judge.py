"""Which pairs of clusters a merge judge is asked about, and how its answers join them (clustering/merge_judge.py)."""

import numpy as np
import pytest

from clustering.merge_judge import PairToJudge, judged_labels, merge_judged, pairs_to_judge


def _unit(vectors: np.ndarray) -> np.ndarray:
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _points(centres: list[list[float]], per_cluster: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    vectors = np.concatenate([np.asarray(c) + 0.01 * rng.standard_normal((per_cluster, len(c))) for c in centres])
    labels = np.repeat(np.arange(len(centres)), per_cluster)
    return _unit(vectors), labels


# Clusters 0 and 1 close, 2 near neither, 3 further still.
CENTRES = [[1.0, 0.0, 0.0, 0.0], [0.9, 0.3, 0.0, 0.0], [0.5, 0.0, 0.8, 0.0], [0.0, 0.0, 0.0, 1.0]]


def test_each_cluster_is_asked_about_with_its_nearest_clusters_closest_first():
    vectors, labels = _points(CENTRES)

    pairs = pairs_to_judge(vectors, labels, neighbours=1)

    assert [(p.left, p.right) for p in pairs] == [(0, 1), (0, 2), (2, 3)]
    assert pairs[0].similarity > pairs[1].similarity > pairs[2].similarity


def test_no_pass_asks_more_than_its_bound():
    vectors, labels = _points(CENTRES)

    assert len(pairs_to_judge(vectors, labels, neighbours=3, max_pairs=2)) == 2
    assert len(pairs_to_judge(vectors, labels, neighbours=3, max_pairs=100)) == 6


def test_a_pair_kept_apart_is_never_asked_about():
    vectors, labels = _points(CENTRES)

    pairs = pairs_to_judge(vectors, labels, neighbours=1, kept_apart={frozenset((0, 1))})

    assert (0, 1) not in [(p.left, p.right) for p in pairs]


def test_a_cluster_whose_nearest_is_kept_apart_is_asked_about_its_next_nearest():
    # A cut cluster's half: its sibling is kept apart, and the cluster it may belong with is the next one.
    vectors, labels = _points(CENTRES)

    pairs = pairs_to_judge(vectors, labels, neighbours=1, kept_apart={frozenset((0, 1))})

    assert [(p.left, p.right) for p in pairs] == [(0, 2), (1, 2), (2, 3)]


def test_noise_and_a_single_cluster_give_no_question():
    vectors, labels = _points(CENTRES[:1])
    labels[0] = -1

    assert pairs_to_judge(vectors, labels) == []


def test_pairs_judged_the_same_are_joined_transitively_under_the_smallest_label():
    labels = np.array([0, 0, 1, 1, 2, 2, 3, -1])
    pairs = [PairToJudge(0, 1, 0.9), PairToJudge(1, 2, 0.8), PairToJudge(2, 3, 0.7)]

    merged = merge_judged(labels, pairs, [True, True, False])

    assert merged.tolist() == [0, 0, 0, 0, 0, 0, 3, -1]


def test_a_no_between_two_groups_keeps_them_apart_though_another_pair_says_same():
    # 0~1 same, 2~3 same, 0~2 apart: the later "1 same as 3" would chain 0 and 2 together.
    labels = np.array([0, 1, 2, 3])
    pairs = [PairToJudge(0, 1, 0.9), PairToJudge(2, 3, 0.85), PairToJudge(0, 2, 0.8), PairToJudge(1, 3, 0.7)]

    merged = merge_judged(labels, pairs, [True, True, False, True])

    assert merged.tolist() == [0, 0, 2, 2]


def test_a_pair_without_an_answer_stays_apart():
    labels = np.array([0, 1])

    assert merge_judged(labels, [PairToJudge(0, 1, 0.9)], [None]).tolist() == [0, 1]


def test_a_pair_kept_apart_stays_apart_whatever_the_judge_says():
    labels = np.array([0, 1, 2])
    pairs = [PairToJudge(0, 1, 0.9), PairToJudge(1, 2, 0.8)]

    merged = merge_judged(labels, pairs, [True, True], kept_apart={frozenset((0, 2))})

    assert merged.tolist() == [0, 0, 2]


def test_numpy_booleans_are_answers_too():
    labels = np.array([0, 1])

    assert merge_judged(labels, [PairToJudge(0, 1, 0.9)], [np.bool_(True)]).tolist() == [0, 0]  # type: ignore[list-item]


def test_answers_must_match_the_pairs():
    with pytest.raises(ValueError, match="1 pairs but 0 answers"):
        merge_judged(np.array([0, 1]), [PairToJudge(0, 1, 0.9)], [])


def test_no_join_leaves_the_labels_as_they_were():
    vectors, labels = _points(CENTRES)
    pairs = pairs_to_judge(vectors, labels)

    assert np.array_equal(judged_labels(vectors, labels, pairs, [False] * len(pairs)), labels)


def test_joined_labels_are_renumbered_from_zero():
    vectors, labels = _points(CENTRES)

    joined = judged_labels(vectors, labels, [PairToJudge(0, 1, 0.9)], [True])

    assert sorted(set(joined.tolist())) == [0, 1, 2]
    assert len(set(joined[labels == 0].tolist() + joined[labels == 1].tolist())) == 1
