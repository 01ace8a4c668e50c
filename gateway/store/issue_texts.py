"""The text an issue derives from its complaints, wherever it is kept: the SQL behind gateway.privacy.issue_texts.

An issue's title, summary and keywords are computed from its members' documents, and copied
on: into the rename events that replaced a title, and into the issue's review tasks (the reason
quotes the title, the evidence holds title, summary and keywords, the tags are keywords), whose
opened/updated events keep each earlier evidence and reason. This module reads those texts for a
set of issues and writes back what the privacy module decided; which interactions an issue was
made from (its members and the interactions its examples name); and the centroid's reset.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, delete, exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.store.chunks import chunks
from gateway.store.interaction_removal import IN_CHUNK, existing_ids, one_of
from gateway.store.tables import (
    issue_events,
    issue_members,
    issues,
    review_events,
    review_task_tags,
    review_tasks,
)

# The issue events that carry titles (a person's rename: {"from", "to", "by"}).
TITLE_EVENTS = ("renamed",)
# The review events whose detail copies the task's reason and evidence (gateway.review.opening).
EVIDENCE_EVENTS = ("opened", "updated")


@dataclass(slots=True)
class IssueTask:
    """One of an issue's review tasks, as far as it copies the issue's text."""

    id: str
    app: str
    reason: str
    evidence: Any
    tags: list[str] = field(default_factory=list)
    # (event id, detail) of its opened/updated events.
    events: list[tuple[int, Any]] = field(default_factory=list)


@dataclass(slots=True)
class IssueTexts:
    """Every text kept about one issue that its complaints' words may have gone into."""

    id: str
    title: str
    summary: str | None
    keywords: list[str]
    # (event id, detail) of its rename events.
    renames: list[tuple[int, Any]] = field(default_factory=list)
    tasks: list[IssueTask] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class IssueChanges:
    """What to write for one issue: its new text (None: unchanged), and the copies to rewrite or drop."""

    issue_id: str
    # {"title", "summary", "keywords"} and, for an issue left with nothing, {"centroid", "admission_similarity"}.
    values: dict[str, Any]
    renames: list[tuple[int, Any]]
    tasks: list[tuple[str, str, Any]]
    dropped_tags: list[tuple[str, str]]
    events: list[tuple[int, Any]]

    @property
    def empty(self) -> bool:
        """Whether nothing changes."""
        return not (self.values or self.renames or self.tasks or self.dropped_tags or self.events)


async def example_index(connection: AsyncConnection) -> dict[str, set[str]]:
    """Interaction id -> the issues whose examples name it (one read of every issue's examples)."""
    index: dict[str, set[str]] = {}
    for issue_id, examples in await connection.execute(select(issues.c.id, issues.c.examples)):
        for interaction_id in _example_ids(examples):
            index.setdefault(interaction_id, set()).add(issue_id)
    return index


def _example_ids(examples: Any) -> list[str]:
    if not isinstance(examples, list):
        return []
    return [e["interaction_id"] for e in examples if isinstance(e, dict) and isinstance(e.get("interaction_id"), str)]


async def member_links(connection: AsyncConnection, interaction_ids: Sequence[str]) -> dict[str, set[str]]:
    """Issue id -> which of `interaction_ids` it holds as members."""
    found: dict[str, set[str]] = {}
    m = issue_members.c
    for chunk in chunks(list(interaction_ids), IN_CHUNK):
        query = select(m.issue_id, m.interaction_id).where(one_of(connection, m.interaction_id, chunk))
        for issue_id, interaction_id in await connection.execute(query):
            found.setdefault(issue_id, set()).add(interaction_id)
    return found


async def read_issue_texts(connection: AsyncConnection, issue_ids: Iterable[str]) -> dict[str, IssueTexts]:
    """The texts of these issues (those that exist) and of their rename events, tasks, tags and task events."""
    found: dict[str, IssueTexts] = {}
    i, ie, t = issues.c, issue_events.c, review_tasks.c
    for chunk in chunks(sorted(set(issue_ids)), IN_CHUNK):
        rows = select(i.id, i.title, i.summary, i.keywords).where(one_of(connection, i.id, chunk))
        for issue_id, title, summary, keywords in await connection.execute(rows):
            words = [k for k in keywords if isinstance(k, str)] if isinstance(keywords, list) else []
            found[issue_id] = IssueTexts(issue_id, title, summary, words)
        renames = (
            select(ie.issue_id, ie.id, ie.detail)
            .where(one_of(connection, ie.issue_id, chunk), ie.kind.in_(TITLE_EVENTS))
            .order_by(ie.id)
        )
        for issue_id, event_id, detail in await connection.execute(renames):
            if issue_id in found:
                found[issue_id].renames.append((event_id, detail))
        of_issues = select(t.id, t.issue_id, t.app, t.reason, t.evidence).where(one_of(connection, t.issue_id, chunk))
        tasks: dict[str, IssueTask] = {}
        for task_id, issue_id, app, reason, evidence in await connection.execute(of_issues):
            if issue_id in found:
                tasks[task_id] = IssueTask(task_id, app, reason, evidence)
                found[issue_id].tasks.append(tasks[task_id])
        await _task_copies(connection, tasks)
    return found


async def _task_copies(connection: AsyncConnection, tasks: dict[str, IssueTask]) -> None:
    tag, e = review_task_tags.c, review_events.c
    for chunk in chunks(sorted(tasks), IN_CHUNK):
        tags = select(tag.task_id, tag.tag).where(one_of(connection, tag.task_id, chunk)).order_by(tag.tag)
        for task_id, name in await connection.execute(tags):
            tasks[task_id].tags.append(name)
        events = (
            select(e.task_id, e.id, e.detail)
            .where(one_of(connection, e.task_id, chunk), e.kind.in_(EVIDENCE_EVENTS))
            .order_by(e.id)
        )
        for task_id, event_id, detail in await connection.execute(events):
            tasks[task_id].events.append((event_id, detail))


async def sources_of(connection: AsyncConnection, issue_id: str) -> list[str]:
    """The stored interactions an issue's text was made from: its members and those its examples name, sorted."""
    members = select(issue_members.c.interaction_id).where(issue_members.c.issue_id == issue_id)
    ids = set((await connection.execute(members)).scalars())
    examples = (await connection.execute(select(issues.c.examples).where(issues.c.id == issue_id))).scalar()
    named = set(_example_ids(examples)) - ids
    return sorted(ids | await existing_ids(connection, named))


async def has_members(connection: AsyncConnection, issue_id: str) -> bool:
    """Whether the issue has any member left."""
    return bool(await connection.scalar(select(exists().where(issue_members.c.issue_id == issue_id))))


async def write_changes(connection: AsyncConnection, changes: IssueChanges) -> None:
    """Write one issue's changes, in the caller's transaction: a statement per table it touches."""
    if changes.values:
        values = {**changes.values, "updated_at": datetime.now(UTC)}
        await connection.execute(update(issues).where(issues.c.id == changes.issue_id).values(**values))
    ie, t, e, tag = issue_events.c, review_tasks.c, review_events.c, review_task_tags.c
    if changes.renames:
        statement = (
            update(issue_events)
            .where(ie.id == bindparam("b_id"))
            .values(detail=bindparam("b_detail", type_=ie.detail.type))
        )
        await connection.execute(statement, [{"b_id": i, "b_detail": d} for i, d in changes.renames])
    if changes.tasks:
        statement = (
            update(review_tasks)
            .where(t.id == bindparam("b_id"))
            .values(reason=bindparam("b_reason"), evidence=bindparam("b_evidence", type_=t.evidence.type))
        )
        rows = [{"b_id": i, "b_reason": r, "b_evidence": v} for i, r, v in changes.tasks]
        await connection.execute(statement, rows)
    for task_id, name in changes.dropped_tags:
        await connection.execute(delete(review_task_tags).where(tag.task_id == task_id, tag.tag == name))
    if changes.events:
        statement = (
            update(review_events)
            .where(e.id == bindparam("b_id"))
            .values(detail=bindparam("b_detail", type_=e.detail.type))
        )
        await connection.execute(statement, [{"b_id": i, "b_detail": d} for i, d in changes.events])
