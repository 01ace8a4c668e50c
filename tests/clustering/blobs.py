"""Synthetic unit-vector blobs, for tests where only the clustering logic is under test."""

from __future__ import annotations

import numpy as np


def unit_blobs(
    sizes: list[int], dimensions: int = 384, spread: float = 0.3, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Points around random well-separated unit centres, and each point's blob number."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(len(sizes), dimensions))
    points, truth = [], []
    for blob, size in enumerate(sizes):
        # Per-coordinate noise of spread/sqrt(d) keeps members ~0.9 cosine to their centre
        # while random centres in 384-d are ~0 cosine to each other.
        noise = rng.normal(scale=spread / np.sqrt(dimensions), size=(size, dimensions))
        points.append(centres[blob] / np.linalg.norm(centres[blob]) + noise)
        truth += [blob] * size
    vectors = np.vstack(points)
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32), np.array(truth)


def random_unit_vector(dimensions: int = 384, seed: int = 99) -> np.ndarray:
    """A unit vector in a random direction, far from any blob centre."""
    vector = np.random.default_rng(seed).normal(size=dimensions)
    return (vector / np.linalg.norm(vector)).astype(np.float32)
