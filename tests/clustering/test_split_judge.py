"""Which clusters a judge is asked to cut, and how its answers cut them (clustering/split_judge.py), on uneven blobs."""

import numpy as np
import pytest

from clustering.merge import MERGE_SUGGESTION_SIMILARITY
from clustering.pipeline import DiscoveryParams, describe_clusters
from clustering.split_judge import SplitToJudge, split_bar, split_judged, splits_to_judge

# Four directions far apart (cosine 0), and one close to the first (cosine 0.95): one problem's spread.
FAR = [[1.0, 0.0, 0.0, 0.0, 0.0], [0.0, 1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0, 0.0]]
NEAR_FIRST = [0.95, 0.0, 0.0, 0.0, 0.31]
# A pass's bar of "close" (clustering.split_judge.split_bar), as measured on banking77.
BAR = 0.8


def blobs(centres: list[list[float]], sizes: list[int], labels: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Unit vectors in blobs of uneven `sizes` around `centres`, the blobs labelled `labels` (blobs may share one)."""
    rng = np.random.default_rng(0)
    vectors = np.concatenate(
        [np.asarray(c) + 0.05 * rng.standard_normal((n, len(c))) for c, n in zip(centres, sizes, strict=True)]
    )
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), np.repeat(labels, sizes)


def test_a_cluster_holding_two_distinct_blobs_is_asked_about_cut_along_them():
    # Cluster 0 holds a big blob and a small distinct one; cluster 1 is one blob.
    vectors, labels = blobs(FAR[:3], [60, 9, 30], [0, 0, 1])

    [split] = splits_to_judge(vectors, labels, min_size=5, max_splits=10, distinct_below=BAR)

    assert split.label == 0
    assert sorted(map(len, (split.first, split.second))) == [9, 60]
    assert {frozenset(split.first), frozenset(split.second)} == {frozenset(range(60)), frozenset(range(60, 69))}
    assert split.similarity < 0.6


def test_a_cluster_whose_halves_are_one_problems_spread_is_not_asked_about():
    vectors, labels = blobs([FAR[0], NEAR_FIRST], [40, 30], [0, 0])

    assert splits_to_judge(vectors, labels, min_size=5, max_splits=10, distinct_below=BAR) == []


def test_a_half_smaller_than_the_smallest_issue_is_no_candidate():
    vectors, labels = blobs(FAR[:2], [60, 4], [0, 0])

    assert splits_to_judge(vectors, labels, min_size=5, max_splits=10, distinct_below=BAR) == []
    assert len(splits_to_judge(vectors, labels, min_size=4, max_splits=10, distinct_below=BAR)) == 1


def test_a_cluster_to_keep_whole_is_never_asked_about():
    vectors, labels = blobs(FAR, [50, 10, 30, 8], [0, 0, 1, 1])

    assert [
        s.label for s in splits_to_judge(vectors, labels, min_size=5, max_splits=10, distinct_below=BAR, keep_whole={0})
    ] == [1]


def test_no_pass_asks_more_than_its_bound_and_the_most_distinct_come_first():
    # Cluster 1's halves are unrelated; cluster 0's share a direction, so they are more alike (still distinct).
    half_way = [0.45, 0.0, 0.0, 0.0, 0.89]
    vectors, labels = blobs([FAR[0], half_way, FAR[2], FAR[3]], [50, 10, 30, 8], [0, 0, 1, 1])

    both = splits_to_judge(vectors, labels, min_size=5, max_splits=10, distinct_below=BAR)
    [first] = splits_to_judge(vectors, labels, min_size=5, max_splits=1, distinct_below=BAR)

    assert [s.label for s in both] == [1, 0]
    assert both[0].similarity < both[1].similarity
    assert first == both[0]
    assert splits_to_judge(vectors, labels, min_size=5, max_splits=0, distinct_below=BAR) == []


def test_a_cluster_judged_two_problems_is_cut_and_its_halves_kept_apart():
    vectors, labels = blobs(FAR, [50, 10, 30, 8], [0, 0, 1, 1])
    splits = splits_to_judge(vectors, labels, min_size=5, max_splits=10, distinct_below=BAR)
    answers = [split.label == 1 for split in splits]  # cluster 0: "two problems"; cluster 1: "one"

    cut, apart = split_judged(labels, splits, answers)

    big, small = int(cut[0]), int(cut[50])
    assert set(cut[:50].tolist()) == {big} and set(cut[50:60].tolist()) == {small} and big != small
    assert apart == {frozenset((big, small))}
    assert set(cut[60:].tolist()) == {1}  # judged one problem: whole


@pytest.mark.parametrize("answer", [True, None])
def test_one_problem_or_no_answer_leaves_the_labels_identical(answer):
    vectors, labels = blobs(FAR, [50, 10, 30, 8], [0, 0, 1, 1])
    labels[[3, 70]] = -1  # noise stays noise
    splits = splits_to_judge(vectors, labels, min_size=5, max_splits=10, distinct_below=BAR)

    cut, apart = split_judged(labels, splits, [answer] * len(splits))

    assert splits and np.array_equal(cut, labels) and apart == set()


def test_numpy_booleans_are_answers_too():
    vectors, labels = blobs(FAR[:2], [50, 10], [0, 0])
    splits = splits_to_judge(vectors, labels, min_size=5, max_splits=10, distinct_below=BAR)

    cut, _ = split_judged(labels, splits, [np.False_])

    assert len(set(cut.tolist())) == 2


def test_answers_must_match_the_splits():
    split = SplitToJudge(0, (0,), (1,), 0.1)

    with pytest.raises(ValueError, match="1 splits but 0 answers"):
        split_judged(np.array([0, 0]), [split], [])


def test_the_bar_is_the_pass_s_own_bar_of_close_or_the_fallback_when_unmeasured():
    vectors, labels = blobs(FAR[:2], [50, 10], [0, 1])
    measured = describe_clusters([str(n) for n in range(60)], ["a"] * 60, vectors, labels, DiscoveryParams(), 0.81)
    unmeasured = describe_clusters([str(n) for n in range(60)], ["a"] * 60, vectors, labels, DiscoveryParams(), None)

    assert split_bar(measured) == 0.81
    assert split_bar(unmeasured) == split_bar([]) == MERGE_SUGGESTION_SIMILARITY
