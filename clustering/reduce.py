"""Shrink embeddings to a few dimensions where density-based clustering works, and reuse the fit."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "IncrementalReducer",
    "ReductionParams",
    "exact_cosine_neighbours",
    "place_among_neighbours",
    "reduce_embeddings",
]


@dataclass(frozen=True, slots=True)
class ReductionParams:
    """How embeddings are reduced with UMAP before clustering.

    HDBSCAN on raw 384-d vectors is both slow (it does not finish on 50k points on two
    cores) and weak, because distances concentrate in high dimensions and density
    differences vanish. UMAP keeps the local neighbourhood structure in a handful of
    dimensions, where HDBSCAN's density estimate works.

    - `n_neighbors=15` (UMAP's default): on banking77 15, 30 and 50 scored alike or 15
      better, and larger neighbourhoods cost time and blur small issues into big ones.
    - `n_components=5`, `min_dist=0.0`: packed, low-dimensional clumps suit HDBSCAN.
    - `n_epochs=200`: UMAP's own choice above 10k points; below that it uses 500,
      which doubled fit time on 10k points for no measurable gain in cluster quality.
    - `random_state` fixes the layout, so the same input gives the same issues.
    - Below `min_points_for_umap` points the vectors are clustered as they are: UMAP's
      graph is unreliable on a few dozen points, and HDBSCAN is instant at that size.
    - `refit_fraction`: an `IncrementalReducer` refits once more than this share of the
      points are new to it; below that, new points are placed with the old fit.
    - Up to `max_points_for_exact_neighbours`, neighbours are found exactly by matrix
      product (fast at that size, and it skips UMAP's slow-to-compile approximate
      search); above it the quadratic cost loses to UMAP's own search.
    """

    n_neighbors: int = 15
    n_components: int = 5
    min_dist: float = 0.0
    n_epochs: int = 200
    random_state: int = 42
    min_points_for_umap: int = 50
    refit_fraction: float = 0.2
    max_points_for_exact_neighbours: int = 30_000


def exact_cosine_neighbours(
    embeddings: np.ndarray, k: int, reference: np.ndarray | None = None, chunk_size: int = 1024
) -> tuple[np.ndarray, np.ndarray]:
    """For each row of unit-length `embeddings`, its `k` nearest rows of `reference` (default: itself).

    Returns (indices, cosine distances), nearest first; a point is its own first
    neighbour when `reference` is the input itself, as UMAP expects.
    """
    reference = embeddings if reference is None else reference
    k = min(k, len(reference))
    indices = np.empty((len(embeddings), k), dtype=np.int64)
    distances = np.empty((len(embeddings), k), dtype=np.float32)
    # Chunked so memory stays at chunk_size x n similarities, not n x n.
    for start in range(0, len(embeddings), chunk_size):
        similarities = embeddings[start : start + chunk_size] @ reference.T
        if k < len(reference):
            candidates = np.argpartition(-similarities, k - 1, axis=1)[:, :k]
        else:
            candidates = np.broadcast_to(np.arange(len(reference)), similarities.shape)
        candidate_similarities = np.take_along_axis(similarities, candidates, axis=1)
        order = np.argsort(-candidate_similarities, axis=1, kind="stable")
        indices[start : start + chunk_size] = np.take_along_axis(candidates, order, axis=1)
        distances[start : start + chunk_size] = 1.0 - np.take_along_axis(candidate_similarities, order, axis=1)
    # Rounding can make a point's distance to itself slightly negative.
    return indices, np.maximum(distances, 0.0)


def _fit_umap(embeddings: np.ndarray, params: ReductionParams) -> tuple[Any, np.ndarray]:
    import umap

    n_points = len(embeddings)
    # Small inputs cannot have more neighbours or dimensions than they have points.
    n_neighbors = max(2, min(params.n_neighbors, n_points - 1))
    precomputed_knn: tuple[Any, Any, None] = (None, None, None)
    if n_points <= params.max_points_for_exact_neighbours:
        # Exact neighbours by one matrix product: 2.6 s for 10k points on two cores,
        # and it spares UMAP's approximate search, whose numba code compiles for ~30 s
        # in every fresh process (not all of it is cached on disk).
        indices, distances = exact_cosine_neighbours(embeddings, n_neighbors)
        precomputed_knn = (indices, distances, None)
    model = umap.UMAP(
        n_neighbors=n_neighbors,
        n_components=max(1, min(params.n_components, n_points - 2)),
        min_dist=params.min_dist,
        n_epochs=params.n_epochs,
        metric="cosine",
        random_state=params.random_state,
        # Fixing the seed makes UMAP single-threaded anyway; say so to silence its warning.
        n_jobs=1,
        low_memory=True,
        precomputed_knn=precomputed_knn,
    )
    with warnings.catch_warnings():
        # UMAP warns about spectral initialisation on disconnected graphs and the like;
        # those are expected on real feedback and say nothing the caller can act on.
        warnings.simplefilter("ignore")
        coordinates = model.fit_transform(embeddings).astype(np.float32)
    return model, coordinates


def _as_float32(embeddings: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(embeddings, dtype=np.float32)


def reduce_embeddings(embeddings: np.ndarray, params: ReductionParams = ReductionParams()) -> np.ndarray:
    """Coordinates for unit-length `embeddings` in a few dimensions, fitted from scratch."""
    embeddings = _as_float32(embeddings)
    if len(embeddings) < params.min_points_for_umap:
        return embeddings
    return _fit_umap(embeddings, params)[1]


def place_among_neighbours(
    embeddings: np.ndarray, fitted_embeddings: np.ndarray, fitted_coordinates: np.ndarray, k: int
) -> np.ndarray:
    """Coordinates for new points: a weighted mean of their `k` nearest fitted points' coordinates.

    This is how UMAP's own `transform` initialises new points; its extra optimisation
    epochs barely move a point that lands inside one clump, which is what matters for
    clustering, and skipping them keeps placement deterministic and fast.
    """
    indices, distances = exact_cosine_neighbours(embeddings, k, reference=fitted_embeddings)
    # Closer neighbours count more; the scale is each point's own spread of distances.
    spread = distances[:, -1:] - distances[:, :1] + 1e-6
    weights = np.exp(-(distances - distances[:, :1]) / spread)
    weights /= weights.sum(axis=1, keepdims=True)
    return np.einsum("nk,nkd->nd", weights, fitted_coordinates[indices]).astype(np.float32)


class IncrementalReducer:
    """Keeps a UMAP fit between runs, so a re-run only places the points it has not seen.

    Coordinates are remembered per key (e.g. the interaction id). On the next `reduce`,
    known keys reuse theirs and new keys are placed among their nearest fitted points
    (`place_among_neighbours`): milliseconds for a hundred points instead of a full fit.
    Once new points exceed `refit_fraction` of the input, or the embedding size
    changes, it refits from scratch. One instance serves one population (one app's
    feedback); a lock keeps concurrent runs from interleaving. Memory: the fitted
    embeddings are kept (1.5 KB per point for 384-d float32).
    """

    def __init__(self, params: ReductionParams = ReductionParams()) -> None:
        self.params = params
        self._fitted_embeddings: np.ndarray | None = None
        self._fitted_coordinates: np.ndarray | None = None
        self._coordinates: dict[Hashable, np.ndarray] = {}
        self._lock = threading.Lock()
        self.fit_count = 0
        self.last_run_refitted = False

    @property
    def is_fitted(self) -> bool:
        """Whether a fit is held for reuse."""
        return self._fitted_embeddings is not None

    def reduce(self, keys: Sequence[Hashable], embeddings: np.ndarray) -> np.ndarray:
        """Coordinates for unit-length `embeddings` (one key per row), reusing the previous fit when it still fits."""
        embeddings = _as_float32(embeddings)
        if len(keys) != len(embeddings):
            raise ValueError(f"{len(keys)} keys for {len(embeddings)} embeddings")
        with self._lock:
            self.last_run_refitted = False
            if len(embeddings) < self.params.min_points_for_umap:
                # Too few points for UMAP: cluster the vectors themselves, keep no fit.
                self._forget()
                return embeddings
            unseen = [row for row, key in enumerate(keys) if key not in self._coordinates]
            if self._needs_refit(len(unseen), embeddings):
                return self._refit(keys, embeddings)
            if unseen:
                assert self._fitted_embeddings is not None and self._fitted_coordinates is not None
                placed = place_among_neighbours(
                    embeddings[unseen], self._fitted_embeddings, self._fitted_coordinates, self.params.n_neighbors
                )
                for row, coordinates in zip(unseen, placed, strict=True):
                    self._coordinates[keys[row]] = coordinates
            return np.stack([self._coordinates[key] for key in keys])

    def _needs_refit(self, unseen_count: int, embeddings: np.ndarray) -> bool:
        if self._fitted_embeddings is None or embeddings.shape[1] != self._fitted_embeddings.shape[1]:
            return True
        return unseen_count > self.params.refit_fraction * len(embeddings)

    def _refit(self, keys: Sequence[Hashable], embeddings: np.ndarray) -> np.ndarray:
        _, coordinates = _fit_umap(embeddings, self.params)
        self._fitted_embeddings = embeddings
        self._fitted_coordinates = coordinates
        # Only the current population is remembered; departed keys would never be asked for.
        self._coordinates = dict(zip(keys, coordinates, strict=True))
        self.fit_count += 1
        self.last_run_refitted = True
        return coordinates

    def _forget(self) -> None:
        self._fitted_embeddings = None
        self._fitted_coordinates = None
        self._coordinates = {}
