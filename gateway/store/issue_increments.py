"""The issue store's side of an incremental pass: an app's live issues and members, and writing only what changed."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

import numpy as np
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from clustering.issue_status import IssueStatus
from gateway.store.chunks import chunks
from gateway.store.feedback_map_points import Point
from gateway.store.issue_records import IssueEvent
from gateway.store.issue_resolutions import resolution_times
from gateway.store.issue_stamps import IssueStamp, hold_unchanged, read_stamps
from gateway.store.run_history import INCREMENTAL
from gateway.store.tables import cluster_runs, issue_events, issue_history, issue_members, issues
from gateway.store.tables.discovery import feedback_map_points


@dataclass(frozen=True, slots=True)
class LiveIssue:
    """An issue that holds complaints, as an incremental pass tests new ones against it."""

    id: str
    status: IssueStatus
    regressed: bool
    size: int
    negative_count: int
    # None on issues no full pass has measured yet (no bar, or from before centroids were kept):
    # they take no new members.
    centroid: np.ndarray | None
    admission_similarity: float | None
    first_seen: datetime | None
    last_seen: datetime | None
    # When it was last set to resolved, if it is resolved: only complaints about later answers reopen it.
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AppIssueState:
    """An app's live issues, which issue holds each complaint, and every complaint the last pass saw."""

    issues: list[LiveIssue]
    issue_of: dict[str, str]
    seen: frozenset[str]
    # Every issue's stamp, read first: the run is stored only while none moved (gateway.store.issue_stamps).
    stamps: dict[str, IssueStamp] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class IssueChange:
    """An issue's new figures after an incremental run; size 0 retires it (its members leave it)."""

    id: str
    size: int
    negative_count: int
    status: IssueStatus
    regressed: bool
    first_seen: datetime | None
    last_seen: datetime | None


@dataclass(frozen=True, slots=True)
class IncrementalRun:
    """Everything an incremental run changes: only the complaints that came or went, and the issues they touch."""

    id: str
    app: str
    started_at: datetime
    finished_at: datetime
    recipe: str
    items: int
    noise: int
    changed_items: int
    # Every issue that holds complaints after the run, as (id, size, negative count): its history point.
    live: list[tuple[str, int, int]]
    changes: list[IssueChange] = field(default_factory=list)
    # (issue id, interaction id) of the new complaints that joined an issue.
    joined: list[tuple[str, str]] = field(default_factory=list)
    # Complaints withdrawn since the last pass: they leave their issues and the map.
    withdrawn: list[str] = field(default_factory=list)
    events: list[IssueEvent] = field(default_factory=list)
    map_points: dict[str, Point] = field(default_factory=dict)


class IssueIncrementStore:
    """Reads an app's issue state and stores incremental runs."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def state(self, app: str) -> AppIssueState:
        """`app`'s live issues, their members, and the complaints on its map (those the last pass saw)."""
        i = issues.c
        live = select(
            i.id,
            i.status,
            i.regressed,
            i.size,
            i.negative_count,
            i.centroid,
            i.admission_similarity,
            i.first_seen,
            i.last_seen,
        ).where(i.app == app, i.size > 0)
        m = issue_members.c
        members = select(m.interaction_id, m.issue_id).join(issues, i.id == m.issue_id).where(i.app == app)
        seen = select(feedback_map_points.c.interaction_id).where(feedback_map_points.c.app == app)
        async with self._engine.connect() as connection:
            stamps = await read_stamps(connection, app)
            rows = (await connection.execute(live)).all()
            issue_of = dict((await connection.execute(members)).all())
            seen_ids = frozenset((await connection.execute(seen)).scalars())
            resolved = [row.id for row in rows if row.status == IssueStatus.RESOLVED]
            resolved_at = await resolution_times(connection, resolved)
        return AppIssueState(
            issues=[
                LiveIssue(
                    id=row.id,
                    status=IssueStatus(row.status),
                    regressed=row.regressed,
                    size=row.size,
                    negative_count=row.negative_count,
                    centroid=np.frombuffer(row.centroid, dtype="<f4") if row.centroid is not None else None,
                    admission_similarity=row.admission_similarity,
                    first_seen=row.first_seen,
                    last_seen=row.last_seen,
                    resolved_at=resolved_at.get(row.id),
                )
                for row in rows
            ],
            issue_of=issue_of,
            seen=seen_ids,
            stamps=stamps,
        )

    async def save(self, run: IncrementalRun, unchanged_since: Mapping[str, IssueStamp] | None = None) -> None:
        """Store an incremental run atomically: its record, the members and map points that came or went,
        the touched issues' figures, a history point for every live issue, and the events.

        With `unchanged_since` (`AppIssueState.stamps`), nothing is stored and IssuesChangedMeanwhile is
        raised when someone changed the app's issues since the state was read."""
        now = datetime.now(UTC)
        async with self._engine.begin() as connection:
            if unchanged_since is not None:
                await hold_unchanged(connection, run.app, unchanged_since)
            await connection.execute(
                insert(cluster_runs).values(
                    id=run.id,
                    app=run.app,
                    started_at=run.started_at,
                    finished_at=run.finished_at,
                    items=run.items,
                    clusters=len(run.live),
                    noise=run.noise,
                    kind=INCREMENTAL,
                    recipe=run.recipe,
                    changed_items=run.changed_items,
                )
            )
            await _drop(connection, run.app, run.withdrawn)
            # A retired issue's members that were not withdrawn (it fell below the smallest cluster) leave it.
            retired = [change.id for change in run.changes if change.size == 0]
            for chunk in chunks(retired):
                await connection.execute(delete(issue_members).where(issue_members.c.issue_id.in_(chunk)))
            await _insert(connection, issue_members, [{"issue_id": i, "interaction_id": key} for i, key in run.joined])
            points = run.map_points.items()
            await _insert(
                connection,
                feedback_map_points,
                [{"app": run.app, "interaction_id": k, "x": x, "y": y} for k, (x, y) in points],
            )
            for change in run.changes:
                values = {
                    "size": change.size,
                    "negative_count": change.negative_count,
                    "status": change.status,
                    "regressed": change.regressed,
                    "first_seen": change.first_seen,
                    "last_seen": change.last_seen,
                    "updated_at": now,
                }
                await connection.execute(update(issues).where(issues.c.id == change.id).values(**values))
            history: list[dict[str, object]] = [
                {
                    "issue_id": issue_id,
                    "run_id": run.id,
                    "day": run.finished_at.date(),
                    "size": size,
                    "negative_count": n,
                }
                for issue_id, size, n in [*run.live, *((c.id, 0, 0) for c in run.changes if c.size == 0)]
            ]
            await _insert(connection, issue_history, history)
            if run.events:
                await connection.execute(
                    insert(issue_events),
                    [
                        {
                            "issue_id": e.issue_id,
                            "run_id": run.id,
                            "kind": e.kind,
                            "detail": e.detail,
                            "created_at": now,
                        }
                        for e in run.events
                    ],
                )


async def _insert(connection: AsyncConnection, table: Table, rows: list[dict[str, object]]) -> None:
    for chunk in chunks(rows):
        await connection.execute(insert(table), list(chunk))


async def _drop(connection: AsyncConnection, app: str, withdrawn: Sequence[str]) -> None:
    """Remove withdrawn complaints from their issues and from the app's map."""
    for chunk in chunks(sorted(withdrawn)):
        await connection.execute(delete(issue_members).where(issue_members.c.interaction_id.in_(chunk)))
        await connection.execute(
            delete(feedback_map_points).where(
                feedback_map_points.c.app == app, feedback_map_points.c.interaction_id.in_(chunk)
            )
        )
