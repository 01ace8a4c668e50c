"""Shrink embeddings to a few dimensions where density-based clustering works, and reuse the fit."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from clustering.umap_kernels import cache_umap_kernels

__all__ = [
    "IncrementalReducer",
    "Reduction",
    "ReductionFit",
    "ReductionParams",
    "exact_cosine_neighbours",
    "place_among_neighbours",
    "reduce_embeddings",
    "reduce_with_fit",
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
    - `refit_fraction`: a kept fit is refitted once more than this share of the points
      are unknown to it; below that, new points are placed with the old fit.
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

    cache_umap_kernels()
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
    placed: np.ndarray = np.einsum("nk,nkd->nd", weights, fitted_coordinates[indices])
    return placed.astype(np.float32)


@dataclass(frozen=True, slots=True)
class ReductionFit:
    """A UMAP fit worth keeping: the reduced coordinates of the points it was fitted on, by key.

    `fingerprint` names what the coordinates depend on (embedding model, document recipe,
    reduction parameters); a fit is reused only for input with the same fingerprint.
    Departed points are harmless: only keys present in the next input are used.
    """

    coordinates: Mapping[Hashable, np.ndarray]
    fingerprint: str = ""
    # The content hash of the document each point was fitted on (absent: not known, trusted): a
    # point whose document changed since (a new comment, another user's complaint) is placed anew.
    documents: Mapping[Hashable, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reduction:
    """Coordinates for one input, and the fit to keep for the next run (`refitted` says whether it is new)."""

    coordinates: np.ndarray
    fit: ReductionFit | None
    refitted: bool
    # Keys the fit knew whose document changed since: placed anew, not where the fit had them.
    moved: frozenset[Hashable] = frozenset()


def reduce_with_fit(
    keys: Sequence[Hashable],
    embeddings: np.ndarray,
    fit: ReductionFit | None,
    params: ReductionParams = ReductionParams(),
    fingerprint: str = "",
    document_hashes: Sequence[str] | None = None,
) -> Reduction:
    """Coordinates for unit-length `embeddings` (one key per row), reusing `fit` while it still fits.

    Keys the fit knows keep their coordinates; the others are placed among their nearest
    fitted points (`place_among_neighbours`), milliseconds for a few hundred points
    instead of a full fit. Once more than `refit_fraction` of the input is unknown to the
    fit (placed points never join it, so drift accumulates until it triggers), or the
    fingerprint or embedding size changed, UMAP is fitted afresh. With `document_hashes` (one per
    row, the content hash of the document embedded), a key whose document is not the one it was
    fitted on counts as unknown: its kept coordinates describe words it no longer has.
    """
    embeddings = _as_float32(embeddings)
    if len(keys) != len(embeddings):
        raise ValueError(f"{len(keys)} keys for {len(embeddings)} embeddings")
    if len(embeddings) < params.min_points_for_umap:
        # Too few points for UMAP: cluster the vectors themselves, keep no fit.
        return Reduction(embeddings, fit=None, refitted=False)
    if document_hashes is not None and len(document_hashes) != len(keys):
        raise ValueError(f"{len(keys)} keys for {len(document_hashes)} document hashes")
    known: list[int] = []
    moved: frozenset[Hashable] = frozenset()
    if fit is not None and fit.fingerprint == fingerprint:
        known = [row for row, key in enumerate(keys) if key in fit.coordinates]
        if document_hashes is not None:
            moved = frozenset(
                keys[row] for row in known if fit.documents.get(keys[row], document_hashes[row]) != document_hashes[row]
            )
            known = [row for row in known if keys[row] not in moved]
        # A fit made with other reduction parameters has coordinates of another size.
        if known and len(fit.coordinates[keys[known[0]]]) != params.n_components:
            known = []
    unknown_count = len(embeddings) - len(known)
    if fit is None or not known or unknown_count > params.refit_fraction * len(embeddings):
        _, coordinates = _fit_umap(embeddings, params)
        documents = dict(zip(keys, document_hashes, strict=True)) if document_hashes is not None else {}
        fresh = ReductionFit(dict(zip(keys, coordinates, strict=True)), fingerprint, documents)
        return Reduction(coordinates, fit=fresh, refitted=True)
    coordinates = np.empty((len(embeddings), params.n_components), dtype=np.float32)
    coordinates[known] = np.stack([fit.coordinates[keys[row]] for row in known])
    if unknown_count:
        known_rows = set(known)
        unknown = [row for row in range(len(embeddings)) if row not in known_rows]
        coordinates[unknown] = place_among_neighbours(
            embeddings[unknown], embeddings[known], coordinates[known], params.n_neighbors
        )
    return Reduction(coordinates, fit=fit, refitted=False, moved=moved)


class IncrementalReducer:
    """Keeps a UMAP fit in memory between runs over one population (one app's feedback).

    A thin holder around `reduce_with_fit`; the gateway keeps its fits in the database
    instead, so they outlive the process. A lock keeps concurrent runs from interleaving.
    """

    def __init__(self, params: ReductionParams = ReductionParams()) -> None:
        self.params = params
        self._fit: ReductionFit | None = None
        self._lock = threading.Lock()
        self.fit_count = 0
        self.last_run_refitted = False

    @property
    def is_fitted(self) -> bool:
        """Whether a fit is held for reuse."""
        return self._fit is not None

    def reduce(self, keys: Sequence[Hashable], embeddings: np.ndarray) -> np.ndarray:
        """Coordinates for unit-length `embeddings` (one key per row), reusing the previous fit when it still fits."""
        with self._lock:
            reduction = reduce_with_fit(keys, embeddings, self._fit, self.params)
            self._fit = reduction.fit
            self.last_run_refitted = reduction.refitted
            self.fit_count += reduction.refitted
            return reduction.coordinates
