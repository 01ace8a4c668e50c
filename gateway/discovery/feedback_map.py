"""A 2-D map of an app's negative feedback, computed by the clustering pass and kept for the issue page.

Each pass projects the reduced (UMAP) coordinates of every complaint it clustered onto their
two principal axes, scaled to the unit square, and keeps one (x, y) per complaint
(`feedback_map_points`). When the pass reused the kept UMAP fit, the points already on the
map stay where they are and only new complaints are placed, with the same projection
recovered from the kept points, so the map does not jump between passes and a re-run writes
only the new rows, with the pass's run in its transaction. The page reads the kept points; for
an app whose last pass predates the kept map, it falls back to projecting the kept UMAP
coordinates on request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.store.feedback_map_points import FeedbackMapStore, MapUpdate, Point
from gateway.store.reduction_fits import ReductionFitStore

# The most points a map draws: every member of the issue, then an even sample of the rest.
MAX_POINTS = 3_000


@dataclass(frozen=True, slots=True)
class MapPoint:
    """One complaint on the map, x and y in [0, 1]; `member` when it belongs to the issue shown."""

    interaction_id: str
    x: float
    y: float
    member: bool


@dataclass(frozen=True, slots=True)
class FeedbackMap:
    """The app's complaints in 2-D; `total` counts all kept points, `points` those drawn."""

    app: str
    total: int
    members_on_map: int
    points: tuple[MapPoint, ...]


def project_2d(coordinates: np.ndarray) -> np.ndarray:
    """The rows of `coordinates` on their first two principal axes, each axis scaled to [0, 1]."""
    if len(coordinates) == 0:
        return np.zeros((0, 2))
    centred = coordinates - coordinates.mean(axis=0)
    if coordinates.shape[1] >= 2 and len(coordinates) >= 2:
        _, _, axes = np.linalg.svd(centred, full_matrices=False)
        flat = centred @ axes[:2].T
    else:
        flat = np.zeros((len(coordinates), 2))
        flat[:, : coordinates.shape[1]] = centred[:, :2]
    if flat.shape[1] < 2:
        flat = np.hstack([flat, np.zeros((len(flat), 2 - flat.shape[1]))])
    low, span = flat.min(axis=0), np.ptp(flat, axis=0)
    scaled: np.ndarray = (flat - low) / np.where(span > 0, span, 1.0)
    return scaled


def map_update(
    ids: Sequence[str],
    coordinates: np.ndarray,
    kept: Mapping[str, Point],
    *,
    refitted: bool,
    moved: Collection[str] = frozenset(),
) -> MapUpdate:
    """The map change for a pass that reduced `ids` to `coordinates`, given the points `kept` from before.

    A fresh reduction (or no usable kept map) redraws the whole map. Otherwise the kept points
    stay and new ids are placed by the affine map from reduced coordinates to the kept x, y,
    fitted by least squares on the kept points: the projection is affine, so this recovers it.
    The `moved` ids (their document changed, so they were placed anew) are placed as new ones are.
    """
    if moved:
        kept = {key: point for key, point in kept.items() if key not in moved}
    coordinates = np.asarray(coordinates, dtype=np.float64)
    known = [row for row, key in enumerate(ids) if key in kept]
    dimensions = coordinates.shape[1] if coordinates.ndim == 2 else 0
    # An affine map in d dimensions needs d + 1 points to pin down; with fewer, redraw.
    if refitted or len(known) <= dimensions + 1:
        flat = project_2d(coordinates)
        return MapUpdate(True, {key: (float(x), float(y)) for key, (x, y) in zip(ids, flat, strict=True)}, frozenset())
    current = set(ids)
    removed = frozenset(key for key in kept if key not in current)
    fresh = [row for row, key in enumerate(ids) if key not in kept]
    added: dict[str, Point] = {}
    if fresh:
        design = np.hstack([coordinates[known], np.ones((len(known), 1))])
        targets = np.array([kept[ids[row]] for row in known])
        affine, *_ = np.linalg.lstsq(design, targets, rcond=None)
        placed = np.hstack([coordinates[fresh], np.ones((len(fresh), 1))]) @ affine
        placed = np.clip(placed, 0.0, 1.0)
        added = {ids[row]: (float(x), float(y)) for row, (x, y) in zip(fresh, placed, strict=True)}
    return MapUpdate(False, added, removed)


async def map_change(
    store: FeedbackMapStore,
    app: str,
    ids: Sequence[str],
    coordinates: np.ndarray,
    *,
    refitted: bool,
    moved: Collection[str] = frozenset(),
) -> MapUpdate:
    """The change to `app`'s map after a pass that reduced `ids` to `coordinates` (`moved`: see map_update);
    the pass stores it with its run."""
    kept = {} if refitted else await store.load(app)
    # Arithmetic over every complaint (100k on a busy app): off the event loop.
    return await asyncio.to_thread(lambda: map_update(ids, coordinates, kept, refitted=refitted, moved=moved))


class FeedbackMapService:
    """Builds an app's negative-feedback map from the points the clustering pass kept."""

    def __init__(self, fits: ReductionFitStore, points: FeedbackMapStore | None = None) -> None:
        self._fits = fits
        self._points = points

    @classmethod
    def for_engine(cls, engine: AsyncEngine) -> FeedbackMapService:
        """The service reading the kept map points of `engine`'s database (falling back to the kept fit)."""
        return cls(ReductionFitStore(engine), FeedbackMapStore(engine))

    async def for_issue(self, app: str, member_ids: Collection[str]) -> FeedbackMap | None:
        """The map of `app` with `member_ids` marked; None when no clustering pass kept coordinates yet."""
        kept = await self._points.load(app) if self._points is not None else {}
        if kept:
            keys = sorted(kept)
            flat = np.array([kept[key] for key in keys], dtype=np.float64)
        else:
            fit = await self._fits.load(app)
            if fit is None:
                return None
            keys = sorted(str(key) for key in fit.coordinates)
            flat = project_2d(np.vstack([fit.coordinates[key] for key in keys]).astype(np.float64))
        return _drawn(app, keys, flat, set(member_ids))


def _drawn(app: str, keys: list[str], flat: np.ndarray, members: set[str]) -> FeedbackMap:
    # Every member is drawn; the rest are thinned evenly so a big app's map stays light.
    chosen = [i for i, key in enumerate(keys) if key in members]
    others = [i for i, key in enumerate(keys) if key not in members]
    room = max(MAX_POINTS - len(chosen), 0)
    if len(others) > room:
        others = [others[int(n * len(others) / room)] for n in range(room)] if room else []
    points = tuple(
        MapPoint(keys[i], float(flat[i, 0]), float(flat[i, 1]), keys[i] in members) for i in sorted(others + chosen)
    )
    return FeedbackMap(app, len(keys), len(chosen), points)
