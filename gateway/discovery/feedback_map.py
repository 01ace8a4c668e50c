"""A 2-D map of an app's negative feedback: a PCA of the UMAP coordinates the last clustering pass kept.

The clustering pass keeps every clustered complaint's reduced (UMAP) coordinates per app
(`reduction_points`); projecting those onto their two principal axes is a few milliseconds of
arithmetic, so the map is drawn from them on request rather than stored a second time.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

import numpy as np

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
    return (flat - low) / np.where(span > 0, span, 1.0)


class FeedbackMapService:
    """Builds an app's negative-feedback map from the kept reduction."""

    def __init__(self, fits: ReductionFitStore) -> None:
        self._fits = fits

    async def for_issue(self, app: str, member_ids: Collection[str]) -> FeedbackMap | None:
        """The map of `app` with `member_ids` marked; None when no clustering pass kept coordinates yet."""
        fit = await self._fits.load(app)
        if fit is None:
            return None
        keys = sorted(str(key) for key in fit.coordinates)
        matrix = np.vstack([fit.coordinates[key] for key in keys]).astype(np.float64)
        flat = project_2d(matrix)
        members = set(member_ids)
        chosen = [i for i, key in enumerate(keys) if key in members]
        others = [i for i, key in enumerate(keys) if key not in members]
        room = max(MAX_POINTS - len(chosen), 0)
        if len(others) > room:
            others = [others[int(n * len(others) / room)] for n in range(room)] if room else []
        points = tuple(
            MapPoint(keys[i], float(flat[i, 0]), float(flat[i, 1]), keys[i] in members) for i in sorted(others + chosen)
        )
        return FeedbackMap(app, len(keys), len(chosen), points)
