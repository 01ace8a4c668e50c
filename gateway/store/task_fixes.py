"""Resolving a review task by a new fix, in one transaction: the fix, the task's decision, the fix's link to its issue.

Made one step after another, a process dying between them left a fix live with its task still open
(and the reviewer's second try made a second fix), or a task resolved by a fix never linked to its
issue for measuring. Each repository lends its write as a function of the caller's connection
(`insert_entry`, `change_prompts`, `change_task`, `insert_link`, `set_status_within`); this store
runs them in one transaction and appends their audit records last, as every other write does (the
append locks the audit chain's head, so it comes after every row lock the transaction takes).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from clustering.issue_status import IssueStatus
from gateway.audit.records import AuditEntry
from gateway.prompts.records import AppPrompts
from gateway.store.audit import append
from gateway.store.fix_links import LinkAudit, insert_link, stored_link, stored_named
from gateway.store.fix_previews import live_link_of, move_live_link
from gateway.store.idempotency import KeyClaim, KeyUse, claim_key, key_use
from gateway.store.issue_edits import Check, set_status_within
from gateway.store.knowledge import Change, EntryWrite, edit_entry, insert_entry
from gateway.store.prompts import PromptChange, change_prompts
from gateway.store.review_task_changes import active_issue_guard, change_task
from gateway.store.review_writes import TaskChange, TaskState

Row = dict[str, Any]


@dataclass(frozen=True, slots=True)
class MadeFix:
    """A fix written in the transaction: its id and version (a prompt version's number), and its audit records."""

    fix_id: str
    version: int
    audits: tuple[AuditEntry, ...]


# Writes a fix inside the caller's transaction.
FixMaker = Callable[[AsyncConnection], Awaitable[MadeFix]]
# Writes a fix inside the caller's transaction, or finds it already made as asked (None: nothing to write).
FixEdit = Callable[[AsyncConnection], Awaitable[MadeFix | None]]
TaskPlan = Callable[[TaskState], TaskChange | None]


@dataclass(frozen=True, slots=True)
class LinkWrite:
    """The fix's link to an issue (every column) with its audit record, and the issue's status set with it when
    `check` passes (an issue nobody triaged becomes open)."""

    row: Row
    # The link's audit record, of the link as stored and named (gateway.store.fix_links.stored_named).
    audit_of: LinkAudit
    status: IssueStatus
    note: str
    check: Check


@dataclass(frozen=True, slots=True)
class TaskFixWrite:
    """What resolving a task by a fix stored: the fix, and its link as stored (None: the task has no issue)."""

    fix: MadeFix
    link: Row | None


@dataclass(frozen=True, slots=True)
class PreviewOnce:
    """A preview made live once: its live link moves from `seen` (what the request read) to `link_id`, or nothing
    is written (gateway.store.fix_previews.move_live_link)."""

    preview_id: str
    seen: str | None
    link_id: str


@dataclass(frozen=True, slots=True)
class PreviewTaken:
    """Another make-live of the preview moved its live link first (to `link_id`): nothing was written."""

    link_id: str | None


class _PreviewTaken(Exception):
    def __init__(self, link_id: str | None) -> None:
        super().__init__(link_id)
        self.link_id = link_id


class _TaskGone(Exception):
    """The task was not there to decide: nothing is kept."""


class _NothingMade(Exception):
    """The fix was already as asked: nothing is kept, not even the key's claim."""


def entry_maker(write: EntryWrite) -> FixMaker:
    """A new knowledge-base entry (gateway.store.knowledge.insert_entry) as the fix."""

    async def make(connection: AsyncConnection) -> MadeFix:
        await insert_entry(connection, write)
        return MadeFix(write.values["id"], int(write.values["version"]), (write.audit,))

    return make


def entry_edit_maker(entry_id: str, change: Change) -> FixEdit:
    """A new version of entry `entry_id` (gateway.store.knowledge.edit_entry) as the fix; None when `change` finds
    the entry, read under its lock, already as it would make it (or the entry gone): nothing to make."""

    async def make(connection: AsyncConnection) -> MadeFix | None:
        edited = await edit_entry(connection, entry_id, change)
        if edited is None or edited.write is None:
            return None
        return MadeFix(entry_id, int(edited.write.values["version"]), (edited.write.audit,))

    return make


def prompt_maker(app: str, plan: Callable[[AppPrompts], PromptChange]) -> FixMaker:
    """A new prompt version of `app` (gateway.store.prompts.change_prompts; `plan` must make one) as the fix."""

    async def make(connection: AsyncConnection) -> MadeFix:
        change = await change_prompts(connection, app, plan)  # no idempotency key: never a KeyUse
        if isinstance(change, KeyUse) or change.new_version is None:
            raise ValueError("a prompt fix's plan made no new version")
        return MadeFix(change.new_version.id, change.new_version.number, change.audit)

    return make


class TaskFixStore:
    """Writes a fix, the decision resolving a task by it, and its link, all or nothing."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def resolve(
        self,
        task_id: str,
        make_fix: FixMaker,
        decide: Callable[[MadeFix], TaskPlan],
        link: Callable[[MadeFix], LinkWrite | None],
        key: KeyClaim | None = None,
        *,
        take: TaskPlan,
    ) -> TaskFixWrite | KeyUse | None:
        """Make the fix, take the task for the reviewer (`take`: their claim) and decide it by `decide(fix)` under its
        lock, and store `link(fix)`, in one transaction; None (and nothing written) when there is no such task.
        Whatever a plan raises rolls everything back, the claim too. The decision's plan gets what the decision judges
        read under the lock (`TaskState.answers`), to check the choice it names there.

        With `key`, claimed first: when an earlier request holds it, nothing is written and its use is returned.
        """
        try:
            with active_issue_guard(task_id):
                async with self._engine.begin() as connection:
                    if key is not None and (earlier := await claim_key(connection, key, datetime.now(UTC))):
                        return earlier
                    made = await make_fix(connection)
                    # The fix first, then the task, as before the claim joined this transaction: the same lock order.
                    found, claimed = await change_task(connection, task_id, take)
                    if not found:
                        raise _TaskGone
                    _, change = await change_task(connection, task_id, decide(made), with_answers=True)
                    # The claim's record first, as when it was its own request.
                    audits = [
                        *([claimed.audit] if claimed and claimed.audit else []),
                        *made.audits,
                        *([change.audit] if change and change.audit else []),
                    ]
                    stored = await _store_link(connection, link(made), audits)
                    # Last: appends wait for each other, so the audit chain's lock is held briefly.
                    for entry in audits:
                        await append(connection, entry)
        except _TaskGone:
            return None
        return TaskFixWrite(made, stored)

    async def make_and_link(
        self,
        make_fix: FixEdit,
        link: Callable[[MadeFix], LinkWrite],
        key: KeyClaim | None,
        once: PreviewOnce | None = None,
    ) -> TaskFixWrite | KeyUse | PreviewTaken | None:
        """Make the fix and store `link(fix)` in one transaction (a fix made live for an issue without a task); with
        `key`, claimed first: when an earlier request holds it, nothing is written and its use is returned.

        With `once` (the preview made live), its live link is moved next: when another make-live moved it first,
        nothing is written and PreviewTaken names the link it moved it to. None when `make_fix` finds the fix
        already as asked (an entry edited to the same text by a request just before): nothing is written, the
        key's claim neither, and nothing is linked again.
        """
        try:
            async with self._engine.begin() as connection:
                if key is not None and (earlier := await claim_key(connection, key, datetime.now(UTC))):
                    return earlier
                if once is not None and not await move_live_link(connection, once.preview_id, once.seen, once.link_id):
                    raise _PreviewTaken(await live_link_of(connection, once.preview_id))
                made = await make_fix(connection)
                if made is None:
                    raise _NothingMade
                audits = list(made.audits)
                stored = await _store_link(connection, link(made), audits)
                for entry in audits:
                    await append(connection, entry)
        except _NothingMade:
            return None
        except _PreviewTaken as taken:
            return PreviewTaken(taken.link_id)
        return TaskFixWrite(made, stored)

    async def key_use(self, scope: str, key: str) -> KeyUse | None:
        """What an earlier request under idempotency key `key` of `scope` made (None: the key is unused)."""
        async with self._engine.connect() as connection:
            return await key_use(connection, scope, key)


async def _store_link(connection: AsyncConnection, linked: LinkWrite | None, audits: list[AuditEntry]) -> Row | None:
    """Store the link and the issue status set with it, adding their audit records to `audits`; the link as stored."""
    if linked is None:
        return None
    await insert_link(connection, linked.row)
    stored = await stored_link(connection, linked.row["id"])
    audits.append(linked.audit_of(await stored_named(connection, stored)))
    issue_id, actor = linked.row["issue_id"], linked.row["created_by"]
    _, status_audit = await set_status_within(connection, issue_id, linked.status, linked.note, actor, linked.check)
    audits += [status_audit] if status_audit is not None else []
    return stored
