"""Choosing HDBSCAN's min_samples (and the merges) per run on a small app, from how well the clusters separate."""

from __future__ import annotations

import numpy as np
import pytest
from blobs import unit_blobs

from clustering.cluster import (
    MAX_POINTS_FOR_SELECTION,
    MIN_SAMPLES_CANDIDATES,
    ClusteringParams,
    choose_clustering,
    cluster_points,
)
from clustering.reduce import reduce_embeddings

# Fits UMAP in this process: waits for its numba kernels, compiled once per run (tests/numba_cache.py).
pytestmark = pytest.mark.umap

# A small app's shape: one big group, a few middling ones, several of five.
UNEVEN = [180, 60, 30, 12, 8, 5, 5, 5]


def issues_per_group(labels: np.ndarray, truth: np.ndarray) -> float:
    """Clusters found per true group."""
    return len(set(labels.tolist()) - {-1}) / len(set(truth.tolist()))


def purity(labels: np.ndarray, truth: np.ndarray) -> float:
    """Share of clustered points whose cluster's majority group is their own."""
    clustered = labels != -1
    right = 0
    for label in set(labels[clustered].tolist()):
        members = truth[labels == label]
        right += np.bincount(members).max()
    return right / max(clustered.sum(), 1)


def test_the_chosen_value_is_one_of_the_candidates_and_its_labels_cover_every_point():
    points, _ = unit_blobs(UNEVEN, seed=11)
    reduced = reduce_embeddings(points)

    choice = choose_clustering(reduced, points, min_cluster_size=5)

    assert choice.min_samples in MIN_SAMPLES_CANDIDATES
    assert choice.labels.shape == (len(points),)


def test_uneven_blobs_come_out_one_issue_each_without_mixing():
    points, truth = unit_blobs(UNEVEN, seed=12)

    labels = cluster_points(reduce_embeddings(points), points)

    assert 0.8 <= issues_per_group(labels, truth) <= 1.3
    assert purity(labels, truth) > 0.95
    assert np.mean(labels == -1) <= 0.10


def test_the_big_group_is_not_cut_into_several_issues():
    points, truth = unit_blobs(UNEVEN, seed=13)

    labels = cluster_points(reduce_embeddings(points), points)

    big = labels[truth == 0]
    assert np.bincount(big[big != -1]).max() >= 0.9 * len(big)


def test_giving_the_chosen_min_samples_reproduces_the_chosen_labels_when_nothing_is_merged():
    points, _ = unit_blobs(UNEVEN, seed=14)
    reduced = reduce_embeddings(points)

    choice = choose_clustering(reduced, points, min_cluster_size=5, merge=False)
    fixed = cluster_points(reduced, points, ClusteringParams(min_samples=choice.min_samples, min_cluster_size=5))
    assert choice.merges == 0
    assert np.array_equal(fixed, choice.labels)


def test_above_the_bound_the_fixed_rule_holds_and_nothing_is_tried():
    sizes = [MAX_POINTS_FOR_SELECTION // 2 + 1, MAX_POINTS_FOR_SELECTION // 2 + 1]
    points, truth = unit_blobs(sizes, dimensions=16, seed=15)
    # Two far-apart blobs in 2-D stand in for the reduced coordinates; nothing here needs UMAP.
    reduced = np.where(truth[:, None] == 0, 0.0, 10.0) + np.random.default_rng(15).normal(size=(len(points), 2))

    selected = cluster_points(reduced, points)
    fixed = cluster_points(reduced, points, ClusteringParams(select_min_samples=False))

    assert np.array_equal(selected, fixed)
