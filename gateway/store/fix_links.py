"""The fix-link repository: which fix went live for which issue (and task), and what a new link must agree with."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import ColumnElement

from gateway.audit.records import AuditEntry
from gateway.prompts.records import PromptVersion
from gateway.store.audit import append
from gateway.store.chunks import chunks
from gateway.store.prompts import version_from_row
from gateway.store.tables import (
    audit_log,
    fix_links,
    issues,
    knowledge_entries,
    prompt_deployments,
    prompt_versions,
    review_tasks,
)

Row = dict[str, Any]
# The audit record of a link, made of the link as stored and named (`stored_named`).
LinkAudit = Callable[[Row], AuditEntry]
# The audit records' subject type of a prompt version's changes (gateway.prompts.rollout.SUBJECT).
PROMPT_VERSION = "prompt_version"
# The audit records' subject type of a knowledge entry's changes (gateway.knowledge.service.SUBJECT).
KB_ENTRY = "kb_entry"


def standing() -> ColumnElement[str]:
    """A link's fix as it stands now: active, canary (prompt versions only), inactive, or gone (no longer stored)."""
    c = fix_links.c
    entry_active = select(knowledge_entries.c.active).where(knowledge_entries.c.id == c.fix_id).scalar_subquery()
    deployed = prompt_deployments.c
    return case(
        (
            c.kind == "knowledge",
            case((entry_active.is_(True), "active"), (entry_active.is_(False), "inactive"), else_="gone"),
        ),
        (exists().where(deployed.active_version_id == c.fix_id), "active"),
        (exists().where(deployed.canary_version_id == c.fix_id), "canary"),
        (exists().where(prompt_versions.c.id == c.fix_id), "inactive"),
        else_="gone",
    )


def canary_share() -> ColumnElement[float | None]:
    """The share of its app's calls a link's prompt version gets while it is a canary (0.1: 10 %); else NULL."""
    deployed = prompt_deployments.c
    return (
        select(deployed.canary_share)
        .where(deployed.canary_version_id == fix_links.c.fix_id, fix_links.c.kind == "prompt")
        .limit(1)
        .scalar_subquery()
    )


async def insert_link(connection: AsyncConnection, link: Row) -> None:
    """Store `link` (every column) inside the caller's transaction, which appends its audit record last."""
    await connection.execute(insert(fix_links).values(link))


async def stored_named(connection: AsyncConnection, stored: Row) -> Row:
    """The link as stored (`stored_link`) with what its fix is known by now (`fix_named`): what a link's audit record
    keeps, as GET /api/issues/{id}/fixes shows the link, with the fix's name."""
    return {**stored, **await fix_named(connection, stored)}


async def stored_link(connection: AsyncConnection, link_id: str) -> Row:
    """The link as stored, with its `standing` and `canary_share`."""
    stored = select(fix_links, standing().label("standing"), canary_share().label("canary_share")).where(
        fix_links.c.id == link_id
    )
    return dict((await connection.execute(stored)).mappings().one())


async def fix_named(connection: AsyncConnection, link: Row) -> Row:
    """What the fix of `link` (a fix_links row) is known by now: `name` (the knowledge entry's title, the prompt
    version's label), `message` (a prompt version's), and a knowledge entry's `entry_version` and `entry_updated_at`;
    None each where it does not apply or the fix is no longer stored."""
    named: Row = {"name": None, "message": None, "entry_version": None, "entry_updated_at": None}
    if link["kind"] == "knowledge":
        k = knowledge_entries.c
        query = select(k.title, k.version, k.updated_at).where(k.id == link["fix_id"])
        entry = (await connection.execute(query)).mappings().first()
        if entry is not None:
            named.update(name=entry["title"], entry_version=entry["version"], entry_updated_at=entry["updated_at"])
        return named
    query = select(prompt_versions).where(prompt_versions.c.id == link["fix_id"])
    found = (await connection.execute(query)).mappings().first()
    if found is not None:
        version = version_from_row(found)
        named.update(name=version.label(), message=version.message)
    return named


class FixLinkStore:
    """Stores fix links with their audit record and reads them back per issue."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def insert(self, link: Row, audit_of: LinkAudit) -> Row:
        """Store `link` (every column) and its audit record (`audit_of` the link as stored and named, `stored_named`)
        in one transaction; the link as stored, with its `standing` and `canary_share`."""
        async with self._engine.begin() as connection:
            await connection.execute(insert(fix_links).values(link))
            stored = await stored_link(connection, link["id"])
            await append(connection, audit_of(await stored_named(connection, stored)))
            return stored

    async def for_issue(self, issue_id: str) -> list[Row]:
        """The issue's links, the earliest to go live first, each with its fix's `standing` now (and `canary_share`)."""
        c = fix_links.c
        query = (
            select(fix_links, standing().label("standing"), canary_share().label("canary_share"))
            .where(c.issue_id == issue_id)
            .order_by(c.live_at, c.created_at, c.id)
        )
        async with self._engine.connect() as connection:
            return [dict(row) for row in (await connection.execute(query)).mappings()]

    async def on_merged_issues(self, app: str) -> list[Row]:
        """`app`'s links whose issue was merged into another, oldest first."""
        c = fix_links.c
        query = (
            select(fix_links)
            .join(issues, issues.c.id == c.issue_id)
            .where(issues.c.app == app, issues.c.merged_into.is_not(None))
            .order_by(c.created_at, c.id)
        )
        async with self._engine.connect() as connection:
            return [dict(row) for row in (await connection.execute(query)).mappings()]

    async def move(self, link_id: str, from_issue: str, to_issue: str, audit_of: LinkAudit) -> bool:
        """Give link `link_id` of `from_issue` to `to_issue`, with its audit record (`audit_of` the link as moved, stored
        and named, `stored_named`); False when it moved already."""
        c = fix_links.c
        moving = update(fix_links).where(c.id == link_id, c.issue_id == from_issue).values(issue_id=to_issue)
        async with self._engine.begin() as connection:
            if (await connection.execute(moving)).rowcount != 1:
                return False
            moved = await stored_link(connection, link_id)
            await append(connection, audit_of(await stored_named(connection, moved)))
        return True

    async def issue_fixed_by(self, kind: str, fix_id: str) -> str | None:
        """The issue the fix was most recently linked to (None: linked to none)."""
        c = fix_links.c
        query = (
            select(c.issue_id)
            .where(c.kind == kind, c.fix_id == fix_id)
            .order_by(c.created_at.desc(), c.id.desc())
            .limit(1)
        )
        async with self._engine.connect() as connection:
            return (await connection.execute(query)).scalar_one_or_none()

    async def issues_with_links(self, issue_ids: Sequence[str]) -> set[str]:
        """Which of `issue_ids` have at least one fix linked."""
        found: set[str] = set()
        async with self._engine.connect() as connection:
            for chunk in chunks(list(issue_ids)):
                query = select(fix_links.c.issue_id).where(fix_links.c.issue_id.in_(chunk)).distinct()
                found.update((await connection.execute(query)).scalars())
        return found

    async def resolved_issues_with_links(self, app: str) -> list[str]:
        """`app`'s resolved issues that have a fix linked: the ones whose rate may climb back."""
        query = (
            select(issues.c.id)
            .where(issues.c.app == app, issues.c.status == "resolved")
            .where(issues.c.id.in_(select(fix_links.c.issue_id)))
            .order_by(issues.c.id)
        )
        async with self._engine.connect() as connection:
            return list((await connection.execute(query)).scalars())

    async def issue(self, issue_id: str) -> Row | None:
        """The issue's id, app, status and merge (what a link is checked against); None if there is no such issue."""
        c = issues.c
        query = select(c.id, c.app, c.status, c.merged_into).where(c.id == issue_id)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return dict(row) if row is not None else None

    async def task(self, task_id: str) -> Row | None:
        """The review task's id, app and issue; None if there is no such task."""
        c = review_tasks.c
        query = select(c.id, c.app, c.issue_id).where(c.id == task_id)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return dict(row) if row is not None else None

    async def knowledge_entry(self, entry_id: str) -> Row | None:
        """The entry's id, app, title, newest version number and whether it is `active`; None if there is no such
        entry."""
        c = knowledge_entries.c
        query = select(c.id, c.app, c.title, c.version, c.active).where(c.id == entry_id)
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return dict(row) if row is not None else None

    async def prompt_version(self, version_id: str) -> Row | None:
        """The prompt version's id, app, model ('' for every model), number (as `version`) and `state` now: "active",
        "canary" or "inactive"; with what its app and model serve now: `active_number` and `canary_number` (None:
        none) and `canary_share`. None if there is no such version."""
        c, deployed = prompt_versions.c, prompt_deployments.c
        active, canary = prompt_versions.alias("active"), prompt_versions.alias("canary")
        state = case(
            (deployed.active_version_id == c.id, "active"),
            (deployed.canary_version_id == c.id, "canary"),
            else_="inactive",
        )
        rollout = (
            prompt_versions.outerjoin(prompt_deployments, and_(deployed.app == c.app, deployed.model == c.model))
            .outerjoin(active, active.c.id == deployed.active_version_id)
            .outerjoin(canary, canary.c.id == deployed.canary_version_id)
        )
        query = (
            select(
                c.id,
                c.app,
                c.model,
                c.number.label("version"),
                state.label("state"),
                active.c.number.label("active_number"),
                canary.c.number.label("canary_number"),
                deployed.canary_share,
            )
            .select_from(rollout)
            .where(c.id == version_id)
        )
        async with self._engine.connect() as connection:
            row = (await connection.execute(query)).mappings().first()
        return dict(row) if row is not None else None

    async def entries_now(self, entry_ids: Sequence[str]) -> dict[str, Row]:
        """The knowledge entries' titles, versions and last edits (`updated_at`) now, by id (an entry no longer stored
        is left out)."""
        k = knowledge_entries.c
        found: dict[str, Row] = {}
        async with self._engine.connect() as connection:
            for chunk in chunks(sorted(set(entry_ids))):
                query = select(k.id, k.title, k.version, k.updated_at).where(k.id.in_(chunk))
                found.update({row["id"]: dict(row) for row in (await connection.execute(query)).mappings()})
        return found

    async def prompt_versions(self, version_ids: Sequence[str]) -> dict[str, PromptVersion]:
        """The prompt versions, by id (a version no longer stored is left out)."""
        found: dict[str, PromptVersion] = {}
        async with self._engine.connect() as connection:
            for chunk in chunks(sorted(set(version_ids))):
                query = select(prompt_versions).where(prompt_versions.c.id.in_(chunk))
                found.update({row["id"]: version_from_row(row) for row in (await connection.execute(query)).mappings()})
        return found

    async def prompt_changes(self, app: str, since: datetime, until: datetime) -> list[Row]:
        """`app`'s audited changes to prompt versions in [since, until), oldest first: each one's `created_at`,
        `action`, `actor` and the deployment `before` and `after` it (what a canary's end is read from)."""
        c = audit_log.c
        query = (
            select(c.created_at, c.action, c.actor, c.before, c.after)
            .where(c.app == app, c.subject_type == PROMPT_VERSION, c.created_at >= since, c.created_at < until)
            .order_by(c.seq)
        )
        async with self._engine.connect() as connection:
            return [dict(row) for row in (await connection.execute(query)).mappings()]

    async def entry_changes(self, entry_id: str, since: datetime, until: datetime) -> list[Row]:
        """Knowledge entry `entry_id`'s audited changes in [since, until), oldest first: each one's `created_at`,
        `action` and the entry's fields `before` and `after` it (what its switching off is read from)."""
        c = audit_log.c
        query = (
            select(c.created_at, c.action, c.before, c.after)
            .where(c.subject_type == KB_ENTRY, c.subject_id == entry_id, c.created_at >= since, c.created_at < until)
            .order_by(c.seq)
        )
        async with self._engine.connect() as connection:
            return [dict(row) for row in (await connection.execute(query)).mappings()]
