"""Placing new items on an app's kept map between full passes, among a sample of the kept fit's points.

A full pass places items unknown to the kept UMAP fit among their nearest fitted points
(`reduce.place_among_neighbours`), which needs every fitted point's embedding: on a busy app
that is 100k vectors to read and a 1,000 x 100k similarity search, seconds an incremental
pass does not have. So each full pass marks an even sample of the fitted points as landmarks
(all of them on an app of up to `MAX_LANDMARKS`), and an incremental pass places new items
among those.

The map is an affine image of the UMAP coordinates (`gateway.discovery.feedback_map`), and the
placement is a weighted mean whose weights sum to one, so placing a point among the
landmarks' map points gives the same point as placing it in the kept fit and projecting it.
"""

from __future__ import annotations

import numpy as np

from clustering.reduce import place_among_neighbours

__all__ = ["MAX_LANDMARKS", "landmark_neighbours", "landmark_rows", "place_among_landmarks"]

# How many of the kept fit's points an incremental pass places new items among: reading 5,000
# vectors and searching them for 1,000 new items takes a fraction of a second, and at 100k
# points every issue of the minimum size (about 80 members there) still holds a few.
MAX_LANDMARKS = 5_000
# Fewer neighbours than this and a single odd landmark decides where a point lands.
MIN_LANDMARK_NEIGHBOURS = 3


def landmark_rows(count: int, limit: int = MAX_LANDMARKS, seed: int = 0) -> np.ndarray:
    """Which of `count` fitted points serve as landmarks: all of them up to `limit`, else a seeded sample of `limit`."""
    if count <= limit:
        return np.arange(count)
    return np.sort(np.random.default_rng(seed).choice(count, size=limit, replace=False))


def landmark_neighbours(n_neighbors: int, landmarks: int, fitted: int) -> int:
    """Among how many landmarks a new point is placed: UMAP's neighbourhood scaled by the sampling rate.

    UMAP places a point among its `n_neighbors` nearest fitted points; when one fitted point
    in r is a landmark, each landmark stands for r points, so n_neighbors / r landmarks cover
    the same neighbourhood.
    """
    if landmarks <= 0:
        return 0
    scaled = round(n_neighbors * landmarks / max(fitted, landmarks))
    return min(landmarks, max(MIN_LANDMARK_NEIGHBOURS, scaled))


def place_among_landmarks(
    embeddings: np.ndarray,
    landmark_embeddings: np.ndarray,
    landmark_points: np.ndarray,
    n_neighbors: int,
    fitted: int,
) -> np.ndarray:
    """Points for new unit `embeddings`: weighted means of their nearest landmarks' `landmark_points`.

    `landmark_points` may be fitted coordinates or map points (one row per landmark);
    `fitted` is how many points the kept fit holds, landmarks or not.
    """
    embeddings = np.ascontiguousarray(embeddings, dtype=np.float32)
    points = np.asarray(landmark_points, dtype=np.float32)
    if len(embeddings) == 0 or len(landmark_embeddings) == 0:
        return np.zeros((len(embeddings), points.shape[1] if points.ndim == 2 else 0), dtype=np.float32)
    k = landmark_neighbours(n_neighbors, len(landmark_embeddings), fitted)
    reference = np.ascontiguousarray(landmark_embeddings, dtype=np.float32)
    return place_among_neighbours(embeddings, reference, points, k)
