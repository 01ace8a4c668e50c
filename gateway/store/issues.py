"""The issue repository: what clustering runs found, and reading it back for the API."""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import numpy as np
from sqlalchemy import Select, delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from clustering.issue_status import CLOSED_STATUSES, IssueStatus
from gateway.audit.records import AuditEntry
from gateway.store.audit import append
from gateway.store.chunks import chunks
from gateway.store.current_feedback import superseded
from gateway.store.folded_text import folded
from gateway.store.issue_history import daily_points, fold_history, issues_with_growth, trend_points
from gateway.store.issue_records import RunRecord, TrackedIssue
from gateway.store.issue_resolutions import resolution_times
from gateway.store.issue_stamps import IssueStamp, hold_unchanged, read_stamps
from gateway.store.kept_reduction import KeptReduction, keep_reduction
from gateway.store.run_history import FULL
from gateway.store.tables import cluster_runs, feedback, issue_events, issue_history, issue_members, issues

Row = dict[str, Any]
IssueSort = Literal["size", "growth"]


@dataclass(frozen=True, slots=True)
class IssueFilter:
    """Which issues a listing returns; every field is optional."""

    app: str | None = None
    status: IssueStatus | None = None
    # Issues that no longer hold any complaint (vanished or merged away) are left out unless asked for.
    include_empty: bool = False
    # Only issues still waiting for a decision: resolved and dismissed ones left out.
    undecided: bool = False
    # Only issues whose title holds this text, in any case (str.casefold: see IssueStore.list).
    title: str | None = None


def _matching(query: Select[Any], where: IssueFilter) -> Select[Any]:
    """`query` narrowed to the issues `where` names, but for its title search (folded in Python: `_titled`)."""
    if where.app is not None:
        query = query.where(issues.c.app == where.app)
    if where.status is not None:
        query = query.where(issues.c.status == where.status)
    if not where.include_empty:
        query = query.where(issues.c.size > 0)
    if where.undecided:
        query = query.where(issues.c.status.not_in(CLOSED_STATUSES))
    return query


async def _titled(connection: AsyncConnection, query: Select[Any], title: str) -> builtins.list[str]:
    """The ids, in `query`'s order, of the issues it reads whose title holds `title`, both folded (str.casefold).

    Neither database's lower() folds as Python does (gateway.store.folded_text), and issues keep no folded title:
    their ids and titles are read and compared here, a scan of the issues the other filters leave.
    """
    needle = folded(title)
    ids = query.with_only_columns(issues.c.id, issues.c.title)
    return [row.id for row in await connection.execute(ids) if needle in folded(row.title)]


class IssueStore:
    """Writes run results and reads issues."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    @property
    def engine(self) -> AsyncEngine:
        """The database this store reads and writes (where people's edits of its issues go too: IssueEditStore)."""
        return self._engine

    async def live_apps(self) -> list[str]:
        """Every app with at least one issue that still holds complaints."""
        query = select(issues.c.app).where(issues.c.size > 0).distinct()
        async with self._engine.connect() as connection:
            return sorted((await connection.execute(query)).scalars())

    async def stamps(self, app: str) -> dict[str, IssueStamp]:
        """What people may change about each of `app`'s issues: read before `tracked`, checked by `save_run`."""
        async with self._engine.connect() as connection:
            return await read_stamps(connection, app)

    async def tracked(self, app: str) -> list[TrackedIssue]:
        """Every issue of `app` with its centroid and members, for matching a new run against."""
        async with self._engine.connect() as connection:
            rows = (await connection.execute(select(issues).where(issues.c.app == app))).mappings().all()
            members: dict[str, set[str]] = {row["id"]: set() for row in rows}
            renamed: set[str] = set()
            merged_by_person: set[str] = set()
            for chunk in chunks(list(members)):
                query = select(issue_members).where(issue_members.c.issue_id.in_(chunk))
                for issue_id, interaction_id in await connection.execute(query):
                    members[issue_id].add(interaction_id)
                edited = select(issue_events.c.issue_id, issue_events.c.kind, issue_events.c.detail).where(
                    issue_events.c.issue_id.in_(chunk), issue_events.c.kind.in_(("renamed", "merge"))
                )
                for issue_id, kind, detail in await connection.execute(edited):
                    if kind == "renamed":
                        renamed.add(issue_id)
                    elif isinstance(detail, dict) and detail.get("by"):
                        # A pass's own merges name nobody; a person's name who merged.
                        merged_by_person.add(issue_id)
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
                merged_by_person=row["id"] in merged_by_person,
                resolved_at=resolved_at.get(row["id"]),
            )
            for row in rows
            if row["centroid"] is not None
        ]

    async def save_run(
        self,
        run: RunRecord,
        unchanged_since: Mapping[str, IssueStamp] | None = None,
        kept: KeptReduction | None = None,
    ) -> None:
        """Store a run, its issues (with members and a history point each), its events and what it `kept` of its
        reduction (fit, landmarks, map), atomically.

        With `unchanged_since` (the stamps read before the run read its issues), nothing is stored and
        IssuesChangedMeanwhile is raised when someone changed the app's issues since.
        """
        now = datetime.now(UTC)
        async with self._engine.begin() as connection:
            if unchanged_since is not None:
                await hold_unchanged(connection, run.app, unchanged_since)
            if kept is not None:
                await keep_reduction(connection, run.app, kept)
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
        """Issues matching `where`, biggest or fastest-growing first, each with `growth` and `trend`.

        A title search is folded in Python (str.casefold), as every case-blind filter is (gateway.store.folded_text):
        the matching ids are read in the list's order, titles only, and the page's rows then by id.
        """
        query, growth = issues_with_growth()
        query = _matching(query, where)
        by_size = [issues.c.size.desc(), growth.desc()]
        order = [growth.desc(), issues.c.size.desc()] if sort == "growth" else by_size
        query = query.order_by(*order, issues.c.id)
        async with self._engine.connect() as connection:
            if where.title is None:
                page = query.limit(limit).offset(offset)
            else:
                page = query.where(
                    issues.c.id.in_((await _titled(connection, query, where.title))[offset : offset + limit])
                )
            rows = [dict(row) for row in (await connection.execute(page)).mappings()]
            trends = await trend_points(connection, [row["id"] for row in rows])
        for row in rows:
            row["trend"] = trends.get(row["id"], [])
        return rows

    async def count(self, where: IssueFilter) -> int:
        """How many issues match `where` (a title search folded as `list` folds it)."""
        async with self._engine.connect() as connection:
            if where.title is not None:
                return len(await _titled(connection, _matching(select(issues.c.id), where), where.title))
            query = _matching(select(func.count()).select_from(issues), where)
            return int((await connection.execute(query)).scalar_one())

    async def get(self, issue_id: str) -> Row | None:
        """One issue with its growth, trend and member ids."""
        query, _ = issues_with_growth()
        async with self._engine.connect() as connection:
            row = (await connection.execute(query.where(issues.c.id == issue_id))).mappings().first()
            if row is None:
                return None
            issue = dict(row)
            issue["trend"] = (await trend_points(connection, [issue_id])).get(issue_id, [])
            issue["daily"] = await daily_points(connection, issue_id)
            issue["member_ids"] = await member_ids(connection, issue_id)
            events = select(issue_events).where(issue_events.c.issue_id == issue_id).order_by(issue_events.c.id)
            issue["events"] = [dict(event) for event in (await connection.execute(events)).mappings()]
        return issue

    async def titles(self, issue_ids: Sequence[str]) -> dict[str, str]:
        """The titles of those of `issue_ids` that exist, by id (an id no issue has is left out)."""
        found: dict[str, str] = {}
        async with self._engine.connect() as connection:
            for chunk in chunks(sorted(set(issue_ids))):
                query = select(issues.c.id, issues.c.title).where(issues.c.id.in_(chunk))
                found.update({row.id: row.title for row in await connection.execute(query)})
        return found

    async def member_corrections(
        self, issue_ids: Sequence[str], keep: Callable[[str], bool] | None = None
    ) -> dict[str, builtins.list[str]]:
        """The corrections in end users' current feedback on each issue's complaints, by issue (those with any).

        `keep` picks the corrections wanted (all by default). Only the events it keeps are checked for
        being current (a later event by the same voter replaces one): ranking every event of a busy
        app's issues took 3.7 s over 100,000 complaints, reading their corrections 0.25 s.
        """
        event = feedback.alias("event")
        e, m = event.c, issue_members.c
        kept: builtins.list[tuple[str, str, str]] = []
        async with self._engine.connect() as connection:
            for chunk in chunks(sorted(set(issue_ids))):
                query = (
                    select(m.issue_id, e.correction, e.id)
                    .join(event, e.interaction_id == m.interaction_id)
                    .where(m.issue_id.in_(chunk), e.correction.is_not(None))
                )
                for issue_id, correction, event_id in await connection.execute(query):
                    if keep is None or keep(correction):
                        kept.append((issue_id, correction, event_id))
            current: set[str] = set()
            for ids in chunks(sorted({event_id for _, _, event_id in kept})):
                query = select(e.id).where(e.id.in_(ids), ~superseded(event))
                current.update((await connection.execute(query)).scalars())
        found: dict[str, builtins.list[str]] = {}
        for issue_id, correction, event_id in kept:
            if event_id in current:
                found.setdefault(issue_id, []).append(correction)
        return found

    async def members(self, issue_id: str) -> Row | None:
        """One issue's examples and sorted member ids, none of the rest `get` reads; None if there is no such issue."""
        async with self._engine.connect() as connection:
            found = (await connection.execute(select(issues.c.examples).where(issues.c.id == issue_id))).first()
            if found is None:
                return None
            return {"examples": found.examples, "member_ids": await member_ids(connection, issue_id)}


async def member_ids(connection: Any, issue_id: str) -> builtins.list[str]:
    """The sorted ids of the interactions issue `issue_id` holds (none when there is no such issue)."""
    members = select(issue_members.c.interaction_id).where(issue_members.c.issue_id == issue_id)
    return sorted((await connection.execute(members)).scalars())
