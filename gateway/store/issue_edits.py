"""People's edits of an issue: its status, its title, merging it into another; each with an event and an audit record.

Each edit reads the issue under its row lock and may first ask the caller's `check` (the domain's
stale-view rule, gateway.domain.issues): so a check and the write it allows are one transaction,
and two people's edits of one issue never both pass a check against the same state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from typing import Any

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from clustering.issue_status import CLOSED_STATUSES, TRIAGE_STATUSES, IssueStatus
from gateway.audit.records import AuditEntry
from gateway.store.audit import append
from gateway.store.chunks import chunks
from gateway.store.issue_history import fold_history
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
    # The person's change that last set the issue's status or merge (read only under an edit's lock).
    last_change: PersonChange | None = None


@dataclass(frozen=True, slots=True)
class PersonChange:
    """A person's status change or merge of an issue, as its event recorded it: who (None if unnamed), the note, when."""

    kind: str
    by: str | None
    note: str | None
    at: datetime | None


# Kinds of the events that set an issue's status or merge it by hand.
DECISION_KINDS = ("status", "merged_into")


# Asked about the issue as it stands, under its lock, before an edit writes anything: True to go on,
# False when the issue already is as the edit would make it (nothing is written); it may raise to refuse.
Check = Callable[[IssueHead], bool]

HEAD_COLUMNS = (issues.c.id, issues.c.app, issues.c.title, issues.c.status, issues.c.merged_into, issues.c.size)


class Edit(Enum):
    """What a person's edit of an issue came to."""

    # Written, with its event and audit record.
    MADE = "made"
    # The check found the issue already as the edit would make it: nothing written.
    UNCHANGED = "unchanged"
    # There is no such issue.
    MISSING = "missing"
    # A merge of an issue that was merged meanwhile: nothing written.
    MERGED_MEANWHILE = "merged meanwhile"


class IssueEditStore:
    """Writes people's status changes, renames and merges, each with its issue event and audit record in one transaction."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def head(self, issue_id: str) -> IssueHead | None:
        """The issue's app, title, status, merge target and size; None if there is no such issue."""
        async with self._engine.connect() as connection:
            row = (await connection.execute(select(*HEAD_COLUMNS).where(issues.c.id == issue_id))).mappings().first()
        return _head(row) if row is not None else None

    async def heads(self, issue_ids: Sequence[str]) -> dict[str, IssueHead]:
        """`head` of each of `issue_ids` that exists, by id, in one read (an interaction held by several issues)."""
        found: dict[str, IssueHead] = {}
        async with self._engine.connect() as connection:
            for chunk in chunks(list(dict.fromkeys(issue_ids))):
                rows = (await connection.execute(select(*HEAD_COLUMNS).where(issues.c.id.in_(chunk)))).mappings()
                found.update((row["id"], _head(row)) for row in rows)
        return found

    async def merged_into_any(self, app: str, issue_ids: Sequence[str]) -> set[str]:
        """The issues of `app` merged directly into any of `issue_ids` (by a person or a clustering pass)."""
        found: set[str] = set()
        async with self._engine.connect() as connection:
            for chunk in chunks(list(issue_ids)):
                # By app first: its index narrows the read to one app's issues (merged_into has none).
                query = select(issues.c.id).where(issues.c.app == app, issues.c.merged_into.in_(chunk))
                found.update((await connection.execute(query)).scalars())
        return found

    async def merge_targets(self, app: str, limit: int) -> list[IssueHead]:
        """The biggest issues of `app` that hold complaints and are not merged away: what an issue may merge into."""
        query = (
            select(*HEAD_COLUMNS)
            .where(issues.c.app == app, issues.c.merged_into.is_(None), issues.c.size > 0)
            .order_by(issues.c.size.desc(), issues.c.id)
            .limit(limit)
        )
        async with self._engine.connect() as connection:
            rows = (await connection.execute(query)).mappings().all()
        return [_head(row) for row in rows]

    async def set_status(
        self,
        issue_id: str,
        status: IssueStatus,
        note: str | None = None,
        actor: str | None = None,
        check: Check | None = None,
    ) -> Edit:
        """Set the issue's status by hand (a "status" event with the optional note; audit "issue.status" when `actor` is named).

        `check` is asked first under the issue's lock. Only TRIAGE_STATUSES can be set (a run alone
        makes an issue new): others raise ValueError. Resolving or dismissing clears the regression
        flag: someone has looked at it again.
        """
        async with self._engine.begin() as connection:
            edit, entry = await set_status_within(connection, issue_id, status, note, actor, check)
            if entry is not None:
                await append(connection, entry)
        return edit

    async def rename(self, issue_id: str, title: str, actor: str, check: Check | None = None) -> Edit:
        """Give the issue a new title (a "renamed" event, audit "issue.rename"), `check` asked first under its lock."""
        now = datetime.now(UTC)
        async with self._engine.begin() as connection:
            head = await _locked_head(connection, issue_id)
            if head is None:
                return Edit.MISSING
            if check is not None and not check(head):
                return Edit.UNCHANGED
            before = head.title
            await connection.execute(update(issues).where(issues.c.id == issue_id).values(title=title, updated_at=now))
            detail = {"from": before, "to": title, "by": actor}
            await _event(connection, issue_id, "renamed", detail, now)
            await append(connection, AuditEntry(actor, "issue.rename", "issue", issue_id, head.app, before, title))
        return Edit.MADE

    async def merge(
        self, issue_id: str, into_id: str, actor: str, note: str | None = None, check: Check | None = None
    ) -> Edit:
        """Move the issue's complaints into `into_id` and mark it merged and dismissed, `check` asked first under its lock.

        Both issues are locked, in id order (two merges of the pair either way round never deadlock).
        Nothing is written when the issue is missing, `check` says it is merged already as asked, or
        it was merged meanwhile (MERGED_MEANWHILE).

        The surviving issue gets the members it lacked, its size recounted and the negative count
        added; the merged one keeps its id, title and centroid with size 0. Its history moves into
        the survivor's (`fold_history`): each pass's point becomes the sum of both, so the
        survivor's latest point is its new size and its growth stays what complaints arrived, the
        merged ones not counted as new, now and after the next pass. Events: "merged_into" on the
        merged issue, "merge" on the survivor; audit "issue.merge".
        """
        now = datetime.now(UTC)
        async with self._engine.begin() as connection:
            locked = {key: await _locked_head(connection, key) for key in sorted({issue_id, into_id})}
            head = locked[issue_id]
            if head is None:
                return Edit.MISSING
            if check is not None and not check(head):
                return Edit.UNCHANGED
            if head.merged_into is not None:
                return Edit.MERGED_MEANWHILE
            app, status = head.app, head.status.value
            negative = (
                await connection.execute(select(issues.c.negative_count).where(issues.c.id == issue_id))
            ).scalar_one()
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
        return Edit.MADE


def _head(row: Any) -> IssueHead:
    return IssueHead(**{**dict(row), "status": IssueStatus(row["status"])})


async def _locked_head(connection: AsyncConnection, issue_id: str) -> IssueHead | None:
    """The issue's head with its last PersonChange, locked until the transaction ends; None if there is no such issue.

    A no-op UPDATE takes the lock on both databases (the row lock on PostgreSQL, the write lock on
    SQLite), as for knowledge entries (gateway/store/knowledge.py): a concurrent edit waits, then
    reads what this one wrote.
    """
    touch = update(issues).where(issues.c.id == issue_id).values(status=issues.c.status)
    if not (await connection.execute(touch)).rowcount:
        return None
    row = (await connection.execute(select(*HEAD_COLUMNS).where(issues.c.id == issue_id))).mappings().one()
    last = (
        await connection.execute(
            select(issue_events.c.kind, issue_events.c.detail, issue_events.c.created_at)
            .where(issue_events.c.issue_id == issue_id, issue_events.c.kind.in_(DECISION_KINDS))
            .order_by(issue_events.c.id.desc())
            .limit(1)
        )
    ).first()
    change = None
    if last is not None:
        detail = last.detail or {}
        change = PersonChange(last.kind, detail.get("by"), detail.get("note"), last.created_at)
    return replace(_head(row), last_change=change)


async def _event(connection: Any, issue_id: str, kind: str, detail: dict[str, Any], now: datetime) -> None:
    """Record a person's change to an issue (no run)."""
    await connection.execute(
        insert(issue_events).values(issue_id=issue_id, run_id=None, kind=kind, detail=detail, created_at=now)
    )


async def set_status_within(
    connection: AsyncConnection,
    issue_id: str,
    status: IssueStatus,
    note: str | None = None,
    actor: str | None = None,
    check: Check | None = None,
) -> tuple[Edit, AuditEntry | None]:
    """`IssueEditStore.set_status` inside the caller's transaction, which appends the audit record (returned
    when `actor` is named and the status changed) last."""
    if status not in TRIAGE_STATUSES:
        raise ValueError(f"an issue cannot be set to {status!r} by hand")
    now = datetime.now(UTC)
    head = await _locked_head(connection, issue_id)
    if head is None:
        return Edit.MISSING, None
    if check is not None and not check(head):
        return Edit.UNCHANGED, None
    values: dict[str, Any] = {"status": status, "updated_at": now}
    if status in CLOSED_STATUSES:
        values["regressed"] = False
    await connection.execute(update(issues).where(issues.c.id == issue_id).values(**values))
    detail = {
        "from": head.status.value,
        "to": status.value,
        **({"note": note} if note else {}),
        **({"by": actor} if actor is not None else {}),
    }
    await _event(connection, issue_id, "status", detail, now)
    if actor is None:
        return Edit.MADE, None
    return Edit.MADE, AuditEntry(
        actor, "issue.status", "issue", issue_id, head.app, head.status.value, status.value, note
    )
