import numpy as np
import pytest
from blobs import unit_blobs

from clustering.reduce import (
    IncrementalReducer,
    ReductionParams,
    exact_cosine_neighbours,
    place_among_neighbours,
    reduce_embeddings,
)

# Fits UMAP in this process: waits for its numba kernels, compiled once per run (tests/numba_cache.py).
pytestmark = pytest.mark.umap


def test_few_points_are_passed_through_unreduced():
    vectors, _ = unit_blobs([10, 10])
    assert np.array_equal(reduce_embeddings(vectors), vectors)


def test_umap_reduces_to_five_dimensions_deterministically():
    vectors, _ = unit_blobs([40, 40])
    first, second = reduce_embeddings(vectors), reduce_embeddings(vectors)
    assert first.shape == (80, 5)
    assert np.array_equal(first, second)


def test_each_point_is_its_own_nearest_neighbour():
    vectors, _ = unit_blobs([5, 5])
    indices, distances = exact_cosine_neighbours(vectors, 3)
    assert indices[:, 0].tolist() == list(range(10))
    assert np.allclose(distances[:, 0], 0.0, atol=1e-6)


def test_neighbours_come_nearest_first():
    vectors, _ = unit_blobs([5, 5])
    _, distances = exact_cosine_neighbours(vectors, 4)
    assert (np.diff(distances, axis=1) >= 0).all()


def test_a_new_point_is_placed_among_its_neighbours():
    fitted = np.eye(3, dtype=np.float32)
    coordinates = np.array([[0.0, 0.0], [10.0, 10.0], [20.0, 0.0]], dtype=np.float32)
    new = np.array([[0.0, 1.0, 0.0]], dtype=np.float32)
    assert np.allclose(place_among_neighbours(new, fitted, coordinates, k=1), [[10.0, 10.0]])


def test_incremental_reducer_reuses_its_fit_for_a_few_new_points():
    vectors, _ = unit_blobs([50, 50])
    reducer = IncrementalReducer()
    first = reducer.reduce([f"id{i}" for i in range(98)], vectors[:98])
    again = reducer.reduce([f"id{i}" for i in range(100)], vectors)
    assert reducer.fit_count == 1
    assert not reducer.last_run_refitted
    assert np.array_equal(again[:98], first)


def test_incremental_reducer_refits_when_many_points_are_new():
    vectors, _ = unit_blobs([50, 50])
    reducer = IncrementalReducer(ReductionParams(refit_fraction=0.2))
    reducer.reduce([f"id{i}" for i in range(60)], vectors[:60])
    reducer.reduce([f"id{i}" for i in range(100)], vectors)
    assert reducer.fit_count == 2
    assert reducer.last_run_refitted
