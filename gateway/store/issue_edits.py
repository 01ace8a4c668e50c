"""People's edits of an issue beyond its status: renaming it, merging it into another; each with an event and an audit record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.issue_status import IssueStatus
from gateway.audit.records import AuditEntry
from gateway.store.audit import append
from gateway.store.chunks import chunks
from gateway.store.issues import fold_history
from gateway.store.tables import issue_events, issue_members, issues


@dataclass(frozen=True, slots=True)
class IssueHead:
    """What an edit checks about an issue before making it."""

    id: str
    app: str
    title: str
    status: IssueStatus
    merged_into: str | None
    size: int


class IssueEditStore:
    """Writes renames and merges, each with its issue event and audit record in one transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def head(self, issue_id: str) -> IssueHead | None:
        """The issue's app, title, status, merge target and size; None if there is no such issue."""
        columns = (issues.c.id, issues.c.app, issues.c.title, issues.c.status, issues.c.merged_into, issues.c.size)
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(*columns).where(issues.c.id == issue_id))).mappings().first()
        if row is None:
            return None
        return IssueHead(**{**dict(row), "status": IssueStatus(row["status"])})

    async def merge_targets(self, app: str, limit: int) -> list[IssueHead]:
        """The biggest issues of `app` that hold complaints and are not merged away: what an issue may merge into."""
        columns = (issues.c.id, issues.c.app, issues.c.title, issues.c.status, issues.c.merged_into, issues.c.size)
        query = (
            select(*columns)
            .where(issues.c.app == app, issues.c.merged_into.is_(None), issues.c.size > 0)
            .order_by(issues.c.size.desc(), issues.c.id)
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [IssueHead(**{**dict(row), "status": IssueStatus(row["status"])}) for row in rows]

    async def rename(self, issue_id: str, title: str, actor: str) -> bool:
        """Give the issue a new title (a "renamed" event, audit "issue.rename"); False if there is no such issue."""
        now = datetime.now(UTC)
        async with self._engine.begin() as connection:
            found = (
                await connection.execute(select(issues.c.title, issues.c.app).where(issues.c.id == issue_id))
            ).first()
            if found is None:
                return False
            before, app = found
            await connection.execute(update(issues).where(issues.c.id == issue_id).values(title=title, updated_at=now))
            detail = {"from": before, "to": title, "by": actor}
            await _event(connection, issue_id, "renamed", detail, now)
            await append(connection, AuditEntry(actor, "issue.rename", "issue", issue_id, app, before, title))
        return True

    async def merge(self, issue_id: str, into_id: str, actor: str, note: str | None = None) -> bool:
        """Move the issue's complaints into `into_id` and mark it merged and dismissed; False if it was merged meanwhile.

        The surviving issue gets the members it lacked, its size recounted and the negative count
        added; the merged one keeps its id, title and centroid with size 0. Its history moves into
        the survivor's (`fold_history`): each pass's point becomes the sum of both, so the
        survivor's latest point is its new size and its growth stays what complaints arrived, the
        merged ones not counted as new, now and after the next pass. Events: "merged_into" on the
        merged issue, "merge" on the survivor; audit "issue.merge".
        """
        now = datetime.now(UTC)
        async with self._engine.begin() as connection:
            source = (
                await connection.execute(
                    select(issues.c.app, issues.c.status, issues.c.negative_count).where(
                        issues.c.id == issue_id, issues.c.merged_into.is_(None)
                    )
                )
            ).first()
            if source is None:
                return False
            app, status, negative = source
            held = select(issue_members.c.interaction_id).where(issue_members.c.issue_id == into_id)
            moving = select(issue_members.c.interaction_id).where(
                issue_members.c.issue_id == issue_id, issue_members.c.interaction_id.not_in(held)
            )
            moved = [row[0] for row in await connection.execute(moving)]
            for chunk in chunks([{"issue_id": into_id, "interaction_id": m} for m in moved]):
                await connection.execute(insert(issue_members), list(chunk))
            await connection.execute(delete(issue_members).where(issue_members.c.issue_id == issue_id))
            await fold_history(connection, issue_id, into_id)
            size = (
                await connection.execute(select(func.count()).where(issue_members.c.issue_id == into_id))
            ).scalar_one()
            await connection.execute(
                update(issues)
                .where(issues.c.id == into_id)
                .values(size=size, negative_count=issues.c.negative_count + negative, updated_at=now)
            )
            await connection.execute(
                update(issues)
                .where(issues.c.id == issue_id)
                .values(
                    merged_into=into_id,
                    status=IssueStatus.DISMISSED,
                    regressed=False,
                    size=0,
                    negative_count=0,
                    updated_at=now,
                )
            )
            by = {"by": actor, **({"note": note} if note else {})}
            await _event(connection, issue_id, "merged_into", {"issue_id": into_id, "from_status": status, **by}, now)
            await _event(connection, into_id, "merge", {"merged": [issue_id], "members_added": len(moved), **by}, now)
            entry = AuditEntry(
                actor,
                "issue.merge",
                "issue",
                issue_id,
                app,
                before={"status": status, "merged_into": None},
                after={"status": IssueStatus.DISMISSED.value, "merged_into": into_id},
                detail=note,
            )
            await append(connection, entry)
        return True


async def _event(connection: Any, issue_id: str, kind: str, detail: dict[str, Any], now: datetime) -> None:
    """Record a person's change to an issue (no run)."""
    await connection.execute(
        insert(issue_events).values(issue_id=issue_id, run_id=None, kind=kind, detail=detail, created_at=now)
    )
