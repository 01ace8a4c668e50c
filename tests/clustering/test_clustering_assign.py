"""Between full passes: new items join the issue they belong to by its own bar, and are placed among landmarks."""

import numpy as np
from blobs import random_unit_vector, unit_blobs

from clustering.assign import ADMISSION_QUANTILE, admission_similarity, assign_to_issues
from clustering.cluster import cluster_centroids
from clustering.landmarks import MIN_LANDMARK_NEIGHBOURS, landmark_neighbours, landmark_rows, place_among_landmarks
from clustering.pipeline import describe_clusters
from clustering.reduce import place_among_neighbours


def issues_of(vectors: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each blob as an issue: its unit centroid and its admission bar."""
    labels, centroids = cluster_centroids(vectors, truth)
    bars = np.array(
        [admission_similarity(vectors[truth == label] @ c) for label, c in zip(labels, centroids, strict=True)]
    )
    return centroids, bars


def test_the_bar_is_as_close_as_all_but_the_loosest_members():
    similarities = np.linspace(0.5, 1.0, 101)

    bar = admission_similarity(similarities)

    assert np.isclose(bar, np.quantile(similarities, ADMISSION_QUANTILE))
    assert np.sum(similarities >= bar) == 96  # of 101 members


def test_an_issue_without_members_admits_nothing():
    assert admission_similarity(np.array([])) == float("inf")


def test_new_items_like_an_issues_members_join_it():
    vectors, truth = unit_blobs([40, 40, 40], seed=1)
    # The first 30 of each blob are the issue's members; the last 10, drawn alike, are new.
    held_out = np.arange(len(vectors)) % 40 >= 30
    centroids, bars = issues_of(vectors[~held_out], truth[~held_out])

    labels = assign_to_issues(vectors[held_out], centroids, bars)

    # Most join their own issue and none joins another; the loosest few wait for a full pass.
    expected = truth[held_out]
    assert np.mean(labels == expected) >= 0.8
    assert set(labels[labels != expected].tolist()) <= {-1}


def test_an_item_far_from_every_issue_stays_unassigned():
    vectors, truth = unit_blobs([20, 20], seed=2)
    centroids, bars = issues_of(vectors, truth)

    labels = assign_to_issues(random_unit_vector()[None, :], centroids, bars)

    assert labels.tolist() == [-1]


def test_only_the_nearest_issue_is_tried():
    # Item close to issue 0 but just under its strict bar; issue 1 is far but admits almost anything.
    centroids = np.eye(3, dtype=np.float32)[:2]
    item = np.array([[0.8, 0.1, 0.59]], dtype=np.float32)
    item /= np.linalg.norm(item)

    labels = assign_to_issues(item, centroids, np.array([0.95, -1.0]))

    assert labels.tolist() == [-1]


def test_no_issues_means_every_item_is_unassigned():
    labels = assign_to_issues(np.eye(4, dtype=np.float32), np.zeros((0, 4)), np.zeros(0))

    assert labels.tolist() == [-1, -1, -1, -1]


def test_described_clusters_carry_their_admission_bar():
    vectors, truth = unit_blobs([12, 12], seed=3)
    ids = [f"i{n}" for n in range(len(vectors))]

    clusters = describe_clusters(ids, ["text"] * len(ids), vectors, truth)

    for cluster in clusters:
        members = vectors[list(cluster.member_indices)]
        assert cluster.admission_similarity == admission_similarity(members @ cluster.centroid)
        assert cluster.admission_similarity is not None and 0 < cluster.admission_similarity < 1


def test_every_fitted_point_is_a_landmark_on_a_small_app():
    assert landmark_rows(40, limit=100).tolist() == list(range(40))


def test_a_big_app_keeps_a_seeded_sample_of_landmarks():
    rows = landmark_rows(10_000, limit=500)

    assert len(rows) == len(set(rows.tolist())) == 500
    assert (np.diff(rows) > 0).all()
    assert np.array_equal(rows, landmark_rows(10_000, limit=500))


def test_landmark_neighbours_cover_umaps_neighbourhood_at_the_sampling_rate():
    assert landmark_neighbours(15, 100, 100) == 15
    assert landmark_neighbours(15, 5_000, 25_000) == MIN_LANDMARK_NEIGHBOURS
    assert landmark_neighbours(15, 5_000, 10_000) == 8
    assert landmark_neighbours(15, 2, 2) == 2


def test_with_every_point_a_landmark_placement_is_the_fits_own():
    vectors, _ = unit_blobs([15, 15], seed=4)
    points = np.random.default_rng(4).uniform(size=(30, 2)).astype(np.float32)
    newcomers, _ = unit_blobs([3, 3], seed=5)

    placed = place_among_landmarks(newcomers, vectors, points, n_neighbors=15, fitted=30)

    assert np.allclose(placed, place_among_neighbours(newcomers, vectors, points, 15))
    assert ((placed >= 0) & (placed <= 1)).all()
