"""Linking a fix to the issue it addresses: the verb the API, the knowledge base, prompts and review tasks call."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import uuid_utils
from sqlalchemy.ext.asyncio import AsyncEngine

from clustering.issue_status import IssueStatus
from gateway.audit.records import AuditEntry
from gateway.domain.blank_text import said_name
from gateway.domain.errors import InvalidQuery
from gateway.domain.fixed_values import not_one_of
from gateway.domain.merge_chain import end_of_merges
from gateway.domain.quoting import quoted
from gateway.domain.whole_numbers import whole_number
from gateway.effect.link_serving import check_entry_serving, check_serving
from gateway.effect.records import FIX_ARMS, FIX_KINDS, FixArm, FixKind, FixLink, NamedFix
from gateway.review.lifecycle import MERGE_ACTOR
from gateway.store.fix_links import FixLinkStore, LinkAudit
from gateway.store.issue_edits import IssueEditStore, IssueHead
from gateway.store.task_fixes import LinkWrite

logger = logging.getLogger("feedgate.effect")

MAX_ACTOR = 200
# The status event's note when a fix going live moves a new issue to open.
ACKNOWLEDGED_BY_FIX = "a fix went live for it"
# How far from now a fix may say it went (or goes) live. Year 1 made the effect's windows overflow
# (a 500), and year 9999 became the issue's newest link, its effect "nothing to measure" for good.
MAX_LIVE_AT_DISTANCE = timedelta(days=366)


class IssueNotFound(LookupError):
    """No issue has this id (a 404 over HTTP)."""

    def __init__(self, issue_id: str) -> None:
        super().__init__(f"no issue with id {quoted(issue_id)}")
        self.issue_id = issue_id


class FixLinkNotFound(LookupError):
    """The issue has no fix link with this id (a 404 over HTTP)."""

    def __init__(self, link_id: str) -> None:
        super().__init__(f"no fix link {quoted(link_id)} on this issue: GET the issue's fixes for their ids")
        self.link_id = link_id


# What to do instead of linking a fix to an issue merged away.
LINK_INSTEAD = "link the fix to that issue (its effect is measured on the complaints an issue holds)"


class IssueMergedAway(Exception):
    """The issue was merged into another (a 409 over HTTP): a fix linked to it would measure nothing."""

    def __init__(self, issue_id: str, holding: str, instead: str = LINK_INSTEAD) -> None:
        super().__init__(
            f"issue {quoted(issue_id)} was merged into {quoted(holding)}, which holds its complaints now: {instead}"
        )
        self.issue_id = issue_id
        self.holding = holding


class FixLinkService:
    """Links fixes to issues (audited) and lists an issue's fixes."""

    def __init__(
        self, store: FixLinkStore, edits: IssueEditStore, clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    ) -> None:
        self._store = store
        self._edits = edits
        self._clock = clock

    async def merged_into(self, issue_id: str) -> str | None:
        """The issue `issue_id` was merged into (None: not merged); IssueNotFound when there is no such issue."""
        issue = await self._store.issue(issue_id)
        if issue is None:
            raise IssueNotFound(issue_id)
        merged: str | None = issue["merged_into"]
        return merged

    async def surviving_issue(self, issue_id: str) -> str:
        """The issue that holds `issue_id`'s complaints now: itself, or the end of its chain of merges.

        IssueNotFound when there is no such issue (see gateway.domain.merge_chain).
        """
        return await end_of_merges(issue_id, self.merged_into)

    async def follow_merges(self, app: str) -> int:
        """Give the fixes linked to `app`'s issues merged away to the issues holding their complaints; how many moved.

        A merged issue keeps no complaints, so a fix left linked there measures nothing and the issue
        that has them says "no fix yet". A link the surviving issue has already (the same fix) stays.
        Each move is audited as "issue.fix_link_moved" by the actor review tasks follow merges as: `before` names the
        link and the issue it left, `after` is the link as the issue holding it lists it (as "issue.fix_link" keeps it).
        """
        moved = 0
        for row in await self._store.on_merged_issues(app):
            survivor = await self.surviving_issue(row["issue_id"])
            held = {(link["kind"], link["fix_id"]) for link in await self._store.for_issue(survivor)}
            if survivor == row["issue_id"] or (row["kind"], row["fix_id"]) in held:
                continue
            audit_of = _moved_audit(app, row["id"], row["issue_id"], survivor)
            moved += await self._store.move(row["id"], row["issue_id"], survivor, audit_of)
        return moved

    async def link_fix(
        self,
        issue_id: str,
        kind: FixKind,
        fix_id: str,
        fix_version: float | None = None,
        arm: FixArm = "live",
        live_at: datetime | None = None,
        task_id: str | None = None,
        *,
        actor: str,
    ) -> FixLink:
        """Record that fix `fix_id` (a knowledge entry id for kind "knowledge", a prompt version id for
        "prompt") went live for issue `issue_id` at `live_at` (default: now), optionally resolving review
        task `task_id`; audited as "issue.fix_link" by `actor`.

        `fix_version` defaults to the entry's newest version or the prompt version's number. `arm` is
        "live" or "canary" (prompt versions only). The fix and the task must belong to the issue's app
        (and the task to this issue, when it names one): otherwise InvalidQuery. An unknown issue
        raises IssueNotFound, one merged into another IssueMergedAway. Call it after the fix's own change has
        committed.

        A new issue (nobody had triaged it) becomes open, by `actor`: someone who made a fix for it has
        looked at it, and it leaves the untriaged list. Resolving it stays a person's call, once the
        fix's effect shows.
        """
        issue = await self._store.issue(issue_id)
        if issue is None:
            raise IssueNotFound(issue_id)
        if issue["merged_into"] is not None:
            # Links follow merges only at the merge; one made later would stay behind, measuring a topic with no
            # complaints ("not enough data yet" for good) while the issue holding them showed no fix.
            raise IssueMergedAway(issue_id, await self.surviving_issue(issue_id))
        actor = _actor(actor)
        asked_version = None if fix_version is None else whole_number(fix_version, "fix_version", None, None, 2)
        version = await self._checked_fix(issue["app"], kind, fix_id, asked_version, arm)
        if task_id is not None:
            await self._check_task(task_id, issue_id, issue["app"])
        write = self.link_write(issue_id, issue["app"], kind, fix_id, version, arm, live_at, task_id, actor=actor)
        link = FixLink.from_row(await self._store.insert(write.row, write.audit_of))
        await self._edits.set_status(issue_id, write.status, write.note, actor, check=write.check)
        return link

    @staticmethod
    def new_link_id() -> str:
        """An id for a link to write (`link_write`), known before the transaction that stores it."""
        return str(uuid_utils.uuid7())

    def link_write(
        self,
        issue_id: str,
        app: str,
        kind: FixKind,
        fix_id: str,
        version: int,
        arm: FixArm = "live",
        live_at: datetime | None = None,
        task_id: str | None = None,
        *,
        actor: str,
        link_id: str | None = None,
    ) -> LinkWrite:
        """What `link_fix` writes once it checked the fix, the task and the issue: the link (`link_id`, else a new id)
        with its audit record, and the status an untriaged issue takes (for a caller storing it with the fix in one
        transaction)."""
        now = self._clock()
        actor = _actor(actor)
        row = {
            "id": link_id or str(uuid_utils.uuid7()),
            "issue_id": issue_id,
            "task_id": task_id,
            "kind": kind,
            "fix_id": fix_id,
            "fix_version": version,
            "arm": arm,
            "live_at": _plausible(_aware(live_at), now) if live_at is not None else now,
            "created_by": actor,
            "created_at": now,
        }

        def audit_of(named: dict[str, Any]) -> AuditEntry:
            after = audited_link(named)
            return AuditEntry(
                actor=actor, action="issue.fix_link", subject_type="issue", subject_id=issue_id, app=app, after=after
            )

        return LinkWrite(row, audit_of, IssueStatus.OPEN, ACKNOWLEDGED_BY_FIX, _untriaged)

    async def fixes_for(self, issue_id: str) -> list[FixLink]:
        """The fixes linked to the issue, the earliest to go live first; IssueNotFound for an unknown issue."""
        if await self._store.issue(issue_id) is None:
            raise IssueNotFound(issue_id)
        return [FixLink.from_row(row) for row in await self._store.for_issue(issue_id)]

    async def issue_fixed_by(self, kind: FixKind, fix_id: str) -> str | None:
        """The issue the fix was most recently linked to (its links follow merges); None when it fixes none."""
        return await self._store.issue_fixed_by(kind, fix_id)

    async def name(self, link: FixLink) -> NamedFix:
        """`link` as `named` names each link: what people know its fix by, and a knowledge entry's version now."""
        [named] = await self.named([link])
        return named

    async def named(self, links: Sequence[FixLink]) -> list[NamedFix]:
        """`links` with what people know each fix by: the knowledge entry's title, the prompt version's label."""
        if not links:
            return []
        entries = await self._store.entries_now([link.fix_id for link in links if link.kind == "knowledge"])
        versions = await self._store.prompt_versions([link.fix_id for link in links if link.kind == "prompt"])
        named = []
        for link in links:
            if link.kind == "knowledge":
                entry = entries.get(link.fix_id)
                if entry is None:
                    named.append(NamedFix(link, None))
                else:
                    named.append(NamedFix(link, entry["title"], None, entry["version"], entry["updated_at"]))
                continue
            version = versions.get(link.fix_id)
            named.append(NamedFix(link, version.label() if version else None, version.message if version else None))
        return named

    async def _checked_fix(self, app: str, kind: str, fix_id: str, version: int | None, arm: str) -> int:
        """The fix's version once the fix is known to exist in `app` and to fit `kind` and `arm`."""
        if kind not in FIX_KINDS:
            raise not_one_of("kind", FIX_KINDS, kind)
        if arm not in FIX_ARMS:
            raise not_one_of("arm", FIX_ARMS, arm)
        if kind == "knowledge" and arm == "canary":
            raise InvalidQuery("arm", "knowledge-base entries have no canary arm: link them with arm 'live'")
        found = await (
            self._store.knowledge_entry(fix_id) if kind == "knowledge" else self._store.prompt_version(fix_id)
        )
        what = "knowledge-base entry" if kind == "knowledge" else "prompt version"
        if found is None:
            raise InvalidQuery("fix_id", f"no {what} with id {quoted(fix_id)}")
        if found["app"] != app:
            raise InvalidQuery(
                "fix_id", f"the {what} belongs to app {quoted(found['app'])}, the issue to {quoted(app)}"
            )
        # A link says which calls had the fix: a fix that does not serve as its arm says (a version inactive, the active
        # one as a canary, a canary as live; an entry switched off) would measure calls that never had it and, as the
        # issue's newest link, hide the fix that does serve.
        if kind == "prompt":
            check_serving(found, arm)
        else:
            check_entry_serving(found)
        if version is None:
            return int(found["version"])
        if kind == "knowledge" and not 1 <= version <= found["version"]:
            raise InvalidQuery("fix_version", f"the entry has versions 1 to {found['version']}, not {version}")
        if kind == "prompt" and version != found["version"]:
            raise InvalidQuery("fix_version", f"that prompt version is number {found['version']}, not {version}")
        return version

    async def _check_task(self, task_id: str, issue_id: str, app: str) -> None:
        task = await self._store.task(task_id)
        if task is None:
            raise InvalidQuery("task_id", f"no review task with id {quoted(task_id)}")
        if task["app"] != app:
            raise InvalidQuery("task_id", f"the task belongs to app {quoted(task['app'])}, the issue to {quoted(app)}")
        # A task about an issue merged since resolves into the issue that holds its complaints now.
        about = task["issue_id"]
        if about is not None and about != issue_id and await self.surviving_issue(about) != issue_id:
            raise InvalidQuery("task_id", f"the task is about issue {quoted(about)}, not {quoted(issue_id)}")


def audited_link(named: dict[str, Any]) -> dict[str, Any]:
    """A link as stored and named (gateway.store.fix_links.stored_named) as its audit records keep it."""
    # What was linked, as the issue's fixes show it, and by name: an id alone tells an auditor little once the entry is
    # deleted or the version replaced.
    # str(key): a column's name is SQLAlchemy's str subclass, which the audit log's JSON refuses as a key.
    return {str(k): v.isoformat() if isinstance(v, datetime) else v for k, v in named.items()}


def _moved_audit(app: str, link_id: str, from_issue: str, to_issue: str) -> LinkAudit:
    """The audit record of link `link_id` moved from `from_issue` to `to_issue` by a merge, of the link as moved."""

    def audit_of(named: dict[str, Any]) -> AuditEntry:
        return AuditEntry(
            actor=MERGE_ACTOR,
            action="issue.fix_link_moved",
            subject_type="issue",
            subject_id=to_issue,
            app=app,
            before={"id": link_id, "issue_id": from_issue},
            after=audited_link(named),
        )

    return audit_of


def _actor(name: Any) -> str:
    """Who links the fix, without blank ends; one of zero-width spaces (str.strip kept them) is refused as blank."""
    cleaned = said_name("created_by", name, "name who links the fix") if isinstance(name, str) else ""
    if not cleaned or len(cleaned) > MAX_ACTOR:
        raise InvalidQuery("created_by", f"the actor must be a name of 1 to {MAX_ACTOR} characters")
    return cleaned


def _plausible(live_at: datetime, now: datetime) -> datetime:
    """`live_at` if it lies within a year of `now`: further is a typo, and the newest link decides an issue's effect."""
    if abs(live_at - now) > MAX_LIVE_AT_DISTANCE:
        raise _too_far(live_at)
    return live_at


def _too_far(live_at: datetime) -> InvalidQuery:
    """The refusal of a `live_at` further than a year from now."""
    return InvalidQuery(
        "live_at", f"'live_at' must be within {MAX_LIVE_AT_DISTANCE.days} days of now; got {live_at.isoformat()}"
    )


def _aware(moment: datetime) -> datetime:
    """`moment` in UTC; a naive time, or one UTC cannot hold (year 1 at +14:00 is year 0 there), is refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidQuery("live_at", "'live_at' needs a timezone (e.g. 2026-12-01T09:00:00Z)")
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise _too_far(moment) from None


def _untriaged(head: IssueHead) -> bool:
    """Whether nobody has triaged the issue yet (only then does a fix going live open it)."""
    return head.status == IssueStatus.NEW


async def follow_fix_links_after_run(engine: AsyncEngine, app: str) -> int:
    """FixLinkService.follow_merges after a clustering pass: a failure is logged, never fails the pass."""
    try:
        return await FixLinkService(FixLinkStore(engine), IssueEditStore(engine)).follow_merges(app)
    except Exception:
        logger.exception("moving the fixes of %s's issues merged away failed", app)
        return 0
