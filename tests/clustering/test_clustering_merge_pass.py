"""The pass's merge step: pieces of one issue are merged back, distinct issues stay apart, noise stays bounded."""

from __future__ import annotations

import numpy as np
import pytest
from blobs import random_unit_vector, unit_blobs
from sklearn.metrics import silhouette_score

from clustering.cluster import NOISE, ClusteringParams, cluster_points
from clustering.merge import merge_candidates, merge_while_better_separated, separation, typical_member_similarity
from clustering.reduce import reduce_embeddings

# Fits UMAP in this process: waits for its numba kernels, compiled once per run (tests/numba_cache.py).
pytestmark = pytest.mark.umap

DIMENSIONS = 384


def unit_rows(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length, as float32."""
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def issue_in_two_phrasings(size: int, rng: np.random.Generator) -> np.ndarray:
    """One issue (a centre) whose complaints come in two stock phrasings (two small offsets), half each."""
    centre, first, second = rng.normal(size=(3, DIMENSIONS)) / np.sqrt(DIMENSIONS)
    noise = rng.normal(scale=0.45 / np.sqrt(DIMENSIONS), size=(size, DIMENSIONS))
    phrasing = np.where(np.arange(size)[:, None] < size // 2, first, second)
    return unit_rows(
        centre / np.linalg.norm(centre) + 0.25 * phrasing / np.linalg.norm(phrasing, axis=1)[:, None] + noise
    )


def uneven_app_with_a_split_issue(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A big issue cut into its two phrasings (as HDBSCAN does) beside distinct issues of 30, 12 and 6.

    Returns the vectors, the labels a clusterer gave (the big issue as clusters 0 and 1) and the true issues.
    """
    rng = np.random.default_rng(seed)
    big = issue_in_two_phrasings(120, rng)
    others, other_truth = unit_blobs([30, 12, 6], seed=seed + 1000)
    vectors = np.vstack([big, others])
    given = np.concatenate([np.repeat([0, 1], 60), other_truth + 2])
    truth = np.concatenate([np.zeros(120, dtype=int), other_truth + 1])
    return vectors, given, truth


def test_the_two_phrasings_of_one_issue_are_close_by_the_runs_own_bar():
    vectors, given, _ = uneven_app_with_a_split_issue(seed=1)
    halves = [vectors[given == label].mean(axis=0) for label in (0, 1)]
    halves = [half / np.linalg.norm(half) for half in halves]

    bar = typical_member_similarity(vectors, given)

    assert bar is not None
    assert float(halves[0] @ halves[1]) >= bar


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_issue_cut_in_two_is_merged_back_and_the_distinct_issues_stay(seed):
    vectors, given, truth = uneven_app_with_a_split_issue(seed)

    outcome = merge_while_better_separated(vectors, given, typical_member_similarity(vectors, given))

    assert outcome.merges == 1
    assert len(set(outcome.labels[truth == 0].tolist())) == 1
    for issue in (1, 2, 3):
        assert set(outcome.labels[truth == issue].tolist()) == {issue + 1}


def test_two_distinct_issues_near_each_other_are_not_merged():
    # Two issues sharing a topic (centres at cosine ~0.8), each tight: their centres are further
    # apart than a complaint is from its own centre, so they are not close.
    rng = np.random.default_rng(4)
    shared, first, second = rng.normal(size=(3, DIMENSIONS))
    centres = unit_rows(np.stack([2.0 * shared + first, 2.0 * shared + second]))
    noise = rng.normal(scale=0.3 / np.sqrt(DIMENSIONS), size=(2, 40, DIMENSIONS))
    vectors = unit_rows(np.vstack([centres[0] + noise[0], centres[1] + noise[1]]))
    far, _ = unit_blobs([25], seed=5)
    vectors = np.vstack([vectors, far])
    given = np.repeat([0, 1, 2], [40, 40, 25])

    outcome = merge_while_better_separated(vectors, given, typical_member_similarity(vectors, given))

    assert 0.7 < float(centres[0] @ centres[1]) < 0.9
    assert outcome.merges == 0
    assert np.array_equal(outcome.labels, given)


def test_close_issues_among_many_close_ones_stay_apart_because_merging_does_not_separate_them_better():
    # Six issues whose centres are all at cosine ~0.93 of each other and whose members sit a bit
    # further out: every pair is close, yet joining two leaves each member as near to a third
    # issue as before, so the silhouette drops and the pass merges nothing.
    rng = np.random.default_rng(6)
    common = rng.normal(size=DIMENSIONS)
    own = rng.normal(size=(6, DIMENSIONS))
    centres = unit_rows(np.sqrt(0.93) * common / np.linalg.norm(common) + np.sqrt(0.07) * unit_rows(own))
    noise = rng.normal(scale=0.5 / np.sqrt(DIMENSIONS), size=(6, 25, DIMENSIONS))
    vectors = unit_rows((centres[:, None, :] + noise).reshape(-1, DIMENSIONS))
    given = np.repeat(np.arange(6), 25)
    bar = typical_member_similarity(vectors, given)
    cosines = centres @ centres.T

    outcome = merge_while_better_separated(vectors, given, bar)

    assert bar is not None
    assert cosines[~np.eye(6, dtype=bool)].min() >= bar
    assert outcome.merges == 0


def test_noise_is_left_as_it_is():
    vectors, given, _ = uneven_app_with_a_split_issue(seed=7)
    given = given.copy()
    given[[5, 70, 130]] = NOISE

    outcome = merge_while_better_separated(vectors, given, typical_member_similarity(vectors, given))

    assert (outcome.labels[[5, 70, 130]] == NOISE).all()


def test_separation_is_the_cosine_silhouette_of_the_clustered_items():
    vectors, given, _ = uneven_app_with_a_split_issue(seed=8)
    given = given.copy()
    given[:4] = NOISE
    clustered = given != NOISE

    expected = silhouette_score(vectors[clustered], given[clustered], metric="cosine")

    assert separation(vectors, given) == pytest.approx(expected, abs=1e-5)


def test_fewer_than_two_clusters_have_no_separation_and_nothing_to_merge():
    vectors, _ = unit_blobs([10])
    outcome = merge_while_better_separated(vectors, np.zeros(10, dtype=int), min_similarity=0.0)

    assert outcome.separation is None
    assert outcome.merges == 0


def test_a_pair_the_pass_merged_is_no_candidate_and_a_close_pair_it_kept_apart_is():
    # Same definition of close for both: the pass's bar. After the pass the two phrasings are one
    # issue (nothing to offer); two close issues it left apart are offered at that bar.
    vectors, given, _ = uneven_app_with_a_split_issue(seed=9)
    bar = typical_member_similarity(vectors, given)
    assert bar is not None
    merged = merge_while_better_separated(vectors, given, bar).labels
    labels = sorted(set(merged.tolist()))
    centroids = unit_rows(np.stack([vectors[merged == label].mean(axis=0) for label in labels]))
    keywords = [("refund",)] * len(labels)

    assert all(merge_candidates(centroids, keywords, of=row, min_similarity=bar) == [] for row in range(len(labels)))

    before = sorted(set(given.tolist()))
    split = unit_rows(np.stack([vectors[given == label].mean(axis=0) for label in before]))
    [candidate] = merge_candidates(split, [("refund",)] * len(before), of=0, min_similarity=bar)
    assert candidate.index == 1


def test_through_the_whole_pass_an_uneven_app_gets_its_big_issue_back_in_one_piece_with_little_noise():
    rng = np.random.default_rng(10)
    big = issue_in_two_phrasings(160, rng)
    others, _ = unit_blobs([40, 20, 12, 8, 6, 6], seed=1010)
    outliers = np.stack([random_unit_vector(seed=100 + i) for i in range(5)])
    vectors = np.vstack([big, others, outliers])
    reduced = reduce_embeddings(vectors)

    labels = cluster_points(reduced, vectors)
    unmerged = cluster_points(reduced, vectors, ClusteringParams(merge_close_clusters=False))

    assert np.mean(labels == NOISE) <= 0.10
    big_labels = labels[:160][labels[:160] != NOISE]
    assert np.bincount(big_labels).max() >= 0.9 * 160
    # Without the merge, HDBSCAN's pieces of the big issue stay apart.
    assert len(set(unmerged[:160].tolist()) - {NOISE}) > 1
