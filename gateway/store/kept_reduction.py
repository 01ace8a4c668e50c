"""What a full clustering pass keeps of its reduction for the passes after it: the UMAP fit, its landmarks, the map.

The map's points say which complaints a pass has seen (an incremental pass takes the others as
new), so they are written with the run itself (`IssueStore.save_run`), in its transaction: a
pass that dies before its run is stored leaves the last run's fit, landmarks and map as they
were, and its complaints count as new to the next pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from clustering.reduce import ReductionFit
from gateway.store.feedback_map_points import MapUpdate, apply_map_update
from gateway.store.placement_landmarks import mark_landmarks
from gateway.store.reduction_fits import replace_fit


@dataclass(frozen=True, slots=True)
class KeptReduction:
    """What a pass leaves for the next: a new fit (when `new_fit`; None forgets the fit), landmarks, map changes."""

    new_fit: bool
    fit: ReductionFit | None
    # Interaction id -> content hash of the fitted points incremental passes place new complaints among;
    # None leaves the landmarks as they are.
    landmarks: Mapping[str, str] | None
    map: MapUpdate


async def keep_reduction(connection: AsyncConnection, app: str, kept: KeptReduction) -> None:
    """Write `kept` for `app` inside the caller's transaction (the run's)."""
    if kept.new_fit:
        await replace_fit(connection, app, kept.fit)
    if kept.landmarks is not None:
        await mark_landmarks(connection, app, kept.landmarks)
    await apply_map_update(connection, app, kept.map)
