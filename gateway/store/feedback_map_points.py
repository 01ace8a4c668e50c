"""Each app's kept 2-D map of its negative feedback: one (x, y) per complaint, written by the clustering pass."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.store.chunks import chunks
from gateway.store.tables.discovery import feedback_map_points

Point = tuple[float, float]


@dataclass(frozen=True, slots=True)
class MapUpdate:
    """What a pass changes on an app's map: everything (`replace`), or the points added and removed."""

    replace: bool
    added: dict[str, Point]
    removed: frozenset[str]


class FeedbackMapStore:
    """Reads and writes the `feedback_map_points` of one app at a time."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def load(self, app: str) -> dict[str, Point]:
        """`app`'s kept points by interaction id; empty when no pass has drawn its map yet."""
        query = select(feedback_map_points.c.interaction_id, feedback_map_points.c.x, feedback_map_points.c.y).where(
            feedback_map_points.c.app == app
        )
        async with self._engine.connect() as connection:
            return {interaction_id: (float(x), float(y)) for interaction_id, x, y in await connection.execute(query)}

    async def replace(self, app: str, points: Mapping[str, Point]) -> None:
        """Make `points` the whole of `app`'s map, in one transaction."""
        async with self._engine.begin() as connection:
            await apply_map_update(connection, app, MapUpdate(True, dict(points), frozenset()))

    async def update(self, app: str, added: Mapping[str, Point], removed: Collection[str]) -> None:
        """Add `added` to `app`'s map and drop the `removed` ids, in one transaction; other points stay."""
        async with self._engine.begin() as connection:
            await apply_map_update(connection, app, MapUpdate(False, dict(added), frozenset(removed)))


async def apply_map_update(connection: AsyncConnection, app: str, change: MapUpdate) -> None:
    """Write `change` to `app`'s map inside the caller's transaction."""
    points = feedback_map_points.c
    if change.replace:
        await connection.execute(delete(feedback_map_points).where(points.app == app))
    else:
        for chunk in chunks(sorted(set(change.removed) | set(change.added))):
            await connection.execute(
                delete(feedback_map_points).where(points.app == app, points.interaction_id.in_(chunk))
            )
    for rows in chunks(_rows(app, change.added)):
        await connection.execute(insert(feedback_map_points), list(rows))


def _rows(app: str, points: Mapping[str, Point]) -> list[dict[str, object]]:
    return [{"app": app, "interaction_id": key, "x": float(x), "y": float(y)} for key, (x, y) in points.items()]
