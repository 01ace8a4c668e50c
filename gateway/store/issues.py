"""The issue repository: what clustering runs found, and reading it back for the API."""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
from sqlalchemy import String, delete, func, insert, literal, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import ColumnElement, Select

from clustering.issue_status import CLOSED_STATUSES, TRIAGE_STATUSES, IssueStatus
from gateway.audit.records import AuditEntry
from gateway.store.audit import append
from gateway.store.chunks import chunks
from gateway.store.issue_resolutions import resolution_times
from gateway.store.run_history import FULL
from gateway.store.tables import cluster_runs, issue_events, issue_history, issue_members, issues

__all__ = [
    "CLOSED_STATUSES",
    "TRIAGE_STATUSES",
    "IssueEvent",
    "IssueFilter",
    "IssueRetirement",
    "IssueSort",
    "IssueStatus",
    "IssueStore",
    "IssueWrite",
    "RunRecord",
    "TrackedIssue",
    "fold_history",
]

Row = dict[str, Any]
IssueSort = Literal["size", "growth"]
# How many past runs an issue's trend shows.
TREND_POINTS = 14
# How many days an issue's daily series shows.
DAILY_POINTS = 90


@dataclass(frozen=True, slots=True)
class TrackedIssue:
    """An issue as the next run needs it for tracking."""

    id: str
    status: IssueStatus
    centroid: np.ndarray
    member_ids: frozenset[str]
    first_seen: datetime | None
    regressed: bool = False
    size: int = 0
    title: str = ""
    summary: str | None = None
    keywords: tuple[str, ...] = ()
    # A person renamed it (a "renamed" event): runs keep that title.
    renamed: bool = False
    # When it was last set to resolved, if it is resolved.
    resolved_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class IssueWrite:
    """An issue's state after a run: created when `is_new`, updated otherwise."""

    id: str
    is_new: bool
    title: str
    summary: str | None
    keywords: list[str]
    status: IssueStatus
    regressed: bool
    size: int
    negative_count: int
    centroid: np.ndarray
    examples: list[dict[str, str]]
    first_seen: datetime | None
    last_seen: datetime | None
    member_ids: Sequence[str]
    # From which cosine to the centroid a new complaint joins between full passes (clustering.assign).
    admission_similarity: float | None = None


@dataclass(frozen=True, slots=True)
class IssueRetirement:
    """An issue no cluster of this run continues: its complaints became noise, or joined
    another issue (`merged_into`). It keeps its id, status and centroid, so it can come back."""

    id: str
    merged_into: str | None = None


EventKind = Literal["split", "merge", "merged_into", "reopened", "vanished", "status", "renamed"]


@dataclass(frozen=True, slots=True)
class IssueEvent:
    """Something that happened to an issue: decided by a run, or a person's status change."""

    issue_id: str
    kind: EventKind
    detail: dict[str, Any]


@dataclass(frozen=True, slots=True)
class RunRecord:
    """Everything one clustering run over one app found."""

    id: str
    app: str
    started_at: datetime
    finished_at: datetime
    items: int
    noise: int
    issues: list[IssueWrite] = field(default_factory=list)
    retired: list[IssueRetirement] = field(default_factory=list)
    events: list[IssueEvent] = field(default_factory=list)
    # What the clustering depended on, hashed: incremental runs build on this run only while it holds.
    recipe: str | None = None


@dataclass(frozen=True, slots=True)
class IssueFilter:
    """Which issues a listing returns; every field is optional."""

    app: str | None = None
    status: IssueStatus | None = None
    # Issues that no longer hold any complaint (vanished or merged away) are left out unless asked for.
    include_empty: bool = False


class IssueStore:
    """Writes run results and reads issues."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def live_apps(self) -> list[str]:
        """Every app with at least one issue that still holds complaints."""
        query = select(issues.c.app).where(issues.c.size > 0).distinct()
        async with self._engine.connect() as connection:
            return sorted((await connection.execute(query)).scalars())

    async def tracked(self, app: str) -> list[TrackedIssue]:
        """Every issue of `app` with its centroid and members, for matching a new run against."""
        async with self._engine.connect() as connection:
            rows = (await connection.execute(select(issues).where(issues.c.app == app))).mappings().all()
            members: dict[str, set[str]] = {row["id"]: set() for row in rows}
            renamed: set[str] = set()
            for chunk in chunks(list(members)):
                query = select(issue_members).where(issue_members.c.issue_id.in_(chunk))
                for issue_id, interaction_id in await connection.execute(query):
                    members[issue_id].add(interaction_id)
                named = select(issue_events.c.issue_id).where(
                    issue_events.c.issue_id.in_(chunk), issue_events.c.kind == "renamed"
                )
                renamed.update((await connection.execute(named)).scalars())
            resolved = [row["id"] for row in rows if row["status"] == IssueStatus.RESOLVED]
            resolved_at = await resolution_times(connection, resolved)
        return [
            TrackedIssue(
                id=row["id"],
                status=IssueStatus(row["status"]),
                centroid=np.frombuffer(row["centroid"], dtype=np.float32),
                member_ids=frozenset(members[row["id"]]),
                first_seen=row["first_seen"],
                regressed=row["regressed"],
                size=row["size"],
                title=row["title"],
                summary=row["summary"],
                keywords=tuple(row["keywords"] or ()),
                renamed=row["id"] in renamed,
                resolved_at=resolved_at.get(row["id"]),
            )
            for row in rows
            if row["centroid"] is not None
        ]

    async def save_run(self, run: RunRecord) -> None:
        """Store a run, its issues (with members and a history point each) and its events, atomically."""
        now = datetime.now(UTC)
        async with self._engine.begin() as connection:
            # An issue this run merged into another brings its past along: the survivor's growth is new complaints only.
            for retired in run.retired:
                if retired.merged_into is not None:
                    await fold_history(connection, retired.id, retired.merged_into)
            await connection.execute(
                insert(cluster_runs).values(
                    id=run.id,
                    app=run.app,
                    started_at=run.started_at,
                    finished_at=run.finished_at,
                    items=run.items,
                    clusters=len(run.issues),
                    noise=run.noise,
                    kind=FULL,
                    recipe=run.recipe,
                )
            )
            for issue in run.issues:
                values = {
                    "title": issue.title,
                    "summary": issue.summary,
                    "merged_into": None,
                    "keywords": issue.keywords,
                    "status": issue.status,
                    "regressed": issue.regressed,
                    "size": issue.size,
                    "negative_count": issue.negative_count,
                    "centroid": np.asarray(issue.centroid, dtype="<f4").tobytes(),
                    "admission_similarity": issue.admission_similarity,
                    "examples": issue.examples,
                    "first_seen": issue.first_seen,
                    "last_seen": issue.last_seen,
                    "updated_at": now,
                }
                if issue.is_new:
                    await connection.execute(insert(issues).values(id=issue.id, app=run.app, created_at=now, **values))
                else:
                    await connection.execute(update(issues).where(issues.c.id == issue.id).values(**values))
                # Members are the issue's current complaints: this run's cluster replaces the last.
                await connection.execute(delete(issue_members).where(issue_members.c.issue_id == issue.id))
                member_rows = [{"issue_id": issue.id, "interaction_id": m} for m in issue.member_ids]
                for chunk in chunks(member_rows):
                    await connection.execute(insert(issue_members), list(chunk))
                await connection.execute(
                    insert(issue_history).values(
                        issue_id=issue.id,
                        run_id=run.id,
                        day=run.finished_at.date(),
                        size=issue.size,
                        negative_count=issue.negative_count,
                    )
                )
            for retired in run.retired:
                await connection.execute(
                    update(issues)
                    .where(issues.c.id == retired.id)
                    .values(size=0, negative_count=0, merged_into=retired.merged_into, updated_at=now)
                )
                await connection.execute(delete(issue_members).where(issue_members.c.issue_id == retired.id))
                await connection.execute(
                    insert(issue_history).values(
                        issue_id=retired.id, run_id=run.id, day=run.finished_at.date(), size=0, negative_count=0
                    )
                )
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

    async def set_status(
        self, issue_id: str, status: IssueStatus, note: str | None = None, actor: str | None = None
    ) -> Row | None:
        """Set an issue's status by hand, recorded as an event with the optional note; None if there is no such issue.

        Only TRIAGE_STATUSES can be set (a run alone makes an issue new): others raise ValueError.
        Resolving or dismissing clears the regression flag: someone has looked at it again.
        With `actor`, the change is also in the audit log ("issue.status") under that name.
        """
        if status not in TRIAGE_STATUSES:
            raise ValueError(f"an issue cannot be set to {status!r} by hand")
        now = datetime.now(UTC)
        async with self._engine.begin() as connection:
            found = (
                await connection.execute(select(issues.c.status, issues.c.app).where(issues.c.id == issue_id))
            ).first()
            if found is None:
                return None
            current, app = found
            values: dict[str, Any] = {"status": status, "updated_at": now}
            if status in CLOSED_STATUSES:
                values["regressed"] = False
            await connection.execute(update(issues).where(issues.c.id == issue_id).values(**values))
            detail = {"from": current, "to": status, **({"note": note} if note else {})}
            await connection.execute(
                insert(issue_events).values(
                    issue_id=issue_id, run_id=None, kind="status", detail=detail, created_at=now
                )
            )
            if actor is not None:
                entry = AuditEntry(actor, "issue.status", "issue", issue_id, app, current, str(status), note)
                await append(connection, entry)
        return await self.get(issue_id)

    async def reopen_regressed(self, issue_id: str, detail: dict[str, Any], audit: AuditEntry) -> bool:
        """Reopen a resolved issue and flag it `regressed`, with a "reopened" event and `audit`; False if it is not resolved."""
        now = datetime.now(UTC)
        async with self._engine.begin() as connection:
            reopened = await connection.execute(
                update(issues)
                .where(issues.c.id == issue_id, issues.c.status == IssueStatus.RESOLVED)
                .values(status=IssueStatus.OPEN, regressed=True, updated_at=now)
            )
            if not reopened.rowcount:
                return False
            await connection.execute(
                insert(issue_events).values(
                    issue_id=issue_id, run_id=None, kind="reopened", detail=detail, created_at=now
                )
            )
            await append(connection, audit)
        return True

    async def list(self, where: IssueFilter, sort: IssueSort, limit: int, offset: int = 0) -> list[Row]:
        """Issues matching `where`, biggest or fastest-growing first, each with `growth` and `trend`."""
        query, growth = _issues_with_growth()
        if where.app is not None:
            query = query.where(issues.c.app == where.app)
        if where.status is not None:
            query = query.where(issues.c.status == where.status)
        if not where.include_empty:
            query = query.where(issues.c.size > 0)
        by_size = [issues.c.size.desc(), growth.desc()]
        order = [growth.desc(), issues.c.size.desc()] if sort == "growth" else by_size
        query = query.order_by(*order, issues.c.id).limit(limit).offset(offset)
        async with self._engine.connect() as connection:
            rows = [dict(row) for row in (await connection.execute(query)).mappings()]
            trends = await self._trends(connection, [row["id"] for row in rows])
        for row in rows:
            row["trend"] = trends.get(row["id"], [])
        return rows

    async def get(self, issue_id: str) -> Row | None:
        """One issue with its growth, trend and member ids."""
        query, _ = _issues_with_growth()
        async with self._engine.connect() as connection:
            row = (await connection.execute(query.where(issues.c.id == issue_id))).mappings().first()
            if row is None:
                return None
            issue = dict(row)
            issue["trend"] = (await self._trends(connection, [issue_id])).get(issue_id, [])
            issue["daily"] = await self._daily(connection, issue_id)
            issue["member_ids"] = await _member_ids(connection, issue_id)
            events = select(issue_events).where(issue_events.c.issue_id == issue_id).order_by(issue_events.c.id)
            issue["events"] = [dict(event) for event in (await connection.execute(events)).mappings()]
        return issue

    async def members(self, issue_id: str) -> Row | None:
        """One issue's examples and sorted member ids, none of the rest `get` reads; None if there is no such issue."""
        async with self._engine.connect() as connection:
            found = (await connection.execute(select(issues.c.examples).where(issues.c.id == issue_id))).first()
            if found is None:
                return None
            return {"examples": found.examples, "member_ids": await _member_ids(connection, issue_id)}

    async def _daily(self, connection: Any, issue_id: str) -> builtins.list[Row]:
        """One point per day over the last DAILY_POINTS days with a run: the day's last run's numbers."""
        query = select(issue_history).where(issue_history.c.issue_id == issue_id).order_by(issue_history.c.run_id)
        by_day: dict[Any, Row] = {}
        for point in (await connection.execute(query)).mappings():
            by_day[point["day"]] = {key: point[key] for key in ("day", "size", "negative_count")}
        return list(by_day.values())[-DAILY_POINTS:]

    async def _trends(self, connection: Any, issue_ids: builtins.list[str]) -> dict[str, builtins.list[Row]]:
        """The last TREND_POINTS history points per issue, oldest first."""
        trends: dict[str, list[Row]] = {}
        for chunk in chunks(issue_ids):
            query = select(issue_history).where(issue_history.c.issue_id.in_(chunk)).order_by(issue_history.c.run_id)
            for point in (await connection.execute(query)).mappings():
                trends.setdefault(point["issue_id"], []).append(
                    {key: point[key] for key in ("run_id", "day", "size", "negative_count")}
                )
        return {issue_id: points[-TREND_POINTS:] for issue_id, points in trends.items()}


async def fold_history(connection: AsyncConnection, merged_id: str, into_id: str) -> None:
    """Move issue `merged_id`'s history into issue `into_id`'s, as a merge moves its complaints.

    Growth is an issue's size minus its point before the latest (see `_issues_with_growth`), and
    after a merge the survivor holds both issues' complaints; so its past points must count both
    too, or the next pass would read the merged complaints as new ones. After the fold the
    survivor's point of each pass is the sum of both issues' points of that pass (a pass only the
    merged issue has a point for gives the survivor that point), and its trend and daily series
    read as if the two had always been one issue: its latest point counts the complaints merged
    in (it equals its size after the merge, as both latest points equalled theirs). The merged issue is left without history (size 0, growth 0; a full pass
    then gives it that pass's point of 0); if a later pass finds its complaints apart again, its
    history starts there and the survivor's drops by as many.

    The same for a person's merge (`IssueEditStore.merge`, between passes) and a full pass's
    (`save_run`, before the pass's own points are written); incremental passes merge nothing, and
    every later pass, full or incremental, writes the survivor's point from its members.
    Runs in the caller's transaction.
    """
    h, merged = issue_history.c, issue_history.alias("merged").c
    theirs = select(merged.run_id).where(merged.issue_id == merged_id)
    added = {
        name: getattr(h, name)
        + select(getattr(merged, name)).where(merged.issue_id == merged_id, merged.run_id == h.run_id).scalar_subquery()
        for name in ("size", "negative_count")
    }
    await connection.execute(update(issue_history).where(h.issue_id == into_id, h.run_id.in_(theirs)).values(**added))
    ours = select(h.run_id).where(h.issue_id == into_id)
    only_theirs = select(literal(into_id, String(36)), merged.run_id, merged.day, merged.size, merged.negative_count)
    only_theirs = only_theirs.where(merged.issue_id == merged_id, merged.run_id.not_in(ours))
    columns = ["issue_id", "run_id", "day", "size", "negative_count"]
    await connection.execute(insert(issue_history).from_select(columns, only_theirs))
    await connection.execute(delete(issue_history).where(h.issue_id == merged_id))


async def _member_ids(connection: Any, issue_id: str) -> builtins.list[str]:
    members = select(issue_members.c.interaction_id).where(issue_members.c.issue_id == issue_id)
    return sorted((await connection.execute(members)).scalars())


def _issues_with_growth() -> tuple[Select[Any], ColumnElement[int]]:
    """Every issue with its `growth`: the size it gained since its previous run (all of it after its first).

    Computed in SQL so listings can sort and page by it; one issue is read the same way. The
    previous size is one lookup per issue in issue_history's primary key (issue_id, run_id),
    so reading or sorting issues never scans the whole history.
    """
    history = issue_history.c
    previous = (
        select(history.size)
        .where(history.issue_id == issues.c.id)
        .order_by(history.run_id.desc())
        .limit(1)
        .offset(1)
        .correlate(issues)
        .scalar_subquery()
    )
    growth = (issues.c.size - func.coalesce(previous, 0)).label("growth")
    return select(issues, growth), growth
