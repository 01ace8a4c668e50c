import numpy as np
from blobs import random_unit_vector, unit_blobs
from sklearn.metrics import adjusted_rand_score

from clustering.cluster import (
    NOISE,
    ClusteringParams,
    adaptive_min_cluster_size,
    assign_noise_to_nearest,
    cluster_points,
)


def test_no_points_give_no_labels():
    assert cluster_points(np.zeros((0, 5))).shape == (0,)


def test_a_single_point_is_noise():
    assert cluster_points(np.ones((1, 5))).tolist() == [NOISE]


def test_two_points_are_too_few_for_an_issue():
    vectors, _ = unit_blobs([2])
    assert cluster_points(vectors, vectors).tolist() == [NOISE, NOISE]


def test_a_handful_of_similar_points_are_not_split_into_several_issues():
    vectors, _ = unit_blobs([6])
    assert len(set(cluster_points(vectors, vectors).tolist()) - {NOISE}) <= 1


def test_a_few_points_on_two_topics_form_two_clusters():
    vectors, truth = unit_blobs([6, 6])
    assert adjusted_rand_score(truth, cluster_points(vectors, vectors)) == 1.0


def test_separate_blobs_become_separate_clusters():
    vectors, truth = unit_blobs([20, 20, 20])
    labels = cluster_points(vectors, vectors)
    assert adjusted_rand_score(truth, labels) == 1.0


def test_an_outlier_stays_noise_rather_than_joining_an_issue():
    blobs, _ = unit_blobs([15, 15])
    vectors = np.vstack([blobs, random_unit_vector()])
    assert cluster_points(vectors, vectors)[-1] == NOISE


def test_noise_close_to_a_cluster_joins_it():
    vectors, _ = unit_blobs([10, 10])
    labels = np.array([0] * 10 + [1] * 10)
    # Right at the centre of blob 0, yet left out by the clusterer.
    vectors[3] = vectors[:10].mean(axis=0) / np.linalg.norm(vectors[:10].mean(axis=0))
    labels[3] = NOISE
    assert assign_noise_to_nearest(vectors, labels)[3] == 0


def test_noise_assignment_can_be_turned_off():
    blobs, _ = unit_blobs([15, 15])
    vectors = np.vstack([blobs, random_unit_vector()])
    labels = cluster_points(vectors, vectors, ClusteringParams(assign_noise=False))
    assert labels[-1] == NOISE


def test_min_cluster_size_grows_slower_than_the_number_of_items():
    sizes = [adaptive_min_cluster_size(n) for n in (0, 10, 100, 1_000, 10_000, 50_000)]
    assert sizes == sorted(sizes)
    assert sizes[0] == 3
    assert sizes[-1] < 50_000 * 0.01


def test_an_explicit_min_cluster_size_overrides_the_adaptive_one():
    vectors, _ = unit_blobs([6, 6])
    labels = cluster_points(vectors, vectors, ClusteringParams(min_cluster_size=7, assign_noise=False))
    sizes = np.bincount(labels[labels != NOISE])
    assert (sizes >= 7).all()
